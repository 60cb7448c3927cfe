// estimating::Repository: cost records, their KeyedIn lines and the grouped cost statistics.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "base/id.h"
#include "estimating/internal/repository_sql.h"
#include "estimating/repository.h"

namespace signx::estimating {
namespace json = boost::json;
using internal::JsonText;
using internal::NextPlaceholder;
using storage::Json;
using storage::Params;
using storage::Row;

namespace {

constexpr int64_t kMaxStatsRows = 1'000'000;

constexpr const char* kCostColumns =
    "id, org_id, project_id, import_id, external_id, drivers, total_cost_cents, labor_cost_cents, "
    "material_cost_cents, equipment_cost_cents, overhead_cost_cents, tax_cents, shipping_cents, "
    "labor_hours, est_total_cost_cents, est_labor_cost_cents, est_material_cost_cents, "
    "est_equipment_cost_cents, est_overhead_cost_cents, est_tax_cents, est_shipping_cents, "
    "est_labor_hours, quoted_price_cents, contingency_bp, markup_bp, change_order, "
    "predicted_cost_cents, confidence, cost_drivers_importance, anomaly_score, model_version, "
    "notes, project_date, cost_date, created_at, updated_at";

CostTotals TotalsFromRow(const Row& r, std::size_t first) {
  CostTotals t;
  t.total_cost_cents = r.OptInt(first);
  t.labor_cost_cents = r.OptInt(first + 1);
  t.material_cost_cents = r.OptInt(first + 2);
  t.equipment_cost_cents = r.OptInt(first + 3);
  t.overhead_cost_cents = r.OptInt(first + 4);
  t.tax_cents = r.OptInt(first + 5);
  t.shipping_cents = r.OptInt(first + 6);
  t.labor_hours = r.OptDouble(first + 7);
  return t;
}

StoredCostRecord CostFromRow(const Row& r) {
  StoredCostRecord c;
  c.id = r.Text(0);
  c.org_id = r.Text(1);
  c.project_id = r.Text(2);
  c.import_id = r.OptText(3);
  c.data.external_id = r.OptText(4);
  boost::system::error_code ec;
  auto drivers = json::parse(r.Text(5), ec);
  if (!ec && drivers.is_object()) c.data.drivers = std::move(drivers.as_object());
  c.data.actual = TotalsFromRow(r, 6);
  c.data.estimate = TotalsFromRow(r, 14);
  c.data.quoted_price_cents = r.OptInt(22);
  c.data.contingency_bp = r.OptInt(23);
  c.data.markup_bp = r.OptInt(24);
  c.data.change_order = r.Bool(25);
  c.predicted_cost_cents = r.OptInt(26);
  c.confidence = r.OptDouble(27);
  c.cost_drivers_importance_json = r.OptText(28);
  c.anomaly_score = r.OptDouble(29);
  c.model_version = r.OptText(30);
  c.data.notes = r.OptText(31);
  c.data.project_date = r.OptText(32);
  c.data.cost_date = r.OptText(33);
  c.created_at = r.Time(34);
  c.updated_at = r.Time(35);
  return c;
}

}  // namespace

Result<StoredCostRecord> Repository::CreateCostRecord(std::string_view project_id,
                                                      const CostRecordData& d,
                                                      const std::optional<std::string>& import_id) {
  // The project must belong to this org (404 otherwise).
  SIGNX_RETURN_IF_ERROR(GetProject(project_id).status());
  const Timestamp now = clock_.Now();
  StoredCostRecord c;
  c.id = NewId("cr", clock_);
  c.org_id = scope_.org_id;
  c.project_id = std::string(project_id);
  c.import_id = import_id;
  c.data = d;
  c.created_at = now;
  c.updated_at = now;
  const auto& a = d.actual;
  const auto& e = d.estimate;
  auto st = txn_.Exec(
      "INSERT INTO cost_records (id, org_id, project_id, import_id, external_id, drivers, "
      "total_cost_cents, labor_cost_cents, material_cost_cents, equipment_cost_cents, "
      "overhead_cost_cents, tax_cents, shipping_cents, labor_hours, est_total_cost_cents, "
      "est_labor_cost_cents, est_material_cost_cents, est_equipment_cost_cents, "
      "est_overhead_cost_cents, est_tax_cents, est_shipping_cents, est_labor_hours, "
      "quoted_price_cents, contingency_bp, markup_bp, change_order, notes, project_date, "
      "cost_date, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
      "$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, "
      "$30, $30)",
      {c.id,
       c.org_id,
       c.project_id,
       import_id,
       d.external_id,
       Json{JsonText(d.drivers)},
       a.total_cost_cents,
       a.labor_cost_cents,
       a.material_cost_cents,
       a.equipment_cost_cents,
       a.overhead_cost_cents,
       a.tax_cents,
       a.shipping_cents,
       a.labor_hours,
       e.total_cost_cents,
       e.labor_cost_cents,
       e.material_cost_cents,
       e.equipment_cost_cents,
       e.overhead_cost_cents,
       e.tax_cents,
       e.shipping_cents,
       e.labor_hours,
       d.quoted_price_cents,
       d.contingency_bp,
       d.markup_bp,
       d.change_order,
       d.notes,
       d.project_date,
       d.cost_date,
       now});
  if (!st.ok()) {
    if (st.status().code() == ErrorCode::kAlreadyExists) {
      return Status(ErrorCode::kAlreadyExists,
                    fmt::format("a cost record with external_id {} already exists",
                                d.external_id.value_or("")));
    }
    return st.status();
  }
  SIGNX_RETURN_IF_ERROR(InsertLines(c.id, d.lines));
  return c;
}

Status Repository::InsertLines(std::string_view record_id, const std::vector<CostLine>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const CostLine& l = lines[i];
    SIGNX_RETURN_IF_ERROR(
        txn_.Exec("INSERT INTO cost_lines (cost_record_id, line_no, org_id, work_order, "
                  "cost_type, line_date, work_dept, work_code, seq, item, um, est_hrs, act_hrs, "
                  "est_qty, act_qty, est_cost_cents, act_lab_cents, act_bur_cents, "
                  "act_mat_cents, act_out_cents, use_tax_cents, job_cost_cents, description, "
                  "category) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                  "$14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
                  {record_id,
                   static_cast<int64_t>(i + 1),
                   scope_.org_id,
                   l.work_order,
                   l.cost_type,
                   l.date.empty() ? storage::Param() : storage::Param(l.date),
                   l.work_dept,
                   l.work_code,
                   l.seq,
                   l.item,
                   l.um,
                   l.est_hrs,
                   l.act_hrs,
                   l.est_qty,
                   l.act_qty,
                   l.est_cost_cents,
                   l.act_lab_cents,
                   l.act_bur_cents,
                   l.act_mat_cents,
                   l.act_out_cents,
                   l.use_tax_cents,
                   l.job_cost_cents,
                   l.description,
                   l.category})
            .status());
  }
  return Status::Ok();
}

Result<std::vector<CostLine>> Repository::LoadLines(std::string_view record_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs,
      txn_.Query("SELECT work_order, cost_type, line_date, work_dept, work_code, seq, item, um, "
                 "est_hrs, act_hrs, est_qty, act_qty, est_cost_cents, act_lab_cents, "
                 "act_bur_cents, act_mat_cents, act_out_cents, use_tax_cents, job_cost_cents, "
                 "description, category FROM cost_lines WHERE org_id = $1 AND "
                 "cost_record_id = $2 ORDER BY line_no",
                 {scope_.org_id, record_id}));
  std::vector<CostLine> out;
  for (const auto& r : rs.rows) {
    CostLine l;
    l.work_order = r.OptText(0).value_or("");
    l.cost_type = r.Text(1);
    l.date = r.OptText(2).value_or("");
    l.work_dept = r.OptText(3).value_or("");
    l.work_code = r.OptText(4).value_or("");
    l.seq = static_cast<int>(r.OptInt(5).value_or(0));
    l.item = r.OptText(6).value_or("");
    l.um = r.OptText(7).value_or("");
    l.est_hrs = r.Double(8);
    l.act_hrs = r.Double(9);
    l.est_qty = r.Double(10);
    l.act_qty = r.Double(11);
    l.est_cost_cents = r.Int(12);
    l.act_lab_cents = r.Int(13);
    l.act_bur_cents = r.Int(14);
    l.act_mat_cents = r.Int(15);
    l.act_out_cents = r.Int(16);
    l.use_tax_cents = r.Int(17);
    l.job_cost_cents = r.Int(18);
    l.var_cost_cents = l.job_cost_cents - l.est_cost_cents;
    l.var_hrs = l.act_hrs - l.est_hrs;
    l.var_qty = l.act_qty - l.est_qty;
    l.description = r.OptText(19).value_or("");
    l.category = r.OptText(20).value_or("");
    out.push_back(std::move(l));
  }
  return out;
}

Result<StoredCostRecord> Repository::GetCostRecord(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM cost_records WHERE org_id = $1 AND "
                                          "id = $2",
                                          kCostColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("cost record {} does not exist", id));
  StoredCostRecord c = CostFromRow(*row);
  SIGNX_ASSIGN_OR_RETURN(c.data.lines, LoadLines(c.id));
  return c;
}

Result<bool> Repository::CostRecordExternalIdExists(std::string_view external_id) {
  SIGNX_ASSIGN_OR_RETURN(auto row, txn_.QueryOne("SELECT 1 FROM cost_records WHERE org_id = $1 AND "
                                                 "external_id = $2",
                                                 {scope_.org_id, external_id}));
  return row.has_value();
}

Result<Page<StoredCostRecord>> Repository::ListCostRecords(const CostRecordQuery& q) {
  std::string sql = fmt::format("SELECT {} FROM cost_records WHERE org_id = $1", kCostColumns);
  Params params{scope_.org_id};
  if (q.project_id) sql += " AND project_id = " + NextPlaceholder(params, *q.project_id);
  for (const auto& f : q.filters) {
    AppendDriverFilterSql(txn_.dialect(), "drivers", f, sql, params);
  }
  if (!q.cursor.empty()) sql += " AND id < " + NextPlaceholder(params, q.cursor);
  sql += " ORDER BY id DESC LIMIT " + NextPlaceholder(params, int64_t{q.limit + 1});
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<StoredCostRecord> items;
  for (const auto& r : rs.rows) items.push_back(CostFromRow(r));
  return TrimPage(std::move(items), q.limit, [](const StoredCostRecord& x) { return x.id; });
}

Result<std::vector<GroupStats>> Repository::CostStats(std::string_view group_by,
                                                      const std::vector<DriverFilter>& filters) {
  Params params;
  const std::string group = DriverTextSql(txn_.dialect(), "drivers", group_by, params);
  std::string sql = fmt::format(
      "SELECT {}, total_cost_cents, est_total_cost_cents FROM cost_records WHERE org_id = {}",
      group, NextPlaceholder(params, scope_.org_id));
  for (const auto& f : filters) AppendDriverFilterSql(txn_.dialect(), "drivers", f, sql, params);
  sql += " LIMIT " + NextPlaceholder(params, kMaxStatsRows + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  if (static_cast<int64_t>(rs.rows.size()) > kMaxStatsRows) {
    return Status(
        ErrorCode::kPayloadTooLarge,
        fmt::format("more than {} cost records match: narrow the filters", kMaxStatsRows));
  }
  struct Acc {
    int64_t count = 0;
    std::vector<int64_t> actual;
    double ape_sum = 0;
    int64_t ape_n = 0;
  };
  std::map<std::string, Acc> acc;
  for (const auto& r : rs.rows) {
    Acc& a = acc[r.OptText(0).value_or("(none)")];
    ++a.count;
    auto act = r.OptInt(1);
    auto est = r.OptInt(2);
    if (act) a.actual.push_back(*act);
    if (act && est && *act > 0) {
      a.ape_sum += std::fabs(static_cast<double>(*est - *act)) / static_cast<double>(*act);
      ++a.ape_n;
    }
  }
  std::vector<GroupStats> out;
  for (auto& [key, a] : acc) {
    GroupStats g;
    g.group = key;
    g.count = a.count;
    g.with_actual = static_cast<int64_t>(a.actual.size());
    if (!a.actual.empty()) {
      double sum = 0;
      for (int64_t v : a.actual) sum += static_cast<double>(v);
      g.mean_actual_cents = sum / static_cast<double>(a.actual.size());
      std::sort(a.actual.begin(), a.actual.end());
      const std::size_t n = a.actual.size();
      g.median_actual_cents =
          n % 2 == 1
              ? static_cast<double>(a.actual[n / 2])
              : (static_cast<double>(a.actual[n / 2 - 1]) + static_cast<double>(a.actual[n / 2])) /
                    2.0;
    }
    if (a.ape_n > 0) g.estimate_mape = a.ape_sum / static_cast<double>(a.ape_n);
    g.mape_count = a.ape_n;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace signx::estimating
