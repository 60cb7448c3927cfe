-- Blobs stored under var/blobs by content hash, with the number of rows that reference each.
-- A blob whose ref_count is 0 for longer than the grace period is deleted by the blobs.gc job.
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
  content_type TEXT NOT NULL,
  ref_count BIGINT NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
  created_at BIGINT NOT NULL,
  unreferenced_at BIGINT  -- when ref_count last dropped to 0; NULL while referenced
);
CREATE INDEX blobs_unreferenced ON blobs (unreferenced_at) WHERE ref_count = 0;
