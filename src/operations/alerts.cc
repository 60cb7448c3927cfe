#include "operations/alerts.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/id.h"
#include "http/json.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using storage::Json;
using storage::Params;

json::value Opt(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
json::value OptTime(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}
json::value OptNum(const std::optional<double>& d) {
  return d ? json::value(*d) : json::value(nullptr);
}

constexpr std::string_view kRunColumns =
    "id, org_id, status, horizon, period, level, items, skipped, job_id, message, created_by, "
    "created_at, completed_at";
constexpr std::string_view kAlertColumns =
    "a.id, a.org_id, a.item_id, COALESCE(i.sku, ''), a.rule, a.severity, a.status, a.message, "
    "a.details, a.run_id, a.opened_at, a.acknowledged_by, a.acknowledged_at, a.resolved_by, "
    "a.resolved_at, a.version";

ForecastRun RunFrom(const storage::Row& r) {
  ForecastRun f;
  f.id = r.Text(0);
  f.org_id = r.Text(1);
  f.status = r.Text(2);
  f.horizon = static_cast<int>(r.Int(3));
  f.period = static_cast<int>(r.Int(4));
  f.level = r.Double(5);
  f.items = static_cast<int>(r.Int(6));
  f.skipped = static_cast<int>(r.Int(7));
  f.job_id = r.OptText(8);
  f.message = r.OptText(9);
  f.created_by = r.OptText(10);
  f.created_at = r.Time(11);
  f.completed_at = r.OptTime(12);
  return f;
}

Alert AlertFrom(const storage::Row& r) {
  Alert a;
  a.id = r.Text(0);
  a.org_id = r.Text(1);
  a.item_id = r.Text(2);
  a.sku = r.Text(3);
  a.rule = r.Text(4);
  a.severity = r.Text(5);
  a.status = r.Text(6);
  a.message = r.Text(7);
  a.details_json = r.Text(8);
  a.run_id = r.OptText(9);
  a.opened_at = r.Time(10);
  a.acknowledged_by = r.OptText(11);
  a.acknowledged_at = r.OptTime(12);
  a.resolved_by = r.OptText(13);
  a.resolved_at = r.OptTime(14);
  a.version = r.Int(15);
  return a;
}

}  // namespace

json::object ToJson(const ForecastRun& r) {
  return {{"id", r.id},
          {"status", r.status},
          {"horizon", r.horizon},
          {"period", r.period},
          {"level", r.level},
          {"items", r.items},
          {"skipped", r.skipped},
          {"job_id", Opt(r.job_id)},
          {"message", Opt(r.message)},
          {"created_by", Opt(r.created_by)},
          {"created_at", FormatRfc3339(r.created_at)},
          {"completed_at", OptTime(r.completed_at)}};
}

json::object ToJson(const ItemForecast& f) {
  json::array points;
  for (const auto& p : f.points) {
    points.push_back({{"step", p.step},
                      {"day", p.day},
                      {"point", p.point},
                      {"lower", p.lower},
                      {"upper", p.upper}});
  }
  return {{"run_id", f.run_id},         {"item_id", f.item_id}, {"model", f.model},
          {"version", f.version},       {"level", f.level},     {"notes", Opt(f.notes)},
          {"points", std::move(points)}};
}

json::object ToJson(const AccuracyRow& a) {
  return {{"run_id", a.run_id},
          {"item_id", a.item_id},
          {"model", a.model},
          {"points", a.accuracy.points},
          {"mape", OptNum(a.accuracy.mape)},
          {"mase", OptNum(a.accuracy.mase)},
          {"bias", a.accuracy.bias},
          {"computed_at", FormatRfc3339(a.computed_at)}};
}

json::object ToJson(const Alert& a) {
  std::error_code ec;
  json::value details = json::parse(a.details_json, ec);
  if (ec) details = json::object();
  return {{"id", a.id},
          {"item_id", a.item_id},
          {"sku", a.sku},
          {"rule", a.rule},
          {"severity", a.severity},
          {"status", a.status},
          {"message", a.message},
          {"details", std::move(details)},
          {"run_id", Opt(a.run_id)},
          {"opened_at", FormatRfc3339(a.opened_at)},
          {"acknowledged_by", Opt(a.acknowledged_by)},
          {"acknowledged_at", OptTime(a.acknowledged_at)},
          {"resolved_by", Opt(a.resolved_by)},
          {"resolved_at", OptTime(a.resolved_at)},
          {"version", a.version}};
}

// ---- runs ----

Result<ForecastRun> AlertStore::InsertRun(ForecastRun r) {
  r.id = NewId("fcr", clock_);
  r.org_id = org_;
  r.created_at = clock_.Now();
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("INSERT INTO forecast_runs (id, org_id, status, horizon, period, level, items, "
                "skipped, job_id, message, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "0, 0, $7, $8, $9, $10)",
                {r.id, org_, r.status, r.horizon, r.period, r.level, r.job_id, r.message,
                 r.created_by, r.created_at})
          .status());
  return r;
}

Result<ForecastRun> AlertStore::GetRun(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM forecast_runs WHERE org_id = $1 AND "
                                          "id = $2",
                                          kRunColumns),
                              {org_, id}));
  if (!row) return NotFound(fmt::format("forecast run {} does not exist", id));
  return RunFrom(*row);
}

Result<Page<ForecastRun>> AlertStore::ListRuns(int limit, const std::string& cursor) {
  std::string sql = fmt::format("SELECT {} FROM forecast_runs WHERE org_id = $1", kRunColumns);
  Params params{org_};
  if (!cursor.empty()) {
    params.emplace_back(cursor);
    sql += " AND id < $2";
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<ForecastRun> out;
  for (const auto& r : rs.rows) out.push_back(RunFrom(r));
  return TrimPage(std::move(out), limit, [](const ForecastRun& r) { return r.id; });
}

Status AlertStore::SaveRun(const ForecastRun& r) {
  return txn_
      .Exec(
          "UPDATE forecast_runs SET status = $1, items = $2, skipped = $3, job_id = $4, "
          "message = $5, completed_at = $6 WHERE org_id = $7 AND id = $8",
          {r.status, r.items, r.skipped, r.job_id, r.message, r.completed_at, org_, r.id})
      .status();
}

// ---- forecasts ----

Status AlertStore::InsertForecast(const ItemForecast& f) {
  // One statement for the whole horizon (a run writes thousands of items).
  for (std::size_t from = 0; from < f.points.size(); from += 200) {
    const std::size_t to = std::min(f.points.size(), from + 200);
    std::string sql =
        "INSERT INTO forecasts (run_id, org_id, item_id, step, day, point, lower, upper, level, "
        "model, version, notes) VALUES ";
    Params params{f.run_id, org_, f.item_id, f.level, f.model, f.version, f.notes};
    for (std::size_t i = from; i < to; ++i) {
      const auto& p = f.points[i];
      const std::size_t b = params.size();
      sql += fmt::format("{}($1, $2, $3, ${}, ${}, ${}, ${}, ${}, $4, $5, $6, $7)",
                         i > from ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5);
      params.emplace_back(p.step);
      params.emplace_back(p.day);
      params.emplace_back(p.point);
      params.emplace_back(p.lower);
      params.emplace_back(p.upper);
    }
    sql += " ON CONFLICT DO NOTHING";
    SIGNX_RETURN_IF_ERROR(txn_.Exec(sql, params).status());
  }
  return Status::Ok();
}

Result<std::optional<ItemForecast>> AlertStore::LatestForecast(std::string_view item_id,
                                                               std::string_view except_run) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT MAX(f.run_id) FROM forecasts f JOIN forecast_runs r ON "
                              "r.id = f.run_id WHERE f.org_id = $1 AND f.item_id = $2 AND "
                              "f.run_id <> $3 AND r.status IN ('running', 'succeeded')",
                              {org_, item_id, except_run}));
  if (!row || row->IsNull(0)) return std::optional<ItemForecast>();
  const std::string run = row->Text(0);
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query("SELECT step, day, point, lower, upper, level, model, version, notes "
                          "FROM forecasts WHERE org_id = $1 AND run_id = $2 AND item_id = $3 "
                          "ORDER BY step",
                          {org_, run, item_id}));
  if (rs.rows.empty()) return std::optional<ItemForecast>();
  ItemForecast f;
  f.run_id = run;
  f.item_id = std::string(item_id);
  f.level = rs.rows[0].Double(5);
  f.model = rs.rows[0].Text(6);
  f.version = rs.rows[0].Text(7);
  f.notes = rs.rows[0].OptText(8);
  for (const auto& r : rs.rows) {
    f.points.push_back({.step = static_cast<int>(r.Int(0)),
                        .day = r.Text(1),
                        .point = r.Double(2),
                        .lower = r.Double(3),
                        .upper = r.Double(4)});
  }
  return std::optional<ItemForecast>(std::move(f));
}

// ---- accuracy ----

Status AlertStore::UpsertAccuracy(const AccuracyRow& a) {
  std::optional<double> mape = a.accuracy.mape, mase = a.accuracy.mase;
  SIGNX_RETURN_IF_ERROR(txn_.Exec("DELETE FROM forecast_accuracy WHERE org_id = $1 AND run_id = $2 "
                                  "AND item_id = $3",
                                  {org_, a.run_id, a.item_id})
                            .status());
  return txn_
      .Exec(
          "INSERT INTO forecast_accuracy (org_id, run_id, item_id, model, points, mape, mase, "
          "bias, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {org_, a.run_id, a.item_id, a.model, a.accuracy.points, mape, mase, a.accuracy.bias,
           a.computed_at})
      .status();
}

Result<std::vector<AccuracyRow>> AlertStore::AccuracyHistory(std::string_view item_id, int limit) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT run_id, item_id, model, points, mape, mase, bias, "
                                      "computed_at FROM forecast_accuracy WHERE org_id = $1 AND "
                                      "item_id = $2 ORDER BY run_id DESC LIMIT {}",
                                      limit),
                          {org_, item_id}));
  std::vector<AccuracyRow> out;
  for (const auto& r : rs.rows) {
    AccuracyRow a;
    a.run_id = r.Text(0);
    a.item_id = r.Text(1);
    a.model = r.Text(2);
    a.accuracy.points = static_cast<int>(r.Int(3));
    a.accuracy.mape = r.OptDouble(4);
    a.accuracy.mase = r.OptDouble(5);
    a.accuracy.bias = r.Double(6);
    a.computed_at = r.Time(7);
    out.push_back(std::move(a));
  }
  return out;
}

// ---- rules ----

Result<std::vector<RuleConfig>> AlertStore::Rules() {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs,
      txn_.Query("SELECT rule, enabled, params FROM forecast_alert_rules WHERE org_id = $1",
                 {org_}));
  std::vector<RuleConfig> out;
  for (Rule r : kRules) {
    RuleConfig c = DefaultRule(r);
    for (const auto& row : rs.rows) {
      if (row.Text(0) != RuleName(r)) continue;
      std::error_code ec;
      json::value params = json::parse(row.Text(2), ec);
      if (ec || !params.is_object()) return Internal("stored alert rule params are not an object");
      SIGNX_ASSIGN_OR_RETURN(c, RuleFromJson(r, row.Bool(1), params.get_object()));
    }
    out.push_back(c);
  }
  return out;
}

Status AlertStore::SaveRule(const RuleConfig& c) {
  const std::string params = http::ToJsonText(ParamsJson(c));
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("DELETE FROM forecast_alert_rules WHERE org_id = $1 AND rule = $2",
                {org_, RuleName(c.rule)})
          .status());
  return txn_
      .Exec(
          "INSERT INTO forecast_alert_rules (org_id, rule, enabled, params, updated_at) VALUES "
          "($1, $2, $3, $4, $5)",
          {org_, RuleName(c.rule), c.enabled, Json{params}, clock_.Now()})
      .status();
}

// ---- alerts ----

Result<std::optional<Alert>> AlertStore::ActiveAlert(std::string_view item_id,
                                                     std::string_view rule) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM forecast_alerts a LEFT JOIN manufacturing_items i "
                                "ON i.id = a.item_id WHERE a.org_id = $1 AND a.item_id = $2 AND "
                                "a.rule = $3 AND a.status <> 'resolved'",
                                kAlertColumns),
                    {org_, item_id, rule}));
  if (!row) return std::optional<Alert>();
  return std::optional<Alert>(AlertFrom(*row));
}

Result<std::optional<Alert>> AlertStore::Raise(std::string_view item_id, const Finding& f,
                                               std::string_view run_id) {
  const std::string details = http::ToJsonText(f.details);
  SIGNX_ASSIGN_OR_RETURN(auto active, ActiveAlert(item_id, RuleName(f.rule)));
  if (active) {
    SIGNX_RETURN_IF_ERROR(
        txn_.Exec("UPDATE forecast_alerts SET severity = $1, message = $2, details = $3, "
                  "run_id = $4, version = version + 1 WHERE org_id = $5 AND id = $6",
                  {f.severity, f.message, Json{details}, run_id, org_, active->id})
            .status());
    return std::optional<Alert>();
  }
  const std::string id = NewId("alr", clock_);
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec(
              "INSERT INTO forecast_alerts (id, org_id, item_id, rule, severity, status, message, "
              "details, run_id, opened_at, version) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, "
              "$8, $9, 1)",
              {id, org_, item_id, RuleName(f.rule), f.severity, f.message, Json{details}, run_id,
               clock_.Now()})
          .status());
  SIGNX_ASSIGN_OR_RETURN(Alert a, GetAlert(id));
  return std::optional<Alert>(std::move(a));
}

Result<std::optional<Alert>> AlertStore::Clear(std::string_view item_id, std::string_view rule,
                                               std::string_view who) {
  SIGNX_ASSIGN_OR_RETURN(auto active, ActiveAlert(item_id, rule));
  if (!active) return std::optional<Alert>();
  SIGNX_ASSIGN_OR_RETURN(Alert a, Resolve(active->id, who));
  return std::optional<Alert>(std::move(a));
}

Result<Alert> AlertStore::GetAlert(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM forecast_alerts a LEFT JOIN manufacturing_items i "
                                "ON i.id = a.item_id WHERE a.org_id = $1 AND a.id = $2",
                                kAlertColumns),
                    {org_, id}));
  if (!row) return NotFound(fmt::format("alert {} does not exist", id));
  return AlertFrom(*row);
}

Result<Page<Alert>> AlertStore::ListAlerts(const AlertQuery& q) {
  std::string sql = fmt::format(
      "SELECT {} FROM forecast_alerts a LEFT JOIN manufacturing_items i ON i.id = a.item_id "
      "WHERE a.org_id = $1",
      kAlertColumns);
  Params params{org_};
  if (q.status) {
    params.emplace_back(*q.status);
    sql += fmt::format(" AND a.status = ${}", params.size());
  } else if (!q.all) {
    sql += " AND a.status <> 'resolved'";
  }
  if (q.item_id) {
    params.emplace_back(*q.item_id);
    sql += fmt::format(" AND a.item_id = ${}", params.size());
  }
  if (!q.cursor.empty()) {
    params.emplace_back(q.cursor);
    sql += fmt::format(" AND a.id < ${}", params.size());
  }
  sql += fmt::format(" ORDER BY a.id DESC LIMIT {}", q.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Alert> out;
  for (const auto& r : rs.rows) out.push_back(AlertFrom(r));
  return TrimPage(std::move(out), q.limit, [](const Alert& a) { return a.id; });
}

Result<Alert> AlertStore::Acknowledge(std::string_view id, std::string_view who) {
  SIGNX_ASSIGN_OR_RETURN(Alert a, GetAlert(id));
  if (a.status != kAlertOpen) {
    return Status(
        ErrorCode::kConflict,
        fmt::format("alert {} is {}: only an open alert can be acknowledged", a.id, a.status));
  }
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("UPDATE forecast_alerts SET status = 'acknowledged', acknowledged_by = $1, "
                "acknowledged_at = $2, version = version + 1 WHERE org_id = $3 AND id = $4",
                {who, clock_.Now(), org_, a.id})
          .status());
  return GetAlert(id);
}

Result<Alert> AlertStore::Resolve(std::string_view id, std::string_view who) {
  SIGNX_ASSIGN_OR_RETURN(Alert a, GetAlert(id));
  if (a.status == kAlertResolved) {
    return Status(ErrorCode::kConflict, fmt::format("alert {} is resolved already", a.id));
  }
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("UPDATE forecast_alerts SET status = 'resolved', resolved_by = $1, "
                "resolved_at = $2, version = version + 1 WHERE org_id = $3 AND id = $4",
                {who, clock_.Now(), org_, a.id})
          .status());
  return GetAlert(id);
}

Result<std::pair<int64_t, int64_t>> AlertStore::ActiveCounts() {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query("SELECT status, COUNT(*) FROM forecast_alerts WHERE org_id = $1 AND "
                          "status <> 'resolved' GROUP BY status",
                          {org_}));
  std::pair<int64_t, int64_t> out{0, 0};
  for (const auto& r : rs.rows) (r.Text(0) == kAlertOpen ? out.first : out.second) = r.Int(1);
  return out;
}

}  // namespace signx::operations
