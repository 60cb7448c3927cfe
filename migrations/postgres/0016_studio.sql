-- Studio (issue 16, docs/studio.md, docs/adr/0010): studio owns the project lifecycle on the one
-- `projects` table of migration 0006. The status list widens to
--   draft, design, engineering, estimating, quoted, approved, in_production, installed, closed,
--   on_hold, cancelled
-- without losing a row. Old statuses map (project/status.h FromLegacyStatus says the same):
--   draft -> draft, quoted -> quoted, approved -> approved, cancelled -> cancelled,
--   in_progress -> in_production (the job is being built), completed -> closed (the job is done and
--   its actual cost is what estimating's imports recorded).
-- `held_from` keeps the status a project had when it went on_hold: resume returns there.
ALTER TABLE projects DROP CONSTRAINT IF EXISTS projects_status_check;
UPDATE projects SET status = 'in_production' WHERE status = 'in_progress';
UPDATE projects SET status = 'closed' WHERE status = 'completed';
ALTER TABLE projects ADD CONSTRAINT projects_status_check
  CHECK (status IN ('draft', 'design', 'engineering', 'estimating', 'quoted', 'approved', 'in_production', 'installed', 'closed', 'on_hold', 'cancelled'));
ALTER TABLE projects ADD COLUMN held_from TEXT;
ALTER TABLE projects ADD CONSTRAINT projects_held_from_check
  CHECK ((status = 'on_hold') = (held_from IS NOT NULL));

-- Every lifecycle change: who moved the project from which status to which, with the request's
-- data (reason, ...). Append-only; the timeline of the project page.
CREATE TABLE project_events (
  id TEXT PRIMARY KEY,                 -- pev_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  actor TEXT NOT NULL,                 -- principal subject id, 'system' or 'migration'
  from_status TEXT,                    -- NULL for the creation / migration row
  to_status TEXT NOT NULL,
  data JSONB NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX project_events_project ON project_events (project_id, id);

-- Design payloads: one append-only version per save of a module's configuration. `config` is the
-- RFC 8785 canonical JSON text (exactly the bytes `sha256` is computed over), `files` the attached
-- blobs [{name, sha256, size_bytes, content_type}], `cost_snapshot` what estimating's cost model
-- said at save time (or why it could not).
CREATE TABLE project_payloads (
  id TEXT PRIMARY KEY,                 -- ppl_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  module TEXT NOT NULL
    CHECK (module IN ('structure', 'cabinet', 'foundation', 'electrical', 'graphics', 'installation')),
  version BIGINT NOT NULL,             -- 1, 2, ... per (project, module)
  config TEXT NOT NULL,
  files JSONB NOT NULL,
  cost_snapshot JSONB NOT NULL,
  sha256 TEXT NOT NULL,                -- over config + files (see docs/studio.md)
  created_by TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE (project_id, module, version)
);
CREATE INDEX project_payloads_org ON project_payloads (org_id, project_id, module, version);

-- Structure calculations: the engineering check of one structure payload version (by its sha256).
-- Leaving `engineering` needs a passing row for the current structure payload.
CREATE TABLE project_calculations (
  id TEXT PRIMARY KEY,                 -- pcl_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  payload_sha256 TEXT NOT NULL,
  passed BOOLEAN NOT NULL,
  constants_version TEXT NOT NULL,
  result JSONB NOT NULL,              -- {result, assumptions, confidence, trace}
  created_at BIGINT NOT NULL,
  UNIQUE (project_id, payload_sha256)
);

-- A quote made from a project's payloads: the combined hash of every payload it was priced from.
-- `quoted` needs one whose hash is the project's current one.
CREATE TABLE project_quotes (
  quote_id TEXT PRIMARY KEY REFERENCES quotes (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  payloads_sha256 TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX project_quotes_project ON project_quotes (project_id, payloads_sha256);

-- Report PDFs (job projects.report.generate): one row per distinct set of inputs (the project's
-- fields and the payload versions it is rendered from, hashed as inputs_sha256), so the same
-- inputs give the same row and the same bytes.
CREATE TABLE project_reports (
  id TEXT PRIMARY KEY,                 -- prp_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  inputs_sha256 TEXT NOT NULL,
  inputs JSONB NOT NULL,                -- {project: {...}, payload_versions: {module: version}}
  status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
  job_id TEXT,
  blob_sha256 TEXT REFERENCES blobs (sha256),
  size_bytes BIGINT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (project_id, inputs_sha256)
);

-- PM-system dispatches (job projects.submit.dispatch): one per (org, idempotency key), with the
-- delivery log of every attempt.
CREATE TABLE project_dispatches (
  id TEXT PRIMARY KEY,                 -- pdx_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  idempotency_key TEXT NOT NULL,       -- sent as Idempotency-Key; one dispatch per key
  url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  job_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status_code INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (org_id, idempotency_key)
);
CREATE INDEX project_dispatches_project ON project_dispatches (project_id, id);
-- Every attempt of a dispatch (the delivery log).
CREATE TABLE project_dispatch_attempts (
  dispatch_id TEXT NOT NULL REFERENCES project_dispatches (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  org_id TEXT NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms BIGINT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (dispatch_id, attempt)
);

-- Every existing project gets its first timeline row (who: the migration).
INSERT INTO project_events (id, org_id, project_id, actor, from_status, to_status, data, at)
  SELECT 'pev_m16_' || id, org_id, id, 'migration', NULL, status,
         jsonb_build_object('migration', '0016', 'previous_status', CASE status WHEN 'in_production' THEN 'in_progress' WHEN 'closed' THEN 'completed' ELSE status END), updated_at
  FROM projects;
