-- Studio (issue 16, docs/studio.md, docs/adr/0010): studio owns the project lifecycle on the one
-- `projects` table of migration 0006. The status list widens to
--   draft, design, engineering, estimating, quoted, approved, in_production, installed, closed,
--   on_hold, cancelled
-- without losing a row. Old statuses map (project/status.h FromLegacyStatus says the same):
--   draft -> draft, quoted -> quoted, approved -> approved, cancelled -> cancelled,
--   in_progress -> in_production (the job is being built), completed -> closed (the job is done and
--   its actual cost is what estimating's imports recorded).
-- `held_from` keeps the status a project had when it went on_hold: resume returns there.
-- SQLite cannot change a CHECK constraint in place: `projects` is rebuilt. Dropping it would
-- cascade (foreign keys are on inside the migration's transaction) into cost_records, cost_lines
-- and quotes, so those are rebuilt with it, children first, with the same columns and indexes.
CREATE TABLE projects_v16 (
  id TEXT PRIMARY KEY,                 -- prj_<ulid>
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  customer TEXT,
  location TEXT,
  source TEXT NOT NULL DEFAULT 'manual',  -- manual, import, studio, crm
  status TEXT NOT NULL
    CHECK (status IN ('draft', 'design', 'engineering', 'estimating', 'quoted', 'approved', 'in_production', 'installed', 'closed', 'on_hold', 'cancelled')),
  external_ref TEXT,                   -- the project id in the system it was imported from
  project_date TEXT,                   -- order date, YYYY-MM-DD
  metadata TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  held_from TEXT,
  CONSTRAINT projects_held_from_check CHECK ((status = 'on_hold') = (held_from IS NOT NULL))
);
INSERT INTO projects_v16 (id, org_id, name, customer, location, source, status, external_ref,
                          project_date, metadata, version, created_at, updated_at, held_from)
  SELECT id, org_id, name, customer, location, source,
         CASE status WHEN 'in_progress' THEN 'in_production' WHEN 'completed' THEN 'closed'
                     ELSE status END,
         external_ref, project_date, metadata, version, created_at, updated_at, NULL
  FROM projects;

CREATE TABLE cost_records_v16 (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects_v16 (id) ON DELETE CASCADE,
  external_id TEXT,
  import_id TEXT,
  drivers TEXT NOT NULL,
  total_cost_cents BIGINT,
  labor_cost_cents BIGINT,
  material_cost_cents BIGINT,
  equipment_cost_cents BIGINT,
  overhead_cost_cents BIGINT,
  tax_cents BIGINT,
  shipping_cents BIGINT,
  labor_hours REAL,
  est_total_cost_cents BIGINT,
  est_labor_cost_cents BIGINT,
  est_material_cost_cents BIGINT,
  est_equipment_cost_cents BIGINT,
  est_overhead_cost_cents BIGINT,
  est_tax_cents BIGINT,
  est_shipping_cents BIGINT,
  est_labor_hours REAL,
  quoted_price_cents BIGINT,
  contingency_bp INTEGER,
  markup_bp INTEGER,
  change_order INTEGER NOT NULL DEFAULT 0,
  predicted_cost_cents BIGINT,
  confidence REAL,
  cost_drivers_importance TEXT,
  anomaly_score REAL,
  model_version TEXT,
  notes TEXT,
  project_date TEXT,
  cost_date TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (total_cost_cents IS NULL OR total_cost_cents >= 0),
  CHECK (est_total_cost_cents IS NULL OR est_total_cost_cents >= 0)
);
INSERT INTO cost_records_v16 SELECT * FROM cost_records;

CREATE TABLE cost_lines_v16 (
  cost_record_id TEXT NOT NULL REFERENCES cost_records_v16 (id) ON DELETE CASCADE,
  line_no INTEGER NOT NULL,
  org_id TEXT NOT NULL,
  work_order TEXT,
  cost_type TEXT NOT NULL,
  line_date TEXT,
  work_dept TEXT,
  work_code TEXT,
  seq INTEGER,
  item TEXT,
  um TEXT,
  est_hrs REAL NOT NULL DEFAULT 0,
  act_hrs REAL NOT NULL DEFAULT 0,
  est_qty REAL NOT NULL DEFAULT 0,
  act_qty REAL NOT NULL DEFAULT 0,
  est_cost_cents BIGINT NOT NULL DEFAULT 0,
  act_lab_cents BIGINT NOT NULL DEFAULT 0,
  act_bur_cents BIGINT NOT NULL DEFAULT 0,
  act_mat_cents BIGINT NOT NULL DEFAULT 0,
  act_out_cents BIGINT NOT NULL DEFAULT 0,
  use_tax_cents BIGINT NOT NULL DEFAULT 0,
  job_cost_cents BIGINT NOT NULL DEFAULT 0,
  description TEXT,
  category TEXT,
  PRIMARY KEY (cost_record_id, line_no)
);
INSERT INTO cost_lines_v16 SELECT * FROM cost_lines;

CREATE TABLE quotes_v16 (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  project_id TEXT REFERENCES projects_v16 (id) ON DELETE CASCADE,
  price_list_version TEXT NOT NULL,
  price_list TEXT NOT NULL,
  request TEXT NOT NULL,
  quote TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  total_cost_cents BIGINT NOT NULL,
  price_cents BIGINT NOT NULL,
  pdf_blob_sha256 TEXT REFERENCES blobs (sha256),
  pdf_job_id TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  price_list_id TEXT
);
INSERT INTO quotes_v16 SELECT * FROM quotes;

DROP TABLE cost_lines;
DROP TABLE cost_records;
DROP TABLE quotes;
DROP TABLE projects;
ALTER TABLE projects_v16 RENAME TO projects;
ALTER TABLE cost_records_v16 RENAME TO cost_records;
ALTER TABLE cost_lines_v16 RENAME TO cost_lines;
ALTER TABLE quotes_v16 RENAME TO quotes;

CREATE INDEX projects_org ON projects (org_id, id);
CREATE INDEX projects_org_status ON projects (org_id, status, id);
CREATE UNIQUE INDEX projects_org_external ON projects (org_id, external_ref)
  WHERE external_ref IS NOT NULL;
CREATE INDEX cost_records_org ON cost_records (org_id, id);
CREATE INDEX cost_records_project ON cost_records (project_id, id);
CREATE INDEX cost_records_org_cost_date ON cost_records (org_id, cost_date);
CREATE UNIQUE INDEX cost_records_org_external ON cost_records (org_id, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX cost_lines_org_code ON cost_lines (org_id, work_code);
CREATE INDEX quotes_org ON quotes (org_id, id);
CREATE INDEX quotes_project ON quotes (project_id, id);

-- Every lifecycle change: who moved the project from which status to which, with the request's
-- data (reason, ...). Append-only; the timeline of the project page.
CREATE TABLE project_events (
  id TEXT PRIMARY KEY,                 -- pev_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  actor TEXT NOT NULL,                 -- principal subject id, 'system' or 'migration'
  from_status TEXT,                    -- NULL for the creation / migration row
  to_status TEXT NOT NULL,
  data TEXT NOT NULL,
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
  files TEXT NOT NULL,
  cost_snapshot TEXT NOT NULL,
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
  passed INTEGER NOT NULL,
  constants_version TEXT NOT NULL,
  result TEXT NOT NULL,              -- {result, assumptions, confidence, trace}
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
  inputs TEXT NOT NULL,                -- {project: {...}, payload_versions: {module: version}}
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
         json_object('migration', '0016', 'previous_status', CASE status WHEN 'in_production' THEN 'in_progress' WHEN 'closed' THEN 'completed' ELSE status END), updated_at
  FROM projects;
