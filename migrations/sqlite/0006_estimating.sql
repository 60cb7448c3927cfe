-- Estimating (seed 000, issue 7): projects, cost history (records with estimate vs actual totals
-- and their KeyedIn cost-summary lines), imports and quotes. Every row belongs to an org and every
-- query filters by org_id. Money BIGINT cents, timestamps BIGINT unix microseconds (UTC), dates
-- TEXT 'YYYY-MM-DD', JSON TEXT. Versioned rows (projects, quotes) carry `version` for ETag/If-Match.
CREATE TABLE projects (
  id TEXT PRIMARY KEY,                 -- prj_<ulid>
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  customer TEXT,
  location TEXT,
  source TEXT NOT NULL DEFAULT 'manual',  -- manual, import, studio, crm
  status TEXT NOT NULL
    CHECK (status IN ('draft', 'quoted', 'approved', 'in_progress', 'completed', 'cancelled')),
  external_ref TEXT,                   -- the project id in the system it was imported from
  project_date TEXT,                   -- order date, YYYY-MM-DD
  metadata TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX projects_org ON projects (org_id, id);
CREATE INDEX projects_org_status ON projects (org_id, status, id);
CREATE UNIQUE INDEX projects_org_external ON projects (org_id, external_ref)
  WHERE external_ref IS NOT NULL;

-- One job's cost: the shop's estimate (est_*) and the actual job cost, the drivers (the sign spec
-- as JSON, seed 000 shape) and the model's view of it (filled by the cost model: predicted cost,
-- confidence, driver importance, anomaly score).
CREATE TABLE cost_records (
  id TEXT PRIMARY KEY,                 -- cr_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  external_id TEXT,                    -- id in the imported file (re-import guard)
  import_id TEXT,                      -- the import that created it, if any
  drivers TEXT NOT NULL,
  total_cost_cents BIGINT,             -- actual job cost; NULL while the job is open
  labor_cost_cents BIGINT,
  material_cost_cents BIGINT,
  equipment_cost_cents BIGINT,
  overhead_cost_cents BIGINT,
  tax_cents BIGINT,
  shipping_cents BIGINT,
  labor_hours REAL,
  est_total_cost_cents BIGINT,         -- the shop's own estimate (the baseline)
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
  predicted_cost_cents BIGINT,         -- filled by the cost model
  confidence REAL,
  cost_drivers_importance TEXT,
  anomaly_score REAL,
  model_version TEXT,
  notes TEXT,
  project_date TEXT,                   -- YYYY-MM-DD
  cost_date TEXT,                      -- YYYY-MM-DD, job closed
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (total_cost_cents IS NULL OR total_cost_cents >= 0),
  CHECK (est_total_cost_cents IS NULL OR est_total_cost_cents >= 0)
);
CREATE INDEX cost_records_org ON cost_records (org_id, id);
CREATE INDEX cost_records_project ON cost_records (project_id, id);
CREATE INDEX cost_records_org_cost_date ON cost_records (org_id, cost_date);
CREATE UNIQUE INDEX cost_records_org_external ON cost_records (org_id, external_id)
  WHERE external_id IS NOT NULL;

-- Estimate vs actual by cost type and work code: one row of a KeyedIn COST SUMMARY REPORT
-- (sign-domain.md 1.4). Variances are derived (actual - estimate).
CREATE TABLE cost_lines (
  cost_record_id TEXT NOT NULL REFERENCES cost_records (id) ON DELETE CASCADE,
  line_no INTEGER NOT NULL,
  org_id TEXT NOT NULL,
  work_order TEXT,
  cost_type TEXT NOT NULL,             -- Labor | Material
  line_date TEXT,                      -- YYYY-MM-DD
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
  category TEXT,                       -- labor, material, outside, equipment, shipping
  PRIMARY KEY (cost_record_id, line_no)
);
CREATE INDEX cost_lines_org_code ON cost_lines (org_id, work_code);

-- One uploaded history file: checksum, outcome and the row-by-row report.
CREATE TABLE imports (
  id TEXT PRIMARY KEY,                 -- imp_<ulid>
  org_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('csv', 'ndjson', 'keyedin-csv')),
  sha256 TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  partial INTEGER NOT NULL,
  idempotency_key TEXT,
  status TEXT NOT NULL CHECK (status IN ('completed', 'rejected')),
  total_rows INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  report TEXT NOT NULL,
  created_by TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX imports_org_sha ON imports (org_id, sha256);
CREATE UNIQUE INDEX imports_org_idempotency ON imports (org_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- A priced quote: the price list snapshot it was priced with, the request, the lines and totals
-- (estimating/quote.h), and the PDF blob once the quotes.render_pdf job has stored it.
CREATE TABLE quotes (
  id TEXT PRIMARY KEY,                 -- quo_<ulid>
  org_id TEXT NOT NULL,
  project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
  price_list_version TEXT NOT NULL,    -- "id@version"
  price_list TEXT NOT NULL,
  request TEXT NOT NULL,
  quote TEXT NOT NULL,                  -- lines and totals
  quantity BIGINT NOT NULL,
  total_cost_cents BIGINT NOT NULL,
  price_cents BIGINT NOT NULL,
  pdf_blob_sha256 TEXT REFERENCES blobs (sha256),
  pdf_job_id TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX quotes_org ON quotes (org_id, id);
CREATE INDEX quotes_project ON quotes (project_id, id);

-- Idempotency-Key of estimating mutations: the resource the first request created.
CREATE TABLE estimating_idempotency (
  org_id TEXT NOT NULL,
  scope TEXT NOT NULL,                 -- "projects.create", "quotes.create", ...
  idempotency_key TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, scope, idempotency_key)
);
