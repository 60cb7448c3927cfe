// FakeAuthBackend: an in-memory AuthBackend for web tests and the browser-test server. Users,
// memberships (with identity's real role → permission table), opaque access and single-use
// refresh tokens, API keys and an audit log, all in memory. Access tokens can be expired on demand
// to exercise the refresh path; a reused refresh token revokes the session, like identity.
// Thread-safety: thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "web/auth_backend.h"

namespace signx::web::testing {

class FakeAuthBackend final : public AuthBackend {
 public:
  // Adds an org; returns its id (org_1, org_2, ...).
  std::string AddOrg(std::string name);
  // Adds a user (or a membership to an existing user) with a role name from identity/roles.h.
  void AddUser(const std::string& email, const std::string& password, const std::string& org_id,
               const std::string& role);
  // Makes every access token issued so far invalid (as if 15 minutes had passed).
  void ExpireAccessTokens();
  int refresh_calls() const;
  int login_calls() const;

  Result<SessionTokens> Login(const LoginAttempt& attempt,
                              std::chrono::seconds* retry_after) override;
  Result<http::Principal> Authenticate(std::string_view access_token) override;
  Result<SessionTokens> Refresh(std::string_view refresh_token,
                                std::string_view request_id) override;
  Status Logout(std::string_view refresh_token, std::string_view request_id) override;
  Result<Profile> LoadProfile(const http::Principal& principal) override;
  std::vector<std::string> KnownPermissions() const override;
  Result<std::vector<ApiKeyRow>> ListApiKeys(const http::Principal& principal) override;
  Result<NewApiKey> CreateApiKey(const http::Principal& principal, std::string_view name,
                                 const std::vector<std::string>& scopes,
                                 std::optional<Timestamp> expires_at,
                                 std::string_view request_id) override;
  Status RevokeApiKey(const http::Principal& principal, std::string_view key_id,
                      std::string_view request_id) override;
  Result<AuditRows> ListAudit(const http::Principal& principal, int limit,
                              std::string_view cursor) override;

 private:
  struct User {
    std::string id;
    std::string email;
    std::string password;
    std::vector<OrgMembership> memberships;
  };
  struct RefreshState {
    std::string user_id;
    std::string org_id;
    bool used = false;
    bool revoked = false;
  };
  struct StoredKey {
    std::string org_id;
    ApiKeyRow row;
  };
  SessionTokens IssueLocked(const User& user, const std::string& org_id);
  void AuditLocked(const std::string& org_id, const std::string& actor, std::string action,
                   std::string subject_type, std::string subject_id, std::string request_id);
  User* FindUserLocked(std::string_view id);

  mutable std::mutex mu_;
  int next_ = 1;
  int refresh_calls_ = 0;
  int login_calls_ = 0;
  std::map<std::string, std::string> orgs_;  // id → name
  std::vector<User> users_;
  std::map<std::string, http::Principal, std::less<>> access_;
  std::map<std::string, RefreshState, std::less<>> refresh_;
  std::vector<StoredKey> keys_;
  std::map<std::string, std::vector<AuditRow>> audit_;  // org → rows, oldest first
};

}  // namespace signx::web::testing
