// IdentityService, part 3: org membership — adding existing users, invitations (invite, accept,
// register with an invitation), listing members, changing a member's role and removing a user
// from an org. See identity_service.cc for the rest of the class.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "base/id.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "identity/api_key.h"
#include "identity/crypto.h"
#include "identity/identity_service.h"
#include "identity/internal/service_helpers.h"

namespace signx::identity {
namespace json = boost::json;
namespace {

using internal::CascadeKeys;
using internal::CheckNotLastAdmin;
using internal::MembershipJson;
using internal::Unauthenticated;

OrgMember ReadMember(const storage::Row& r) { return {r.Text(0), r.Text(1), r.Text(2), r.Time(3)}; }

constexpr std::string_view kMemberCols =
    "SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m "
    "JOIN users u ON u.id = m.user_id ";

}  // namespace

// --- Org membership ---------------------------------------------------------------------------

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
  std::vector<PersonalDataProvider::AfterCommit> after;
  auto removed = store_.WithTxnResult<RemovedMember>(
      [&](storage::Txn& t) -> Result<RemovedMember> {
        after.clear();
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
          SIGNX_RETURN_IF_ERROR(EraseAccountAndPersonalData(t, std::string(user_id), actor, after));
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
  if (removed.ok()) {
    for (auto& done : after) done();  // the erased account's personal data outside the database
  }
  return removed;
}

}  // namespace signx::identity
