#include "identity/audit.h"
#include "base/sha256.h"

#include "base/id.h"
#include "identity/crypto.h"

namespace signx::identity {
namespace {

// Audit columns plus the acting user's e-mail (or pseudonym) through a join.
constexpr std::string_view kAuditCols =
    "SELECT a.id, a.org_id, a.actor_kind, a.actor_id, a.action, a.subject_type, a.subject_id, "
    "a.request_id, a.at, a.before_sha256, a.after_sha256, u.email FROM audit_log a "
    "LEFT JOIN users u ON a.actor_kind = 'user' AND u.id = a.actor_id ";

AuditEntry ReadAuditRow(const storage::Row& row) {
  return {row.Text(0),    row.OptText(1), row.Text(2),    row.Text(3),
          row.Text(4),    row.Text(5),    row.Text(6),    row.Text(7),
          row.Time(8),    row.OptText(9), row.OptText(10), row.OptText(11)};
}

}  // namespace

Actor Actor::Of(const http::Principal& principal, std::string_view request_id) {
  return {principal.kind == "api_key" ? "api_key" : "user", principal.subject_id,
          std::string(request_id)};
}

Actor Actor::System(std::string_view component) { return {"system", std::string(component), ""}; }

Result<std::string> AppendAudit(storage::Txn& txn, const AuditRecord& r, const Clock& clock) {
  std::string id = NewId("aud", clock);
  std::optional<std::string> before, after;
  if (r.before_json) before = Sha256Hex(*r.before_json);
  if (r.after_json) after = Sha256Hex(*r.after_json);
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("INSERT INTO audit_log (id, org_id, actor_kind, actor_id, action, subject_type, "
               "subject_id, request_id, at, before_sha256, after_sha256) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
               {id, r.org_id, r.actor.kind, r.actor.id, r.action, r.subject_type, r.subject_id,
                r.actor.request_id, clock.Now(), before, after})
          .status());
  return id;
}

Result<AuditPage> ListAudit(storage::Txn& txn, std::string_view org_id, int limit,
                            std::string_view cursor) {
  if (limit < 1 || limit > kMaxAuditPage) {
    return Status(ErrorCode::kInvalidArgument,
                  "limit must be between 1 and " + std::to_string(kMaxAuditPage),
                  {{"limit", "must be between 1 and " + std::to_string(kMaxAuditPage)}});
  }
  if (!cursor.empty() && !IsValidId(cursor, "aud")) {
    return Status(ErrorCode::kInvalidArgument, "cursor is not valid", {{"cursor", "not valid"}});
  }
  storage::ResultSet rs;
  if (cursor.empty()) {
    SIGNX_ASSIGN_OR_RETURN(
        rs, txn.Query(std::string(kAuditCols) + "WHERE a.org_id = $1 ORDER BY a.id DESC LIMIT $2",
                      {org_id, int64_t{limit} + 1}));
  } else {
    SIGNX_ASSIGN_OR_RETURN(
        rs, txn.Query(std::string(kAuditCols) +
                          "WHERE a.org_id = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3",
                      {org_id, cursor, int64_t{limit} + 1}));
  }
  AuditPage page;
  for (const auto& row : rs.rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = page.items.back().id;
      break;
    }
    page.items.push_back(ReadAuditRow(row));
  }
  return page;
}

Result<std::vector<AuditEntry>> ListAuditByUser(storage::Txn& txn, std::string_view user_id,
                                                int limit) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn.Query(std::string(kAuditCols) +
                             "WHERE a.actor_kind = 'user' AND a.actor_id = $1 ORDER BY a.id LIMIT $2",
                         {user_id, int64_t{limit}}));
  std::vector<AuditEntry> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(ReadAuditRow(row));
  return out;
}

}  // namespace signx::identity
