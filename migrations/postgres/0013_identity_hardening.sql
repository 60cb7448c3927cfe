-- Invitations: adding a person to an org needs that person's consent. An org admin invites an
-- e-mail with a role; the invitee accepts with the one-time token (sent to them by the admin),
-- signed in as the account with that e-mail, or — when no account has that e-mail — by choosing
-- the password of a new account. Only SHA-256 of the token is stored.
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('super_admin', 'org_admin', 'org_member', 'org_viewer')),
  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
  invited_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  accepted_at BIGINT,
  accepted_by TEXT,
  revoked_at BIGINT
);
CREATE INDEX invitations_org_email ON invitations (org_id, email);

-- Failed logins per (account, client address): key_sha256 is SHA-256 of "<e-mail>|<client>".
-- After a few failures each further one doubles the wait (locked_until) for that client only; a
-- success deletes the row, rows idle for a day are deleted.
CREATE TABLE login_failures (
  key_sha256 TEXT PRIMARY KEY CHECK (length(key_sha256) = 64),
  failures BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX login_failures_updated ON login_failures (updated_at);
