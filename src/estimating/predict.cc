#include "estimating/predict.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "base/sha256.h"
#include "ml/metrics.h"
#include "ml/tree_shap.h"

namespace signx::estimating {
namespace json = boost::json;

namespace {

double Round(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

int64_t Cents(double usd) { return static_cast<int64_t>(std::llround(usd * 100.0)); }

std::string DriverValue(const std::string& driver, const sign::SignSpec& s,
                        const std::optional<double>& region) {
  auto num = [](double v) { return fmt::format("{}", ml::RoundSignificant(v, 6)); };
  auto opt = [](const auto& v) -> std::string {
    if (!v) return "missing";
    return std::string(Name(*v));
  };
  if (driver == "width_in") return num(s.width_in);
  if (driver == "height_in") return num(s.height_in);
  if (driver == "sign_area_sqft" || driver == "log_area") return num(s.area_sqft);
  if (driver == "sign_height_ft") return s.sign_height_ft ? num(*s.sign_height_ft) : "missing";
  if (driver == "area_x_height") {
    return s.sign_height_ft ? num(s.area_sqft * *s.sign_height_ft) : "missing";
  }
  if (driver == "wind_speed_mph") return num(s.wind_speed_mph);
  if (driver == "wind_x_area") return num(s.wind_speed_mph * s.area_sqft);
  if (driver == "pressure_x_area")
    return num(s.wind_speed_mph * s.wind_speed_mph * s.area_sqft / 1e4);
  if (driver == "total_face_sqft") return num(s.area_sqft * s.faces);
  if (driver == "faces") return std::to_string(s.faces);
  if (driver == "quantity") return std::to_string(s.quantity);
  if (driver == "letter_count") return s.letter_count ? std::to_string(*s.letter_count) : "missing";
  if (driver == "soil_class") return s.soil_class ? std::to_string(*s.soil_class) : "missing";
  if (driver == "travel_miles") return s.travel_miles ? num(*s.travel_miles) : "missing";
  if (driver == "permit_required") return s.permit_required ? "true" : "false";
  if (driver == "custom_engineering") return s.custom_engineering ? "true" : "false";
  if (driver == "region_index") return region ? num(*region) : "missing";
  if (driver == "sign_type") return opt(s.sign_type);
  if (driver == "mounting_type") return opt(s.mounting_type);
  if (driver == "foundation_type") return opt(s.foundation_type);
  if (driver == "illumination") return std::string(Name(s.illumination));
  if (driver == "material") return std::string(Name(s.material));
  if (driver == "base_material") return opt(s.base_material);
  if (driver == "exposure_category") return std::string(Name(s.exposure_category));
  if (driver == "finish") return s.finish.value_or("missing");
  if (driver == "install_method") return opt(s.install_method);
  if (driver == "install_complexity") return opt(s.install_complexity);
  if (driver == "site_conditions") return s.site_conditions.value_or("missing");
  return "";
}

bool ValidDate(std::string_view d) {
  const auto y = YearOf(d);
  return y && *y >= 1990 && *y <= 2100;
}

}  // namespace

Result<CostRequest> ParseCostRequest(const json::object& body) {
  std::vector<FieldError> errors;
  json::object spec_json = body;
  CostRequest req;
  if (const auto* r = body.if_contains("region_index")) {
    if (!r->is_number()) {
      errors.push_back({"region_index", "must be a number"});
    } else {
      const double v = r->to_number<double>();
      if (!(v >= kMinRegionIndex && v <= kMaxRegionIndex)) {
        errors.push_back({"region_index", fmt::format("must be between {} and {} (got {})",
                                                      kMinRegionIndex, kMaxRegionIndex, v)});
      } else {
        req.context.region_index = v;
      }
    }
    spec_json.erase("region_index");
  }
  if (const auto* d = body.if_contains("project_date")) {
    if (!d->is_string() || !ValidDate(d->get_string())) {
      errors.push_back({"project_date", "must be a date YYYY-MM-DD between 1990 and 2100"});
    } else {
      req.context.project_date = std::string(d->get_string());
    }
    spec_json.erase("project_date");
  }
  if (const auto* e = body.if_contains("shop_estimate_cents")) {
    if (!e->is_int64() && !e->is_uint64()) {
      errors.push_back({"shop_estimate_cents", "must be a positive integer (cents)"});
    } else if (e->is_uint64() ? e->get_uint64() == 0 ||
                                    e->get_uint64() > static_cast<uint64_t>(kMaxShopEstimateCents)
                              : e->get_int64() <= 0 || e->get_int64() > kMaxShopEstimateCents) {
      errors.push_back(
          {"shop_estimate_cents",
           fmt::format("must be a positive integer (cents) at most {}", kMaxShopEstimateCents)});
    } else {
      req.context.shop_estimate_cents = e->to_number<int64_t>();
    }
    spec_json.erase("shop_estimate_cents");
  }
  if (const auto* e = body.if_contains("estimator_id")) {
    if (!e->is_string() || e->get_string().empty() || e->get_string().size() > 64) {
      errors.push_back({"estimator_id", "must be a string of 1 to 64 characters"});
    } else {
      req.context.estimator_id = std::string(e->get_string());
    }
    spec_json.erase("estimator_id");
  }
  auto spec = sign::ParseSignSpec(spec_json);
  if (!spec.ok()) {
    if (spec.status().code() != ErrorCode::kValidationFailed) return spec.status();
    for (const auto& e : spec.status().details()) errors.push_back(e);
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid sign specification");
  req.spec = std::move(spec).value();
  return req;
}

std::string SpecHash(const CostRequest& r) {
  json::object o;
  o["spec"] = sign::ToDrivers(r.spec);
  o["region_index"] = r.context.region_index ? json::value(*r.context.region_index) : nullptr;
  o["project_date"] = r.context.project_date ? json::value(*r.context.project_date) : nullptr;
  // Only when given, so the hash (and cache key) of a request without it is unchanged.
  if (r.context.shop_estimate_cents) o["shop_estimate_cents"] = *r.context.shop_estimate_cents;
  if (r.context.estimator_id) o["estimator_id"] = *r.context.estimator_id;
  return Sha256Hex(json::serialize(o));
}

Result<std::shared_ptr<const CostPredictor>> CostPredictor::Create(CostBundle bundle) {
  SIGNX_ASSIGN_OR_RETURN(ml::Booster booster, ml::Booster::LoadRaw(bundle.booster));
  SIGNX_RETURN_IF_ERROR(booster.SetParam("nthread", "1"));
  SIGNX_ASSIGN_OR_RETURN(const std::size_t nf, booster.NumFeatures());
  if (nf != bundle.encoder.width()) {
    return InvalidArgument(fmt::format("cost model has {} features but its encoder makes {}", nf,
                                       bundle.encoder.width()));
  }
  const std::size_t dim = bundle.encoder.knn_dim();
  SIGNX_ASSIGN_OR_RETURN(auto index, ml::VectorIndex::Build(bundle.reference.vectors, dim));
  // The rows of each sign type by (mounting, foundation): the similar jobs of a match level are
  // read from those groups when the index's candidates do not hold enough of them.
  std::map<std::string, TypeRows, std::less<>> by_type;
  const ReferenceJobs& ref = bundle.reference;
  const bool has_columns = !ref.mounting_types.empty() && !ref.foundation_types.empty();
  for (std::size_t r = 0; r < ref.size(); ++r) {
    if (ref.sign_types[r].empty()) continue;
    const std::string_view mounting =
        has_columns ? std::string_view(ref.mounting_types[r]) : std::string_view();
    const std::string_view foundation =
        has_columns ? std::string_view(ref.foundation_types[r]) : std::string_view();
    auto& groups = by_type[ref.sign_types[r]].groups;
    auto g = std::find_if(groups.begin(), groups.end(), [&](const TypeRows::Group& x) {
      return x.mounting == mounting && x.foundation == foundation;
    });
    if (g == groups.end()) {
      if (groups.size() == kMaxGroups) {
        return InvalidArgument(fmt::format(
            "cost model reference: sign type {} has more than {} mounting/foundation pairs",
            ref.sign_types[r], kMaxGroups));
      }
      groups.push_back({std::string(mounting), std::string(foundation), {}});
      g = std::prev(groups.end());
    }
    g->rows.push_back(r);
  }
  // The compact trees for exact TreeSHAP (ml/tree_shap.h), checked against the booster.
  SIGNX_ASSIGN_OR_RETURN(ml::TreeEnsemble trees, ml::TreeEnsemble::FromBooster(booster));
  std::optional<ml::TreeEnsemble> correction_trees;
  if (bundle.correction) {
    SIGNX_ASSIGN_OR_RETURN(ml::Booster cb, ml::Booster::LoadRaw(bundle.correction->booster));
    SIGNX_RETURN_IF_ERROR(cb.SetParam("nthread", "1"));
    SIGNX_ASSIGN_OR_RETURN(const std::size_t cnf, cb.NumFeatures());
    if (cnf != bundle.encoder.width() + 2) {
      return InvalidArgument(fmt::format(
          "estimate-corrected model has {} features but needs {} (encoder + log estimate + "
          "estimator bias)",
          cnf, bundle.encoder.width() + 2));
    }
    SIGNX_ASSIGN_OR_RETURN(correction_trees, ml::TreeEnsemble::FromBooster(cb));
  }
  return std::shared_ptr<const CostPredictor>(
      new CostPredictor(std::move(bundle), std::move(booster), std::move(trees),
                        std::move(correction_trees), std::move(index), std::move(by_type)));
}

void CostPredictor::IndexRows() {
  const ReferenceJobs& ref = bundle_.reference;
  row_type_.assign(ref.size(), nullptr);
  row_group_.assign(ref.size(), 0);
  for (const auto& [name, type] : by_type_) {
    for (std::size_t g = 0; g < type.groups.size(); ++g) {
      for (std::size_t r : type.groups[g].rows) {
        row_type_[r] = &type;
        row_group_[r] = static_cast<uint16_t>(g);
      }
    }
  }
  const FeatureEncoder& enc = bundle_.encoder;
  for (std::size_t c = 0; c < enc.width(); ++c) drivers_.push_back(enc.ColumnDriver(c));
  std::sort(drivers_.begin(), drivers_.end());
  drivers_.erase(std::unique(drivers_.begin(), drivers_.end()), drivers_.end());
  column_driver_.resize(enc.width());
  for (std::size_t c = 0; c < enc.width(); ++c) {
    column_driver_[c] = static_cast<std::size_t>(
        std::lower_bound(drivers_.begin(), drivers_.end(), enc.ColumnDriver(c)) - drivers_.begin());
  }
}

std::vector<SimilarJob> CostPredictor::SimilarJobs(const sign::SignSpec& spec,
                                                   std::span<const float> query,
                                                   const std::vector<ml::Neighbour>& candidates,
                                                   std::size_t nearest) const {
  const ReferenceJobs& ref = bundle_.reference;
  const std::size_t want = static_cast<std::size_t>(kSimilarProjects);
  const std::size_t dim = bundle_.encoder.knn_dim();
  std::vector<SimilarJob> out;
  out.reserve(want);
  auto add = [&](std::size_t r, double distance) {
    out.push_back({ref.ids[r], ref.dates[r], ref.sign_types[r], ref.width_in[r], ref.height_in[r],
                   ref.total_cents[r], distance});
  };
  const auto part = spec.sign_type ? by_type_.find(Name(*spec.sign_type)) : by_type_.end();
  if (part != by_type_.end()) {
    // Every job of the type, ranked by how many of mounting and foundation type it shares with
    // the spec (more first), then by distance, then by row. Per match level: the level's nearest
    // jobs among the candidates (the index's nearest of all types, in that order) when they are
    // enough, else an exact scan of the level's groups.
    const std::string_view mounting = spec.mounting_type ? Name(*spec.mounting_type) : "";
    const std::string_view foundation = spec.foundation_type ? Name(*spec.foundation_type) : "";
    const TypeRows& type = part->second;
    std::array<int8_t, kMaxGroups> level_of{};  // by group of the type
    std::array<std::size_t, 3> level_rows{};    // jobs of the type per match level
    for (std::size_t g = 0; g < type.groups.size(); ++g) {
      level_of[g] = static_cast<int8_t>(
          (!mounting.empty() && type.groups[g].mounting == mounting ? 1 : 0) +
          (!foundation.empty() && type.groups[g].foundation == foundation ? 1 : 0));
      level_rows[static_cast<std::size_t>(level_of[g])] += type.groups[g].rows.size();
    }
    const auto nearer = [](const ml::Neighbour& a, const ml::Neighbour& b) {
      return a.distance != b.distance ? a.distance < b.distance : a.index < b.index;
    };
    // The graph search keeps ef candidates; its nearest half is exact in practice (recall@10 at
    // ef 64 is 1.0000), its far end less so (an unusual spec's far neighbours).
    const std::size_t trusted = ml::VectorIndex::kDefaultEfSearch / 2;
    std::vector<ml::Neighbour> best;
    for (int level = 2; level >= 0 && out.size() < want; --level) {
      const std::size_t need = std::min(want - out.size(), level_rows[level]);
      if (need == 0) continue;
      best.clear();
      for (std::size_t i = 0; i < std::min(trusted, candidates.size()); ++i) {
        const auto& nb = candidates[i];
        if (row_type_[nb.index] != &type || level_of[row_group_[nb.index]] != level) continue;
        best.push_back(nb);
        if (best.size() == need) break;
      }
      if (best.size() < need) {  // not enough among the candidates: scan the level's groups
        best.clear();
        for (std::size_t g = 0; g < type.groups.size(); ++g) {
          if (level_of[g] != level) continue;
          for (std::size_t r : type.groups[g].rows) {
            const ml::Neighbour nb{r, index_->Distance(query, {ref.vectors.data() + r * dim, dim})};
            if (best.size() == need && !nearer(nb, best.back())) continue;
            if (best.size() == need) best.pop_back();
            best.insert(std::upper_bound(best.begin(), best.end(), nb, nearer), nb);
          }
        }
      }
      for (const auto& nb : best) add(nb.index, nb.distance);
    }
  }
  // Fewer than `want` of the type (or no type): the nearest of the others.
  for (std::size_t i = 0; i < std::min(nearest, candidates.size()) && out.size() < want; ++i) {
    const auto& nb = candidates[i];
    if (part != by_type_.end() && ref.sign_types[nb.index] == part->first) continue;
    add(nb.index, nb.distance);
  }
  return out;
}

Result<CostPrediction> CostPredictor::Predict(const CostRequest& req) const {
  return Predict(req, SpecHash(req));
}

Result<CostPrediction> CostPredictor::Predict(const CostRequest& req, std::string spec_hash) const {
  const CostBundle& b = bundle_;
  const FeatureEncoder& enc = b.encoder;
  const sign::SignSpec& spec = req.spec;
  CostPrediction p;
  p.model_version = b.model_version;
  p.spec_hash = std::move(spec_hash);
  p.requires_engineering_review = spec.requires_engineering_review;
  p.engineering_review_reason = spec.engineering_review_reason;

  // Price level.
  p.project_date = req.context.project_date.value_or(b.price_index.as_of_date);
  p.price_year = *YearOf(p.project_date);
  p.log_price_index = b.price_index.LogIndexAt(p.price_year);

  // Model and SHAP.
  std::vector<std::string> notes;
  std::vector<float> x(enc.width());
  enc.Encode(spec, req.context.region_index, x, &notes);
  const ml::TreeEnsemble* trees = &trees_;
  // Exact TreeSHAP (same values as XGBoost's pred_contribs to float precision).
  std::vector<double> contribs(enc.width() + 1);
  trees->Contributions(x, contribs);
  p.booster_margin = trees->predict_matches_booster()
                         ? static_cast<double>(trees->MarginAsXGBoost(x))
                         : trees->PredictMargin(x);
  double sum = 0;
  for (double c : contribs) sum += c;
  p.shap_sum = sum;
  const double bias = contribs.back();
  p.log_prediction = p.booster_margin + p.log_price_index;
  p.base_log = bias + p.log_price_index;
  const double pred_usd = std::exp(p.log_prediction);
  p.cost_cents = Cents(pred_usd);
  p.p10_cents = Cents(std::exp(p.log_prediction + b.conformal_q_lo));
  p.p90_cents = Cents(std::exp(p.log_prediction + b.conformal_q_hi));

  // Drivers: SHAP summed per driver, converted with the logarithmic mean.
  const double base_usd = std::exp(p.base_log);
  const double dlog = p.log_prediction - p.base_log;
  const double lmean = std::abs(dlog) > 1e-12 ? (pred_usd - base_usd) / dlog : pred_usd;
  // SHAP summed per driver (in column order, per driver), the top kTopDrivers by |φ| (ties by
  // name); only those get their value text.
  std::vector<double> by_driver(drivers_.size());
  for (std::size_t c = 0; c < enc.width(); ++c) by_driver[column_driver_[c]] += contribs[c];
  std::vector<std::size_t> order;
  order.reserve(drivers_.size());
  for (std::size_t d = 0; d < drivers_.size(); ++d) {
    if (by_driver[d] != 0) order.push_back(d);
  }
  const std::size_t top = std::min<std::size_t>(order.size(), kTopDrivers);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](std::size_t a, std::size_t c) {
                      const double x1 = std::abs(by_driver[a]), x2 = std::abs(by_driver[c]);
                      return x1 != x2 ? x1 > x2 : a < c;  // drivers_ is sorted by name
                    });
  p.drivers.reserve(top);
  for (std::size_t i = 0; i < top; ++i) {
    const std::string& name = drivers_[order[i]];
    const double phi = by_driver[order[i]];
    p.drivers.push_back(
        {name, DriverValue(name, spec, req.context.region_index), Cents(phi * lmean), phi});
  }
  p.spec_only_cents = p.cost_cents;

  // With the shop's estimate and a correction model: estimate × exp(learned correction).
  const bool corrected = req.context.shop_estimate_cents && correction_trees_;
  if (corrected) {
    const double log_est = std::log(static_cast<double>(*req.context.shop_estimate_cents) / 100.0);
    std::vector<float> xc(x);
    xc.push_back(static_cast<float>(log_est));
    xc.push_back(static_cast<float>(b.correction->BiasOf(req.context.estimator_id)));
    const double margin = correction_trees_->predict_matches_booster()
                              ? static_cast<double>(correction_trees_->MarginAsXGBoost(xc))
                              : correction_trees_->PredictMargin(xc);
    p.method = std::string(kMethodEstimateCorrected);
    p.log_prediction = log_est + margin;
    p.cost_cents = Cents(std::exp(p.log_prediction));
    const auto [q_lo, q_hi] = b.correction->IntervalFor(spec.sign_type);
    p.p10_cents = Cents(std::exp(p.log_prediction + q_lo));
    p.p90_cents = Cents(std::exp(p.log_prediction + q_hi));
  }

  // Similar jobs, anomaly, breakdown.
  std::vector<float> q(enc.knn_dim());
  enc.EncodeKnn(spec, req.context.region_index, q);
  const std::size_t k = static_cast<std::size_t>(std::max(b.knn_k, kSimilarProjects));
  // One graph search: as many candidates as its breadth (the same search as for k alone, so the
  // k nearest are the same), for the similar jobs of the type as well.
  const auto nb = index_->Search(q, std::max(k, ml::VectorIndex::kDefaultEfSearch));
  const std::size_t kk = std::min<std::size_t>(nb.size(), static_cast<std::size_t>(b.knn_k));
  double dist = 0;
  std::array<double, 4> share{};
  const ReferenceJobs& ref = b.reference;
  for (std::size_t i = 0; i < kk; ++i) {
    dist += nb[i].distance;
    const std::size_t r = nb[i].index;
    const double t = static_cast<double>(ref.total_cents[r]);
    share[0] += static_cast<double>(ref.labor_cents[r]) / t;
    share[1] += static_cast<double>(ref.material_cents[r]) / t;
    share[2] += static_cast<double>(ref.equipment_cents[r]) / t;
    share[3] += static_cast<double>(ref.overhead_cents[r]) / t;
  }
  if (kk > 0) {
    dist /= static_cast<double>(kk);
    for (double& s : share) s /= static_cast<double>(kk);
  }
  p.knn_mean_distance = dist;
  p.anomaly_score = dist / b.knn_typical_distance;
  p.anomalous = p.anomaly_score > b.anomaly_threshold;
  p.confidence = b.interval_coverage *
                 (p.anomalous ? std::min(1.0, b.anomaly_threshold / p.anomaly_score) : 1.0);
  PredictedBreakdown& bd = p.breakdown;
  const double cost = static_cast<double>(p.cost_cents);
  bd.labor_cents = std::llround(cost * share[0]);
  bd.material_cents = std::llround(cost * share[1]);
  bd.equipment_cents = std::llround(cost * share[2]);
  bd.overhead_cents = std::llround(cost * share[3]);
  bd.other_cents =
      p.cost_cents - bd.labor_cents - bd.material_cents - bd.equipment_cents - bd.overhead_cents;
  if (bd.other_cents < 0) {  // rounding only: take the cents back from material
    bd.material_cents += bd.other_cents;
    bd.other_cents = 0;
  }
  p.similar = SimilarJobs(spec, q, nb, k);

  // Assumptions.
  if (corrected) {
    p.assumptions.push_back(fmt::format(
        "shop estimate given ({:.2f} USD): estimate-corrected model (the estimate times the "
        "correction learned from past jobs' actual / estimate); the spec-only model says {:.2f} "
        "USD and the drivers explain that spec-only price",
        static_cast<double>(*req.context.shop_estimate_cents) / 100.0,
        static_cast<double>(p.spec_only_cents) / 100.0));
    const auto& eb = b.correction->estimator_bias;
    if (!req.context.estimator_id) {
      p.assumptions.push_back(
          "estimator_id not given: the correction assumes the average bias of the history's "
          "estimators");
    } else if (eb.find(*req.context.estimator_id) == eb.end()) {
      p.assumptions.push_back(fmt::format(
          "estimator_id {} has too few past estimates in the history: the correction assumes the "
          "average bias of the history's estimators",
          *req.context.estimator_id));
    }
  } else if (req.context.shop_estimate_cents) {
    p.assumptions.push_back(
        "shop estimate given but this model has no estimate-corrected part (trained before it "
        "existed or on too few estimates): spec-only model");
  } else {
    p.assumptions.push_back("no shop estimate given: spec-only model");
  }
  const int last_year =
      b.price_index.first_year + static_cast<int>(b.price_index.log_index.size()) - 1;
  std::string price = fmt::format(
      "priced at the {} cost level ({} {}) with the price index learned from the history",
      p.price_year, req.context.project_date ? "project_date" : "model as-of date", p.project_date);
  if (p.price_year > last_year) {
    price +=
        fmt::format("; {} is after the last year with data ({}), extrapolated at {:.1f}%/yr",
                    p.price_year, last_year, 100 * (std::exp(b.price_index.slope_per_year) - 1));
  }
  p.assumptions.push_back(std::move(price));
  if (!req.context.region_index) {
    p.assumptions.push_back(fmt::format("region_index not given: assumed the training median {}",
                                        ml::RoundSignificant(enc.region_median(), 6)));
  }
  for (auto& n : notes) {
    if (n.rfind("region_index", 0) == 0) continue;
    p.assumptions.push_back(std::move(n));
  }
  p.assumptions.push_back(fmt::format(
      "interval: split-conformal {:.0f}% interval from validation residuals; it holds on average "
      "over jobs like the history, not for every job",
      100 * b.interval_coverage));
  p.assumptions.push_back(fmt::format(
      "breakdown: mean cost shares of the {} most similar past jobs; other = tax + shipping", kk));
  if (p.anomalous) {
    p.assumptions.push_back(fmt::format(
        "unusual spec: anomaly score {:.2f} is above the training p99 ({:.2f}); the model has few "
        "comparable jobs, so confidence is reduced",
        p.anomaly_score, b.anomaly_threshold));
  }
  if (p.requires_engineering_review) {
    p.assumptions.push_back(p.engineering_review_reason);
  }
  return p;
}

json::object ToJson(const CostPrediction& p) {
  json::object result;
  result["cost_cents"] = p.cost_cents;
  result["method"] = p.method;
  if (p.method != kMethodSpecOnly) result["spec_only_cost_cents"] = p.spec_only_cents;
  result["interval"] = json::object{{"p10_cents", p.p10_cents},
                                    {"p90_cents", p.p90_cents},
                                    {"coverage", 0.8},
                                    {"method", "split_conformal"}};
  result["breakdown"] = json::object{{"labor_cents", p.breakdown.labor_cents},
                                     {"material_cents", p.breakdown.material_cents},
                                     {"equipment_cents", p.breakdown.equipment_cents},
                                     {"overhead_cents", p.breakdown.overhead_cents},
                                     {"other_cents", p.breakdown.other_cents}};
  json::array drivers;
  for (const auto& d : p.drivers) {
    drivers.push_back(json::object{{"driver", d.driver},
                                   {"value", d.value},
                                   {"contribution_cents", d.contribution_cents},
                                   {"log_contribution", Round(d.log_contribution, 6)}});
  }
  json::array similar;
  for (const auto& s : p.similar) {
    similar.push_back(json::object{{"id", s.id},
                                   {"project_date", s.project_date},
                                   {"sign_type", s.sign_type},
                                   {"width_in", s.width_in},
                                   {"height_in", s.height_in},
                                   {"actual_cost_cents", s.actual_cost_cents},
                                   {"distance", Round(s.distance, 4)}});
  }
  json::array assumptions;
  for (const auto& a : p.assumptions) assumptions.emplace_back(a);
  json::object o;
  o["result"] = std::move(result);
  o["drivers"] = std::move(drivers);
  o["confidence"] = Round(p.confidence, 3);
  o["anomaly_score"] = Round(p.anomaly_score, 3);
  o["similar_projects"] = std::move(similar);
  o["assumptions"] = std::move(assumptions);
  o["requires_engineering_review"] = p.requires_engineering_review;
  if (p.requires_engineering_review) {
    o["engineering_review"] = json::object{{"reason", p.engineering_review_reason},
                                           {"route", sign::kEngineeringReviewRoute}};
  }
  o["model_version"] = p.model_version;
  o["trace"] = json::object{{"spec_hash", p.spec_hash},
                            {"project_date", p.project_date},
                            {"price_year", p.price_year},
                            {"log_price_index", Round(p.log_price_index, 6)},
                            {"log_prediction", Round(p.log_prediction, 6)},
                            {"base_value_cents", Cents(std::exp(p.base_log))},
                            {"anomalous", p.anomalous},
                            {"knn_mean_distance", Round(p.knn_mean_distance, 4)},
                            {"drivers_method", "exact TreeSHAP in log cost x logarithmic mean"},
                            {"anomaly_method", "mean 10-NN distance / training median"}};
  return o;
}

}  // namespace signx::estimating
