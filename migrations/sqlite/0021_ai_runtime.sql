-- AI runtime (issue 17 item 7, docs/ai-runtime.md): registered models run asynchronously on a batch
-- input through the one job queue (job type ai.run_inference).
--
-- ai_models is NOT a second registry: it is a view of model_versions (the one registry,
-- migration 0014, ADR 0008) restricted to the kinds the runtime runs, with the runtime's kind
-- names (registry name 'leads' is kind 'lead'). org_id '' = the platform default.
CREATE VIEW ai_models AS
  SELECT org_id,
         CASE name WHEN 'leads' THEN 'lead' ELSE name END AS kind,
         name AS registry_name,
         version,
         state AS status,
         card,
         created_at,
         promoted_at
  FROM model_versions
  WHERE name IN ('leads', 'cost', 'forecast');

-- One batch inference: the input rows (a registered blob), the model version it was resolved to
-- when it was submitted (a retry runs the same version), its status and execution metrics.
CREATE TABLE inference_jobs (
  id TEXT PRIMARY KEY,                 -- inf_<ulid>
  org_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('lead', 'cost', 'forecast')),
  model_owner TEXT NOT NULL,           -- owner of the version used: the org's id, '' = platform
  model_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  job_id TEXT NOT NULL,                -- the ai.run_inference job (jobs.id)
  input_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
  input_bytes BIGINT NOT NULL,
  options TEXT NOT NULL,               -- JSON: {"explain": bool}
  rows_total BIGINT NOT NULL,
  rows_done BIGINT NOT NULL DEFAULT 0,     -- rows answered so far by the current attempt
  rows_failed BIGINT NOT NULL DEFAULT 0,   -- rows that got an error instead of an answer
  progress INTEGER NOT NULL DEFAULT 0,     -- 0..100
  attempts INTEGER NOT NULL DEFAULT 0,
  wall_ms BIGINT,                      -- the successful attempt's wall time
  error TEXT,                          -- why the last attempt failed
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
);
CREATE INDEX inference_jobs_org ON inference_jobs (org_id, id);
CREATE INDEX inference_jobs_org_kind ON inference_jobs (org_id, kind, id);

-- One answer per input row, keyed by the row's 0-based position: an attempt replaces the rows of
-- the one before it, so a retried job never holds a row twice.
CREATE TABLE inference_results (
  inference_id TEXT NOT NULL REFERENCES inference_jobs (id) ON DELETE CASCADE,
  row_index BIGINT NOT NULL,
  ok INTEGER NOT NULL,                  -- 0/1
  output TEXT,                         -- JSON answer when ok
  errors TEXT,                         -- JSON [{"field", "message"}] when not ok
  PRIMARY KEY (inference_id, row_index)
);
