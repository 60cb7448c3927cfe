-- Idempotency keys become a storage facility every capability can use (storage/idempotency.h):
-- the table estimating had for its own create endpoints, renamed and generalised. Rows move over
-- unchanged (scope → operation), so a retry after the upgrade still finds its earlier resource.
CREATE TABLE idempotency_keys (
  org_id TEXT NOT NULL,
  operation TEXT NOT NULL,             -- "projects.create", "quotes.create", ...
  idempotency_key TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, operation, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
INSERT INTO idempotency_keys (org_id, operation, idempotency_key, resource_id, created_at)
  SELECT org_id, scope, idempotency_key, resource_id, created_at FROM estimating_idempotency;
DROP TABLE estimating_idempotency;
