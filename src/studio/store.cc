#include "studio/store.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/id.h"
#include "http/json.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::Json;
using storage::Row;

constexpr const char* kProjectCols =
    "id, org_id, name, customer, location, status, held_from, version, updated_at";

ProjectState ProjectFromRow(const Row& r) {
  return ProjectState{.id = r.Text(0),
                      .org_id = r.Text(1),
                      .name = r.Text(2),
                      .customer = r.OptText(3),
                      .location = r.OptText(4),
                      .status = r.Text(5),
                      .held_from = r.OptText(6),
                      .version = r.Int(7),
                      .updated_at = r.Time(8)};
}

constexpr const char* kEventCols = "id, project_id, actor, from_status, to_status, data, at";

ProjectEvent EventFromRow(const Row& r) {
  return ProjectEvent{.id = r.Text(0),
                      .project_id = r.Text(1),
                      .actor = r.Text(2),
                      .from_status = r.OptText(3),
                      .to_status = r.Text(4),
                      .data_json = r.Text(5),
                      .at = r.Time(6)};
}

constexpr const char* kPayloadCols =
    "id, project_id, module, version, config, files, cost_snapshot, sha256, created_by, "
    "created_at";

std::vector<PayloadFile> FilesFromJson(std::string_view text) {
  std::vector<PayloadFile> out;
  json::value v = json::parse(text);
  if (!v.is_array()) return out;
  for (const json::value& f : v.get_array()) {
    if (!f.is_object()) continue;
    const json::object& o = f.get_object();
    PayloadFile pf;
    if (auto* n = o.if_contains("name"); n && n->is_string()) pf.name = n->get_string();
    if (auto* s = o.if_contains("sha256"); s && s->is_string()) pf.sha256 = s->get_string();
    if (auto* z = o.if_contains("size_bytes"); z && z->is_number()) {
      pf.size_bytes = z->to_number<int64_t>();
    }
    if (auto* c = o.if_contains("content_type"); c && c->is_string()) {
      pf.content_type = c->get_string();
    }
    out.push_back(std::move(pf));
  }
  return out;
}

StoredPayload PayloadFromRow(const Row& r) {
  return StoredPayload{.id = r.Text(0),
                       .project_id = r.Text(1),
                       .module = r.Text(2),
                       .version = r.Int(3),
                       .config_json = r.Text(4),
                       .files = FilesFromJson(r.Text(5)),
                       .cost_snapshot_json = r.Text(6),
                       .sha256 = r.Text(7),
                       .created_by = r.OptText(8),
                       .created_at = r.Time(9)};
}

}  // namespace

json::object ToJson(const ProjectEvent& e) {
  json::object o{{"id", e.id},
                 {"project_id", e.project_id},
                 {"actor", e.actor},
                 {"from", e.from_status ? json::value(*e.from_status) : json::value(nullptr)},
                 {"to", e.to_status},
                 {"at", FormatRfc3339(e.at)}};
  o["data"] = json::parse(e.data_json);
  return o;
}

json::object ToJson(const StoredPayload& p, bool with_config) {
  json::object o{{"id", p.id},
                 {"project_id", p.project_id},
                 {"module", p.module},
                 {"version", p.version},
                 {"sha256", p.sha256},
                 {"created_by", p.created_by ? json::value(*p.created_by) : json::value(nullptr)},
                 {"created_at", FormatRfc3339(p.created_at)}};
  if (with_config) {
    o["config"] = json::parse(p.config_json);
    o["files"] = FilesJson(p.files);
    o["cost_snapshot"] = json::parse(p.cost_snapshot_json);
  }
  return o;
}

Result<ProjectState> StudioRepository::GetProject(std::string_view id, bool for_update) {
  std::string sql =
      fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND id = $2", kProjectCols);
  if (for_update && txn_.dialect() == storage::Dialect::kPostgres) sql += " FOR UPDATE";
  SIGNX_ASSIGN_OR_RETURN(auto row, txn_.QueryOne(sql, {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("project {} does not exist", id));
  return ProjectFromRow(*row);
}

Result<Page<ProjectState>> StudioRepository::ListByStatus(std::string_view status,
                                                          std::string_view cursor, int limit) {
  std::string sql =
      fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND status = $2", kProjectCols);
  storage::Params params{scope_.org_id, status};
  if (!cursor.empty()) {
    sql += " AND id < $3";
    params.emplace_back(cursor);
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<ProjectState> rows;
  for (const auto& r : rs.rows) rows.push_back(ProjectFromRow(r));
  return TrimPage(std::move(rows), limit, [](const ProjectState& p) { return p.id; });
}

Result<ProjectState> StudioRepository::SetStatus(const ProjectState& current,
                                                 int64_t expected_version, std::string_view to,
                                                 const std::optional<std::string>& held_from) {
  const Timestamp now = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec("UPDATE projects SET status = $1, held_from = $2, version = version + 1, "
                "updated_at = $3 WHERE org_id = $4 AND id = $5 AND version = $6",
                {to, held_from, now, scope_.org_id, current.id, expected_version}));
  if (n != 1) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("project {} changed since version {}: reload it and retry",
                              current.id, expected_version));
  }
  ProjectState out = current;
  out.status = std::string(to);
  out.held_from = held_from;
  out.version = expected_version + 1;
  out.updated_at = now;
  return out;
}

Status StudioRepository::DeleteProject(std::string_view id, int64_t expected_version) {
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n, txn_.Exec("DELETE FROM projects WHERE org_id = $1 AND id = $2 AND version = $3",
                           {scope_.org_id, id, expected_version}));
  if (n != 1) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("project {} changed since version {}: reload it and retry", id,
                              expected_version));
  }
  return Status::Ok();
}

Result<ProjectEvent> StudioRepository::InsertEvent(std::string_view project_id,
                                                   const std::optional<std::string>& from,
                                                   std::string_view to, const json::object& data) {
  ProjectEvent e{.id = NewId("pev", clock_),
                 .project_id = std::string(project_id),
                 .actor = scope_.actor.empty() ? std::string("system") : scope_.actor,
                 .from_status = from,
                 .to_status = std::string(to),
                 .data_json = http::ToJsonText(data),
                 .at = clock_.Now()};
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("INSERT INTO project_events (id, org_id, project_id, actor, from_status, "
                "to_status, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                {e.id, scope_.org_id, e.project_id, e.actor, e.from_status, e.to_status,
                 Json{e.data_json}, e.at})
          .status());
  return e;
}

Result<Page<ProjectEvent>> StudioRepository::ListEvents(std::string_view project_id,
                                                        std::string_view cursor, int limit) {
  // The migration's rows (pev_m16_<project id>) sort after the ULIDs of new rows' "pev_0..."?
  // No: ULIDs start with a digit, "m" > digits, so order by the time, then the id.
  std::string sql = fmt::format(
      "SELECT {} FROM project_events WHERE org_id = $1 AND project_id = $2", kEventCols);
  storage::Params params{scope_.org_id, project_id};
  if (!cursor.empty()) {
    sql += " AND (at, id) > (SELECT at, id FROM project_events WHERE id = $3)";
    params.emplace_back(cursor);
  }
  sql += fmt::format(" ORDER BY at, id LIMIT {}", limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<ProjectEvent> rows;
  for (const auto& r : rs.rows) rows.push_back(EventFromRow(r));
  return TrimPage(std::move(rows), limit, [](const ProjectEvent& e) { return e.id; });
}

Result<bool> StudioRepository::ApprovalRecorded(std::string_view project_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT 1 FROM project_events WHERE org_id = $1 AND project_id = $2 "
                              "AND to_status = 'approved' LIMIT 1",
                              {scope_.org_id, project_id}));
  return row.has_value();
}

Result<bool> StudioRepository::ActualCostRecorded(std::string_view project_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT 1 FROM cost_records WHERE org_id = $1 AND project_id = $2 "
                              "AND total_cost_cents IS NOT NULL LIMIT 1",
                              {scope_.org_id, project_id}));
  return row.has_value();
}

Result<std::optional<StoredPayload>> StudioRepository::LatestPayload(std::string_view project_id,
                                                                     std::string_view module) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM project_payloads WHERE org_id = $1 AND "
                                "project_id = $2 AND module = $3 ORDER BY version DESC LIMIT 1",
                                kPayloadCols),
                    {scope_.org_id, project_id, module}));
  if (!row) return std::optional<StoredPayload>();
  return std::optional<StoredPayload>(PayloadFromRow(*row));
}

Result<StoredPayload> StudioRepository::PayloadVersion(std::string_view project_id,
                                                       std::string_view module, int64_t version) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM project_payloads WHERE org_id = $1 AND "
                                          "project_id = $2 AND module = $3 AND version = $4",
                                          kPayloadCols),
                              {scope_.org_id, project_id, module, version}));
  if (!row) {
    return NotFound(
        fmt::format("project {} has no {} payload version {}", project_id, module, version));
  }
  return PayloadFromRow(*row);
}

Result<std::vector<StoredPayload>> StudioRepository::PayloadVersions(std::string_view project_id,
                                                                     std::string_view module) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT {} FROM project_payloads WHERE org_id = $1 AND "
                                      "project_id = $2 AND module = $3 ORDER BY version LIMIT 1000",
                                      kPayloadCols),
                          {scope_.org_id, project_id, module}));
  std::vector<StoredPayload> out;
  for (const auto& r : rs.rows) out.push_back(PayloadFromRow(r));
  return out;
}

Result<std::map<std::string, StoredPayload>> StudioRepository::CurrentPayloads(
    std::string_view project_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT {} FROM project_payloads p WHERE org_id = $1 AND "
                                      "project_id = $2 AND version = (SELECT MAX(version) FROM "
                                      "project_payloads q WHERE q.project_id = p.project_id AND "
                                      "q.module = p.module)",
                                      kPayloadCols),
                          {scope_.org_id, project_id}));
  std::map<std::string, StoredPayload> out;
  for (const auto& r : rs.rows) {
    StoredPayload p = PayloadFromRow(r);
    std::string m = p.module;
    out.emplace(std::move(m), std::move(p));
  }
  return out;
}

Status StudioRepository::InsertPayload(const StoredPayload& p) {
  auto r = txn_.Exec(
      "INSERT INTO project_payloads (id, org_id, project_id, module, version, config, files, "
      "cost_snapshot, sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10, $11)",
      {p.id, scope_.org_id, p.project_id, p.module, p.version, p.config_json,
       Json{http::ToJsonText(FilesJson(p.files))}, Json{p.cost_snapshot_json}, p.sha256,
       p.created_by, p.created_at});
  if (!r.ok() && r.status().code() == ErrorCode::kAlreadyExists) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("the {} payload changed (version {} exists): reload it and retry",
                              p.module, p.version));
  }
  return r.status();
}

Result<std::optional<StoredCalculation>> StudioRepository::FindCalculation(
    std::string_view project_id, std::string_view payload_sha256) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT id, payload_sha256, passed, constants_version, result, "
                              "created_at FROM project_calculations WHERE org_id = $1 AND "
                              "project_id = $2 AND payload_sha256 = $3",
                              {scope_.org_id, project_id, payload_sha256}));
  if (!row) return std::optional<StoredCalculation>();
  return std::optional<StoredCalculation>(StoredCalculation{.id = row->Text(0),
                                                            .payload_sha256 = row->Text(1),
                                                            .passed = row->Bool(2),
                                                            .constants_version = row->Text(3),
                                                            .result_json = row->Text(4),
                                                            .created_at = row->Time(5)});
}

Status StudioRepository::InsertCalculation(std::string_view project_id,
                                           const StoredCalculation& c) {
  auto r = txn_.Exec(
      "INSERT INTO project_calculations (id, org_id, project_id, payload_sha256, passed, "
      "constants_version, result, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {c.id, scope_.org_id, project_id, c.payload_sha256, c.passed, c.constants_version,
       Json{c.result_json}, c.created_at});
  // The same payload saved again (same sha256): the calculation exists already.
  if (!r.ok() && r.status().code() == ErrorCode::kAlreadyExists) return Status::Ok();
  return r.status();
}

Status StudioRepository::LinkQuote(std::string_view project_id, std::string_view quote_id,
                                   std::string_view payloads_sha256) {
  return txn_
      .Exec(
          "INSERT INTO project_quotes (quote_id, org_id, project_id, payloads_sha256, "
          "created_at) VALUES ($1, $2, $3, $4, $5)",
          {quote_id, scope_.org_id, project_id, payloads_sha256, clock_.Now()})
      .status();
}

Result<bool> StudioRepository::HasQuoteFor(std::string_view project_id,
                                           std::string_view payloads_sha256) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT 1 FROM project_quotes WHERE org_id = $1 AND project_id = $2 "
                              "AND payloads_sha256 = $3 LIMIT 1",
                              {scope_.org_id, project_id, payloads_sha256}));
  return row.has_value();
}

}  // namespace signx::studio
