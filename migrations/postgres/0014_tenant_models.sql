-- Tenant-aware model registry (docs/adr/0008-tenant-models.md): every model version has an owner,
-- an org (org_id = the org's id) or the platform (org_id = ''), and each owner has its own
-- lifecycle per model name: at most one production version per (owner, name). Scoring for an org
-- uses the org's production version, else the platform's. The versions that existed before this
-- migration were deployment-wide, so they become the platform's — except the cost versions that
-- the automatic retrain (estimating.retrain, created_by 'job:<job id>') trained on ONE org's cost
-- records: they go back to that org (the job row names it), so that org's data stops pricing, and
-- showing its jobs to, every other org at once. (When such a version was in production, the
-- platform has no production cost model after this migration until a super_admin promotes one;
-- jobs older than jobs.retention_days are gone, so their versions stay the platform's.)
-- '' rather than NULL keeps the primary key and the unique index plain (NULLs are distinct in
-- both). No foreign key to orgs: '' is not an org.
ALTER TABLE model_versions ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
UPDATE model_versions mv SET org_id = j.org_id
  FROM jobs j
  WHERE mv.created_by = 'job:' || j.id AND j.type = 'estimating.retrain'
    AND j.org_id IS NOT NULL AND j.org_id <> '';
ALTER TABLE model_versions DROP CONSTRAINT model_versions_pkey;
ALTER TABLE model_versions ADD PRIMARY KEY (org_id, name, version);
DROP INDEX model_versions_one_production;
CREATE UNIQUE INDEX model_versions_one_production ON model_versions (org_id, name)
  WHERE state = 'production';
DROP INDEX model_versions_by_created;
CREATE INDEX model_versions_by_created ON model_versions (org_id, name, created_at);
-- The pollers read every owner's production version of one model name.
CREATE INDEX model_versions_production_by_name ON model_versions (name)
  WHERE state = 'production';
