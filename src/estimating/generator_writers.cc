// Writing the synthetic cost history (NDJSON, flat CSV, KeyedIn cost-line CSV) and its summary
// statistics.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "base/strings.h"
#include "csv/writer.h"
#include "estimating/generator.h"

namespace signx::estimating {

namespace {

void JsonString(fmt::memory_buffer& b, std::string_view s) {
  thread_local std::string quoted;
  quoted.clear();
  AppendJsonString(quoted, s);
  b.append(quoted);
}

// Appends `"key":` with a leading comma unless first.
class JsonObj {
 public:
  explicit JsonObj(fmt::memory_buffer& b) : b_(b) { b_.push_back('{'); }
  void Key(std::string_view k) {
    if (!first_) b_.push_back(',');
    first_ = false;
    JsonString(b_, k);
    b_.push_back(':');
  }
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    JsonString(b_, v);
  }
  void Raw(std::string_view k, std::string_view v) {
    Key(k);
    b_.append(v);
  }
  void Int(std::string_view k, int64_t v) { Raw(k, fmt::format("{}", v)); }
  void Fixed(std::string_view k, double v, int decimals) {
    Raw(k, fmt::format("{:.{}f}", v, decimals));
  }
  void Bool(std::string_view k, bool v) { Raw(k, v ? "true" : "false"); }
  void End() { b_.push_back('}'); }

 private:
  fmt::memory_buffer& b_;
  bool first_ = true;
};

void Breakdown(fmt::memory_buffer& b, const CostBreakdown& x) {
  JsonObj o(b);
  o.Int("total_cost_cents", x.total_cost_cents);
  o.Int("labor_cost_cents", x.labor_cost_cents);
  o.Int("material_cost_cents", x.material_cost_cents);
  o.Int("equipment_cost_cents", x.equipment_cost_cents);
  o.Int("overhead_cost_cents", x.overhead_cost_cents);
  o.Int("tax_cents", x.tax_cents);
  o.Int("shipping_cents", x.shipping_cents);
  o.Fixed("labor_hours", x.labor_hours, 2);
  o.End();
}

void Drivers(fmt::memory_buffer& b, const CostRecord& r) {
  const sign::SignSpec& s = r.spec;
  JsonObj o(b);
  if (s.sign_type) o.Str("sign_type", Name(*s.sign_type));
  o.Fixed("width_in", s.width_in, 1);
  o.Fixed("height_in", s.height_in, 1);
  o.Fixed("sign_area_sqft", s.area_sqft, 2);
  if (s.sign_height_ft) o.Fixed("sign_height_ft", *s.sign_height_ft, 1);
  o.Fixed("wind_speed_mph", s.wind_speed_mph, 0);
  o.Str("exposure_category", Name(s.exposure_category));
  o.Str("material", Name(s.material));
  if (s.base_material) o.Str("base_material", Name(*s.base_material));
  if (s.finish) o.Str("finish", *s.finish);
  o.Str("illumination", Name(s.illumination));
  o.Bool("has_lighting", s.illumination != sign::Illumination::kNone);
  o.Int("faces", s.faces);
  o.Bool("is_double_faced", s.faces == 2);
  o.Int("quantity", s.quantity);
  if (s.letter_count) o.Int("letter_count", *s.letter_count);
  if (s.mounting_type) o.Str("mounting_type", Name(*s.mounting_type));
  if (s.foundation_type) o.Str("foundation_type", Name(*s.foundation_type));
  if (s.install_method) o.Str("install_method", Name(*s.install_method));
  if (s.install_complexity) o.Str("install_complexity", Name(*s.install_complexity));
  if (s.site_conditions) o.Str("site_conditions", *s.site_conditions);
  o.Bool("permit_required", s.permit_required);
  o.Bool("custom_engineering", s.custom_engineering);
  if (s.soil_class) o.Int("soil_class", *s.soil_class);
  if (s.travel_miles) o.Fixed("travel_miles", *s.travel_miles, 1);
  o.Fixed("region_index", r.region_index, 3);
  o.Str("estimator_id", r.estimator_id);
  o.End();
}

void Line(fmt::memory_buffer& b, const CostLine& l) {
  JsonObj o(b);
  o.Str("work_order", l.work_order);
  o.Str("cost_type", l.cost_type);
  o.Str("date", l.date);
  o.Str("work_dept", l.work_dept);
  o.Str("work_code", l.work_code);
  o.Int("seq", l.seq);
  o.Str("item", l.item);
  o.Str("um", l.um);
  o.Fixed("est_hrs", l.est_hrs, 2);
  o.Fixed("act_hrs", l.act_hrs, 2);
  o.Fixed("var_hrs", l.var_hrs, 2);
  o.Fixed("est_qty", l.est_qty, 2);
  o.Fixed("act_qty", l.act_qty, 2);
  o.Fixed("var_qty", l.var_qty, 2);
  o.Int("est_cost_cents", l.est_cost_cents);
  o.Int("est_bur_cents", l.est_bur_cents);
  o.Int("est_use_tax_cents", l.est_use_tax_cents);
  o.Int("act_lab_cents", l.act_lab_cents);
  o.Int("act_bur_cents", l.act_bur_cents);
  o.Int("act_mat_cents", l.act_mat_cents);
  o.Int("act_out_cents", l.act_out_cents);
  o.Int("use_tax_cents", l.use_tax_cents);
  o.Int("job_cost_cents", l.job_cost_cents);
  o.Int("var_cost_cents", l.var_cost_cents);
  o.Str("description", l.description);
  o.Str("category", l.category);
  o.End();
}

std::string Dollars(int64_t cents) {
  const int64_t a = cents < 0 ? -cents : cents;
  return fmt::format("{}{}.{:02d}", cents < 0 ? "-" : "", a / 100, a % 100);
}

template <typename T>
std::string Opt(const std::optional<T>& v) {
  if (!v) return "";
  if constexpr (std::is_same_v<T, std::string>) {
    return csv::Field(*v);
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(Name(*v));
  } else {
    return fmt::format("{}", *v);
  }
}

constexpr std::string_view kCsvHeader =
    "id,project_id,project_name,customer_name,location,project_date,cost_date,year,estimator_id,"
    "sign_type,width_in,height_in,sign_area_sqft,sign_height_ft,wind_speed_mph,exposure_category,"
    "material,base_material,finish,illumination,has_lighting,faces,is_double_faced,quantity,"
    "letter_count,mounting_type,foundation_type,install_method,install_complexity,"
    "site_conditions,permit_required,custom_engineering,soil_class,travel_miles,region_index,"
    "est_total_cost_cents,est_labor_cost_cents,est_material_cost_cents,est_equipment_cost_cents,"
    "est_overhead_cost_cents,est_tax_cents,est_shipping_cents,est_labor_hours,"
    "total_cost_cents,labor_cost_cents,material_cost_cents,equipment_cost_cents,"
    "overhead_cost_cents,tax_cents,shipping_cents,labor_hours,"
    "contingency_bp,markup_bp,quoted_price_cents,change_order,generator_version";

// sign-domain.md §1.4 header (+ the record id so lines join back to their record).
constexpr std::string_view kKeyedInHeader =
    "Work Order,Cost Type,Date,Work Dept,Work Code,Seq,Emp/Part/Item,U/M,Est Hrs,Act Hrs,Var Hrs,"
    "Est Qty,Act Qty,Var Qty,Est Cost,Act Lab,Act Bur,Act Mat,Act Out,Use Tax,Job Cost,R/I,"
    "Var Cost,Gross Margin,Description,Inv Type,Record Id";

}  // namespace

std::string CsvHeader(HistoryFormat format) {
  switch (format) {
    case HistoryFormat::kNdjson:
      return "";
    case HistoryFormat::kCsv:
      return std::string(kCsvHeader) + "\r\n";
    case HistoryFormat::kKeyedInCsv:
      return std::string(kKeyedInHeader) + "\r\n";
  }
  return "";
}

void WriteRecord(const CostRecord& r, HistoryFormat format, std::ostream& out) {
  fmt::memory_buffer b;
  const sign::SignSpec& s = r.spec;
  switch (format) {
    case HistoryFormat::kNdjson: {
      JsonObj o(b);
      o.Str("id", r.id);
      o.Str("project_id", r.project_id);
      o.Str("project_name", r.project_name);
      o.Str("source", "synthetic");
      o.Str("status", "completed");
      o.Str("customer_name", r.customer_name);
      o.Str("location", r.location);
      o.Str("project_date", r.project_date);
      o.Str("cost_date", r.cost_date);
      o.Int("total_cost_cents", r.actual.total_cost_cents);
      o.Int("labor_cost_cents", r.actual.labor_cost_cents);
      o.Int("material_cost_cents", r.actual.material_cost_cents);
      o.Int("equipment_cost_cents", r.actual.equipment_cost_cents);
      o.Int("overhead_cost_cents", r.actual.overhead_cost_cents);
      o.Int("tax_cents", r.actual.tax_cents);
      o.Int("shipping_cents", r.actual.shipping_cents);
      o.Fixed("labor_hours", r.actual.labor_hours, 2);
      o.Key("estimate");
      Breakdown(b, r.estimate);
      o.Int("contingency_bp", r.contingency_bp);
      o.Int("markup_bp", r.markup_bp);
      o.Int("quoted_price_cents", r.quoted_price_cents);
      o.Bool("change_order", r.change_order);
      o.Key("drivers");
      Drivers(b, r);
      o.Key("lines");
      b.push_back('[');
      for (size_t i = 0; i < r.lines.size(); ++i) {
        if (i > 0) b.push_back(',');
        Line(b, r.lines[i]);
      }
      b.push_back(']');
      o.Str("generator_version", kGeneratorVersion);
      o.End();
      b.push_back('\n');
      break;
    }
    case HistoryFormat::kCsv: {
      const auto& e = r.estimate;
      const auto& a = r.actual;
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{},{},", r.id, r.project_id,
                     csv::Field(r.project_name), csv::Field(r.customer_name),
                     csv::Field(r.location), r.project_date, r.cost_date, r.year, r.estimator_id);
      fmt::format_to(std::back_inserter(b), "{},{:.1f},{:.1f},{:.2f},{},{:.0f},{},{},{},{},{},{},",
                     Opt(s.sign_type), s.width_in, s.height_in, s.area_sqft,
                     s.sign_height_ft ? fmt::format("{:.1f}", *s.sign_height_ft) : "",
                     s.wind_speed_mph, Name(s.exposure_category), Name(s.material),
                     Opt(s.base_material), Opt(s.finish), Name(s.illumination),
                     s.illumination != sign::Illumination::kNone);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3f},",
                     s.faces, s.faces == 2, s.quantity, Opt(s.letter_count), Opt(s.mounting_type),
                     Opt(s.foundation_type), Opt(s.install_method), Opt(s.install_complexity),
                     Opt(s.site_conditions), s.permit_required, s.custom_engineering,
                     Opt(s.soil_class),
                     s.travel_miles ? fmt::format("{:.1f}", *s.travel_miles) : "", r.region_index);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{:.2f},", e.total_cost_cents,
                     e.labor_cost_cents, e.material_cost_cents, e.equipment_cost_cents,
                     e.overhead_cost_cents, e.tax_cents, e.shipping_cents, e.labor_hours);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{:.2f},", a.total_cost_cents,
                     a.labor_cost_cents, a.material_cost_cents, a.equipment_cost_cents,
                     a.overhead_cost_cents, a.tax_cents, a.shipping_cents, a.labor_hours);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{}\r\n", r.contingency_bp, r.markup_bp,
                     r.quoted_price_cents, r.change_order, kGeneratorVersion);
      break;
    }
    case HistoryFormat::kKeyedInCsv:
      for (const auto& l : r.lines) {
        fmt::format_to(std::back_inserter(b),
                       "{},{},{},{},{},{},{},{},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},",
                       l.work_order, l.cost_type, l.date, l.work_dept, l.work_code, l.seq,
                       csv::Field(l.item), l.um, l.est_hrs, l.act_hrs, l.var_hrs, l.est_qty,
                       l.act_qty, l.var_qty);
        fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},,{},,{},{},{}\r\n",
                       Dollars(l.est_cost_cents), Dollars(l.act_lab_cents),
                       Dollars(l.act_bur_cents), Dollars(l.act_mat_cents), Dollars(l.act_out_cents),
                       Dollars(l.use_tax_cents), Dollars(l.job_cost_cents),
                       Dollars(l.var_cost_cents), csv::Field(l.description), l.category, r.id);
      }
      break;
  }
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

Status WriteHistory(const GeneratorOptions& options, HistoryFormat format, std::ostream& out) {
  SIGNX_RETURN_IF_ERROR(ValidateOptions(options));
  out << CsvHeader(format);
  for (int64_t i = 0; i < options.projects; ++i) {
    WriteRecord(GenerateProject(options, i), format, out);
    if (!out) return Unavailable("writing the synthetic history failed (output stream error)");
  }
  out.flush();
  if (!out) return Unavailable("writing the synthetic history failed (output stream error)");
  return Status::Ok();
}

void HistoryStats::Add(const CostRecord& r) {
  ++count_;
  const double act = static_cast<double>(r.actual.total_cost_cents);
  const double est = static_cast<double>(r.estimate.total_cost_cents);
  if (act > 0) ape_sum_ += std::abs(est - act) / act;
  const std::string type = r.spec.sign_type ? std::string(Name(*r.spec.sign_type)) : "unknown";
  actual_by_type_[type].push_back(r.actual.total_cost_cents);
  estimate_by_type_[type].push_back(r.estimate.total_cost_cents);
}

double HistoryStats::EstimateMape() const {
  return count_ == 0 ? 0.0 : ape_sum_ / static_cast<double>(count_);
}

std::map<std::string, HistoryStats::TypeStats> HistoryStats::ByType() const {
  std::map<std::string, TypeStats> out;
  for (const auto& [type, actual] : actual_by_type_) {
    const auto& est = estimate_by_type_.at(type);
    TypeStats t;
    t.count = static_cast<int64_t>(actual.size());
    double sum = 0, est_sum = 0, ape = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
      sum += static_cast<double>(actual[i]);
      est_sum += static_cast<double>(est[i]);
      if (actual[i] > 0) {
        ape += std::abs(static_cast<double>(est[i] - actual[i])) / static_cast<double>(actual[i]);
      }
    }
    std::vector<int64_t> sorted = actual;
    std::sort(sorted.begin(), sorted.end());
    const size_t m = sorted.size() / 2;
    const double median = sorted.size() % 2 == 1
                              ? static_cast<double>(sorted[m])
                              : (static_cast<double>(sorted[m - 1]) + sorted[m]) / 2.0;
    t.mean_usd = sum / t.count / 100.0;
    t.mean_estimate_usd = est_sum / t.count / 100.0;
    t.median_usd = median / 100.0;
    t.estimate_mape = ape / t.count;
    out[type] = t;
  }
  return out;
}

std::string HistoryStats::Format() const {
  std::string out = fmt::format("{:<16} {:>7} {:>12} {:>12} {:>12} {:>8}\n", "sign_type", "count",
                                "mean_actual", "median_act", "mean_est", "est_MAPE");
  for (const auto& [type, t] : ByType()) {
    out += fmt::format("{:<16} {:>7} {:>12.0f} {:>12.0f} {:>12.0f} {:>7.1f}%\n", type, t.count,
                       t.mean_usd, t.median_usd, t.mean_estimate_usd, 100.0 * t.estimate_mape);
  }
  out += fmt::format("{:<16} {:>7} shop-estimate MAPE vs actual: {:.1f}%\n", "all", count_,
                     100.0 * EstimateMape());
  return out;
}

}  // namespace signx::estimating
