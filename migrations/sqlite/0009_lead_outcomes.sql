-- Lead feedback and monitoring (issue 6, item 7).
--
-- lead_scores: the latest score of each lead per org (written in batches by the score log
-- flusher, never in the request); an outcome can only be recorded for a lead found here.
CREATE TABLE lead_scores (
  org_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  model_version TEXT NOT NULL,
  score REAL NOT NULL,
  bucket INTEGER NOT NULL CHECK (bucket BETWEEN 1 AND 5),
  tier TEXT NOT NULL CHECK (tier IN ('A', 'B', 'C', 'D', 'E')),
  request_id TEXT,
  scored_at BIGINT NOT NULL,          -- microseconds since the epoch, UTC
  PRIMARY KEY (org_id, lead_id)
);
CREATE INDEX lead_scores_by_time ON lead_scores (scored_at);

-- lead_outcomes: the real result of a scored lead, one row per lead (re-posting updates it).
CREATE TABLE lead_outcomes (
  org_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  converted INTEGER NOT NULL,
  occurred_at BIGINT NOT NULL,        -- when the lead converted / was lost
  note TEXT,
  recorded_by TEXT NOT NULL,          -- principal id
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, lead_id),
  FOREIGN KEY (org_id, lead_id) REFERENCES lead_scores (org_id, lead_id)
);

-- lead_monitoring: one row per run of the leads.monitor job, org and model version; org_id '*'
-- is the aggregate over every org (what /metrics exports).
CREATE TABLE lead_monitoring (
  id TEXT PRIMARY KEY,                -- lmr_<ulid>
  org_id TEXT NOT NULL,
  model_version TEXT NOT NULL,
  computed_at BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  window_end BIGINT NOT NULL,
  scored INTEGER NOT NULL,            -- leads scored in the window
  labelled INTEGER NOT NULL,          -- of them, with an outcome
  auc REAL,               -- NULL when both classes are not present
  brier REAL,
  psi REAL,               -- bucket shares vs the training shares
  status TEXT NOT NULL CHECK (status IN ('ok', 'warn', 'alert', 'insufficient_data')),
  report TEXT NOT NULL                  -- distributions, calibration table, thresholds
);
CREATE INDEX lead_monitoring_by_org ON lead_monitoring (org_id, model_version, computed_at);
