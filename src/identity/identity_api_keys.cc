// IdentityService, part 2: API keys — authentication (static and stored keys, the cache, the
// creator chain that bounds a key's scopes), noting and recording key use, and create, list and
// revoke on behalf of a principal. See identity_service.cc for the rest of the class.

#include <algorithm>

#include "base/id.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "identity/api_key.h"
#include "identity/crypto.h"
#include "identity/identity_service.h"
#include "identity/internal/service_helpers.h"

namespace signx::identity {
namespace {

using internal::ApiKeyDigestJson;
using internal::CascadeKeys;
using internal::kApiKeyCols;
using internal::kMaxKeyChain;
using internal::ReadApiKey;
using internal::SplitScopes;
using internal::Unauthenticated;
using internal::ValidateName;

constexpr std::size_t kMaxApiKeyBytes = 512;

}  // namespace

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

}  // namespace signx::identity
