// IdentityService, part 1: settings validation, construction, orgs and users, sessions (login
// with per-client backoff, refresh, logout), bearer authentication, Me and the audit log.
// API keys live in identity_api_keys.cc, memberships and invitations in identity_members.cc,
// personal data in identity_privacy.cc; helpers they share in internal/service_helpers.h.
#include "identity/identity_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "base/id.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "identity/api_key.h"
#include "identity/crypto.h"
#include "identity/internal/service_helpers.h"

namespace signx::identity {
namespace json = boost::json;
namespace {

using internal::CeilSeconds;
using internal::kApiKeyCols;
using internal::ReadApiKey;
using internal::ReadMemberships;
using internal::Unauthenticated;
using internal::ValidateName;

constexpr std::string_view kRefreshPrefix = "sxr_";
constexpr std::size_t kRefreshSecretBytes = 32;
constexpr std::size_t kMaxCachedEntries = 4096;  // per credential cache
constexpr std::string_view kBadCredentials = "invalid e-mail or password";

Timestamp FloorSeconds(Timestamp t) { return std::chrono::floor<std::chrono::seconds>(t); }

// Revokes every live token of a refresh-token family.
Status RevokeFamily(storage::Txn& txn, const std::string& family_id, Timestamp now) {
  return txn
      .Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
            {now, family_id})
      .status();
}

}  // namespace

std::string DeletedUserPseudonym(std::string_view user_id) {
  return "deleted-user-" + Sha256Hex(user_id).substr(0, 16);
}

Result<std::string> NormalizeEmail(std::string_view email) {
  std::string e = ToLower(Trim(email));
  const auto at = e.find('@');
  const bool ok =
      !e.empty() && e.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < e.size() &&
      e.find('@', at + 1) == std::string::npos &&
      std::none_of(e.begin(), e.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  if (!ok) return ValidationFailed({{"email", "must be an e-mail address"}});
  return e;
}

Status IdentityService::ValidateSettings(const IdentitySettings& s) {
  std::vector<FieldError> errors;
  if (!s.jwt_keys.empty()) {
    auto ring = JwtKeyRing::Create(s.jwt_keys, s.jwt_active_kid);
    if (!ring.ok()) errors.push_back({"jwt_keys", std::string(ring.status().message())});
  }
  if (s.access_token_ttl.count() <= 0) errors.push_back({"access_token_ttl", "must be > 0"});
  if (s.refresh_token_ttl.count() <= 0) errors.push_back({"refresh_token_ttl", "must be > 0"});
  for (const auto& [name, l] : {std::pair{"password_confirm_per_user", s.password_confirm_per_user},
                                std::pair{"login_per_ip", s.login_per_ip}}) {
    if (!(l.rate_per_second > 0) || !(l.burst >= 1) || !std::isfinite(l.rate_per_second) ||
        !std::isfinite(l.burst)) {
      errors.push_back({name, "rate must be > 0 and burst >= 1"});
    }
  }
  if (s.login_free_failures < 0) errors.push_back({"login_free_failures", "must be >= 0"});
  if (s.login_backoff_base.count() < 1 || s.login_backoff_max < s.login_backoff_base) {
    errors.push_back({"login_backoff", "base must be >= 1 s and max >= base"});
  }
  if (s.argon2.time_cost < 1 || s.argon2.parallelism < 1 ||
      s.argon2.memory_kib < 8 * s.argon2.parallelism || s.argon2.salt_bytes < 16 ||
      s.argon2.hash_bytes < 16) {
    errors.push_back({"argon2",
                      "time_cost >= 1, memory_kib >= 8 * parallelism, salt and hash "
                      "at least 16 bytes"});
  }
  for (std::size_t i = 0; i < s.static_api_keys.size(); ++i) {
    const auto& k = s.static_api_keys[i];
    const std::string f = "static_api_keys[" + std::to_string(i) + "]";
    if (k.key.size() < 16) errors.push_back({f + ".key", "must be at least 16 characters"});
    if (k.org_id.empty()) errors.push_back({f + ".org_id", "is required"});
    for (const auto& scope : k.scopes) {
      if (!IsKnownPermission(scope)) errors.push_back({f + ".scopes", "unknown scope " + scope});
    }
  }
  if (errors.empty()) return Status::Ok();
  return ValidationFailed(std::move(errors), "invalid identity settings");
}

IdentityService::IdentityService(storage::Store& store, cache::RateLimiter& limiter,
                                 IdentitySettings settings, const Clock& clock)
    : store_(store),
      limiter_(limiter),
      settings_(std::move(settings)),
      clock_(clock),
      hasher_(settings_.argon2),
      ring_(JwtKeyRing::Ephemeral()),
      api_key_cache_(settings_.api_key_cache_ttl, kMaxCachedEntries),
      membership_cache_(settings_.api_key_cache_ttl, kMaxCachedEntries) {
  const Status st = ValidateSettings(settings_);
  SIGNX_CHECK(st.ok(), st.ToString());
  // Without keys the ring stays ephemeral (the App warns, naming auth.jwt_keys).
  if (!settings_.jwt_keys.empty()) {
    ring_ = JwtKeyRing::Create(settings_.jwt_keys, settings_.jwt_active_kid).value();
  }
  for (const auto& k : settings_.static_api_keys) static_key_hashes_.push_back(Sha256Hex(k.key));
  key_use_writer_.Start(settings_.api_key_use_write_interval, [this] {
    if (Status st = RecordApiKeyUses(); !st.ok()) {
      spdlog::warn("identity: recording API key use failed (retried): {}", st.ToString());
    }
  });
}

IdentityService::~IdentityService() {
  key_use_writer_.Stop();
  if (Status st = RecordApiKeyUses(); !st.ok()) {
    spdlog::warn("identity: recording API key use at shutdown failed: {}", st.ToString());
  }
}

// --- Bootstrap and administration -------------------------------------------------------------

Result<Org> IdentityService::CreateOrg(std::string_view name, const Actor& actor) {
  SIGNX_RETURN_IF_ERROR(ValidateName("name", name));
  Org org{NewId("org", clock_), std::string(Trim(name)), clock_.Now()};
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& t) -> Status {
    SIGNX_RETURN_IF_ERROR(t.Exec("INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)",
                                 {org.id, org.name, org.created_at})
                              .status());
    return AppendAudit(
               t,
               {.org_id = org.id,
                .actor = actor,
                .action = "org.create",
                .subject_type = "org",
                .subject_id = org.id,
                .after_json = json::serialize(json::object{{"id", org.id}, {"name", org.name}})},
               clock_)
        .status();
  }));
  return org;
}

Result<User> IdentityService::CreateUser(std::string_view org_id, std::string_view email,
                                         std::string_view password, std::string_view role,
                                         const Actor& actor) {
  std::vector<FieldError> errors;
  auto norm = NormalizeEmail(email);
  if (!norm.ok()) errors.push_back(norm.status().details().front());
  if (!ParseRole(role)) {
    errors.push_back({"role", "must be one of super_admin, org_admin, org_member, org_viewer"});
  }
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    errors.push_back({"password", "must be " + std::to_string(kMinPasswordBytes) + " to " +
                                      std::to_string(kMaxPasswordBytes) + " bytes"});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  // Hash before the transaction: argon2 is slow and must not hold a connection or a write lock.
  SIGNX_ASSIGN_OR_RETURN(const std::string hash, hasher_.Hash(password));
  User user{NewId("usr", clock_), *norm, clock_.Now()};
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto org, t.QueryOne("SELECT id FROM orgs WHERE id = $1", {org_id}));
    if (!org) return NotFound("org " + std::string(org_id) + " not found");
    auto inserted = t.Exec(
        "INSERT INTO users (id, email, password_hash, disabled, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $5)",
        {user.id, user.email, hash, false, user.created_at});
    if (inserted.status().code() == ErrorCode::kAlreadyExists) {
      return Status(ErrorCode::kAlreadyExists, "a user with this e-mail already exists",
                    {{"email", "already registered"}});
    }
    SIGNX_RETURN_IF_ERROR(inserted.status());
    SIGNX_RETURN_IF_ERROR(
        t.Exec(
             "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)",
             {user.id, org_id, role, user.created_at})
            .status());
    return AppendAudit(t,
                       {.org_id = std::string(org_id),
                        .actor = actor,
                        .action = "user.create",
                        .subject_type = "user",
                        .subject_id = user.id,
                        .after_json = json::serialize(
                            json::object{{"id", user.id}, {"org_id", org_id}, {"role", role}})},
                       clock_)
        .status();
  }));
  return user;
}

// --- Sessions ---------------------------------------------------------------------------------

Result<TokenPair> IdentityService::IssueTokens(storage::Txn& txn, const std::string& user_id,
                                               const std::string& org_id, const std::string& role,
                                               const std::string& family_id) {
  const Timestamp now = clock_.Now();
  TokenPair out;
  out.refresh_token = std::string(kRefreshPrefix) + RandomHex(kRefreshSecretBytes);
  out.refresh_expires_at = now + settings_.refresh_token_ttl;
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("INSERT INTO refresh_tokens (id, token_sha256, family_id, user_id, org_id, "
               "issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
               {NewId("rtk", clock_), Sha256Hex(out.refresh_token), family_id, user_id, org_id, now,
                out.refresh_expires_at})
          .status());
  AccessClaims claims;
  claims.subject = user_id;
  claims.org_id = org_id;
  claims.role = role;
  claims.token_id = RandomHex(12);
  claims.issued_at = FloorSeconds(now);
  claims.expires_at = claims.issued_at + settings_.access_token_ttl;
  out.access_token = SignAccessToken(claims, ring_, settings_.jwt);
  out.access_expires_at = claims.expires_at;
  out.user_id = user_id;
  out.org_id = org_id;
  out.role = role;
  return out;
}

Result<TokenPair> IdentityService::Login(const LoginRequest& req,
                                         std::chrono::seconds* retry_after) {
  {
    std::vector<FieldError> missing;
    if (Trim(req.email).empty()) missing.push_back({"email", "is required"});
    if (req.password.empty()) missing.push_back({"password", "is required"});
    if (!missing.empty()) return ValidationFailed(std::move(missing));
  }
  const std::string email = ToLower(Trim(req.email));
  // Throttle before any expensive work: per client, then per (account, client).
  const std::string client =
      ClientAddress(req.client_ip, req.forwarded_for, settings_.trusted_proxies);
  auto throttled = [&](std::chrono::seconds wait) {
    if (retry_after != nullptr) *retry_after = wait;
    return Status(ErrorCode::kRateLimited, "too many login attempts; retry after " +
                                               std::to_string(wait.count()) + " seconds");
  };
  if (!client.empty()) {
    SIGNX_ASSIGN_OR_RETURN(const cache::Decision d,
                           limiter_.Allow("login:ip:" + client, settings_.login_per_ip));
    if (!d.allowed) return throttled(CeilSeconds(d.retry_after));
  }
  const std::string backoff_key = Sha256Hex(email + "|" + client);
  bool had_failures = false;
  {
    SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query("SELECT locked_until FROM login_failures WHERE "
                                                 "key_sha256 = $1",
                                                 {backoff_key}));
    if (!rs.rows.empty()) {
      had_failures = true;
      const Timestamp until = rs.rows[0].Time(0);
      const Timestamp now = clock_.Now();
      if (until > now) {
        return throttled(std::max(std::chrono::seconds(1),
                                  std::chrono::ceil<std::chrono::seconds>(until - now)));
      }
    }
  }
  auto failed = [&]() -> Status {
    if (Status st = RecordLoginFailure(backoff_key); !st.ok()) {
      spdlog::warn("identity: recording a failed login failed: {}", st.ToString());
    }
    return Unauthenticated(kBadCredentials);
  };

  struct Found {
    std::string user_id;
    std::string hash;
    bool disabled = false;
    std::vector<std::pair<std::string, std::string>> memberships;  // org, role; oldest first
  };
  SIGNX_ASSIGN_OR_RETURN(
      std::optional<Found> found,
      store_.WithTxnResult<std::optional<Found>>(
          [&](storage::Txn& t) -> Result<std::optional<Found>> {
            SIGNX_ASSIGN_OR_RETURN(
                auto row,
                t.QueryOne("SELECT id, password_hash, disabled FROM users WHERE email = $1",
                           {email}));
            if (!row) return std::optional<Found>();
            Found f{row->Text(0), row->Text(1), row->Bool(2), {}};
            SIGNX_ASSIGN_OR_RETURN(
                auto rs, t.Query("SELECT org_id, role FROM memberships WHERE user_id = $1 "
                                 "ORDER BY created_at, org_id",
                                 {f.user_id}));
            for (const auto& r : rs.rows) f.memberships.emplace_back(r.Text(0), r.Text(1));
            return std::optional<Found>(std::move(f));
          },
          {.read_only = true}));
  if (!found) {
    hasher_.BurnEquivalentTime(req.password);
    return failed();
  }
  if (!hasher_.Verify(found->hash, req.password) || found->disabled) return failed();
  if (had_failures) {
    if (Status st = store_.WithTxn([&](storage::Txn& t) {
          return t.Exec("DELETE FROM login_failures WHERE key_sha256 = $1", {backoff_key}).status();
        });
        !st.ok()) {
      spdlog::warn("identity: clearing failed logins failed: {}", st.ToString());
    }
  }
  const std::pair<std::string, std::string>* chosen = nullptr;
  for (const auto& m : found->memberships) {
    if (!req.org_id || m.first == *req.org_id) {
      chosen = &m;
      break;
    }
  }
  if (chosen == nullptr) {
    return Status(ErrorCode::kPermissionDenied, req.org_id ? "you are not a member of that org"
                                                           : "you are not a member of any org");
  }
  const std::string family = NewId("rtf", clock_);
  return store_.WithTxnResult<TokenPair>([&](storage::Txn& t) -> Result<TokenPair> {
    SIGNX_ASSIGN_OR_RETURN(TokenPair pair,
                           IssueTokens(t, found->user_id, chosen->first, chosen->second, family));
    SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                      {.org_id = chosen->first,
                                       .actor = {"user", found->user_id, req.request_id},
                                       .action = "auth.login",
                                       .subject_type = "session",
                                       .subject_id = family},
                                      clock_)
                              .status());
    return pair;
  });
}

Status IdentityService::RecordLoginFailure(const std::string& key) {
  return store_.WithTxn([&](storage::Txn& t) -> Status {
    const Timestamp now = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(
        auto row, t.QueryOne("SELECT failures FROM login_failures WHERE key_sha256 = $1", {key}));
    const int64_t failures = (row ? row->Int(0) : 0) + 1;
    std::chrono::seconds wait{0};
    if (failures > settings_.login_free_failures) {
      const int64_t doublings = std::min<int64_t>(failures - settings_.login_free_failures - 1, 30);
      wait = std::min(settings_.login_backoff_max,
                      settings_.login_backoff_base * (int64_t{1} << doublings));
    }
    SIGNX_RETURN_IF_ERROR(
        t.Exec("INSERT INTO login_failures (key_sha256, failures, locked_until, updated_at) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT (key_sha256) DO UPDATE SET failures = $2, "
               "locked_until = $3, updated_at = $4",
               {key, failures, now + wait, now})
            .status());
    // Forget clients that stopped trying a day ago, so the table stays small.
    return t
        .Exec("DELETE FROM login_failures WHERE updated_at < $1", {now - std::chrono::hours(24)})
        .status();
  });
}

Result<TokenPair> IdentityService::Refresh(std::string_view refresh_token,
                                           std::string_view request_id) {
  if (refresh_token.size() != kRefreshPrefix.size() + 2 * kRefreshSecretBytes ||
      refresh_token.substr(0, kRefreshPrefix.size()) != kRefreshPrefix) {
    return Unauthenticated("invalid refresh token");
  }
  const std::string hash = Sha256Hex(refresh_token);
  enum class Outcome { kInvalid, kReused, kOk };
  Outcome outcome = Outcome::kInvalid;
  TokenPair pair;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& t) -> Status {
    outcome = Outcome::kInvalid;
    const Timestamp now = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(auto row,
                           t.QueryOne("SELECT id, family_id, user_id, org_id, expires_at, used_at, "
                                      "revoked_at FROM refresh_tokens WHERE token_sha256 = $1",
                                      {hash}));
    if (!row) return Status::Ok();
    const std::string id = row->Text(0);
    const std::string family = row->Text(1);
    const std::string user_id = row->Text(2);
    const std::string org_id = row->Text(3);
    if (!row->IsNull(6)) return Status::Ok();  // revoked (logout, reuse, lost membership)
    auto reused = [&]() -> Status {
      outcome = Outcome::kReused;
      SIGNX_RETURN_IF_ERROR(RevokeFamily(t, family, now));
      return AppendAudit(t,
                         {.org_id = org_id,
                          .actor = {"user", user_id, std::string(request_id)},
                          .action = "auth.refresh_reuse",
                          .subject_type = "session",
                          .subject_id = family},
                         clock_)
          .status();
    };
    if (!row->IsNull(5)) return reused();
    if (row->Time(4) <= now) return Status::Ok();
    SIGNX_ASSIGN_OR_RETURN(
        auto member,
        t.QueryOne("SELECT m.role, u.disabled FROM memberships m JOIN users u ON u.id = m.user_id "
                   "WHERE m.user_id = $1 AND m.org_id = $2",
                   {user_id, org_id}));
    if (!member || member->Bool(1)) return RevokeFamily(t, family, now);
    SIGNX_ASSIGN_OR_RETURN(
        const int64_t marked,
        t.Exec("UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND "
               "revoked_at IS NULL",
               {now, id}));
    if (marked != 1) return reused();  // lost a race with a concurrent refresh
    SIGNX_ASSIGN_OR_RETURN(pair, IssueTokens(t, user_id, org_id, member->Text(0), family));
    SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                      {.org_id = org_id,
                                       .actor = {"user", user_id, std::string(request_id)},
                                       .action = "auth.refresh",
                                       .subject_type = "session",
                                       .subject_id = family},
                                      clock_)
                              .status());
    outcome = Outcome::kOk;
    return Status::Ok();
  }));
  switch (outcome) {
    case Outcome::kOk:
      return pair;
    case Outcome::kReused:
      spdlog::warn("identity: refresh token reuse detected; session family revoked");
      return Unauthenticated("refresh token was already used; the session has been revoked");
    case Outcome::kInvalid:
      break;
  }
  return Unauthenticated("invalid or expired refresh token");
}

Status IdentityService::Logout(std::string_view refresh_token, std::string_view request_id) {
  if (refresh_token.size() > 256) return Unauthenticated("invalid refresh token");
  const std::string hash = Sha256Hex(refresh_token);
  bool found = false;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto row,
                           t.QueryOne("SELECT family_id, user_id, org_id FROM refresh_tokens "
                                      "WHERE token_sha256 = $1",
                                      {hash}));
    found = row.has_value();
    if (!found) return Status::Ok();
    const std::string family = row->Text(0);
    SIGNX_ASSIGN_OR_RETURN(
        const int64_t n,
        t.Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND "
               "revoked_at IS NULL",
               {clock_.Now(), family}));
    if (n == 0) return Status::Ok();  // already logged out
    return AppendAudit(t,
                       {.org_id = row->Text(2),
                        .actor = {"user", row->Text(1), std::string(request_id)},
                        .action = "auth.logout",
                        .subject_type = "session",
                        .subject_id = family},
                       clock_)
        .status();
  }));
  if (!found) return Unauthenticated("invalid refresh token");
  return Status::Ok();
}

// --- Authentication -----------------------------------------------------------------------------

Result<http::Principal> IdentityService::AuthenticateBearer(std::string_view token) {
  SIGNX_ASSIGN_OR_RETURN(AccessClaims c,
                         VerifyAccessToken(token, ring_, clock_.Now(), settings_.jwt));
  // The token is genuine; is its user still a member of its org, and in which role? The answer is
  // cached like API keys, so a deleted, disabled or removed account (or a changed role) takes
  // effect within api_key_cache_ttl rather than at the token's expiry.
  const Timestamp now = clock_.Now();
  const std::string key = c.subject + "|" + c.org_id;
  std::optional<CachedMembership> member = membership_cache_.Get(key, now);
  if (!member) {
    SIGNX_ASSIGN_OR_RETURN(
        auto rs, store_.Query("SELECT m.role, u.disabled FROM memberships m JOIN users u ON "
                              "u.id = m.user_id WHERE m.user_id = $1 AND m.org_id = $2",
                              {c.subject, c.org_id}));
    member.emplace();
    if (!rs.rows.empty() && !rs.rows[0].Bool(1)) member->role = rs.rows[0].Text(0);
    membership_cache_.Put(key, *member, now);
  }
  std::optional<std::string>& role_name = member->role;
  if (!role_name) {
    return Unauthenticated("access token of an account that is no longer active in this org");
  }
  const auto role = ParseRole(*role_name);
  if (!role) return Unauthenticated("invalid access token: unknown role");
  return http::Principal{.kind = "user",
                         .subject_id = std::move(c.subject),
                         .org_id = std::move(c.org_id),
                         .role = std::move(*role_name),
                         .permissions = PermissionsFor(*role)};
}

void IdentityService::ForgetCachedCredentials() {
  api_key_cache_.Clear();
  membership_cache_.Clear();
}

// --- On behalf of a principal -----------------------------------------------------------------

Result<MeInfo> IdentityService::Me(const http::Principal& principal) {
  MeInfo me;
  me.principal = principal;
  if (principal.kind == "api_key" && principal.subject_id.rfind("static:", 0) == 0) return me;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](storage::Txn& t) -> Status {
        if (principal.kind == "api_key") {
          SIGNX_ASSIGN_OR_RETURN(
              auto row, t.QueryOne(std::string(kApiKeyCols) + "WHERE id = $1 AND org_id = $2",
                                   {principal.subject_id, principal.org_id}));
          if (!row) return Unauthenticated("the API key no longer exists");
          me.api_key = ReadApiKey(*row);
          return Status::Ok();
        }
        SIGNX_ASSIGN_OR_RETURN(
            auto row, t.QueryOne("SELECT id, email, created_at FROM users WHERE id = $1 AND "
                                 "deleted_at IS NULL",
                                 {principal.subject_id}));
        if (!row) return Unauthenticated("the user no longer exists");
        me.user = User{row->Text(0), row->Text(1), row->Time(2)};
        SIGNX_ASSIGN_OR_RETURN(me.memberships, ReadMemberships(t, principal.subject_id));
        return Status::Ok();
      },
      {.read_only = true}));
  return me;
}

Result<AuditPage> IdentityService::ListAuditLog(const http::Principal& principal, int limit,
                                                std::string_view cursor) {
  return store_.WithTxnResult<AuditPage>(
      [&](storage::Txn& t) { return ListAudit(t, principal.org_id, limit, cursor); },
      {.read_only = true});
}

}  // namespace signx::identity
