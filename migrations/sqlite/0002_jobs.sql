-- Durable job queue (src/jobs). One row per job; workers claim queued rows whose run_at is due
-- with UPDATE ... WHERE id = (SELECT ...) RETURNING in one short write transaction and hold a
-- lease (lease_owner, lease_expires_at) that they extend while the handler runs. A lease that
-- expires (crashed worker) is recovered to queued, or to dead when the attempts are used up. States:
--   queued     waiting for run_at / a worker          running    claimed, lease held
--   succeeded  handler returned OK (result set)       failed     permanent error, not retried
--   dead       retries exhausted (last_error set)     cancelled  cancelled before or while running
-- Timestamps are BIGINT unix microseconds (UTC).
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  org_id TEXT,
  payload TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at BIGINT NOT NULL,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  result TEXT,
  last_error TEXT,
  dedupe_key TEXT,                -- idempotency key, unique per type when set
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  recurring_name TEXT,            -- the recurring_jobs row that enqueued it, if any
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  started_at BIGINT,              -- when the current/last attempt was claimed
  finished_at BIGINT              -- when it reached a terminal state
);
-- Claim order: highest priority first, then earliest run_at, then id (creation order).
CREATE INDEX jobs_claim ON jobs (priority DESC, run_at, id) WHERE state = 'queued';
-- Lease recovery and per-type running counts.
CREATE INDEX jobs_running ON jobs (type, lease_expires_at) WHERE state = 'running';
-- GET /v1/jobs?state=&type= pages newest first by id; metrics group by state and type.
CREATE INDEX jobs_state_type ON jobs (state, type, id);
CREATE INDEX jobs_type_id ON jobs (type, id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (type, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Cron-like schedules. A scheduler pass enqueues one job per due slot (dedupe key
-- "recurring:<name>:<slot micros>", so replicas racing on the same slot enqueue it once) and moves
-- next_run_at to the next slot after now (missed slots are not replayed).
CREATE TABLE recurring_jobs (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  schedule TEXT NOT NULL,         -- "@every 5m", "@hourly", "@daily" or "m h * * *" (UTC)
  payload TEXT NOT NULL,
  org_id TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  enabled INTEGER NOT NULL DEFAULT 1,
  next_run_at BIGINT NOT NULL,
  last_job_id TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX recurring_jobs_due ON recurring_jobs (next_run_at) WHERE enabled = 1;
