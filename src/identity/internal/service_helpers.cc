#include "identity/internal/service_helpers.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "base/strings.h"
#include "identity/roles.h"
#include "identity/scope.h"

namespace signx::identity::internal {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxNameBytes = 200;

json::value OptTimeJson(const std::optional<Timestamp>& t) {
  return t ? json::value(UnixMicros(*t)) : json::value(nullptr);
}

constexpr std::string_view kLastAdmin =
    "the org must keep at least one org_admin: make another member org_admin first";

}  // namespace

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

Status CascadeKeys(storage::Txn& t, const std::string& creator,
                   const std::optional<std::string>& org_id,
                   const std::optional<std::vector<std::string>>& allowed, const Actor& actor,
                   const Clock& clock, int depth) {
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

}  // namespace signx::identity::internal
