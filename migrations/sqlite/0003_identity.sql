-- Identity: orgs (tenants), users, memberships with a role, API keys, refresh tokens and the
-- append-only audit log. Timestamps are BIGINT microseconds since the Unix epoch (UTC).
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at BIGINT NOT NULL
);

-- One account per e-mail address (stored lower-cased). password_hash is an argon2id PHC string.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE memberships (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('super_admin', 'org_admin', 'org_member', 'org_viewer')),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);

-- Keys are "sx_<prefix>_<secret>"; only the prefix and SHA-256 of the secret are kept.
-- scopes: space-separated permissions.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  secret_sha256 TEXT NOT NULL CHECK (length(secret_sha256) = 64),
  scopes TEXT NOT NULL,
  created_by TEXT,  -- usr_... or NULL when created by the CLI
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

-- Rotating refresh tokens. Each refresh marks the presented token used and issues the next one
-- in the same family; presenting a used token again revokes the whole family (theft detection).
CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
  family_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Append-only record of every mutation. Actors and subjects are ids (no personal data), so
-- deleting a user's personal data leaves the trail intact and pseudonymous. Digests are hex
-- SHA-256 of the subject's JSON before/after the change (NULL when it did not exist).
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  org_id TEXT,  -- NULL for system-wide actions
  actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL,
  before_sha256 TEXT,
  after_sha256 TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
