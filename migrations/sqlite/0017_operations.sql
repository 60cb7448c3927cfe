-- Operations (seed 002, issue 17): ingest batches with their per-row errors and the audit of every
-- change a batch causes; the shop's items, processes (routings) and stock (snapshots and
-- movements) with the external ids of the systems they came from; forecast runs, forecasts,
-- accuracy and alerts. Every row belongs to an org; every query filters by org_id. Timestamps
-- BIGINT unix microseconds (UTC), money BIGINT cents, quantities REAL in the item's
-- unit, JSON TEXT.
CREATE TABLE raw_data_batches (
  id TEXT PRIMARY KEY,                 -- bat_<ulid>
  org_id TEXT NOT NULL,
  source TEXT NOT NULL,                -- the sending system ("erp", "quickbooks", "api", ...)
  entity TEXT NOT NULL
    CHECK (entity IN ('items', 'processes', 'inventory', 'receipts', 'consumption')),
  format TEXT NOT NULL CHECK (format IN ('csv', 'ndjson', 'json')),
  filename TEXT,
  checksum TEXT NOT NULL,              -- SHA-256 of the bytes as received (the blob's name)
  size_bytes BIGINT NOT NULL,
  partial INTEGER NOT NULL,            -- apply the valid rows even when some are rejected
  status TEXT NOT NULL CHECK (status IN ('received', 'validated', 'normalized', 'rejected')),
  row_count BIGINT NOT NULL DEFAULT 0,
  applied_rows BIGINT NOT NULL DEFAULT 0,
  rejected_rows BIGINT NOT NULL DEFAULT 0,
  error_count BIGINT NOT NULL DEFAULT 0,
  changes BIGINT NOT NULL DEFAULT 0,   -- audit rows the last application wrote
  message TEXT,
  job_id TEXT,                         -- the operations.ingest job of the last (re)application
  replays INTEGER NOT NULL DEFAULT 0,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE UNIQUE INDEX raw_data_batches_checksum ON raw_data_batches (org_id, checksum);
CREATE INDEX raw_data_batches_org ON raw_data_batches (org_id, id);

CREATE TABLE raw_data_batch_errors (
  batch_id TEXT NOT NULL REFERENCES raw_data_batches (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,                -- order of discovery; the report is capped per batch
  row_number BIGINT NOT NULL,          -- 1-based data row (the CSV header is not a row)
  field TEXT NOT NULL,
  rule TEXT NOT NULL,
  PRIMARY KEY (batch_id, seq)
);

CREATE TABLE prim_master_audits (
  id TEXT PRIMARY KEY,                 -- pma_<ulid>
  org_id TEXT NOT NULL,
  entity TEXT NOT NULL,                -- item, process, inventory_snapshot, movement, external_id
  entity_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  before_json TEXT,
  after_json TEXT,
  batch_id TEXT,                       -- null for changes through the API
  actor TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX prim_master_audits_entity ON prim_master_audits (org_id, entity, entity_id, id);
CREATE INDEX prim_master_audits_batch ON prim_master_audits (batch_id, id);

CREATE TABLE manufacturing_items (
  id TEXT PRIMARY KEY,                 -- itm_<ulid>
  org_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  unit TEXT NOT NULL,                  -- ea, ft, sqft, lb, gal, roll, ...
  category TEXT,
  lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0),
  reorder_point REAL NOT NULL CHECK (reorder_point >= 0),
  safety_stock REAL NOT NULL CHECK (safety_stock >= 0),
  cost_cents BIGINT NOT NULL CHECK (cost_cents >= 0),
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX manufacturing_items_sku ON manufacturing_items (org_id, sku);
CREATE INDEX manufacturing_items_org ON manufacturing_items (org_id, id);

CREATE TABLE manufacturing_processes (
  id TEXT PRIMARY KEY,                 -- prc_<ulid>
  org_id TEXT NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  item_id TEXT REFERENCES manufacturing_items (id),
  steps TEXT NOT NULL,                -- [{seq, work_centre, standard_hours, description}]
  standard_hours REAL NOT NULL,  -- sum over the steps
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX manufacturing_processes_code ON manufacturing_processes (org_id, code);
CREATE INDEX manufacturing_processes_org ON manufacturing_processes (org_id, id);

CREATE TABLE inventory_snapshots (
  id TEXT PRIMARY KEY,                 -- inv_<ulid>
  org_id TEXT NOT NULL,
  item_id TEXT NOT NULL REFERENCES manufacturing_items (id),
  on_hand REAL NOT NULL,
  on_order REAL NOT NULL,
  allocated REAL NOT NULL,
  at BIGINT NOT NULL,                  -- when the count was true
  source TEXT NOT NULL,
  batch_id TEXT,
  batch_row BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX inventory_snapshots_item ON inventory_snapshots (org_id, item_id, at);
CREATE INDEX inventory_snapshots_org ON inventory_snapshots (org_id, id);
CREATE UNIQUE INDEX inventory_snapshots_batch_row ON inventory_snapshots (batch_id, batch_row)
  WHERE batch_id IS NOT NULL;

CREATE TABLE inventory_movements (
  id TEXT PRIMARY KEY,                 -- mov_<ulid>
  org_id TEXT NOT NULL,
  item_id TEXT NOT NULL REFERENCES manufacturing_items (id),
  kind TEXT NOT NULL CHECK (kind IN ('receipt', 'consumption')),
  quantity REAL NOT NULL CHECK (quantity >= 0),
  at BIGINT NOT NULL,
  day TEXT NOT NULL,                   -- YYYY-MM-DD (UTC) of `at`: the demand-history bucket
  batch_id TEXT,
  batch_row BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX inventory_movements_item ON inventory_movements (org_id, item_id, kind, day);
CREATE UNIQUE INDEX inventory_movements_batch_row ON inventory_movements (batch_id, batch_row)
  WHERE batch_id IS NOT NULL;

CREATE TABLE external_id_mappings (
  org_id TEXT NOT NULL,
  source_system TEXT NOT NULL,
  entity TEXT NOT NULL,                -- item, process
  external_id TEXT NOT NULL,
  internal_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, source_system, entity, external_id)
);
CREATE INDEX external_id_mappings_internal ON external_id_mappings (org_id, internal_id);

CREATE TABLE forecast_runs (
  id TEXT PRIMARY KEY,                 -- fcr_<ulid>
  org_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  horizon INTEGER NOT NULL,
  period INTEGER NOT NULL,
  level REAL NOT NULL,
  items INTEGER NOT NULL DEFAULT 0,    -- items forecast
  skipped INTEGER NOT NULL DEFAULT 0,  -- items without demand history
  job_id TEXT,
  message TEXT,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE INDEX forecast_runs_org ON forecast_runs (org_id, id);

CREATE TABLE forecasts (
  run_id TEXT NOT NULL REFERENCES forecast_runs (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  step INTEGER NOT NULL,               -- 1..horizon
  day TEXT NOT NULL,                   -- YYYY-MM-DD the step forecasts
  point REAL NOT NULL,
  lower REAL NOT NULL,
  upper REAL NOT NULL,
  level REAL NOT NULL,
  model TEXT NOT NULL,                 -- the method forecast::AutoForecast chose
  version TEXT NOT NULL,               -- the forecasting library's version
  notes TEXT,
  PRIMARY KEY (run_id, item_id, step)
);
CREATE INDEX forecasts_item ON forecasts (org_id, item_id, day);

CREATE TABLE forecast_accuracy (
  org_id TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES forecast_runs (id) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  model TEXT NOT NULL,
  points INTEGER NOT NULL,             -- forecast days with an actual
  mape REAL,               -- null when every actual is 0
  mase REAL,               -- null without an in-sample naive error
  bias REAL NOT NULL,      -- mean(forecast - actual)
  computed_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, item_id)
);
CREATE INDEX forecast_accuracy_item ON forecast_accuracy (org_id, item_id, computed_at);

CREATE TABLE forecast_alert_rules (
  org_id TEXT NOT NULL,
  rule TEXT NOT NULL CHECK (rule IN ('stockout', 'accuracy_degraded', 'demand_spike', 'demand_drop')),
  enabled INTEGER NOT NULL,
  params TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, rule)
);

CREATE TABLE forecast_alerts (
  id TEXT PRIMARY KEY,                 -- alr_<ulid>
  org_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  message TEXT NOT NULL,
  details TEXT NOT NULL,
  run_id TEXT,
  opened_at BIGINT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at BIGINT,
  resolved_by TEXT,
  resolved_at BIGINT,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX forecast_alerts_org ON forecast_alerts (org_id, status, id);
-- At most one unresolved alert per item and rule: a new run updates it instead of adding another.
CREATE UNIQUE INDEX forecast_alerts_active ON forecast_alerts (org_id, item_id, rule)
  WHERE status <> 'resolved';
