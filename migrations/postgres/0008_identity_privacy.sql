-- Privacy: account deletion keeps a tombstone row per deleted user so the audit trail (which holds
-- ids only) still resolves. On deletion the e-mail is replaced by a stable pseudonym
-- ("deleted-user-<first 16 hex of SHA-256(user id)>"), the password hash is erased, the user is
-- disabled and deleted_at is set; memberships are removed and sessions and API keys revoked.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
-- Actor lookups for GET /v1/me/export (the audit rows a user caused).
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id, id);
-- Keys a user created (revoked when the user leaves the org or is deleted).
CREATE INDEX api_keys_created_by ON api_keys (created_by);
