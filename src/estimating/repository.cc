#include "estimating/repository.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <set>

#include "base/id.h"
#include "base/strings.h"
#include "http/json.h"
#include "project/status.h"
#include "sign/spec.h"
#include "storage/idempotency.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using storage::Json;
using storage::Params;
using storage::Row;

constexpr int64_t kMaxStatsRows = 1'000'000;
constexpr std::size_t kMaxLines = 1000;
constexpr std::size_t kMaxText = 500;
constexpr std::size_t kMaxNotes = 4000;

std::string JsonText(const json::value& v) { return http::ToJsonText(v); }

json::value ParseOrNull(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  return ec ? json::value(nullptr) : v;
}

json::value OrNull(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
json::value OrNull(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value OrNull(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int m = (s[5] - '0') * 10 + (s[6] - '0');
  const int d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

// Typed readers over a JSON object that collect field errors.
class Reader {
 public:
  Reader(const json::object& o, std::string prefix, std::vector<FieldError>& errors)
      : o_(o), prefix_(std::move(prefix)), errors_(errors) {}

  void Error(std::string_view key, std::string message) {
    errors_.push_back({prefix_ + std::string(key), std::move(message)});
  }
  const json::value* Get(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }
  std::optional<int64_t> Int(std::string_view key, int64_t min = 0,
                             int64_t max = int64_t{1} << 50) {
    const json::value* v = Get(key);
    if (!v) return std::nullopt;
    std::optional<int64_t> out;
    if (v->is_int64()) out = v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(max)) {
      out = static_cast<int64_t>(v->as_uint64());
    }
    if (v->is_double() && std::nearbyint(v->as_double()) == v->as_double() &&
        std::fabs(v->as_double()) < 9e15) {
      out = static_cast<int64_t>(v->as_double());
    }
    if (!out) {
      Error(key, "must be an integer");
      return std::nullopt;
    }
    if (*out < min || *out > max) {
      Error(key, fmt::format("must be between {} and {}", min, max));
      return std::nullopt;
    }
    return out;
  }
  std::optional<double> Num(std::string_view key, double min = 0, double max = 1e9) {
    const json::value* v = Get(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      Error(key, "must be a number");
      return std::nullopt;
    }
    const double d = v->to_number<double>();
    if (!std::isfinite(d) || d < min || d > max) {
      Error(key, fmt::format("must be between {} and {}", min, max));
      return std::nullopt;
    }
    return d;
  }
  std::optional<std::string> Str(std::string_view key, std::size_t max = kMaxText) {
    const json::value* v = Get(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      Error(key, "must be a string");
      return std::nullopt;
    }
    if (v->as_string().size() > max) {
      Error(key, fmt::format("must be at most {} characters", max));
      return std::nullopt;
    }
    return std::string(v->as_string());
  }
  std::optional<std::string> Date(std::string_view key) {
    auto s = Str(key, 10);
    if (s && !IsDate(*s)) {
      Error(key, "must be a date YYYY-MM-DD");
      return std::nullopt;
    }
    return s;
  }
  std::optional<bool> Bool(std::string_view key) {
    const json::value* v = Get(key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) {
      Error(key, "must be true or false");
      return std::nullopt;
    }
    return v->as_bool();
  }

 private:
  const json::object& o_;
  std::string prefix_;
  std::vector<FieldError>& errors_;
};

CostTotals ReadTotals(Reader& r) {
  CostTotals t;
  t.total_cost_cents = r.Int("total_cost_cents");
  t.labor_cost_cents = r.Int("labor_cost_cents");
  t.material_cost_cents = r.Int("material_cost_cents");
  t.equipment_cost_cents = r.Int("equipment_cost_cents");
  t.overhead_cost_cents = r.Int("overhead_cost_cents");
  t.tax_cents = r.Int("tax_cents");
  t.shipping_cents = r.Int("shipping_cents");
  t.labor_hours = r.Num("labor_hours", 0, 1e7);
  if (t.total_cost_cents && t.labor_cost_cents && t.material_cost_cents && t.equipment_cost_cents &&
      t.overhead_cost_cents && t.tax_cents && t.shipping_cents) {
    const int64_t sum = *t.labor_cost_cents + *t.material_cost_cents + *t.equipment_cost_cents +
                        *t.overhead_cost_cents + *t.tax_cents + *t.shipping_cents;
    if (sum != *t.total_cost_cents) {
      r.Error("total_cost_cents",
              fmt::format("must equal labor + material + equipment + overhead + tax + shipping "
                          "({}), got {}",
                          sum, *t.total_cost_cents));
    }
  }
  return t;
}

json::object TotalsJson(const CostTotals& t) {
  return {{"total_cost_cents", OrNull(t.total_cost_cents)},
          {"labor_cost_cents", OrNull(t.labor_cost_cents)},
          {"material_cost_cents", OrNull(t.material_cost_cents)},
          {"equipment_cost_cents", OrNull(t.equipment_cost_cents)},
          {"overhead_cost_cents", OrNull(t.overhead_cost_cents)},
          {"tax_cents", OrNull(t.tax_cents)},
          {"shipping_cents", OrNull(t.shipping_cents)},
          {"labor_hours", OrNull(t.labor_hours)}};
}

const std::set<std::string, std::less<>>& CostRecordKeys() {
  static const std::set<std::string, std::less<>> keys = {"id",
                                                          "external_id",
                                                          "drivers",
                                                          "actual",
                                                          "estimate",
                                                          "total_cost_cents",
                                                          "labor_cost_cents",
                                                          "material_cost_cents",
                                                          "equipment_cost_cents",
                                                          "overhead_cost_cents",
                                                          "tax_cents",
                                                          "shipping_cents",
                                                          "labor_hours",
                                                          "quoted_price_cents",
                                                          "contingency_bp",
                                                          "markup_bp",
                                                          "change_order",
                                                          "notes",
                                                          "project_date",
                                                          "cost_date",
                                                          "lines"};
  return keys;
}

Result<CostLine> ParseLine(const json::object& o, const std::string& prefix,
                           std::vector<FieldError>& errors) {
  Reader r(o, prefix, errors);
  CostLine l;
  l.work_order = r.Str("work_order").value_or("");
  l.cost_type = r.Str("cost_type").value_or("");
  if (l.cost_type != "Labor" && l.cost_type != "Material") {
    r.Error("cost_type", "must be Labor or Material");
  }
  l.date = r.Date("date").value_or("");
  l.work_dept = r.Str("work_dept").value_or("");
  l.work_code = r.Str("work_code").value_or("");
  l.seq = static_cast<int>(r.Int("seq", 0, 1'000'000).value_or(0));
  l.item = r.Str("item").value_or("");
  l.um = r.Str("um").value_or("");
  l.est_hrs = r.Num("est_hrs", -1e7, 1e7).value_or(0);
  l.act_hrs = r.Num("act_hrs", -1e7, 1e7).value_or(0);
  l.est_qty = r.Num("est_qty", -1e9, 1e9).value_or(0);
  l.act_qty = r.Num("act_qty", -1e9, 1e9).value_or(0);
  constexpr int64_t kLo = -(int64_t{1} << 50), kHi = int64_t{1} << 50;
  l.est_cost_cents = r.Int("est_cost_cents", kLo, kHi).value_or(0);
  l.est_bur_cents = r.Int("est_bur_cents", kLo, kHi).value_or(0);
  l.est_use_tax_cents = r.Int("est_use_tax_cents", kLo, kHi).value_or(0);
  l.act_lab_cents = r.Int("act_lab_cents", kLo, kHi).value_or(0);
  l.act_bur_cents = r.Int("act_bur_cents", kLo, kHi).value_or(0);
  l.act_mat_cents = r.Int("act_mat_cents", kLo, kHi).value_or(0);
  l.act_out_cents = r.Int("act_out_cents", kLo, kHi).value_or(0);
  l.use_tax_cents = r.Int("use_tax_cents", kLo, kHi).value_or(0);
  const int64_t job =
      l.act_lab_cents + l.act_bur_cents + l.act_mat_cents + l.act_out_cents + l.use_tax_cents;
  l.job_cost_cents = r.Int("job_cost_cents", kLo, kHi).value_or(job);
  if (l.job_cost_cents != job) {
    r.Error("job_cost_cents", fmt::format("must equal act_lab + act_bur + act_mat + act_out + "
                                          "use_tax ({}), got {}",
                                          job, l.job_cost_cents));
  }
  l.var_cost_cents = l.job_cost_cents - l.est_cost_cents;
  l.var_hrs = l.act_hrs - l.est_hrs;
  l.var_qty = l.act_qty - l.est_qty;
  l.description = r.Str("description").value_or("");
  l.category = r.Str("category").value_or("");
  return l;
}

json::object LineJson(const CostLine& l) {
  return {{"work_order", l.work_order},
          {"cost_type", l.cost_type},
          {"date", l.date},
          {"work_dept", l.work_dept},
          {"work_code", l.work_code},
          {"seq", l.seq},
          {"item", l.item},
          {"um", l.um},
          {"est_hrs", l.est_hrs},
          {"act_hrs", l.act_hrs},
          {"var_hrs", l.act_hrs - l.est_hrs},
          {"est_qty", l.est_qty},
          {"act_qty", l.act_qty},
          {"var_qty", l.act_qty - l.est_qty},
          {"est_cost_cents", l.est_cost_cents},
          {"act_lab_cents", l.act_lab_cents},
          {"act_bur_cents", l.act_bur_cents},
          {"act_mat_cents", l.act_mat_cents},
          {"act_out_cents", l.act_out_cents},
          {"use_tax_cents", l.use_tax_cents},
          {"job_cost_cents", l.job_cost_cents},
          {"var_cost_cents", l.job_cost_cents - l.est_cost_cents},
          {"description", l.description},
          {"category", l.category}};
}

constexpr const char* kProjectColumns =
    "id, org_id, name, customer, location, source, status, external_ref, project_date, metadata, "
    "version, created_at, updated_at";

Project ProjectFromRow(const Row& r) {
  Project p;
  p.id = r.Text(0);
  p.org_id = r.Text(1);
  p.name = r.Text(2);
  p.customer = r.OptText(3);
  p.location = r.OptText(4);
  p.source = r.Text(5);
  p.status = r.Text(6);
  p.external_ref = r.OptText(7);
  p.project_date = r.OptText(8);
  p.metadata_json = r.Text(9);
  p.version = r.Int(10);
  p.created_at = r.Time(11);
  p.updated_at = r.Time(12);
  return p;
}

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

constexpr const char* kImportColumns =
    "id, org_id, filename, format, sha256, size_bytes, partial, idempotency_key, status, "
    "total_rows, accepted, rejected, report, created_by, created_at";

ImportRecord ImportFromRow(const Row& r) {
  ImportRecord i;
  i.id = r.Text(0);
  i.org_id = r.Text(1);
  i.filename = r.Text(2);
  i.format = r.Text(3);
  i.sha256 = r.Text(4);
  i.size_bytes = r.Int(5);
  i.partial = r.Bool(6);
  i.idempotency_key = r.OptText(7);
  i.status = r.Text(8);
  i.total_rows = r.Int(9);
  i.accepted = r.Int(10);
  i.rejected = r.Int(11);
  i.report_json = r.Text(12);
  i.created_by = r.OptText(13);
  i.created_at = r.Time(14);
  return i;
}

constexpr const char* kQuoteColumns =
    "id, org_id, project_id, price_list_version, price_list, request, quote, quantity, "
    "total_cost_cents, price_cents, pdf_blob_sha256, pdf_job_id, version, created_by, "
    "created_at, updated_at, price_list_id";

StoredQuote QuoteFromRow(const Row& r) {
  StoredQuote q;
  q.id = r.Text(0);
  q.org_id = r.Text(1);
  q.project_id = r.OptText(2);
  q.price_list_version = r.Text(3);
  q.price_list_json = r.Text(4);
  q.request_json = r.Text(5);
  q.quote_json = r.Text(6);
  q.quantity = r.Int(7);
  q.total_cost_cents = r.Int(8);
  q.price_cents = r.Int(9);
  q.pdf_blob_sha256 = r.OptText(10);
  q.pdf_job_id = r.OptText(11);
  q.version = r.Int(12);
  q.created_by = r.OptText(13);
  q.created_at = r.Time(14);
  q.updated_at = r.Time(15);
  q.price_list_id = r.OptText(16);
  return q;
}

std::string NextPlaceholder(Params& params, storage::Param p) {
  params.push_back(std::move(p));
  return fmt::format("${}", params.size());
}

}  // namespace

Result<ProjectFields> ParseProjectFields(const json::object& body, bool create) {
  std::vector<FieldError> errors;
  static const std::set<std::string, std::less<>> kKeys = {"name",   "customer",     "location",
                                                           "status", "project_date", "metadata"};
  for (const auto& kv : body) {
    if (!kKeys.contains(kv.key())) {
      errors.push_back({std::string(kv.key()), "unknown field"});
    }
  }
  Reader r(body, "", errors);
  ProjectFields f;
  f.name = r.Str("name");
  if (f.name && Trim(*f.name).empty()) r.Error("name", "must not be empty");
  if (create && !f.name && !body.contains("name")) r.Error("name", "is required");
  if (!create && body.contains("name") && body.at("name").is_null()) {
    r.Error("name", "cannot be cleared");
  }
  f.customer = r.Str("customer");
  f.location = r.Str("location");
  f.status = r.Str("status", 32);
  if (f.status && !project::IsStatus(*f.status)) {
    r.Error("status", project::StatusRule());
  }
  if (!create && body.contains("status") && body.at("status").is_null()) {
    r.Error("status", "cannot be cleared");
  }
  f.project_date = r.Date("project_date");
  if (const json::value* m = body.if_contains("metadata"); m && !m->is_null()) {
    if (!m->is_object()) {
      r.Error("metadata", "must be an object");
    } else if (JsonText(*m).size() > 16 * 1024) {
      r.Error("metadata", "must be at most 16 KiB");
    } else {
      f.metadata = m->as_object();
    }
  }
  auto is_null = [&](std::string_view k) {
    const json::value* v = body.if_contains(k);
    return v && v->is_null();
  };
  f.clear_customer = is_null("customer");
  f.clear_location = is_null("location");
  f.clear_project_date = is_null("project_date");
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return f;
}

json::object ToJson(const Project& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"customer", OrNull(p.customer)},
          {"location", OrNull(p.location)},
          {"source", p.source},
          {"status", p.status},
          {"external_ref", OrNull(p.external_ref)},
          {"project_date", OrNull(p.project_date)},
          {"metadata", ParseOrNull(p.metadata_json)},
          {"version", p.version},
          {"created_at", FormatRfc3339(p.created_at)},
          {"updated_at", FormatRfc3339(p.updated_at)}};
}

Result<CostRecordData> ParseCostRecordJson(const json::object& body, std::string_view prefix_sv,
                                           bool lenient) {
  const std::string prefix(prefix_sv);
  std::vector<FieldError> errors;
  if (!lenient) {
    for (const auto& kv : body) {
      if (!CostRecordKeys().contains(kv.key())) {
        errors.push_back({prefix + std::string(kv.key()), "unknown field"});
      }
    }
  }
  Reader r(body, prefix, errors);
  CostRecordData d;
  d.external_id = r.Str("external_id", 200);
  if (!d.external_id) d.external_id = r.Str("id", 200);
  // Drivers: the sign spec, validated with the seed's rules.
  const json::value* drivers = r.Get("drivers");
  if (!drivers || !drivers->is_object()) {
    r.Error("drivers",
            "is required: an object with the sign spec (width_in, height_in, "
            "wind_speed_mph, material, ...)");
  } else {
    auto spec = sign::ParseSignSpec(drivers->as_object(), {.reject_unknown_fields = false});
    if (!spec.ok()) {
      for (const auto& e : spec.status().details()) {
        errors.push_back({prefix + "drivers." + e.field, e.message});
      }
      if (spec.status().details().empty()) {
        errors.push_back({prefix + "drivers", std::string(spec.status().message())});
      }
    } else {
      d.drivers = drivers->as_object();
      for (auto& kv : sign::ToDrivers(*spec)) d.drivers[kv.key()] = kv.value();
      for (const auto& kv : d.drivers) {
        if (kv.value().is_object() || kv.value().is_array()) {
          errors.push_back(
              {prefix + "drivers." + std::string(kv.key()), "must be a number, string or boolean"});
        }
      }
      if (JsonText(d.drivers).size() > 8 * 1024) {
        errors.push_back({prefix + "drivers", "must be at most 8 KiB"});
      }
    }
  }
  if (const json::value* a = r.Get("actual")) {
    if (!a->is_object()) {
      r.Error("actual", "must be an object");
    } else {
      Reader ar(a->as_object(), prefix + "actual.", errors);
      d.actual = ReadTotals(ar);
    }
  } else {
    d.actual = ReadTotals(r);
  }
  if (const json::value* e = r.Get("estimate")) {
    if (!e->is_object()) {
      r.Error("estimate", "must be an object");
    } else {
      Reader er(e->as_object(), prefix + "estimate.", errors);
      d.estimate = ReadTotals(er);
    }
  }
  if (!d.actual.total_cost_cents && !d.estimate.total_cost_cents) {
    r.Error("total_cost_cents",
            "a cost record needs the actual total_cost_cents, the estimate.total_cost_cents or "
            "both");
  }
  d.quoted_price_cents = r.Int("quoted_price_cents");
  d.contingency_bp = r.Int("contingency_bp", 0, 100000);
  d.markup_bp = r.Int("markup_bp", 0, 1000000);
  d.change_order = r.Bool("change_order").value_or(false);
  d.notes = r.Str("notes", kMaxNotes);
  d.project_date = r.Date("project_date");
  d.cost_date = r.Date("cost_date");
  if (const json::value* lines = r.Get("lines")) {
    if (!lines->is_array()) {
      r.Error("lines", "must be an array of cost lines");
    } else if (lines->as_array().size() > kMaxLines) {
      r.Error("lines", fmt::format("at most {} lines", kMaxLines));
    } else {
      const auto& arr = lines->as_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string lp = fmt::format("{}lines[{}].", prefix, i);
        if (!arr[i].is_object()) {
          errors.push_back({lp.substr(0, lp.size() - 1), "must be an object"});
          continue;
        }
        auto line = ParseLine(arr[i].as_object(), lp, errors);
        if (line.ok()) d.lines.push_back(std::move(*line));
      }
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return d;
}

Result<CostLine> ParseCostLineJson(const json::object& line, const std::string& prefix) {
  std::vector<FieldError> errors;
  auto l = ParseLine(line, prefix, errors);
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return l;
}

json::object ToJson(const StoredCostRecord& c, bool with_lines) {
  const auto& d = c.data;
  json::object o{{"id", c.id},
                 {"project_id", c.project_id},
                 {"external_id", OrNull(d.external_id)},
                 {"import_id", OrNull(c.import_id)},
                 {"drivers", d.drivers},
                 {"actual", TotalsJson(d.actual)},
                 {"estimate", TotalsJson(d.estimate)}};
  o["variance_cents"] = d.actual.total_cost_cents && d.estimate.total_cost_cents
                            ? json::value(*d.actual.total_cost_cents - *d.estimate.total_cost_cents)
                            : json::value(nullptr);
  o["quoted_price_cents"] = OrNull(d.quoted_price_cents);
  o["contingency_bp"] = OrNull(d.contingency_bp);
  o["markup_bp"] = OrNull(d.markup_bp);
  o["change_order"] = d.change_order;
  if (c.predicted_cost_cents || c.anomaly_score || c.model_version) {
    o["prediction"] =
        json::object{{"predicted_cost_cents", OrNull(c.predicted_cost_cents)},
                     {"confidence", OrNull(c.confidence)},
                     {"anomaly_score", OrNull(c.anomaly_score)},
                     {"model_version", OrNull(c.model_version)},
                     {"cost_drivers_importance", ParseOrNull(c.cost_drivers_importance_json)}};
  } else {
    o["prediction"] = nullptr;
  }
  o["notes"] = OrNull(d.notes);
  o["project_date"] = OrNull(d.project_date);
  o["cost_date"] = OrNull(d.cost_date);
  o["created_at"] = FormatRfc3339(c.created_at);
  o["updated_at"] = FormatRfc3339(c.updated_at);
  if (with_lines) {
    json::array lines;
    for (const auto& l : d.lines) lines.push_back(LineJson(l));
    o["lines"] = std::move(lines);
  }
  return o;
}

json::object ToJson(const ImportRecord& i) {
  return {{"id", i.id},
          {"filename", i.filename},
          {"format", i.format},
          {"sha256", i.sha256},
          {"size_bytes", i.size_bytes},
          {"partial", i.partial},
          {"status", i.status},
          {"total_rows", i.total_rows},
          {"accepted", i.accepted},
          {"rejected", i.rejected},
          {"report", ParseOrNull(i.report_json)},
          {"created_by", OrNull(i.created_by)},
          {"created_at", FormatRfc3339(i.created_at)}};
}

json::object ToJson(const StoredQuote& q) {
  json::value quote = ParseOrNull(q.quote_json);
  json::object o{{"id", q.id},
                 {"project_id", OrNull(q.project_id)},
                 {"price_list_version", q.price_list_version},
                 {"price_list_id", OrNull(q.price_list_id)},
                 {"quote", std::move(quote)},
                 {"request", ParseOrNull(q.request_json)},
                 {"quantity", q.quantity},
                 {"total_cost_cents", q.total_cost_cents},
                 {"price_cents", q.price_cents},
                 {"pdf", json::object{{"status", q.pdf_blob_sha256 ? "ready" : "pending"},
                                      {"sha256", OrNull(q.pdf_blob_sha256)},
                                      {"job_id", OrNull(q.pdf_job_id)},
                                      {"url", fmt::format("/v1/quotes/{}/pdf", q.id)}}},
                 {"version", q.version},
                 {"created_by", OrNull(q.created_by)},
                 {"created_at", FormatRfc3339(q.created_at)},
                 {"updated_at", FormatRfc3339(q.updated_at)}};
  return o;
}

// ---- Repository: projects ----

Result<Project> Repository::CreateProject(const ProjectFields& f, std::string_view source,
                                          const std::optional<std::string>& external_ref) {
  const Timestamp now = clock_.Now();
  Project p;
  p.id = NewId("prj", clock_);
  p.org_id = scope_.org_id;
  p.name = f.name.value_or("");
  p.customer = f.customer;
  p.location = f.location;
  p.source = std::string(source);
  p.status = f.status.value_or("draft");
  p.external_ref = external_ref;
  p.project_date = f.project_date;
  p.metadata_json = JsonText(f.metadata.value_or(json::object{}));
  p.version = 1;
  p.created_at = now;
  p.updated_at = now;
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("INSERT INTO projects (id, org_id, name, customer, location, source, status, "
                "external_ref, project_date, metadata, version, created_at, updated_at) VALUES "
                "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
                {p.id, p.org_id, p.name, p.customer, p.location, p.source, p.status, p.external_ref,
                 p.project_date, Json{p.metadata_json}, now})
          .status());
  return p;
}

Result<Project> Repository::GetProject(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND id = $2",
                                          kProjectColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("project {} does not exist", id));
  return ProjectFromRow(*row);
}

Result<std::optional<Project>> Repository::FindProjectByExternalRef(std::string_view ref) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND external_ref = $2",
                                kProjectColumns),
                    {scope_.org_id, ref}));
  if (!row) return std::optional<Project>();
  return std::optional<Project>(ProjectFromRow(*row));
}

Result<Page<Project>> Repository::ListProjects(const ProjectListOptions& o) {
  std::string sql = fmt::format("SELECT {} FROM projects WHERE org_id = $1", kProjectColumns);
  Params params{scope_.org_id};
  if (o.status) sql += " AND status = " + NextPlaceholder(params, *o.status);
  if (!o.cursor.empty()) sql += " AND id < " + NextPlaceholder(params, o.cursor);
  sql += " ORDER BY id DESC LIMIT " + NextPlaceholder(params, int64_t{o.limit + 1});
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  Page<Project> page;
  for (const auto& r : rs.rows) page.items.push_back(ProjectFromRow(r));
  if (page.items.size() > static_cast<std::size_t>(o.limit)) {
    page.items.resize(o.limit);
    page.next_cursor = page.items.back().id;
  }
  return page;
}

Result<Project> Repository::UpdateProject(std::string_view id, int64_t expected_version,
                                          const ProjectFields& f) {
  SIGNX_ASSIGN_OR_RETURN(Project p, GetProject(id));
  if (p.version != expected_version) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("project {} is at version {}, not {}: reload it and retry", id,
                              p.version, expected_version));
  }
  if (f.name) p.name = *f.name;
  if (f.customer) p.customer = f.customer;
  if (f.clear_customer) p.customer.reset();
  if (f.location) p.location = f.location;
  if (f.clear_location) p.location.reset();
  if (f.status) p.status = *f.status;
  if (f.project_date) p.project_date = f.project_date;
  if (f.clear_project_date) p.project_date.reset();
  if (f.metadata) p.metadata_json = JsonText(*f.metadata);
  p.updated_at = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec("UPDATE projects SET name = $1, customer = $2, location = $3, status = $4, "
                "project_date = $5, metadata = $6, version = version + 1, updated_at = $7 "
                "WHERE org_id = $8 AND id = $9 AND version = $10",
                {p.name, p.customer, p.location, p.status, p.project_date, Json{p.metadata_json},
                 p.updated_at, scope_.org_id, id, expected_version}));
  if (n != 1) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("project {} changed concurrently: reload it and retry", id));
  }
  p.version = expected_version + 1;
  return p;
}

// ---- cost records ----

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
  Page<StoredCostRecord> page;
  for (const auto& r : rs.rows) page.items.push_back(CostFromRow(r));
  if (page.items.size() > static_cast<std::size_t>(q.limit)) {
    page.items.resize(q.limit);
    page.next_cursor = page.items.back().id;
  }
  return page;
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

// ---- imports ----

Status Repository::InsertImport(const ImportRecord& i) {
  return txn_
      .Exec(
          "INSERT INTO imports (id, org_id, filename, format, sha256, size_bytes, partial, "
          "idempotency_key, status, total_rows, accepted, rejected, report, created_by, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
          {i.id, scope_.org_id, i.filename, i.format, i.sha256, i.size_bytes, i.partial,
           i.idempotency_key, i.status, i.total_rows, i.accepted, i.rejected, Json{i.report_json},
           i.created_by, i.created_at})
      .status();
}

Result<ImportRecord> Repository::GetImport(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND id = $2",
                                          kImportColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("import {} does not exist", id));
  return ImportFromRow(*row);
}

Result<Page<ImportRecord>> Repository::ListImports(std::string_view cursor, int limit) {
  // Ids are ULIDs: id order is creation order, and the id is the cursor.
  SIGNX_ASSIGN_OR_RETURN(
      auto rows, txn_.Query(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND "
                                        "($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3",
                                        kImportColumns),
                            {scope_.org_id, cursor, int64_t{limit} + 1}));
  Page<ImportRecord> page;
  for (const auto& row : rows.rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = page.items.back().id;
      break;
    }
    page.items.push_back(ImportFromRow(row));
  }
  return page;
}

Result<std::optional<ImportRecord>> Repository::FindImportByIdempotencyKey(std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(auto row,
                         txn_.QueryOne(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND "
                                                   "idempotency_key = $2",
                                                   kImportColumns),
                                       {scope_.org_id, key}));
  if (!row) return std::optional<ImportRecord>();
  return std::optional<ImportRecord>(ImportFromRow(*row));
}

Result<std::optional<ImportRecord>> Repository::FindReplayableImport(std::string_view sha256,
                                                                     bool partial) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND sha256 = $2 AND "
                                "(status = 'completed' OR partial = $3) ORDER BY "
                                "(CASE WHEN status = 'completed' THEN 0 ELSE 1 END), id LIMIT 1",
                                kImportColumns),
                    {scope_.org_id, sha256, partial}));
  if (!row) return std::optional<ImportRecord>();
  return std::optional<ImportRecord>(ImportFromRow(*row));
}

// ---- quotes ----

Status Repository::InsertQuote(const StoredQuote& q) {
  if (q.project_id) SIGNX_RETURN_IF_ERROR(GetProject(*q.project_id).status());
  return txn_
      .Exec(
          "INSERT INTO quotes (id, org_id, project_id, price_list_version, price_list, request, "
          "quote, quantity, total_cost_cents, price_cents, pdf_blob_sha256, pdf_job_id, "
          "version, created_by, created_at, updated_at, price_list_id) VALUES ($1, $2, $3, $4, "
          "$5, $6, $7, $8, $9, $10, NULL, $11, 1, $12, $13, $13, $14)",
          {q.id, scope_.org_id, q.project_id, q.price_list_version, Json{q.price_list_json},
           Json{q.request_json}, Json{q.quote_json}, q.quantity, q.total_cost_cents, q.price_cents,
           q.pdf_job_id, q.created_by, q.created_at, q.price_list_id})
      .status();
}

Result<StoredQuote> Repository::GetQuote(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM quotes WHERE org_id = $1 AND id = $2",
                                          kQuoteColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("quote {} does not exist", id));
  return QuoteFromRow(*row);
}

Result<bool> Repository::SetQuotePdf(std::string_view id, std::string_view sha256) {
  SIGNX_ASSIGN_OR_RETURN(int64_t n,
                         txn_.Exec("UPDATE quotes SET pdf_blob_sha256 = $1, updated_at = $2 WHERE "
                                   "org_id = $3 AND id = $4 AND pdf_blob_sha256 IS NULL",
                                   {sha256, clock_.Now(), scope_.org_id, id}));
  return n == 1;
}

Status Repository::SetQuotePdfJob(std::string_view id, std::string_view job_id) {
  return txn_
      .Exec("UPDATE quotes SET pdf_job_id = $1 WHERE org_id = $2 AND id = $3",
            {job_id, scope_.org_id, id})
      .status();
}

// ---- idempotency ----

Result<std::optional<std::string>> Repository::FindIdempotent(std::string_view scope,
                                                              std::string_view key) {
  return storage::FindIdempotent(txn_, scope_.org_id, scope, key);
}

Status Repository::RememberIdempotent(std::string_view scope, std::string_view key,
                                      std::string_view resource_id) {
  return storage::RememberIdempotent(txn_, scope_.org_id, scope, key, resource_id, clock_.Now());
}

}  // namespace signx::estimating
