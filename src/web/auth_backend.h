// AuthBackend: everything the web UI needs from identity, as one small interface. The production
// implementation (identity_backend.h) forwards to identity::IdentityService; tests use
// web/testing/fake_auth_backend.h. Keeping the web UI on this seam means the pages never include
// identity's internals and survive changes to its API in one adapter file.
//
// Sessions reuse identity's tokens: a short-lived access token (verified without the database on
// every page) and a single-use rotating refresh token, both kept in the HttpOnly session cookie.
// Thread-safety: implementations must be thread-safe; every method except Authenticate may block
// (database, password hashing) and is called from the blocking pool.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/request.h"

namespace signx::web {

struct SessionTokens {
  std::string access_token;
  std::string refresh_token;
  Timestamp refresh_expires_at;  // informational; the session cookie lasts the browser session
};

struct LoginAttempt {
  std::string email;
  std::string password;
  std::optional<std::string> org_id;  // the membership to act in; nullopt = the default one
  std::string client_ip;              // the TCP peer
  std::string forwarded_for;  // X-Forwarded-For as received (identity decides whether to trust it)
  std::string request_id;
};

struct OrgMembership {
  std::string org_id;
  std::string org_name;
  std::string role;
};

// Who the signed-in user is, for the page chrome.
struct Profile {
  std::string email;                       // "" for principals that are not users
  std::vector<OrgMembership> memberships;  // every org the user belongs to
};

struct ApiKeyRow {
  std::string id;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  Timestamp created_at;
  std::optional<Timestamp> expires_at;
  std::optional<Timestamp> last_used_at;
  std::optional<Timestamp> revoked_at;
};

struct NewApiKey {
  ApiKeyRow row;
  std::string secret;  // the full key, shown once
};

struct AuditRow {
  std::string id;
  std::string actor_kind;
  std::string actor_id;
  std::string action;
  std::string subject_type;
  std::string subject_id;
  std::string request_id;
  Timestamp at;
};

struct AuditRows {
  std::vector<AuditRow> items;  // newest first
  std::string next_cursor;      // "" at the end
};

class AuthBackend {
 public:
  virtual ~AuthBackend() = default;

  // Checks e-mail and password (with identity's throttles). kUnauthenticated for bad credentials,
  // kRateLimited (and *retry_after) when throttled, kPermissionDenied when `org_id` is not one of
  // the user's orgs.
  virtual Result<SessionTokens> Login(const LoginAttempt& attempt,
                                      std::chrono::seconds* retry_after) = 0;
  // Verifies an access token (no database). kUnauthenticated when invalid or expired.
  virtual Result<http::Principal> Authenticate(std::string_view access_token) = 0;
  // Rotates a refresh token. kUnauthenticated when it is unknown, used, expired or revoked.
  virtual Result<SessionTokens> Refresh(std::string_view refresh_token,
                                        std::string_view request_id) = 0;
  // Revokes the session behind a refresh token.
  virtual Status Logout(std::string_view refresh_token, std::string_view request_id) = 0;
  virtual Result<Profile> LoadProfile(const http::Principal& principal) = 0;

  // Every permission name an API key may be scoped to.
  virtual std::vector<std::string> KnownPermissions() const = 0;
  virtual Result<std::vector<ApiKeyRow>> ListApiKeys(const http::Principal& principal) = 0;
  virtual Result<NewApiKey> CreateApiKey(const http::Principal& principal, std::string_view name,
                                         const std::vector<std::string>& scopes,
                                         std::optional<Timestamp> expires_at,
                                         std::string_view request_id) = 0;
  virtual Status RevokeApiKey(const http::Principal& principal, std::string_view key_id,
                              std::string_view request_id) = 0;
  virtual Result<AuditRows> ListAudit(const http::Principal& principal, int limit,
                                      std::string_view cursor) = 0;
};

}  // namespace signx::web
