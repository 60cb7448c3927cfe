-- Estimating, issue 7 part 2: the learning loop (drift evaluations and retrain comparisons of the
-- cost model per org), versioned price lists, and the KeyedIn-style connector's bookkeeping.
-- Money BIGINT cents, timestamps BIGINT unix microseconds (UTC), JSON JSONB.

-- One evaluation of the production cost model on an org's recorded actuals (kind 'drift'), or one
-- retrain comparison of a candidate against production on the latest held-out window
-- (kind 'retrain'). MAPE as a fraction (0.12 = 12 %).
CREATE TABLE model_evaluations (
  id TEXT PRIMARY KEY,                 -- mev_<ulid>
  org_id TEXT NOT NULL,
  model_name TEXT NOT NULL,            -- 'cost'
  kind TEXT NOT NULL CHECK (kind IN ('drift', 'retrain')),
  model_version TEXT NOT NULL,         -- the production version evaluated
  pairs INTEGER NOT NULL,              -- prediction/actual pairs used
  window_size INTEGER NOT NULL,        -- drift: the rolling window; retrain: held-out rows
  mape DOUBLE PRECISION,                           -- drift: rolling MAPE; retrain: production on the window
  baseline_mape DOUBLE PRECISION,                  -- drift: the model card's baseline
  threshold_mape DOUBLE PRECISION,                 -- drift: factor x baseline
  drifted BOOLEAN NOT NULL DEFAULT FALSE,
  enough_data BOOLEAN NOT NULL DEFAULT FALSE,
  candidate_version TEXT,              -- retrain: the staged candidate
  candidate_mape DOUBLE PRECISION,                 -- retrain: the candidate on the window
  promoted BOOLEAN NOT NULL DEFAULT FALSE,-- retrain: the candidate became production
  detail JSONB NOT NULL,               -- JSON: reason, window bounds, job ids
  job_id TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX model_evaluations_org ON model_evaluations (org_id, id);

-- Versioned price lists (sign-domain.md 1): every POST makes a new immutable version of a named
-- list; one version per org is active and prices quotes that do not name one.
CREATE TABLE price_lists (
  id TEXT PRIMARY KEY,                 -- pl_<ulid>, one per version
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,                  -- the list's key ("standard")
  version INTEGER NOT NULL,            -- 1, 2, ... per (org, name)
  body JSONB NOT NULL,                 -- the price list JSON (quote.h ParsePriceList shape)
  active BOOLEAN NOT NULL DEFAULT FALSE,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  activated_at BIGINT
);
CREATE UNIQUE INDEX price_lists_org_name_version ON price_lists (org_id, name, version);
CREATE UNIQUE INDEX price_lists_org_active ON price_lists (org_id) WHERE active;
CREATE INDEX price_lists_org ON price_lists (org_id, id);

ALTER TABLE quotes ADD COLUMN price_list_id TEXT;

-- Connector bookkeeping: the last successful sync per (org, connector) and every estimate pushed
-- back to the source system (one per quote).
CREATE TABLE connector_state (
  org_id TEXT NOT NULL,
  connector TEXT NOT NULL,             -- 'keyedin'
  synced_until TEXT,                   -- the `since` to ask for next (RFC 3339)
  last_sync_at BIGINT,
  orders_imported BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, connector)
);
CREATE TABLE connector_pushes (
  org_id TEXT NOT NULL,
  connector TEXT NOT NULL,
  quote_id TEXT NOT NULL,
  order_id TEXT NOT NULL,              -- the source system's order id
  status INTEGER NOT NULL,             -- HTTP status of the push
  response TEXT,
  pushed_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, connector, quote_id)
);
