// FeatureEncoder: a sign spec (plus the site's region index) → the cost model's feature columns
// and its normalised kNN vector; fitted on the training jobs and stored in the bundle as JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "estimating/cost_model.h"
#include "estimating/internal/cost_json.h"
#include "ml/metrics.h"

namespace signx::estimating {
namespace json = boost::json;
using internal::GetArray;
using internal::GetDouble;
using internal::GetString;
using internal::GetStrings;
using internal::R12;
using internal::StringArray;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kNanMissingShare = 0.01;  // ≥ 1 % missing in training → XGBoost sees NaN

std::optional<double> Opt(const std::optional<double>& v) { return v; }
std::optional<double> OptI(const std::optional<int>& v) {
  return v ? std::optional<double>(*v) : std::nullopt;
}

// Numeric model features: name → value (nullopt = missing).
std::optional<double> NumericValue(std::string_view name, const sign::SignSpec& s,
                                   std::optional<double> region) {
  const double area = s.area_sqft;
  if (name == "width_in") return s.width_in;
  if (name == "height_in") return s.height_in;
  if (name == "sign_area_sqft") return area;
  if (name == "log_area") return std::log(std::max(area, 1e-3));
  if (name == "sign_height_ft") return Opt(s.sign_height_ft);
  if (name == "area_x_height") {
    return s.sign_height_ft ? std::optional<double>(area * *s.sign_height_ft) : std::nullopt;
  }
  if (name == "wind_speed_mph") return s.wind_speed_mph;
  if (name == "wind_x_area") return s.wind_speed_mph * area;
  if (name == "pressure_x_area") return s.wind_speed_mph * s.wind_speed_mph * area / 1e4;
  if (name == "total_face_sqft") return area * s.faces;
  if (name == "faces") return static_cast<double>(s.faces);
  if (name == "quantity") return static_cast<double>(s.quantity);
  if (name == "letter_count") return OptI(s.letter_count);
  if (name == "soil_class") return OptI(s.soil_class);
  if (name == "travel_miles") return Opt(s.travel_miles);
  if (name == "permit_required") return s.permit_required ? 1.0 : 0.0;
  if (name == "custom_engineering") return s.custom_engineering ? 1.0 : 0.0;
  if (name == "region_index") return region;
  return std::nullopt;
}

constexpr std::string_view kNumericNames[] = {
    "width_in",        "height_in",          "sign_area_sqft", "log_area",        "sign_height_ft",
    "area_x_height",   "wind_speed_mph",     "wind_x_area",    "pressure_x_area", "total_face_sqft",
    "faces",           "quantity",           "letter_count",   "soil_class",      "travel_miles",
    "permit_required", "custom_engineering", "region_index"};

std::optional<std::string> CategoryValue(std::string_view name, const sign::SignSpec& s) {
  auto opt = [](const auto& v) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    return std::string(Name(*v));
  };
  if (name == "sign_type") return opt(s.sign_type);
  if (name == "mounting_type") return opt(s.mounting_type);
  if (name == "foundation_type") return opt(s.foundation_type);
  if (name == "illumination") return std::string(Name(s.illumination));
  if (name == "material") return std::string(Name(s.material));
  if (name == "base_material") return opt(s.base_material);
  if (name == "exposure_category") return std::string(Name(s.exposure_category));
  if (name == "finish") return s.finish;
  if (name == "install_method") return opt(s.install_method);
  if (name == "install_complexity") return opt(s.install_complexity);
  if (name == "site_conditions") return s.site_conditions;
  return std::nullopt;
}

constexpr std::string_view kCategoricalNames[] = {
    "sign_type",      "mounting_type",      "foundation_type",   "illumination",
    "material",       "base_material",      "exposure_category", "finish",
    "install_method", "install_complexity", "site_conditions"};

// kNN space numerics (transformed) and categoricals.
std::optional<double> KnnValue(std::string_view name, const sign::SignSpec& s,
                               std::optional<double> region) {
  if (name == "log_area") return std::log(std::max(s.area_sqft, 1e-3));
  if (name == "log_sign_height_ft") {
    return s.sign_height_ft ? std::optional<double>(std::log(std::max(*s.sign_height_ft, 0.1)))
                            : std::nullopt;
  }
  if (name == "wind_speed_mph") return s.wind_speed_mph;
  if (name == "faces") return static_cast<double>(s.faces);
  if (name == "log_quantity") return std::log(static_cast<double>(std::max(s.quantity, 1)));
  if (name == "log_travel_miles") {
    return s.travel_miles ? std::optional<double>(std::log1p(*s.travel_miles)) : std::nullopt;
  }
  if (name == "soil_class") return OptI(s.soil_class);
  if (name == "region_index") return region;
  if (name == "letter_count") return s.letter_count ? double(*s.letter_count) : 0.0;
  return std::nullopt;
}

constexpr std::string_view kKnnNumericNames[] = {
    "log_area",         "log_sign_height_ft", "wind_speed_mph", "faces",       "log_quantity",
    "log_travel_miles", "soil_class",         "region_index",   "letter_count"};
constexpr std::string_view kKnnCategoricalNames[] = {
    "sign_type",     "illumination",       "material",         "foundation_type",
    "mounting_type", "install_complexity", "exposure_category"};
const double kKnnCategoryWeight = 1.0 / std::sqrt(2.0);

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2.0;
}

}  // namespace

FeatureEncoder FeatureEncoder::Fit(std::span<const HistoryJob> train, int min_category_count) {
  FeatureEncoder e;
  const double n = static_cast<double>(train.size());
  for (std::string_view name : kNumericNames) {
    std::vector<double> present;
    for (const auto& j : train) {
      if (auto v = NumericValue(name, j.spec, j.region_index)) present.push_back(*v);
    }
    Numeric f;
    f.name = std::string(name);
    f.median = R12(Median(present));
    f.nan_when_missing = n > 0 && (n - static_cast<double>(present.size())) / n >= kNanMissingShare;
    e.numeric_.push_back(std::move(f));
  }
  auto fit_cat = [&](std::string_view name, int min_count) {
    std::map<std::string, int> counts;
    for (const auto& j : train) {
      if (auto v = CategoryValue(name, j.spec)) ++counts[*v];
    }
    Categorical c;
    c.name = std::string(name);
    for (const auto& [value, count] : counts) {
      if (count >= min_count) c.values.push_back(value);
    }
    return c;
  };
  for (std::string_view name : kCategoricalNames) {
    e.categorical_.push_back(fit_cat(name, min_category_count));
  }
  for (std::string_view name : kKnnNumericNames) {
    std::vector<double> present;
    for (const auto& j : train) {
      if (auto v = KnnValue(name, j.spec, j.region_index)) present.push_back(*v);
    }
    KnnNumeric k;
    k.name = std::string(name);
    k.median = R12(Median(present));
    double sum = 0, sq = 0;
    for (const auto& j : train) {
      const double v = KnnValue(name, j.spec, j.region_index).value_or(k.median);
      sum += v;
      sq += v * v;
    }
    k.mean = n > 0 ? R12(sum / n) : 0.0;
    const double var = n > 1 ? (sq - n * k.mean * k.mean) / (n - 1) : 0.0;
    k.sd = var > 1e-12 ? R12(std::sqrt(var)) : 1.0;
    e.knn_numeric_.push_back(std::move(k));
  }
  for (std::string_view name : kKnnCategoricalNames) {
    e.knn_categorical_.push_back(fit_cat(name, min_category_count));
  }
  e.Finish();
  return e;
}

void FeatureEncoder::Finish() {
  column_names_.clear();
  column_driver_.clear();
  for (const auto& f : numeric_) {
    column_names_.push_back(f.name);
    column_driver_.push_back(f.name);
  }
  for (const auto& c : categorical_) {
    for (const auto& v : c.values) {
      column_names_.push_back(c.name + "=" + v);
      column_driver_.push_back(c.name);
    }
  }
  width_ = column_names_.size();
  knn_dim_ = knn_numeric_.size();
  for (const auto& c : knn_categorical_) knn_dim_ += c.values.size();
}

double FeatureEncoder::region_median() const {
  for (const auto& f : numeric_) {
    if (f.name == "region_index") return f.median;
  }
  return 1.0;
}

void FeatureEncoder::Encode(const sign::SignSpec& spec, std::optional<double> region,
                            std::span<float> out, std::vector<std::string>* notes) const {
  std::size_t col = 0;
  for (const auto& f : numeric_) {
    auto v = NumericValue(f.name, spec, region);
    if (!v) {
      if (f.nan_when_missing) {
        out[col++] = static_cast<float>(kNan);
        continue;
      }
      if (notes && f.name != "area_x_height") {
        notes->push_back(fmt::format("{} not given: assumed the training median {}", f.name,
                                     ml::RoundSignificant(f.median, 6)));
      }
      v = f.name == "area_x_height" ? f.median : f.median;
    }
    out[col++] = static_cast<float>(*v);
  }
  for (const auto& c : categorical_) {
    const auto v = CategoryValue(c.name, spec);
    bool matched = false;
    for (const auto& value : c.values) {
      const bool hit = v && *v == value;
      matched |= hit;
      out[col++] = hit ? 1.0f : 0.0f;
    }
    if (v && !matched && notes) {
      notes->push_back(
          fmt::format("{} = {} never seen in training (treated as unknown)", c.name, *v));
    }
  }
}

void FeatureEncoder::EncodeKnn(const sign::SignSpec& spec, std::optional<double> region,
                               std::span<float> out) const {
  std::size_t col = 0;
  for (const auto& k : knn_numeric_) {
    const double v = KnnValue(k.name, spec, region).value_or(k.median);
    out[col++] = static_cast<float>((v - k.mean) / k.sd);
  }
  for (const auto& c : knn_categorical_) {
    const auto v = CategoryValue(c.name, spec);
    for (const auto& value : c.values) {
      out[col++] = v && *v == value ? static_cast<float>(kKnnCategoryWeight) : 0.0f;
    }
  }
}

json::object FeatureEncoder::ToJson() const {
  json::object o;
  json::array num;
  for (const auto& f : numeric_) {
    num.push_back(json::object{
        {"name", f.name}, {"median", f.median}, {"nan_when_missing", f.nan_when_missing}});
  }
  o["numeric"] = std::move(num);
  auto cats = [](const std::vector<Categorical>& cs) {
    json::array a;
    for (const auto& c : cs) {
      a.push_back(json::object{{"name", c.name}, {"values", StringArray(c.values)}});
    }
    return a;
  };
  o["categorical"] = cats(categorical_);
  json::array kn;
  for (const auto& k : knn_numeric_) {
    kn.push_back(
        json::object{{"name", k.name}, {"median", k.median}, {"mean", k.mean}, {"sd", k.sd}});
  }
  o["knn_numeric"] = std::move(kn);
  o["knn_categorical"] = cats(knn_categorical_);
  o["knn_category_weight"] = "1/sqrt(2)";
  return o;
}

Result<FeatureEncoder> FeatureEncoder::FromJson(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return InvalidArgument("encoder must be an object");
  FeatureEncoder e;
  SIGNX_ASSIGN_OR_RETURN(const json::array* num, GetArray(*o, "numeric"));
  for (const auto& x : *num) {
    if (!x.is_object()) return InvalidArgument("encoder.numeric entries must be objects");
    Numeric f;
    SIGNX_ASSIGN_OR_RETURN(f.name, GetString(x.get_object(), "name"));
    SIGNX_ASSIGN_OR_RETURN(f.median, GetDouble(x.get_object(), "median"));
    const auto* nm = x.get_object().if_contains("nan_when_missing");
    f.nan_when_missing = nm && nm->is_bool() && nm->get_bool();
    e.numeric_.push_back(std::move(f));
  }
  auto cats = [](const json::object& o, std::string_view key,
                 std::vector<Categorical>* out) -> Status {
    SIGNX_ASSIGN_OR_RETURN(const json::array* a, GetArray(o, key));
    for (const auto& x : *a) {
      if (!x.is_object()) return InvalidArgument("encoder categorical entries must be objects");
      Categorical c;
      SIGNX_ASSIGN_OR_RETURN(c.name, GetString(x.get_object(), "name"));
      SIGNX_ASSIGN_OR_RETURN(c.values, GetStrings(x.get_object(), "values"));
      out->push_back(std::move(c));
    }
    return Status::Ok();
  };
  SIGNX_RETURN_IF_ERROR(cats(*o, "categorical", &e.categorical_));
  SIGNX_ASSIGN_OR_RETURN(const json::array* kn, GetArray(*o, "knn_numeric"));
  for (const auto& x : *kn) {
    if (!x.is_object()) return InvalidArgument("encoder.knn_numeric entries must be objects");
    KnnNumeric k;
    SIGNX_ASSIGN_OR_RETURN(k.name, GetString(x.get_object(), "name"));
    SIGNX_ASSIGN_OR_RETURN(k.median, GetDouble(x.get_object(), "median"));
    SIGNX_ASSIGN_OR_RETURN(k.mean, GetDouble(x.get_object(), "mean"));
    SIGNX_ASSIGN_OR_RETURN(k.sd, GetDouble(x.get_object(), "sd"));
    if (!(k.sd > 0)) return InvalidArgument("encoder.knn_numeric sd must be positive");
    e.knn_numeric_.push_back(std::move(k));
  }
  SIGNX_RETURN_IF_ERROR(cats(*o, "knn_categorical", &e.knn_categorical_));
  e.Finish();
  return e;
}

}  // namespace signx::estimating
