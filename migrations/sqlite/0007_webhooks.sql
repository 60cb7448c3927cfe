-- Webhooks (issue 5 item 7): endpoints an org registers for event types, one delivery per
-- (endpoint, event) and one row per delivery attempt. Timestamps are BIGINT microseconds since the
-- Unix epoch (UTC). Every row carries org_id and every query filters by it.
--
-- The signing secret must be usable for HMAC, so it is stored as issued ("whsec_..."), not hashed;
-- during a rotation grace period the previous secret is kept until previous_secret_expires_at.
-- event_types: space-separated patterns ("project.created", "project.*" or "*").
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,                 -- whk_<ulid>
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
  event_types TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_expires_at BIGINT,
  secret_rotated_at BIGINT,
  created_by TEXT,                     -- usr_... / key_... of the creator
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);

-- One delivery of one event to one endpoint. `body` is the exact JSON text sent on every attempt
-- (TEXT on both dialects so the signed bytes never change). dedupe_key is
-- "<endpoint id>:<event id>" for deliveries made from the event stream, so replicas that all see
-- the event create one delivery; redeliveries and test sends have their own key. State:
--   pending   waiting for its first attempt
--   failed    the last attempt failed; the job queue will retry it (with backoff)
--   succeeded an attempt got a 2xx answer
--   dead      no more attempts (attempt budget used, or the endpoint was disabled/deleted)
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,                 -- whd_<ulid>
  org_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  dedupe_key TEXT NOT NULL UNIQUE,
  redelivery_of TEXT,                  -- whd_... this one re-sends
  job_id TEXT,                         -- the webhooks.deliver job
  state TEXT NOT NULL CHECK (state IN ('pending', 'failed', 'succeeded', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  last_status_code INTEGER,            -- HTTP status of the last attempt; NULL when none came back
  last_error TEXT,
  response_excerpt TEXT,               -- start of the last response body (UTF-8, truncated)
  duration_ms BIGINT,                  -- of the last attempt
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT                  -- when it became succeeded or dead
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, id);

-- Every attempt of every delivery: the log that shows the response code per attempt.
CREATE TABLE webhook_attempts (
  id TEXT PRIMARY KEY,                 -- wha_<ulid>
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  job_id TEXT,
  started_at BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  status_code INTEGER,                 -- NULL when no HTTP answer came back (timeout, refused)
  error TEXT,                          -- NULL on success
  response_excerpt TEXT,
  UNIQUE (delivery_id, attempt)
);
