-- Transactional outbox (src/events). Domain code inserts a row in its own transaction; the
-- dispatcher later gives each committed row the next delivery `position` (gap-free, in commit
-- order, assigned by one dispatcher at a time) and stamps dispatched_at. Consumers resume and
-- dedupe by position (the SSE event id).
CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- append order
  id TEXT NOT NULL UNIQUE,                -- evt_<ulid>
  type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 128),
  org_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  payload JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  position BIGINT UNIQUE,                 -- delivery order; NULL until dispatched
  dispatched_at BIGINT,
  dispatched_by TEXT,                     -- replica id of the dispatcher
  CHECK ((position IS NULL) = (dispatched_at IS NULL))
);
CREATE INDEX events_undispatched ON events (seq) WHERE dispatched_at IS NULL;
CREATE INDEX events_org_position ON events (org_id, position) WHERE position IS NOT NULL;
CREATE INDEX events_dispatched_at ON events (dispatched_at) WHERE dispatched_at IS NOT NULL;

-- One row: the last position handed out. Locking it (FOR UPDATE SKIP LOCKED) serializes dispatchers.
CREATE TABLE event_dispatch_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_position BIGINT NOT NULL CHECK (last_position >= 0)
);
INSERT INTO event_dispatch_state (id, last_position) VALUES (1, 0);
