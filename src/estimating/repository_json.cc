// estimating::Repository's pure part: project, cost record, import and quote JSON (parsing with
// field errors, rendering) and list-query parsing. The SQL is in repository_<aggregate>.cc.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "base/strings.h"
#include "estimating/internal/repository_sql.h"
#include "estimating/repository.h"
#include "project/status.h"
#include "sign/spec.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using internal::JsonText;

constexpr std::size_t kMaxLines = 1000;
constexpr std::size_t kMaxText = 500;
constexpr std::size_t kMaxNotes = 4000;

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
  // The lifecycle is studio's (studio/lifecycle.h): a project starts as a draft and its status
  // changes only through POST /v1/projects/{id}/transitions, where the guards are checked.
  if (create) {
    f.status = r.Str("status", 32);
    if (f.status && *f.status != "draft") {
      r.Error("status", "must be draft: a project starts as a draft and moves through POST "
                        "/v1/projects/{id}/transitions");
    }
  } else if (body.contains("status")) {
    r.Error("status", "cannot be changed here: use POST /v1/projects/{id}/transitions");
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

}  // namespace signx::estimating
