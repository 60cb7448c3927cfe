// Audit log: an append-only record of every mutation (who, which org, what, to what, request id,
// when, and SHA-256 digests of the subject before and after). Write it with AppendAudit inside the
// same transaction as the mutation, so a change and its audit row commit or roll back together.
// The table rejects UPDATE and DELETE (database triggers). Rows hold ids, never personal data;
// readers join the users table for a label, so deleting an account (which pseudonymises the users
// row) pseudonymises the trail without touching it.
// Thread-safety: free functions; the Txn rules of storage/store.h apply.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/request.h"
#include "storage/store.h"

namespace signx::identity {

// Who did it.
struct Actor {
  std::string kind;        // "user", "api_key" or "system"
  std::string id;          // usr_..., key_..., or the system component ("cli", "signx")
  std::string request_id;  // the HTTP request id, or "" outside a request

  static Actor Of(const http::Principal& principal, std::string_view request_id);
  static Actor System(std::string_view component);
};

struct AuditRecord {
  std::optional<std::string> org_id;  // the tenant; nullopt for system-wide actions
  Actor actor;
  std::string action;        // "<subject_type>.<verb>": "api_key.create", "auth.login", ...
  std::string subject_type;  // "api_key", "user", "org", "refresh_token_family", ...
  std::string subject_id;
  // Canonical JSON of the subject before/after (nullopt when it did not / no longer exists). Only
  // the SHA-256 is stored; never pass secrets or hashes of secrets here.
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
};

// Inserts one audit row; returns its id (aud_...).
Result<std::string> AppendAudit(storage::Txn& txn, const AuditRecord& record, const Clock& clock);

struct AuditEntry {
  std::string id;
  std::optional<std::string> org_id;
  std::string actor_kind;
  std::string actor_id;
  std::string action;
  std::string subject_type;
  std::string subject_id;
  std::string request_id;
  Timestamp at;
  std::optional<std::string> before_sha256;
  std::optional<std::string> after_sha256;
  // For user actors: the user's e-mail, read through a join at query time (never stored in the
  // audit row), so after account deletion it reads as the pseudonym "deleted-user-<hash>".
  std::optional<std::string> actor_label;
};

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::string next_cursor;        // "" when there are no more
};

inline constexpr int kDefaultAuditPage = 50;
inline constexpr int kMaxAuditPage = 200;

// The audit rows of `org_id`, newest first, `limit` (1..kMaxAuditPage) at a time, continuing after
// `cursor` (a next_cursor from the previous page, or ""). kInvalidArgument for a bad limit/cursor.
Result<AuditPage> ListAudit(storage::Txn& txn, std::string_view org_id, int limit,
                            std::string_view cursor);

// The rows where user `user_id` is the actor, in every org, oldest first, at most `limit`.
Result<std::vector<AuditEntry>> ListAuditByUser(storage::Txn& txn, std::string_view user_id,
                                                int limit);

}  // namespace signx::identity
