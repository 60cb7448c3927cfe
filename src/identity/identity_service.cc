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

namespace signx::identity {
namespace json = boost::json;
namespace {

constexpr std::string_view kRefreshPrefix = "sxr_";
constexpr std::size_t kRefreshSecretBytes = 32;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxApiKeyBytes = 512;
constexpr std::size_t kMaxCachedEntries = 4096;  // per credential cache
constexpr std::string_view kBadCredentials = "invalid e-mail or password";

constexpr std::string_view kApiKeyCols =
    "SELECT id, org_id, name, prefix, scopes, created_by, created_at, expires_at, last_used_at, "
    "revoked_at FROM api_keys ";

Status Unauthenticated(std::string_view message) {
  return Status(ErrorCode::kUnauthenticated, std::string(message));
}

std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  for (auto part : Split(text, ' ')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

ApiKeyInfo ReadApiKey(const storage::Row& r) {
  ApiKeyInfo k;
  k.id = r.Text(0);
  k.org_id = r.Text(1);
  k.name = r.Text(2);
  k.prefix = r.Text(3);
  k.scopes = SplitScopes(r.Text(4));
  k.created_by = r.OptText(5);
  k.created_at = r.Time(6);
  k.expires_at = r.OptTime(7);
  k.last_used_at = r.OptTime(8);
  k.revoked_at = r.OptTime(9);
  return k;
}

json::value OptTimeJson(const std::optional<Timestamp>& t) {
  return t ? json::value(UnixMicros(*t)) : json::value(nullptr);
}

// The audited state of a key (no secret material).
std::string ApiKeyDigestJson(const ApiKeyInfo& k) {
  json::array scopes;
  for (const auto& s : k.scopes) scopes.emplace_back(s);
  return json::serialize(json::object{{"id", k.id},
                                      {"org_id", k.org_id},
                                      {"name", k.name},
                                      {"prefix", k.prefix},
                                      {"scopes", std::move(scopes)},
                                      {"expires_at", OptTimeJson(k.expires_at)},
                                      {"revoked_at", OptTimeJson(k.revoked_at)}});
}

Status ValidateName(std::string_view field, std::string_view name) {
  if (Trim(name).empty()) return ValidationFailed({{std::string(field), "must not be empty"}});
  if (name.size() > kMaxNameBytes) {
    return ValidationFailed(
        {{std::string(field), "must be at most " + std::to_string(kMaxNameBytes) + " bytes"}});
  }
  return Status::Ok();
}

std::chrono::seconds CeilSeconds(std::chrono::milliseconds ms) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(ms));
}

Timestamp FloorSeconds(Timestamp t) { return std::chrono::floor<std::chrono::seconds>(t); }

// Revokes every live token of a refresh-token family.
Status RevokeFamily(storage::Txn& txn, const std::string& family_id, Timestamp now) {
  return txn
      .Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
            {now, family_id})
      .status();
}

// The user's memberships with org names, oldest first.
Result<std::vector<Membership>> ReadMemberships(storage::Txn& t, const std::string& user_id) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, t.Query("SELECT m.org_id, o.name, m.role, m.created_at "
                                          "FROM memberships m JOIN orgs o ON o.id = m.org_id "
                                          "WHERE m.user_id = $1 ORDER BY m.created_at, m.org_id",
                                          {user_id}));
  std::vector<Membership> out;
  for (const auto& r : rs.rows) out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Time(3)});
  return out;
}

std::string MembershipJson(std::string_view user_id, std::string_view org_id,
                           std::string_view role) {
  return json::serialize(json::object{{"user_id", user_id}, {"org_id", org_id}, {"role", role}});
}

constexpr std::string_view kLastAdmin =
    "the org must keep at least one org_admin: make another member org_admin first";

// kConflict when `user_id` is the only org_admin of `org_id` (and holds that role there).
Status CheckNotLastAdmin(storage::Txn& t, std::string_view org_id, std::string_view user_id,
                         std::string_view role) {
  if (role != RoleName(Role::kOrgAdmin)) return Status::Ok();
  SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT COUNT(*) FROM memberships WHERE org_id = $1 "
                                              "AND role = 'org_admin' AND user_id <> $2",
                                              {org_id, user_id}));
  if (row && row->Int(0) > 0) return Status::Ok();
  return Status(ErrorCode::kConflict, "cannot remove the last org_admin of org " +
                                          std::string(org_id) + "; " + std::string(kLastAdmin));
}

// How many keys may stand between a database key and the person (or CLI) behind it.
constexpr int kMaxKeyChain = 16;

// Brings every unrevoked API key `creator` created (in `org_id` only, when given), and the keys
// those keys created in turn, down to `allowed`; nullopt revokes them all. A key left without a
// scope is revoked. One audit row per changed key ("api_key.update" or "api_key.revoke").
Status CascadeKeys(storage::Txn& t, const std::string& creator,
                   const std::optional<std::string>& org_id,
                   const std::optional<std::vector<std::string>>& allowed, const Actor& actor,
                   const Clock& clock, int depth = 0) {
  if (depth > kMaxKeyChain) return Status::Ok();  // deeper keys never authenticate (ChainScopes)
  const Timestamp now = clock.Now();
  storage::Params params{creator};
  std::string where = "WHERE created_by = $1 AND revoked_at IS NULL";
  if (org_id) {
    where += " AND org_id = $2";
    params.push_back(*org_id);
  }
  SIGNX_ASSIGN_OR_RETURN(auto keys, t.Query(std::string(kApiKeyCols) + where, params));
  for (const auto& r : keys.rows) {
    ApiKeyInfo k = ReadApiKey(r);
    const std::string before = ApiKeyDigestJson(k);
    std::vector<std::string> kept;
    if (allowed) {
      for (const auto& s : k.scopes) {
        if (Allows(*allowed, s)) kept.push_back(s);
      }
    }
    std::optional<std::vector<std::string>> passed_on = kept;
    std::string action;
    if (kept.empty()) {
      k.revoked_at = now;
      passed_on.reset();
      action = "api_key.revoke";
      SIGNX_RETURN_IF_ERROR(
          t.Exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2", {now, k.id}).status());
    } else if (kept != k.scopes) {
      k.scopes = kept;
      action = "api_key.update";
      SIGNX_RETURN_IF_ERROR(
          t.Exec("UPDATE api_keys SET scopes = $1 WHERE id = $2", {Join(k.scopes, " "), k.id})
              .status());
    }
    if (!action.empty()) {
      SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                        {.org_id = k.org_id,
                                         .actor = actor,
                                         .action = action,
                                         .subject_type = "api_key",
                                         .subject_id = k.id,
                                         .before_json = before,
                                         .after_json = ApiKeyDigestJson(k)},
                                        clock)
                                .status());
    }
    SIGNX_RETURN_IF_ERROR(CascadeKeys(t, k.id, std::nullopt, passed_on, actor, clock, depth + 1));
  }
  return Status::Ok();
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

Result<http::Principal> IdentityService::AuthenticateApiKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxApiKeyBytes) return Unauthenticated("invalid API key");
  if (!static_key_hashes_.empty()) {
    // Compare against every configured key so the time does not depend on which one matched.
    const std::string h = Sha256Hex(key);
    std::optional<std::size_t> match;
    for (std::size_t i = 0; i < static_key_hashes_.size(); ++i) {
      if (ConstantTimeEquals(h, static_key_hashes_[i])) match = i;
    }
    if (match) {
      const StaticApiKey& k = settings_.static_api_keys[*match];
      return http::Principal{.kind = "api_key",
                             .subject_id = "static:" + k.name,
                             .org_id = k.org_id,
                             .role = "api_key",
                             .permissions = k.scopes};
    }
  }
  const auto parsed = ParseApiKey(key);
  if (!parsed) return Unauthenticated("invalid API key");
  const Timestamp now = clock_.Now();
  std::optional<CachedApiKey> k = api_key_cache_.Get(parsed->prefix, now);
  if (!k) {
    SIGNX_ASSIGN_OR_RETURN(
        auto rs, store_.Query("SELECT id, org_id, secret_sha256, scopes, expires_at, last_used_at, "
                              "revoked_at, created_by FROM api_keys WHERE prefix = $1",
                              {parsed->prefix}));
    if (rs.rows.empty()) return Unauthenticated("invalid API key");
    const storage::Row& r = rs.rows[0];
    k = CachedApiKey{.id = r.Text(0),
                     .org_id = r.Text(1),
                     .secret_sha256 = r.Text(2),
                     .scopes = SplitScopes(r.Text(3)),
                     .expires_at = r.OptTime(4),
                     .last_used_at = r.OptTime(5),
                     .revoked = !r.IsNull(6)};
    // The key acts with the lesser of its scopes and its creators' current authority.
    SIGNX_ASSIGN_OR_RETURN(auto effective, ChainScopes(k->org_id, k->scopes, r.OptText(7)));
    if (effective) {
      k->scopes = *std::move(effective);
    } else {
      k->orphaned = true;
    }
    api_key_cache_.Put(parsed->prefix, *k, now);
  }
  if (!ApiKeySecretMatches(parsed->secret, k->secret_sha256)) {
    return Unauthenticated("invalid API key");
  }
  if (k->revoked) return Unauthenticated("API key has been revoked");
  if (k->orphaned) {
    return Unauthenticated("API key has been revoked: its creator no longer has access");
  }
  if (k->expires_at && *k->expires_at <= now) return Unauthenticated("API key has expired");
  if (!k->last_used_at || now - *k->last_used_at >= settings_.api_key_touch_interval) {
    {
      std::lock_guard lock(key_uses_mu_);
      key_uses_[k->id] = now;
    }
    api_key_cache_.Update(parsed->prefix,
                          [now](CachedApiKey& cached) { cached.last_used_at = now; });
  }
  return http::Principal{.kind = "api_key",
                         .subject_id = k->id,
                         .org_id = k->org_id,
                         .role = "api_key",
                         .permissions = std::move(k->scopes)};
}

Status IdentityService::RecordApiKeyUses() {
  std::unordered_map<std::string, Timestamp> uses;
  {
    std::lock_guard lock(key_uses_mu_);
    uses.swap(key_uses_);
  }
  if (uses.empty()) return Status::Ok();
  Status st = store_.WithTxn([&](storage::Txn& t) -> Status {
    for (const auto& [id, at] : uses) {
      // Another replica may have written a use of this key within the interval: keep one write
      // per interval per key, and never move last_used_at backwards.
      SIGNX_RETURN_IF_ERROR(t.Exec("UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND "
                                   "(last_used_at IS NULL OR last_used_at <= $3)",
                                   {at, id, at - settings_.api_key_touch_interval})
                                .status());
    }
    return Status::Ok();
  });
  if (!st.ok()) {
    std::lock_guard lock(key_uses_mu_);
    for (const auto& [id, at] : uses) {
      auto [it, added] = key_uses_.emplace(id, at);
      if (!added && it->second < at) it->second = at;
    }
  }
  return st;
}

Result<std::optional<std::vector<std::string>>> IdentityService::ChainScopes(
    const std::string& org_id, std::vector<std::string> scopes,
    std::optional<std::string> created_by) {
  using Out = std::optional<std::vector<std::string>>;
  const Timestamp now = clock_.Now();
  for (int depth = 0; created_by && depth < kMaxKeyChain; ++depth) {
    const std::string by = *std::move(created_by);
    created_by.reset();
    std::vector<std::string> granted;
    if (by.starts_with("static:")) {
      const StaticApiKey* found = nullptr;
      for (const auto& sk : settings_.static_api_keys) {
        if ("static:" + sk.name == by) found = &sk;
      }
      if (found == nullptr || found->org_id != org_id) return Out();
      granted = found->scopes;
    } else if (by.starts_with("key_")) {
      SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query("SELECT org_id, scopes, created_by, "
                                                   "revoked_at, expires_at FROM api_keys "
                                                   "WHERE id = $1",
                                                   {by}));
      if (rs.rows.empty()) return Out();
      const storage::Row& r = rs.rows[0];
      if (r.Text(0) != org_id || !r.IsNull(3)) return Out();
      if (auto exp = r.OptTime(4); exp && *exp <= now) return Out();
      granted = SplitScopes(r.Text(1));
      created_by = r.OptText(2);
    } else {
      SIGNX_ASSIGN_OR_RETURN(
          auto rs, store_.Query("SELECT m.role, u.disabled FROM memberships m JOIN users u ON "
                                "u.id = m.user_id WHERE m.user_id = $1 AND m.org_id = $2",
                                {by, org_id}));
      if (rs.rows.empty() || rs.rows[0].Bool(1)) return Out();
      const auto role = ParseRole(rs.rows[0].Text(0));
      if (!role) return Out();
      granted = PermissionsFor(*role);
    }
    std::erase_if(scopes, [&](const std::string& s) { return !Allows(granted, s); });
  }
  if (created_by) return Out();  // a longer chain than any key needs
  return Out(std::move(scopes));
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

Result<CreatedApiKey> IdentityService::InsertApiKey(std::string_view org_id, std::string_view name,
                                                    const std::vector<std::string>& scopes,
                                                    std::optional<Timestamp> expires_at,
                                                    std::optional<std::string> created_by,
                                                    const Actor& actor) {
  std::vector<FieldError> errors;
  if (Status st = ValidateName("name", name); !st.ok()) errors.push_back(st.details().front());
  if (scopes.empty()) errors.push_back({"scopes", "must list at least one permission"});
  for (const auto& s : scopes) {
    if (!IsKnownPermission(s)) errors.push_back({"scopes", "unknown permission '" + s + "'"});
  }
  if (expires_at && *expires_at <= clock_.Now()) {
    errors.push_back({"expires_at", "must be in the future"});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));

  std::vector<std::string> sorted = scopes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  CreatedApiKey out;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto org, t.QueryOne("SELECT id FROM orgs WHERE id = $1", {org_id}));
    if (!org) return NotFound("org " + std::string(org_id) + " not found");
    const GeneratedApiKey gen = GenerateApiKey();
    ApiKeyInfo& k = out.info;
    k.id = NewId("key", clock_);
    k.org_id = std::string(org_id);
    k.name = std::string(Trim(name));
    k.prefix = gen.prefix;
    k.scopes = sorted;
    k.created_by = created_by;
    k.created_at = clock_.Now();
    k.expires_at = expires_at;
    out.key = gen.key;
    SIGNX_RETURN_IF_ERROR(
        t.Exec("INSERT INTO api_keys (id, org_id, name, prefix, secret_sha256, scopes, "
               "created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
               {k.id, k.org_id, k.name, k.prefix, gen.secret_sha256, Join(k.scopes, " "),
                k.created_by, k.created_at, k.expires_at})
            .status());
    return AppendAudit(t,
                       {.org_id = k.org_id,
                        .actor = actor,
                        .action = "api_key.create",
                        .subject_type = "api_key",
                        .subject_id = k.id,
                        .after_json = ApiKeyDigestJson(k)},
                       clock_)
        .status();
  }));
  return out;
}

Result<CreatedApiKey> IdentityService::CreateApiKey(const http::Principal& principal,
                                                    std::string_view name,
                                                    const std::vector<std::string>& scopes,
                                                    std::optional<Timestamp> expires_at,
                                                    std::string_view request_id) {
  for (const auto& s : scopes) {
    if (IsKnownPermission(s) && !Allows(principal.permissions, s)) {
      return Status(ErrorCode::kPermissionDenied, "you cannot grant a scope you do not hold: " + s,
                    {{"scopes", s}});
    }
  }
  return InsertApiKey(principal.org_id, name, scopes, expires_at, principal.subject_id,
                      Actor::Of(principal, request_id));
}

Result<CreatedApiKey> IdentityService::CreateApiKeyInOrg(std::string_view org_id,
                                                         std::string_view name,
                                                         const std::vector<std::string>& scopes,
                                                         std::optional<Timestamp> expires_at,
                                                         const Actor& actor) {
  return InsertApiKey(org_id, name, scopes, expires_at, std::nullopt, actor);
}

Result<std::vector<ApiKeyInfo>> IdentityService::ListApiKeys(const http::Principal& principal) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(std::string(kApiKeyCols) +
                                                   "WHERE org_id = $1 ORDER BY id DESC LIMIT 1000",
                                               {principal.org_id}));
  std::vector<ApiKeyInfo> out;
  out.reserve(rs.rows.size());
  for (const auto& r : rs.rows) out.push_back(ReadApiKey(r));
  return out;
}

Status IdentityService::RevokeApiKey(const http::Principal& principal, std::string_view key_id,
                                     std::string_view request_id) {
  Status st = store_.WithTxn([&](storage::Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto row,
                           t.QueryOne(std::string(kApiKeyCols) + "WHERE id = $1 AND org_id = $2",
                                      {key_id, principal.org_id}));
    if (!row) return NotFound("API key " + std::string(key_id) + " not found");
    ApiKeyInfo k = ReadApiKey(*row);
    if (k.revoked_at) return Status::Ok();
    const std::string before = ApiKeyDigestJson(k);
    k.revoked_at = clock_.Now();
    SIGNX_RETURN_IF_ERROR(
        t.Exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND org_id = $3",
               {*k.revoked_at, k.id, principal.org_id})
            .status());
    const Actor actor = Actor::Of(principal, request_id);
    SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                      {.org_id = principal.org_id,
                                       .actor = actor,
                                       .action = "api_key.revoke",
                                       .subject_type = "api_key",
                                       .subject_id = k.id,
                                       .before_json = before,
                                       .after_json = ApiKeyDigestJson(k)},
                                      clock_)
                              .status());
    // Keys this key created (and theirs) lose their authority with it.
    return CascadeKeys(t, k.id, std::nullopt, std::nullopt, actor, clock_);
  });
  ForgetCachedCredentials();
  return st;
}

Result<AuditPage> IdentityService::ListAuditLog(const http::Principal& principal, int limit,
                                                std::string_view cursor) {
  return store_.WithTxnResult<AuditPage>(
      [&](storage::Txn& t) { return ListAudit(t, principal.org_id, limit, cursor); },
      {.read_only = true});
}

// --- Org membership ---------------------------------------------------------------------------

namespace {

// Erases user `user_id`'s account inside `t` (see DeleteAccount): checks the last-admin rule for
// every remaining membership, revokes sessions and the keys the user created, removes the
// memberships, pseudonymises the users row and writes one "user.delete" audit row per former org
// (org_id NULL when there was none).
Status EraseAccount(storage::Txn& t, const std::string& user_id, const Actor& actor,
                    const Clock& clock) {
  const Timestamp now = clock.Now();
  SIGNX_ASSIGN_OR_RETURN(auto ms, t.Query("SELECT org_id, role FROM memberships WHERE user_id = $1 "
                                          "ORDER BY org_id",
                                          {user_id}));
  for (const auto& m : ms.rows) {
    SIGNX_RETURN_IF_ERROR(CheckNotLastAdmin(t, m.Text(0), user_id, m.Text(1)));
  }
  SIGNX_RETURN_IF_ERROR(
      t.Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
             {now, user_id})
          .status());
  SIGNX_RETURN_IF_ERROR(CascadeKeys(t, user_id, std::nullopt, std::nullopt, actor, clock));
  // Invitations name the e-mail: pending ones end, and none keeps the address.
  SIGNX_ASSIGN_OR_RETURN(
      auto email,
      t.QueryOne("SELECT email FROM users WHERE id = $1 AND deleted_at IS NULL", {user_id}));
  if (email) {
    SIGNX_RETURN_IF_ERROR(t.Exec("UPDATE invitations SET revoked_at = $1 WHERE email = $2 AND "
                                 "accepted_at IS NULL AND revoked_at IS NULL",
                                 {now, email->Text(0)})
                              .status());
    SIGNX_RETURN_IF_ERROR(
        t.Exec("UPDATE invitations SET email = $1 WHERE email = $2 OR accepted_by = $3",
               {DeletedUserPseudonym(user_id), email->Text(0), user_id})
            .status());
  }
  SIGNX_RETURN_IF_ERROR(t.Exec("DELETE FROM memberships WHERE user_id = $1", {user_id}).status());
  SIGNX_ASSIGN_OR_RETURN(
      const int64_t n,
      t.Exec("UPDATE users SET email = $1, password_hash = '', disabled = $2, deleted_at = $3, "
             "updated_at = $3 WHERE id = $4 AND deleted_at IS NULL",
             {DeletedUserPseudonym(user_id), true, now, user_id}));
  if (n != 1) return NotFound("user " + user_id + " not found");
  // The digest of the erased state only: the old e-mail must not be recoverable from the trail.
  const std::string after = json::serialize(
      json::object{{"id", user_id}, {"email", DeletedUserPseudonym(user_id)}, {"deleted", true}});
  std::vector<std::optional<std::string>> orgs;
  for (const auto& m : ms.rows) orgs.emplace_back(m.Text(0));
  if (orgs.empty()) orgs.emplace_back(std::nullopt);
  for (const auto& org : orgs) {
    SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                      {.org_id = org,
                                       .actor = actor,
                                       .action = "user.delete",
                                       .subject_type = "user",
                                       .subject_id = user_id,
                                       .after_json = after},
                                      clock)
                              .status());
  }
  return Status::Ok();
}

OrgMember ReadMember(const storage::Row& r) { return {r.Text(0), r.Text(1), r.Text(2), r.Time(3)}; }

constexpr std::string_view kMemberCols =
    "SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m "
    "JOIN users u ON u.id = m.user_id ";

}  // namespace

Status IdentityService::CheckOrgAccess(const http::Principal& principal,
                                       std::string_view org_id) const {
  if (principal.role == RoleName(Role::kSuperAdmin) || org_id == principal.org_id) {
    return Status::Ok();
  }
  return NotFound("org " + std::string(org_id) + " not found");
}

Result<std::optional<AddedMember>> IdentityService::AddExistingMember(std::string_view org_id,
                                                                      const std::string& email,
                                                                      std::string_view role,
                                                                      const Actor& actor) {
  std::optional<AddedMember> added;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](storage::Txn& t) -> Status {
        added.reset();
        SIGNX_ASSIGN_OR_RETURN(
            auto user, t.QueryOne("SELECT id, email, created_at FROM users WHERE email = $1 AND "
                                  "deleted_at IS NULL",
                                  {email}));
        if (!user) return Status::Ok();
        SIGNX_ASSIGN_OR_RETURN(auto org, t.QueryOne("SELECT id FROM orgs WHERE id = $1", {org_id}));
        if (!org) return NotFound("org " + std::string(org_id) + " not found");
        AddedMember m{User{user->Text(0), user->Text(1), user->Time(2)}, std::string(org_id),
                      std::string(role), false};
        SIGNX_ASSIGN_OR_RETURN(auto existing,
                               t.QueryOne("SELECT role FROM memberships WHERE user_id = $1 AND "
                                          "org_id = $2",
                                          {m.user.id, org_id}));
        if (existing) {
          return Status(ErrorCode::kAlreadyExists,
                        "this user is already a member of the org (change the role with PATCH "
                        "/v1/orgs/{id}/users/{user_id})",
                        {{"email", "already a member"}});
        }
        SIGNX_RETURN_IF_ERROR(t.Exec("INSERT INTO memberships (user_id, org_id, role, created_at) "
                                     "VALUES ($1, $2, $3, $4)",
                                     {m.user.id, org_id, role, clock_.Now()})
                                  .status());
        SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                          {.org_id = std::string(org_id),
                                           .actor = actor,
                                           .action = "membership.create",
                                           .subject_type = "user",
                                           .subject_id = m.user.id,
                                           .after_json = MembershipJson(m.user.id, org_id, role)},
                                          clock_)
                                  .status());
        added = std::move(m);
        return Status::Ok();
      },
      {.serializable = true}));
  return added;
}

Result<AddedMember> IdentityService::AddMembership(std::string_view org_id, std::string_view email,
                                                   std::string_view role, const Actor& actor) {
  std::vector<FieldError> errors;
  auto norm = NormalizeEmail(email);
  if (!norm.ok()) errors.push_back(norm.status().details().front());
  if (!ParseRole(role)) {
    errors.push_back({"role", "must be one of super_admin, org_admin, org_member, org_viewer"});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  SIGNX_ASSIGN_OR_RETURN(std::optional<AddedMember> added,
                         AddExistingMember(org_id, *norm, role, actor));
  if (!added) return NotFound("no user with e-mail " + *norm + " (create it with create-user)");
  return *std::move(added);
}

namespace {

constexpr std::string_view kInvitationPrefix = "sxi_";
constexpr std::size_t kInvitationSecretBytes = 32;
constexpr std::string_view kNoInvitation = "invitation not found, already used or expired";

bool IsInvitationToken(std::string_view token) {
  return token.size() == kInvitationPrefix.size() + 2 * kInvitationSecretBytes &&
         token.substr(0, kInvitationPrefix.size()) == kInvitationPrefix;
}

struct PendingInvitation {
  std::string id, org_id, email, role;
};

// The pending (not accepted, not revoked, not expired) invitation with this token, or nullopt.
Result<std::optional<PendingInvitation>> FindPendingInvitation(storage::Txn& t,
                                                               std::string_view token,
                                                               Timestamp now) {
  SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT id, org_id, email, role FROM invitations "
                                              "WHERE token_sha256 = $1 AND accepted_at IS NULL "
                                              "AND revoked_at IS NULL AND expires_at > $2",
                                              {Sha256Hex(token), now}));
  if (!row) return std::optional<PendingInvitation>();
  return std::optional<PendingInvitation>(
      PendingInvitation{row->Text(0), row->Text(1), row->Text(2), row->Text(3)});
}

// Marks `inv` accepted by `user_id` and audits it, with the membership it created.
Status CompleteInvitation(storage::Txn& t, const PendingInvitation& inv, const std::string& user_id,
                          const Actor& actor, const Clock& clock) {
  const Timestamp now = clock.Now();
  SIGNX_RETURN_IF_ERROR(t.Exec("UPDATE invitations SET accepted_at = $1, accepted_by = $2 "
                               "WHERE id = $3",
                               {now, user_id, inv.id})
                            .status());
  SIGNX_RETURN_IF_ERROR(
      t.Exec("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)",
             {user_id, inv.org_id, inv.role, now})
          .status());
  SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                    {.org_id = inv.org_id,
                                     .actor = actor,
                                     .action = "invitation.accept",
                                     .subject_type = "invitation",
                                     .subject_id = inv.id},
                                    clock)
                            .status());
  return AppendAudit(t,
                     {.org_id = inv.org_id,
                      .actor = actor,
                      .action = "membership.create",
                      .subject_type = "user",
                      .subject_id = user_id,
                      .after_json = MembershipJson(user_id, inv.org_id, inv.role)},
                     clock)
      .status();
}

}  // namespace

Result<CreatedInvitation> IdentityService::InviteToOrg(const http::Principal& principal,
                                                       std::string_view org_id,
                                                       std::string_view email,
                                                       std::string_view role,
                                                       std::string_view request_id) {
  SIGNX_RETURN_IF_ERROR(CheckOrgAccess(principal, org_id));
  const bool super = principal.role == RoleName(Role::kSuperAdmin);
  if (role == RoleName(Role::kSuperAdmin) && !super) {
    return Status(ErrorCode::kPermissionDenied, "only a super_admin may grant super_admin");
  }
  std::vector<FieldError> errors;
  auto norm = NormalizeEmail(email);
  if (!norm.ok()) errors.push_back(norm.status().details().front());
  if (!ParseRole(role)) {
    errors.push_back({"role", "must be one of super_admin, org_admin, org_member, org_viewer"});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  const Actor actor = Actor::Of(principal, request_id);
  CreatedInvitation out;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](storage::Txn& t) -> Status {
        const Timestamp now = clock_.Now();
        SIGNX_ASSIGN_OR_RETURN(auto org, t.QueryOne("SELECT id FROM orgs WHERE id = $1", {org_id}));
        if (!org) return NotFound("org " + std::string(org_id) + " not found");
        // Members are listed to the admin anyway, so saying so reveals nothing new.
        SIGNX_ASSIGN_OR_RETURN(
            auto member,
            t.QueryOne("SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id "
                       "WHERE m.org_id = $1 AND u.email = $2",
                       {org_id, *norm}));
        if (member) {
          return Status(ErrorCode::kAlreadyExists,
                        "this e-mail is already a member of the org (change the role with PATCH "
                        "/v1/orgs/{id}/users/{user_id})",
                        {{"email", "already a member"}});
        }
        SIGNX_RETURN_IF_ERROR(
            t.Exec("UPDATE invitations SET revoked_at = $1 WHERE org_id = $2 AND email = $3 AND "
                   "accepted_at IS NULL AND revoked_at IS NULL",
                   {now, org_id, *norm})
                .status());
        Invitation& inv = out.invitation;
        inv = Invitation{.id = NewId("inv", clock_),
                         .org_id = std::string(org_id),
                         .email = *norm,
                         .role = std::string(role),
                         .created_at = now,
                         .expires_at = now + settings_.invitation_ttl};
        out.token = std::string(kInvitationPrefix) + RandomHex(kInvitationSecretBytes);
        SIGNX_RETURN_IF_ERROR(
            t.Exec("INSERT INTO invitations (id, org_id, email, role, token_sha256, invited_by, "
                   "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   {inv.id, inv.org_id, inv.email, inv.role, Sha256Hex(out.token),
                    principal.subject_id, inv.created_at, inv.expires_at})
                .status());
        return AppendAudit(t,
                           {.org_id = inv.org_id,
                            .actor = actor,
                            .action = "invitation.create",
                            .subject_type = "invitation",
                            .subject_id = inv.id,
                            .after_json = json::serialize(json::object{
                                {"id", inv.id}, {"org_id", inv.org_id}, {"role", inv.role}})},
                           clock_)
            .status();
      },
      {.serializable = true}));
  return out;
}

Result<AcceptedInvitation> IdentityService::AcceptInvitation(const http::Principal& principal,
                                                             std::string_view token,
                                                             std::string_view request_id) {
  if (principal.kind != "user") {
    return Status(ErrorCode::kPermissionDenied,
                  "an invitation is accepted by the invited person, signed in (not an API key)");
  }
  if (!IsInvitationToken(token)) return NotFound(std::string(kNoInvitation));
  AcceptedInvitation out;
  auto st = store_.WithTxn(
      [&](storage::Txn& t) -> Status {
        SIGNX_ASSIGN_OR_RETURN(auto inv, FindPendingInvitation(t, token, clock_.Now()));
        if (!inv) return NotFound(std::string(kNoInvitation));
        SIGNX_ASSIGN_OR_RETURN(auto user,
                               t.QueryOne("SELECT email, disabled FROM users WHERE id = $1 AND "
                                          "deleted_at IS NULL",
                                          {principal.subject_id}));
        if (!user || user->Bool(1)) return Unauthenticated("the user no longer exists");
        if (user->Text(0) != inv->email) {
          return Status(ErrorCode::kPermissionDenied,
                        "this invitation is for another e-mail address: sign in as the invited "
                        "person to accept it");
        }
        out = AcceptedInvitation{principal.subject_id, inv->org_id, inv->role, false};
        SIGNX_ASSIGN_OR_RETURN(auto existing,
                               t.QueryOne("SELECT role FROM memberships WHERE user_id = $1 AND "
                                          "org_id = $2",
                                          {principal.subject_id, inv->org_id}));
        if (existing) {
          return Status(ErrorCode::kAlreadyExists, "you are already a member of this org");
        }
        return CompleteInvitation(t, *inv, principal.subject_id, Actor::Of(principal, request_id),
                                  clock_);
      },
      {.serializable = true});
  SIGNX_RETURN_IF_ERROR(st);
  ForgetCachedCredentials();
  return out;
}

Result<AcceptedInvitation> IdentityService::RegisterWithInvitation(std::string_view token,
                                                                   std::string_view password,
                                                                   std::string_view request_id) {
  if (!IsInvitationToken(token)) return NotFound(std::string(kNoInvitation));
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return ValidationFailed({{"password", "must be " + std::to_string(kMinPasswordBytes) + " to " +
                                              std::to_string(kMaxPasswordBytes) + " bytes"}});
  }
  // A cheap check before argon2, so unknown tokens cost nothing; repeated in the transaction.
  SIGNX_ASSIGN_OR_RETURN(
      auto pre, store_.WithTxnResult<std::optional<PendingInvitation>>(
                    [&](storage::Txn& t) { return FindPendingInvitation(t, token, clock_.Now()); },
                    {.read_only = true}));
  if (!pre) return NotFound(std::string(kNoInvitation));
  SIGNX_ASSIGN_OR_RETURN(const std::string hash, hasher_.Hash(password));
  AcceptedInvitation out;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](storage::Txn& t) -> Status {
        const Timestamp now = clock_.Now();
        SIGNX_ASSIGN_OR_RETURN(auto inv, FindPendingInvitation(t, token, now));
        if (!inv) return NotFound(std::string(kNoInvitation));
        SIGNX_ASSIGN_OR_RETURN(auto existing,
                               t.QueryOne("SELECT id FROM users WHERE email = $1", {inv->email}));
        if (existing) {
          return Status(ErrorCode::kConflict,
                        "an account with this e-mail already exists: sign in and accept the "
                        "invitation (POST /v1/invitations/accept)");
        }
        const std::string user_id = NewId("usr", clock_);
        SIGNX_RETURN_IF_ERROR(
            t.Exec("INSERT INTO users (id, email, password_hash, disabled, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $5)",
                   {user_id, inv->email, hash, false, now})
                .status());
        const Actor actor{"user", user_id, std::string(request_id)};
        SIGNX_RETURN_IF_ERROR(
            AppendAudit(t,
                        {.org_id = inv->org_id,
                         .actor = actor,
                         .action = "user.create",
                         .subject_type = "user",
                         .subject_id = user_id,
                         .after_json = json::serialize(json::object{
                             {"id", user_id}, {"org_id", inv->org_id}, {"role", inv->role}})},
                        clock_)
                .status());
        out = AcceptedInvitation{user_id, inv->org_id, inv->role, true};
        return CompleteInvitation(t, *inv, user_id, actor, clock_);
      },
      {.serializable = true}));
  return out;
}

Result<MemberPage> IdentityService::ListOrgMembers(const http::Principal& principal,
                                                   std::string_view org_id, int limit,
                                                   std::string_view cursor) {
  SIGNX_RETURN_IF_ERROR(CheckOrgAccess(principal, org_id));
  if (limit < 1 || limit > kMaxMemberPage) {
    return Status(ErrorCode::kInvalidArgument,
                  "limit must be between 1 and " + std::to_string(kMaxMemberPage),
                  {{"limit", "must be between 1 and " + std::to_string(kMaxMemberPage)}});
  }
  if (!cursor.empty() && !IsValidId(cursor, "usr")) {
    return Status(ErrorCode::kInvalidArgument, "cursor is not valid", {{"cursor", "not valid"}});
  }
  return store_.WithTxnResult<MemberPage>(
      [&](storage::Txn& t) -> Result<MemberPage> {
        SIGNX_ASSIGN_OR_RETURN(auto org, t.QueryOne("SELECT id FROM orgs WHERE id = $1", {org_id}));
        if (!org) return NotFound("org " + std::string(org_id) + " not found");
        SIGNX_ASSIGN_OR_RETURN(
            auto rs, t.Query(std::string(kMemberCols) +
                                 "WHERE m.org_id = $1 AND m.user_id > $2 ORDER BY m.user_id "
                                 "LIMIT $3",
                             {org_id, cursor, int64_t{limit} + 1}));
        MemberPage page;
        for (const auto& r : rs.rows) {
          if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor = page.items.back().user_id;
            break;
          }
          page.items.push_back(ReadMember(r));
        }
        return page;
      },
      {.read_only = true});
}

Result<OrgMember> IdentityService::ChangeMemberRole(const http::Principal& principal,
                                                    std::string_view org_id,
                                                    std::string_view user_id, std::string_view role,
                                                    std::string_view request_id) {
  SIGNX_RETURN_IF_ERROR(CheckOrgAccess(principal, org_id));
  if (!ParseRole(role)) {
    return ValidationFailed(
        {{"role", "must be one of super_admin, org_admin, org_member, org_viewer"}});
  }
  const bool super = principal.role == RoleName(Role::kSuperAdmin);
  if (role == RoleName(Role::kSuperAdmin) && !super) {
    return Status(ErrorCode::kPermissionDenied, "only a super_admin may grant super_admin");
  }
  auto changed = store_.WithTxnResult<OrgMember>(
      [&](storage::Txn& t) -> Result<OrgMember> {
        SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne(std::string(kMemberCols) +
                                                        "WHERE m.org_id = $1 AND m.user_id = $2",
                                                    {org_id, user_id}));
        if (!row) return NotFound("user " + std::string(user_id) + " is not a member of the org");
        OrgMember m = ReadMember(*row);
        if (m.role == RoleName(Role::kSuperAdmin) && !super) {
          return Status(ErrorCode::kPermissionDenied,
                        "only a super_admin may change a super_admin membership");
        }
        if (m.role == role) return m;
        SIGNX_RETURN_IF_ERROR(CheckNotLastAdmin(t, org_id, user_id, m.role));
        const std::string before = MembershipJson(user_id, org_id, m.role);
        SIGNX_RETURN_IF_ERROR(
            t.Exec("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3",
                   {role, org_id, user_id})
                .status());
        m.role = std::string(role);
        // The member's keys, and the keys those created, keep only what the new role allows.
        SIGNX_RETURN_IF_ERROR(CascadeKeys(t, std::string(user_id), std::string(org_id),
                                          PermissionsFor(*ParseRole(role)),
                                          Actor::Of(principal, request_id), clock_));
        SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                          {.org_id = std::string(org_id),
                                           .actor = Actor::Of(principal, request_id),
                                           .action = "membership.update",
                                           .subject_type = "user",
                                           .subject_id = m.user_id,
                                           .before_json = before,
                                           .after_json = MembershipJson(user_id, org_id, role)},
                                          clock_)
                                  .status());
        return m;
      },
      {.serializable = true});
  ForgetCachedCredentials();  // access tokens carry the new role's permissions at once here
  return changed;
}

Result<RemovedMember> IdentityService::RemoveUserFromOrg(const http::Principal& principal,
                                                         std::string_view org_id,
                                                         std::string_view user_id,
                                                         std::string_view request_id) {
  SIGNX_RETURN_IF_ERROR(CheckOrgAccess(principal, org_id));
  const bool super = principal.role == RoleName(Role::kSuperAdmin);
  const Actor actor = Actor::Of(principal, request_id);
  auto removed = store_.WithTxnResult<RemovedMember>(
      [&](storage::Txn& t) -> Result<RemovedMember> {
        const Timestamp now = clock_.Now();
        SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT role FROM memberships WHERE "
                                                    "org_id = $1 AND user_id = $2",
                                                    {org_id, user_id}));
        if (!row) return NotFound("user " + std::string(user_id) + " is not a member of the org");
        const std::string role = row->Text(0);
        if (role == RoleName(Role::kSuperAdmin) && !super) {
          return Status(ErrorCode::kPermissionDenied,
                        "only a super_admin may remove a super_admin membership");
        }
        SIGNX_RETURN_IF_ERROR(CheckNotLastAdmin(t, org_id, user_id, role));
        RemovedMember out{std::string(user_id), std::string(org_id), false};
        SIGNX_ASSIGN_OR_RETURN(auto others, t.QueryOne("SELECT COUNT(*) FROM memberships WHERE "
                                                       "user_id = $1 AND org_id <> $2",
                                                       {user_id, org_id}));
        if (!others || others->Int(0) == 0) {
          // The last membership: the account goes too, in this transaction.
          SIGNX_RETURN_IF_ERROR(EraseAccount(t, std::string(user_id), actor, clock_));
          out.account_deleted = true;
          return out;
        }
        SIGNX_RETURN_IF_ERROR(
            t.Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND "
                   "org_id = $3 AND revoked_at IS NULL",
                   {now, user_id, org_id})
                .status());
        SIGNX_RETURN_IF_ERROR(
            CascadeKeys(t, std::string(user_id), std::string(org_id), std::nullopt, actor, clock_));
        SIGNX_RETURN_IF_ERROR(
            t.Exec("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2", {org_id, user_id})
                .status());
        SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                          {.org_id = std::string(org_id),
                                           .actor = actor,
                                           .action = "membership.delete",
                                           .subject_type = "user",
                                           .subject_id = std::string(user_id),
                                           .before_json = MembershipJson(user_id, org_id, role)},
                                          clock_)
                                  .status());
        return out;
      },
      {.serializable = true});
  ForgetCachedCredentials();  // keys the user created in the org were revoked; tokens too
  return removed;
}

// --- Privacy ----------------------------------------------------------------------------------

Result<PersonalData> IdentityService::ExportPersonalData(const http::Principal& principal,
                                                         std::string_view request_id) {
  if (principal.kind != "user") {
    return Status(ErrorCode::kPermissionDenied,
                  "only a signed-in user has personal data to export (not an API key)");
  }
  const std::string& uid = principal.subject_id;
  return store_.WithTxnResult<PersonalData>([&](storage::Txn& t) -> Result<PersonalData> {
    PersonalData d;
    SIGNX_ASSIGN_OR_RETURN(
        auto row, t.QueryOne("SELECT id, email, created_at, updated_at FROM users WHERE id = $1 "
                             "AND deleted_at IS NULL",
                             {uid}));
    if (!row) return Unauthenticated("the user no longer exists");
    d.user = User{row->Text(0), row->Text(1), row->Time(2)};
    d.updated_at = row->Time(3);
    SIGNX_ASSIGN_OR_RETURN(d.memberships, ReadMemberships(t, uid));
    SIGNX_ASSIGN_OR_RETURN(
        auto keys, t.Query(std::string(kApiKeyCols) + "WHERE created_by = $1 ORDER BY id", {uid}));
    for (const auto& r : keys.rows) d.api_keys.push_back(ReadApiKey(r));
    SIGNX_ASSIGN_OR_RETURN(auto sessions,
                           t.Query("SELECT id, family_id, org_id, issued_at, expires_at, used_at, "
                                   "revoked_at FROM refresh_tokens WHERE user_id = $1 ORDER BY id",
                                   {uid}));
    for (const auto& r : sessions.rows) {
      d.sessions.push_back(
          {r.Text(0), r.Text(1), r.Text(2), r.Time(3), r.Time(4), r.OptTime(5), r.OptTime(6)});
    }
    SIGNX_ASSIGN_OR_RETURN(
        auto invs, t.Query("SELECT id, org_id, email, role, created_at, expires_at, accepted_at, "
                           "revoked_at FROM invitations WHERE email = $1 OR accepted_by = $2 "
                           "ORDER BY id LIMIT 10000",
                           {d.user.email, uid}));
    for (const auto& r : invs.rows) {
      d.invitations.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Time(4), r.Time(5),
                               r.OptTime(6), r.OptTime(7)});
    }
    // The export itself is audited first, so the document lists it too.
    SIGNX_RETURN_IF_ERROR(AppendAudit(t,
                                      {.org_id = principal.org_id,
                                       .actor = Actor::Of(principal, request_id),
                                       .action = "user.export",
                                       .subject_type = "user",
                                       .subject_id = uid},
                                      clock_)
                              .status());
    SIGNX_ASSIGN_OR_RETURN(d.audit, ListAuditByUser(t, uid, kMaxExportAuditRows + 1));
    if (d.audit.size() > static_cast<std::size_t>(kMaxExportAuditRows)) {
      d.audit.resize(kMaxExportAuditRows);
      d.audit_truncated = true;
    }
    d.exported_at = clock_.Now();
    return d;
  });
}

Status IdentityService::DeleteAccount(const http::Principal& principal, std::string_view password,
                                      std::string_view request_id,
                                      std::chrono::seconds* retry_after) {
  if (principal.kind != "user") {
    return Status(ErrorCode::kPermissionDenied,
                  "only a signed-in user can delete their account (not an API key)");
  }
  if (password.empty()) {
    return ValidationFailed({{"password", "is required (your current password)"}});
  }
  const std::string& uid = principal.subject_id;
  SIGNX_ASSIGN_OR_RETURN(auto rs,
                         store_.Query("SELECT email, password_hash FROM users WHERE id = $1 AND "
                                      "deleted_at IS NULL",
                                      {uid}));
  if (rs.rows.empty()) return Unauthenticated("the user no longer exists");
  const storage::Row* row = &rs.rows[0];
  // The same per-account budget as login, so a stolen access token cannot guess passwords here.
  SIGNX_ASSIGN_OR_RETURN(
      const cache::Decision d,
      limiter_.Allow("password:user:" + uid, settings_.password_confirm_per_user));
  if (!d.allowed) {
    const auto wait = CeilSeconds(d.retry_after);
    if (retry_after != nullptr) *retry_after = wait;
    return Status(ErrorCode::kRateLimited, "too many password attempts; retry after " +
                                               std::to_string(wait.count()) + " seconds");
  }
  if (!hasher_.Verify(row->Text(1), password)) {
    return ValidationFailed({{"password", "does not match your current password"}});
  }
  Status st = store_.WithTxn(
      [&](storage::Txn& t) {
        return EraseAccount(t, uid, Actor::Of(principal, request_id), clock_);
      },
      {.serializable = true});
  ForgetCachedCredentials();  // the user's keys were revoked and their tokens are void
  return st;
}

}  // namespace signx::identity
