#include "ai/store.h"

#include <fmt/format.h>

#include "base/check.h"
#include "base/strings.h"

namespace signx::ai {
namespace {

using storage::Params;

constexpr std::string_view kJobColumns =
    "id, org_id, kind, model_owner, model_version, status, job_id, input_sha256, input_bytes, "
    "options, rows_total, rows_done, rows_failed, progress, attempts, wall_ms, error, created_by, "
    "created_at, started_at, finished_at";

InferenceJob JobFrom(const storage::Row& r) {
  InferenceJob j;
  j.id = r.Text(0);
  j.org_id = r.Text(1);
  j.kind = ParseKind(r.Text(2)).value_or(Kind::kLead);
  j.model_owner = r.Text(3);
  j.model_version = r.Text(4);
  j.status = r.Text(5);
  j.job_id = r.Text(6);
  j.input_sha256 = r.Text(7);
  j.input_bytes = r.Int(8);
  j.explain = r.Text(9).find("\"explain\":true") != std::string::npos;
  j.rows_total = r.Int(10);
  j.rows_done = r.Int(11);
  j.rows_failed = r.Int(12);
  j.progress = static_cast<int>(r.Int(13));
  j.attempts = static_cast<int>(r.Int(14));
  j.wall_ms = r.OptInt(15);
  j.error = r.OptText(16);
  j.created_by = r.Text(17);
  j.created_at = r.Time(18);
  j.started_at = r.OptTime(19);
  j.finished_at = r.OptTime(20);
  return j;
}

// " AND <column> IN ($n, ...)" for the registry or kind names of `kinds`.
std::string InClause(std::string_view column, const std::set<Kind>& kinds, bool registry,
                     Params& params) {
  std::string sql = fmt::format(" AND {} IN (", column);
  bool first = true;
  for (Kind k : kinds) {
    params.emplace_back(std::string(registry ? RegistryName(k) : KindName(k)));
    sql += fmt::format("{}${}", first ? "" : ", ", params.size());
    first = false;
  }
  return sql + ")";
}

}  // namespace

InferenceStore::InferenceStore(storage::Txn& txn, std::string org_id, const Clock& clock)
    : txn_(txn), org_(std::move(org_id)), clock_(clock) {
  SIGNX_CHECK(!org_.empty(), "InferenceStore needs an org");
}

Status InferenceStore::Insert(const InferenceJob& j) {
  return txn_
      .Exec(
          "INSERT INTO inference_jobs (id, org_id, kind, model_owner, model_version, status, "
          "job_id, input_sha256, input_bytes, options, rows_total, created_by, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          {j.id, org_, std::string(KindName(j.kind)), j.model_owner, j.model_version, j.status,
           j.job_id, j.input_sha256, j.input_bytes,
           std::string(j.explain ? R"({"explain":true})" : R"({"explain":false})"), j.rows_total,
           j.created_by, j.created_at})
      .status();
}

Result<InferenceJob> InferenceStore::Get(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM inference_jobs WHERE org_id = $1 AND "
                                          "id = $2",
                                          kJobColumns),
                              {org_, id}));
  if (!row) return NotFound(fmt::format("no inference job {}", id));
  return JobFrom(*row);
}

Result<Page<InferenceJob>> InferenceStore::List(const std::set<Kind>& kinds,
                                                std::string_view cursor, int limit) {
  if (kinds.empty()) return Page<InferenceJob>{};
  Params params{org_};
  std::string sql = fmt::format("SELECT {} FROM inference_jobs WHERE org_id = $1", kJobColumns);
  sql += InClause("kind", kinds, false, params);
  if (!cursor.empty()) {
    params.emplace_back(cursor);
    sql += fmt::format(" AND id < ${}", params.size());
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<InferenceJob> out;
  for (const auto& r : rs.rows) out.push_back(JobFrom(r));
  return TrimPage(std::move(out), limit, [](const InferenceJob& j) { return j.id; });
}

Status InferenceStore::StartAttempt(std::string_view id, int attempt) {
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec("UPDATE inference_jobs SET status = 'running', attempts = $1, rows_done = 0, "
                "rows_failed = 0, progress = 0, wall_ms = NULL, error = NULL, finished_at = NULL, "
                "started_at = COALESCE(started_at, $2) WHERE org_id = $3 AND id = $4",
                {attempt, clock_.Now(), org_, id}));
  if (n == 0) return NotFound(fmt::format("no inference job {}", id));
  // inference_results has no org column: the job row above (org-checked) owns them.
  return txn_.Exec("DELETE FROM inference_results WHERE inference_id = $1", {id}).status();
}

Status InferenceStore::AppendResults(std::string_view id, const std::vector<ResultRow>& rows) {
  if (rows.empty()) return Status::Ok();
  Params params;
  params.reserve(rows.size() * 5);
  std::string sql =
      "INSERT INTO inference_results (inference_id, row_index, ok, output, errors) VALUES ";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ResultRow& r = rows[i];
    const std::size_t b = params.size();
    sql += fmt::format("{}(${}, ${}, ${}, ${}, ${})", i == 0 ? "" : ", ", b + 1, b + 2, b + 3,
                       b + 4, b + 5);
    params.emplace_back(id);
    params.emplace_back(r.row);
    params.emplace_back(r.ok);
    if (r.ok) {
      params.emplace_back(r.output_json);
      params.emplace_back(std::nullopt);
    } else {
      params.emplace_back(std::nullopt);
      params.emplace_back(ErrorsJson(r.errors));
    }
  }
  return txn_.Exec(sql, params).status();
}

namespace {

Status Fenced(Result<int64_t> changed, std::string_view id, int attempt) {
  SIGNX_RETURN_IF_ERROR(changed.status());
  if (*changed == 0) {
    return Status(ErrorCode::kFailedPrecondition,
                  fmt::format("attempt {} of inference job {} was superseded", attempt, id));
  }
  return Status::Ok();
}

}  // namespace

Status InferenceStore::SetProgress(std::string_view id, int attempt, int64_t rows_done,
                                   int64_t rows_failed, int progress) {
  return Fenced(txn_.Exec("UPDATE inference_jobs SET rows_done = $1, rows_failed = $2, "
                          "progress = $3 WHERE org_id = $4 AND id = $5 AND attempts = $6",
                          {rows_done, rows_failed, progress, org_, id, attempt}),
                id, attempt);
}

Status InferenceStore::Finish(std::string_view id, int attempt, std::string_view status,
                              std::optional<int64_t> wall_ms,
                              const std::optional<std::string>& error) {
  const bool ok = status == kSucceeded;
  return Fenced(txn_.Exec(fmt::format("UPDATE inference_jobs SET status = $1, wall_ms = $2, "
                                      "error = $3, finished_at = $4{} WHERE org_id = $5 AND "
                                      "id = $6 AND attempts = $7",
                                      ok ? ", progress = 100" : ""),
                          {std::string(status), wall_ms, error, clock_.Now(), org_, id, attempt}),
                id, attempt);
}

Status InferenceStore::MarkRetrying(std::string_view id, int attempt, const std::string& error) {
  return Fenced(txn_.Exec("UPDATE inference_jobs SET status = 'queued', error = $1 WHERE "
                          "org_id = $2 AND id = $3 AND attempts = $4",
                          {error, org_, id, attempt}),
                id, attempt);
}

Result<Page<ResultRow>> InferenceStore::Results(std::string_view id, int64_t after_row, int limit) {
  SIGNX_RETURN_IF_ERROR(Get(id).status());  // the org owns the job
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT row_index, ok, output, errors FROM inference_results "
                                      "WHERE inference_id = $1 AND row_index > $2 "
                                      "ORDER BY row_index LIMIT {}",
                                      limit + 1),
                          {id, after_row}));
  std::vector<ResultRow> out;
  out.reserve(rs.rows.size());
  for (const auto& r : rs.rows) {
    ResultRow row;
    row.row = r.Int(0);
    row.ok = r.Bool(1);
    if (row.ok) {
      row.output_json = r.OptText(2).value_or("null");
    } else {
      row.errors = ParseErrorsJson(r.OptText(3).value_or("[]"));
    }
    out.push_back(std::move(row));
  }
  return TrimPage(std::move(out), limit, [](const ResultRow& r) { return std::to_string(r.row); });
}

Result<std::vector<RowError>> InferenceStore::FirstErrors(std::string_view id, std::size_t limit) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT row_index, errors FROM inference_results WHERE "
                                      "inference_id = $1 AND ok = $2 ORDER BY row_index LIMIT {}",
                                      limit),
                          {id, false}));
  std::vector<RowError> out;
  for (const auto& r : rs.rows) {
    for (auto& e : ParseErrorsJson(r.OptText(1).value_or("[]"))) {
      if (out.size() >= limit) break;
      out.push_back({r.Int(0), std::move(e.field), std::move(e.message)});
    }
  }
  return out;
}

Result<Page<AiModel>> InferenceStore::Models(const std::set<Kind>& kinds,
                                             const std::optional<std::string>& status,
                                             std::string_view cursor, int limit) {
  if (kinds.empty()) return Page<AiModel>{};
  Params params{org_};
  std::string sql =
      "SELECT kind, org_id, version, status, card, created_at, promoted_at, registry_name "
      "FROM ai_models WHERE org_id IN ($1, '')";
  sql += InClause("registry_name", kinds, true, params);
  if (status) {
    params.emplace_back(*status);
    sql += fmt::format(" AND status = ${}", params.size());
  }
  if (!cursor.empty()) {
    const std::vector<std::string_view> parts = Split(cursor, '|');
    if (parts.size() != 3) {
      return ValidationFailed({{"cursor", "not a cursor of this list"}});
    }
    const std::size_t b = params.size();
    params.emplace_back(parts[0]);
    params.emplace_back(parts[1]);
    params.emplace_back(parts[2]);
    sql += fmt::format(
        " AND (registry_name > ${0} OR (registry_name = ${0} AND org_id > ${1}) OR "
        "(registry_name = ${0} AND org_id = ${1} AND version > ${2}))",
        b + 1, b + 2, b + 3);
  }
  sql += fmt::format(" ORDER BY registry_name, org_id, version LIMIT {}", limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<AiModel> out;
  std::vector<std::string> keys;
  for (const auto& r : rs.rows) {
    AiModel m;
    m.kind = ParseKind(r.Text(0)).value_or(Kind::kLead);
    m.owner = r.Text(1);
    m.version = r.Text(2);
    m.status = r.Text(3);
    m.card_json = r.Text(4);
    m.created_at = r.Time(5);
    m.promoted_at = r.OptTime(6);
    keys.push_back(r.Text(7) + "|" + m.owner + "|" + m.version);
    out.push_back(std::move(m));
  }
  std::size_t index = 0;
  std::vector<std::pair<AiModel, std::string>> keyed;
  for (auto& m : out) keyed.emplace_back(std::move(m), keys[index++]);
  Page<std::pair<AiModel, std::string>> page =
      TrimPage(std::move(keyed), limit, [](const auto& p) { return p.second; });
  Page<AiModel> result;
  result.next_cursor = std::move(page.next_cursor);
  for (auto& p : page.items) result.items.push_back(std::move(p.first));
  return result;
}

}  // namespace signx::ai
