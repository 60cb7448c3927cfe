#include "web/testing/fake_auth_backend.h"

#include <algorithm>

#include "base/clock.h"
#include "base/strings.h"
#include "identity/roles.h"

namespace signx::web::testing {

std::string FakeAuthBackend::AddOrg(std::string name) {
  std::lock_guard lock(mu_);
  std::string id = "org_" + std::to_string(next_++);
  orgs_[id] = std::move(name);
  return id;
}

void FakeAuthBackend::AddUser(const std::string& email, const std::string& password,
                              const std::string& org_id, const std::string& role) {
  std::lock_guard lock(mu_);
  OrgMembership m{org_id, orgs_.count(org_id) ? orgs_[org_id] : org_id, role};
  for (auto& u : users_) {
    if (u.email == email) {
      u.memberships.push_back(std::move(m));
      return;
    }
  }
  users_.push_back({"usr_" + std::to_string(next_++), email, password, {std::move(m)}});
}

void FakeAuthBackend::ExpireAccessTokens() {
  std::lock_guard lock(mu_);
  access_.clear();
}

int FakeAuthBackend::refresh_calls() const {
  std::lock_guard lock(mu_);
  return refresh_calls_;
}

int FakeAuthBackend::login_calls() const {
  std::lock_guard lock(mu_);
  return login_calls_;
}

FakeAuthBackend::User* FakeAuthBackend::FindUserLocked(std::string_view id) {
  for (auto& u : users_) {
    if (u.id == id) return &u;
  }
  return nullptr;
}

SessionTokens FakeAuthBackend::IssueLocked(const User& user, const std::string& org_id) {
  std::string role;
  for (const auto& m : user.memberships) {
    if (m.org_id == org_id) role = m.role;
  }
  http::Principal p{.kind = "user", .subject_id = user.id, .org_id = org_id, .role = role};
  if (auto r = identity::ParseRole(role)) p.permissions = identity::PermissionsFor(*r);
  SessionTokens t;
  t.access_token = "acc" + std::to_string(next_++) + "x";
  t.refresh_token = "sxr_" + std::to_string(next_++);
  t.refresh_expires_at = SystemClock::Get().Now() + std::chrono::hours(24);
  access_[t.access_token] = p;
  refresh_[t.refresh_token] = {user.id, org_id};
  return t;
}

void FakeAuthBackend::AuditLocked(const std::string& org_id, const std::string& actor,
                                  std::string action, std::string subject_type,
                                  std::string subject_id, std::string request_id) {
  audit_[org_id].push_back({.id = "aud_" + std::to_string(next_++),
                            .actor_kind = "user",
                            .actor_id = actor,
                            .action = std::move(action),
                            .subject_type = std::move(subject_type),
                            .subject_id = std::move(subject_id),
                            .request_id = std::move(request_id),
                            .at = SystemClock::Get().Now()});
}

Result<SessionTokens> FakeAuthBackend::Login(const LoginAttempt& attempt,
                                             std::chrono::seconds* /*retry_after*/) {
  std::lock_guard lock(mu_);
  ++login_calls_;
  for (const auto& u : users_) {
    if (u.email != attempt.email) continue;
    if (u.password != attempt.password) break;
    std::string org = u.memberships.front().org_id;
    if (attempt.org_id) {
      const bool member = std::any_of(u.memberships.begin(), u.memberships.end(),
                                      [&](const auto& m) { return m.org_id == *attempt.org_id; });
      if (!member) return Status(ErrorCode::kPermissionDenied, "not a member of that org");
      org = *attempt.org_id;
    }
    AuditLocked(org, u.id, "auth.login", "user", u.id, attempt.request_id);
    return IssueLocked(u, org);
  }
  return Status(ErrorCode::kUnauthenticated, "invalid e-mail or password");
}

Result<http::Principal> FakeAuthBackend::Authenticate(std::string_view access_token) {
  std::lock_guard lock(mu_);
  auto it = access_.find(access_token);
  if (it == access_.end()) return Status(ErrorCode::kUnauthenticated, "invalid token");
  return it->second;
}

Result<SessionTokens> FakeAuthBackend::Refresh(std::string_view refresh_token,
                                               std::string_view /*request_id*/) {
  std::lock_guard lock(mu_);
  ++refresh_calls_;
  auto it = refresh_.find(refresh_token);
  if (it == refresh_.end() || it->second.revoked) {
    return Status(ErrorCode::kUnauthenticated, "invalid refresh token");
  }
  if (it->second.used) {
    it->second.revoked = true;
    return Status(ErrorCode::kUnauthenticated, "refresh token reused");
  }
  it->second.used = true;
  const User* u = FindUserLocked(it->second.user_id);
  if (u == nullptr) return Status(ErrorCode::kUnauthenticated, "no such user");
  return IssueLocked(*u, it->second.org_id);
}

Status FakeAuthBackend::Logout(std::string_view refresh_token, std::string_view /*request_id*/) {
  std::lock_guard lock(mu_);
  auto it = refresh_.find(refresh_token);
  if (it == refresh_.end()) return Status(ErrorCode::kUnauthenticated, "invalid refresh token");
  it->second.revoked = true;
  return Status::Ok();
}

Result<Profile> FakeAuthBackend::LoadProfile(const http::Principal& principal) {
  std::lock_guard lock(mu_);
  const User* u = FindUserLocked(principal.subject_id);
  if (u == nullptr) return NotFound("no such user");
  return Profile{u->email, u->memberships};
}

std::vector<std::string> FakeAuthBackend::KnownPermissions() const {
  std::vector<std::string> out;
  for (auto p : identity::AllPermissions()) out.emplace_back(p);
  return out;
}

Result<std::vector<ApiKeyRow>> FakeAuthBackend::ListApiKeys(const http::Principal& principal) {
  std::lock_guard lock(mu_);
  std::vector<ApiKeyRow> out;
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    if (it->org_id == principal.org_id) out.push_back(it->row);
  }
  return out;
}

Result<NewApiKey> FakeAuthBackend::CreateApiKey(const http::Principal& principal,
                                                std::string_view name,
                                                const std::vector<std::string>& scopes,
                                                std::optional<Timestamp> expires_at,
                                                std::string_view request_id) {
  std::lock_guard lock(mu_);
  for (const auto& s : scopes) {
    if (!identity::IsKnownPermission(s)) {
      return ValidationFailed({{"scopes", "unknown permission " + s}});
    }
    if (!principal.Can(s)) return Status(ErrorCode::kPermissionDenied, "cannot grant " + s);
  }
  const std::string n = std::to_string(next_++);
  ApiKeyRow row{.id = "key_" + n,
                .name = std::string(name),
                .prefix = "pfx" + n,
                .scopes = scopes,
                .created_at = SystemClock::Get().Now(),
                .expires_at = expires_at};
  keys_.push_back({principal.org_id, row});
  AuditLocked(principal.org_id, principal.subject_id, "api_key.create", "api_key", row.id,
              std::string(request_id));
  return NewApiKey{row, "sx_pfx" + n + "_secret" + n};
}

Status FakeAuthBackend::RevokeApiKey(const http::Principal& principal, std::string_view key_id,
                                     std::string_view request_id) {
  std::lock_guard lock(mu_);
  for (auto& k : keys_) {
    if (k.org_id == principal.org_id && k.row.id == key_id) {
      if (!k.row.revoked_at) {
        k.row.revoked_at = SystemClock::Get().Now();
        AuditLocked(principal.org_id, principal.subject_id, "api_key.revoke", "api_key", k.row.id,
                    std::string(request_id));
      }
      return Status::Ok();
    }
  }
  return NotFound("no such key");
}

Result<AuditRows> FakeAuthBackend::ListAudit(const http::Principal& principal, int limit,
                                             std::string_view cursor) {
  std::lock_guard lock(mu_);
  const auto& rows = audit_[principal.org_id];
  std::size_t start = 0;
  if (!cursor.empty()) {
    const auto n = ParseInt(cursor);
    if (!n || *n < 0) return InvalidArgument("bad cursor");
    start = static_cast<std::size_t>(*n);
  }
  AuditRows out;
  for (std::size_t i = start; i < rows.size() && out.items.size() < static_cast<std::size_t>(limit);
       ++i) {
    out.items.push_back(rows[rows.size() - 1 - i]);
  }
  if (start + out.items.size() < rows.size()) {
    out.next_cursor = std::to_string(start + out.items.size());
  }
  return out;
}

}  // namespace signx::web::testing
