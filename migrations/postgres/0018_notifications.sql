-- Notifications (issue 17 item 8, src/notifications): per-user preferences, per-org templates,
-- one notification per (event, user) (the in-app inbox shows those with in_app = 1), and one
-- delivery per (notification, push channel) with its retry state; dead deliveries are the dead
-- letters. Timestamps are BIGINT microseconds since the Unix epoch (UTC); every row carries org_id
-- and every query filters by it.

-- One row per (org, user). rules: JSON [{"event_type": "project.*", "channels": ["email"]}, ...],
-- first match wins. quiet_*_min: minutes after local midnight in time_zone (both or neither).
-- webhook_secret: "whsec_..." signing key of the user's webhook (kept as issued: it signs).
CREATE TABLE notification_preferences (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  quiet_start_min INTEGER CHECK (quiet_start_min BETWEEN 0 AND 1439),
  quiet_end_min INTEGER CHECK (quiet_end_min BETWEEN 0 AND 1439),
  digest BOOLEAN NOT NULL DEFAULT FALSE,
  digest_hour INTEGER NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
  webhook_url TEXT NOT NULL DEFAULT '',
  webhook_secret TEXT NOT NULL DEFAULT '',
  rules TEXT NOT NULL DEFAULT '[]',
  last_digest_at BIGINT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

-- event_type: "*", "<prefix>.*" or an exact type; the most specific template wins.
CREATE TABLE notification_templates (
  id TEXT PRIMARY KEY,                 -- ntt_<ulid>
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook', 'in_app')),
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  body_html TEXT NOT NULL DEFAULT '',
  created_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (org_id, event_type, channel)
);
CREATE INDEX notification_templates_org ON notification_templates (org_id, id);

-- One per (event, user): the rendered in-app title and body.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,                 -- ntf_<ulid>
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  subject_id TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  in_app BOOLEAN NOT NULL DEFAULT TRUE,
  read_at BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (org_id, user_id, event_id)
);
CREATE INDEX notifications_inbox ON notifications (org_id, user_id, id);

-- A push of one notification (kind 'single') or of a user's digest (kind 'digest', no
-- notification) over email or webhook. The rendered content is stored so every attempt sends the
-- same message. State:
--   pending    waiting for its (next) attempt; deliver_after is set while quiet hours hold it
--   digest     email waiting for the user's daily digest
--   digested   sent inside digest delivery digest_id
--   succeeded  sent
--   dead       no more attempts (budget used or a permanent error): a dead letter
CREATE TABLE notification_deliveries (
  id TEXT PRIMARY KEY,                 -- ntd_<ulid>
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  notification_id TEXT REFERENCES notifications (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
  kind TEXT NOT NULL CHECK (kind IN ('single', 'digest')),
  state TEXT NOT NULL CHECK (state IN ('pending', 'digest', 'digested', 'succeeded', 'dead')),
  target TEXT NOT NULL,                -- the address or URL at creation
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  body_html TEXT NOT NULL DEFAULT '',
  digest_id TEXT,
  job_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  last_error TEXT,
  deliver_after BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT,
  UNIQUE (notification_id, channel)
);
CREATE INDEX notification_deliveries_org ON notification_deliveries (org_id, id);
CREATE INDEX notification_deliveries_state ON notification_deliveries (org_id, state, id);
CREATE INDEX notification_deliveries_user ON notification_deliveries (org_id, user_id, state);

-- Every attempt of every delivery (the delivery log): when, how long, and the error if any.
CREATE TABLE notification_attempts (
  id TEXT PRIMARY KEY,                 -- nta_<ulid>
  org_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL REFERENCES notification_deliveries (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,            -- 1-based, across retries of a dead letter
  job_id TEXT,
  started_at BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  error TEXT                           -- NULL when the attempt succeeded
);
CREATE INDEX notification_attempts_delivery ON notification_attempts (delivery_id, attempt);

-- The fan-out cursor of the notifications.fanout catch-up job: the last event position handled.
CREATE TABLE notification_cursor (
  name TEXT PRIMARY KEY,
  position BIGINT NOT NULL
);
