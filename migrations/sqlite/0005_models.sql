-- Model registry: every trained model version (any kind: leads, cost, ...) with its card and the
-- blob holding its bytes. At most one production version per model name.
CREATE TABLE model_versions (
  name TEXT NOT NULL,                 -- model kind, e.g. 'leads'
  version TEXT NOT NULL,              -- content-derived, e.g. 'leads-256531171eb0'
  state TEXT NOT NULL CHECK (state IN ('staging', 'production', 'archived')),
  blob_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
  size_bytes BIGINT NOT NULL,
  card TEXT NOT NULL,                 -- model card (JSON)
  created_by TEXT,                    -- principal id or 'cli'
  created_at BIGINT NOT NULL,
  promoted_at BIGINT,                 -- last time it became production
  PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX model_versions_one_production ON model_versions (name) WHERE state = 'production';
CREATE INDEX model_versions_by_created ON model_versions (name, created_at);
