#include "web/identity_backend.h"

#include "identity/identity_service.h"
#include "identity/roles.h"

namespace signx::web {

namespace {

SessionTokens ToSession(const identity::TokenPair& pair) {
  return {.access_token = pair.access_token,
          .refresh_token = pair.refresh_token,
          .refresh_expires_at = pair.refresh_expires_at};
}

ApiKeyRow ToRow(const identity::ApiKeyInfo& k) {
  return {.id = k.id,
          .name = k.name,
          .prefix = k.prefix,
          .scopes = k.scopes,
          .created_at = k.created_at,
          .expires_at = k.expires_at,
          .last_used_at = k.last_used_at,
          .revoked_at = k.revoked_at};
}

class IdentityBackend final : public AuthBackend {
 public:
  explicit IdentityBackend(identity::IdentityService& identity) : identity_(identity) {}

  Result<SessionTokens> Login(const LoginAttempt& attempt,
                              std::chrono::seconds* retry_after) override {
    SIGNX_ASSIGN_OR_RETURN(auto pair, identity_.Login({.email = attempt.email,
                                                       .password = attempt.password,
                                                       .org_id = attempt.org_id,
                                                       .client_ip = attempt.client_ip,
                                                       .forwarded_for = attempt.forwarded_for,
                                                       .request_id = attempt.request_id},
                                                      retry_after));
    return ToSession(pair);
  }

  Result<http::Principal> Authenticate(std::string_view access_token) override {
    return identity_.AuthenticateBearer(access_token);
  }

  Result<SessionTokens> Refresh(std::string_view refresh_token,
                                std::string_view request_id) override {
    SIGNX_ASSIGN_OR_RETURN(auto pair, identity_.Refresh(refresh_token, request_id));
    return ToSession(pair);
  }

  Status Logout(std::string_view refresh_token, std::string_view request_id) override {
    return identity_.Logout(refresh_token, request_id);
  }

  Result<Profile> LoadProfile(const http::Principal& principal) override {
    SIGNX_ASSIGN_OR_RETURN(auto me, identity_.Me(principal));
    Profile out;
    if (me.user) out.email = me.user->email;
    for (const auto& m : me.memberships) {
      out.memberships.push_back({.org_id = m.org_id, .org_name = m.org_name, .role = m.role});
    }
    return out;
  }

  std::vector<std::string> KnownPermissions() const override {
    std::vector<std::string> out;
    for (auto p : identity::AllPermissions()) out.emplace_back(p);
    return out;
  }

  Result<std::vector<ApiKeyRow>> ListApiKeys(const http::Principal& principal) override {
    SIGNX_ASSIGN_OR_RETURN(auto keys, identity_.ListApiKeys(principal));
    std::vector<ApiKeyRow> out;
    for (const auto& k : keys) out.push_back(ToRow(k));
    return out;
  }

  Result<NewApiKey> CreateApiKey(const http::Principal& principal, std::string_view name,
                                 const std::vector<std::string>& scopes,
                                 std::optional<Timestamp> expires_at,
                                 std::string_view request_id) override {
    SIGNX_ASSIGN_OR_RETURN(auto created,
                           identity_.CreateApiKey(principal, name, scopes, expires_at, request_id));
    return NewApiKey{.row = ToRow(created.info), .secret = created.key};
  }

  Status RevokeApiKey(const http::Principal& principal, std::string_view key_id,
                      std::string_view request_id) override {
    return identity_.RevokeApiKey(principal, key_id, request_id);
  }

  Result<AuditRows> ListAudit(const http::Principal& principal, int limit,
                              std::string_view cursor) override {
    SIGNX_ASSIGN_OR_RETURN(auto page, identity_.ListAuditLog(principal, limit, cursor));
    AuditRows out;
    out.next_cursor = page.next_cursor;
    for (const auto& e : page.items) {
      out.items.push_back({.id = e.id,
                           .actor_kind = e.actor_kind,
                           .actor_id = e.actor_id,
                           .action = e.action,
                           .subject_type = e.subject_type,
                           .subject_id = e.subject_id,
                           .request_id = e.request_id,
                           .at = e.at});
    }
    return out;
  }

 private:
  identity::IdentityService& identity_;
};

}  // namespace

std::shared_ptr<AuthBackend> MakeIdentityBackend(identity::IdentityService& identity) {
  return std::make_shared<IdentityBackend>(identity);
}

}  // namespace signx::web
