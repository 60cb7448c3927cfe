// IdentityService, part 4: personal data — exporting everything stored about the caller and
// deleting the caller's account. See identity_service.cc for the rest of the class.

#include <spdlog/spdlog.h>

#include "base/id.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "identity/api_key.h"
#include "identity/crypto.h"
#include "identity/identity_service.h"
#include "identity/internal/service_helpers.h"

namespace signx::identity {
namespace {

using internal::CeilSeconds;
using internal::EraseAccount;
using internal::kApiKeyCols;
using internal::ReadApiKey;
using internal::ReadMemberships;
using internal::Unauthenticated;

}  // namespace

// --- Privacy ----------------------------------------------------------------------------------

void IdentityService::AddPersonalDataProvider(PersonalDataProvider* provider) {
  SIGNX_CHECK(provider != nullptr, "null PersonalDataProvider");
  for (const PersonalDataProvider* p : personal_data_) {
    SIGNX_CHECK(
        p->personal_data_key() != provider->personal_data_key(),
        "two PersonalDataProviders with the key " + std::string(provider->personal_data_key()));
  }
  personal_data_.push_back(provider);
}

Status IdentityService::EraseAccountAndPersonalData(
    storage::Txn& t, const std::string& user_id, const Actor& actor,
    std::vector<PersonalDataProvider::AfterCommit>& after) {
  after.clear();
  SIGNX_RETURN_IF_ERROR(EraseAccount(t, user_id, actor, clock_));
  for (PersonalDataProvider* p : personal_data_) {
    SIGNX_ASSIGN_OR_RETURN(PersonalDataProvider::AfterCommit done,
                           p->DeletePersonalData(t, user_id));
    if (done) after.push_back(std::move(done));
  }
  return Status::Ok();
}

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
    d.modules.clear();  // a retried transaction starts again
    for (PersonalDataProvider* p : personal_data_) {
      SIGNX_ASSIGN_OR_RETURN(boost::json::value v, p->ExportPersonalData(t, uid));
      d.modules.emplace_back(std::string(p->personal_data_key()), std::move(v));
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
  std::vector<PersonalDataProvider::AfterCommit> after;
  Status st = store_.WithTxn(
      [&](storage::Txn& t) {
        return EraseAccountAndPersonalData(t, uid, Actor::Of(principal, request_id), after);
      },
      {.serializable = true});
  ForgetCachedCredentials();  // the user's keys were revoked and their tokens are void
  if (st.ok()) {
    for (auto& done : after) done();
  }
  return st;
}

}  // namespace signx::identity
