// CostPredictor: one sign spec → predicted cost with its 80 % conformal interval, a labor /
// material / equipment / overhead / other breakdown, the drivers that moved the price (exact
// TreeSHAP in log space, converted to cents), an anomaly score, the 5 most similar past jobs with
// their actual cost, the assumptions made and a trace (see cost_model.h for the methods).
//
// Drivers in dollars: SHAP values φ_j are additive in log cost (Σφ_j = log(pred) − log(base)).
// They are converted with the logarithmic mean L = (pred − base) / (log pred − log base)
// (L = pred when pred = base), φ_j × L dollars, so the driver amounts add up to pred − base exactly
// (before rounding each to cents) and keep their signs (the LMDI decomposition).
//
// Request body: the SignSpec fields (ParseSignSpec rules) plus two optional context fields that
// are not part of the sign: "region_index" (site cost level, 0.5..2.0; the training median when
// absent) and "project_date" (YYYY-MM-DD; the model's as-of date when absent, so the answer does
// not depend on the wall clock), and "shop_estimate_cents" (the shop's own estimate of the total,
// a positive integer): with it, and a bundle that has the estimate-corrected model, the answer is
// estimate × the learned correction with that model's interval ("method": "estimate_corrected");
// without it (or with an older bundle) the spec-only model answers ("method": "spec_only") and an
// assumption says so. All problems are reported at once (ValidationFailed).
//
// Deterministic: the same spec, context and model version give the same result bit for bit.
// Thread-safety: immutable after Create; Predict may run concurrently.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "estimating/cost_model.h"
#include "ml/tree_shap.h"
#include "ml/vector_index.h"
#include "ml/xgboost.h"
#include "sign/spec.h"

namespace signx::estimating {

inline constexpr int kSimilarProjects = 5;
inline constexpr int kTopDrivers = 5;
inline constexpr double kMinRegionIndex = 0.5, kMaxRegionIndex = 2.0;
inline constexpr int64_t kMaxShopEstimateCents = 100'000'000'000;  // 1 billion USD

struct DriverContribution {
  std::string driver;  // "sign_area_sqft", "sign_type", ...
  std::string value;   // the spec's value as text ("48", "pylon", "missing")
  int64_t contribution_cents = 0;
  double log_contribution = 0;  // SHAP value, log cost
};

struct SimilarJob {
  std::string id;
  std::string project_date;
  std::string sign_type;
  double width_in = 0, height_in = 0;
  int64_t actual_cost_cents = 0;
  double distance = 0;
};

struct PredictedBreakdown {
  int64_t labor_cents = 0, material_cents = 0, equipment_cents = 0, overhead_cents = 0,
          other_cents = 0;  // other = tax + shipping
};

inline constexpr std::string_view kMethodSpecOnly = "spec_only";
inline constexpr std::string_view kMethodEstimateCorrected = "estimate_corrected";

struct CostPrediction {
  int64_t cost_cents = 0;
  std::string method{kMethodSpecOnly};
  int64_t spec_only_cents = 0;  // the spec-only model's price (= cost_cents when spec_only)
  int64_t p10_cents = 0, p90_cents = 0;
  PredictedBreakdown breakdown;
  std::vector<DriverContribution> drivers;  // top kTopDrivers by |contribution|
  double confidence = 0;
  double anomaly_score = 0;
  bool anomalous = false;
  std::vector<SimilarJob> similar;
  std::vector<std::string> assumptions;
  bool requires_engineering_review = false;
  std::string engineering_review_reason;
  std::string model_version;
  // Trace.
  std::string spec_hash;
  std::string project_date;
  int price_year = 0;
  double log_price_index = 0;
  double log_prediction = 0;
  double base_log = 0;        // SHAP bias + price index
  double shap_sum = 0;        // Σ SHAP incl. bias = booster margin
  double booster_margin = 0;  // booster prediction, for the SHAP check
  double knn_mean_distance = 0;
};

struct CostRequest {
  sign::SignSpec spec;
  CostContext context;
};

// Validates a request body (spec + context); ValidationFailed names every bad field.
Result<CostRequest> ParseCostRequest(const boost::json::object& body);

// SHA-256 of the canonical request (ToDrivers(spec) + context): the cache key and trace id.
std::string SpecHash(const CostRequest& request);

class CostPredictor {
 public:
  static Result<std::shared_ptr<const CostPredictor>> Create(CostBundle bundle);

  Result<CostPrediction> Predict(const CostRequest& request) const;
  // The same, for a caller that already has SpecHash(request) (the answer cache's key).
  Result<CostPrediction> Predict(const CostRequest& request, std::string spec_hash) const;

  const CostBundle& bundle() const { return bundle_; }
  const ml::VectorIndex& index() const { return *index_; }

 private:
  // The reference jobs of one sign type, grouped by their (mounting, foundation) type names: the
  // similar jobs are found by an exact scan of the groups that match the spec best (cost_model.h).
  static constexpr std::size_t kMaxGroups = 256;  // mounting/foundation pairs per sign type
  struct TypeRows {
    struct Group {
      std::string mounting, foundation;  // "" unknown (or a bundle without those columns)
      std::vector<std::size_t> rows;     // rows of bundle.reference, ascending
    };
    std::vector<Group> groups;
  };

  CostPredictor(CostBundle bundle, ml::Booster booster, ml::TreeEnsemble trees,
                std::optional<ml::TreeEnsemble> correction_trees,
                std::unique_ptr<ml::VectorIndex> index,
                std::map<std::string, TypeRows, std::less<>> by_type)
      : bundle_(std::move(bundle)),
        booster_(std::move(booster)),
        trees_(std::move(trees)),
        correction_trees_(std::move(correction_trees)),
        index_(std::move(index)),
        by_type_(std::move(by_type)) {
    IndexRows();
  }
  // Fills row_type_, row_group_, drivers_ and column_driver_.
  void IndexRows();
  // The kSimilarProjects past jobs an estimator would compare `spec` with (cost_model.h), from
  // `candidates` (the index's nearest rows of all types, nearest first) and, when those hold too
  // few of a match level, an exact scan of the level; jobs of other types come from the first
  // `nearest` candidates.
  std::vector<SimilarJob> SimilarJobs(const sign::SignSpec& spec, std::span<const float> query,
                                      const std::vector<ml::Neighbour>& candidates,
                                      std::size_t nearest) const;

  CostBundle bundle_;
  ml::Booster booster_;
  ml::TreeEnsemble trees_;  // the booster's trees, for exact TreeSHAP and single-row prediction
  std::optional<ml::TreeEnsemble> correction_trees_;  // the estimate-corrected model, if any
  std::unique_ptr<ml::VectorIndex> index_;
  std::map<std::string, TypeRows, std::less<>> by_type_;  // by sign type name
  std::vector<const TypeRows*> row_type_;   // reference row -> its type in by_type_ (null: none)
  std::vector<uint16_t> row_group_;         // reference row -> its group in that type
  std::vector<std::string> drivers_;        // the encoder's driver names, sorted
  std::vector<std::size_t> column_driver_;  // model column -> index in drivers_
};

// The API answer: {result: {cost_cents, interval, breakdown}, drivers, confidence, anomaly_score,
// similar_projects, assumptions, requires_engineering_review, model_version, trace}.
boost::json::object ToJson(const CostPrediction& prediction);

}  // namespace signx::estimating
