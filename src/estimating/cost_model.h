// The cost model of seed 000: training data, feature engineering, the model bundle and training.
//
// Data: past jobs with their drivers (a SignSpec plus the site's region_index), the date and the
// actual cost by bucket (the NDJSON written by `signx demo generate`, or CostRecords directly).
//
// Features (FeatureEncoder, fitted on the training rows and saved in the bundle):
//   numeric  width_in, height_in, sign_area_sqft, log_area, sign_height_ft, area_x_height,
//            wind_speed_mph, wind_x_area, pressure_x_area (V² × area / 10⁴), total_face_sqft,
//            faces, quantity, letter_count, soil_class, travel_miles, permit_required,
//            custom_engineering, region_index
//   one-hot  sign_type, mounting_type, foundation_type, illumination, material, base_material,
//            exposure_category, finish, install_method, install_complexity, site_conditions
//            (vocabulary = training values seen ≥ min_category_count times; unknown → all zero)
//   missing  a numeric feature missing in ≥ 1 % of training rows is passed to XGBoost as NaN
//            (it learned a default direction for it); one that was (almost) always present is
//            imputed with its training median, and the prediction says so in its assumptions.
// Target: log(actual total dollars) minus a learned yearly price index (below).
//
// Time: rows are ordered by project date (then id) and split by time — the oldest
// train_fraction for training, the next valid_fraction for validation (early stopping, conformal
// calibration), the newest rest for the test metrics of the model card. Costs move with
// inflation, which trees cannot extrapolate, so the model learns a yearly log price index by
// backfitting: a first booster on raw log cost, the mean residual per calendar year of the
// training and validation rows as the index, then the final booster on log cost minus the index
// and a last correction of the index from its residuals. Years after the last one with data are
// extrapolated with the long-run slope (weighted least squares over the yearly indexes).
//
// Interval: split-conformal on the validation residuals of log cost: the p10/p90 are the
// prediction times exp(q_lo) / exp(q_hi), q at the finite-sample-corrected 10 % / 90 % ranks.
//
// Anomaly: the spec is placed in a normalised space (z-scored log area, log height, wind, faces,
// log quantity, log travel, soil class, region index, letter count; one-hot type, illumination,
// material, foundation, mounting, complexity and exposure scaled by 1/√2 so a changed category
// counts like one standard deviation). anomaly_score = mean distance to the k = 10 nearest
// training+validation jobs divided by the median of the same leave-one-out distance over up to
// 2,000 training jobs: ≈ 1 is typical; above the training p99 ratio (anomaly_threshold) the spec
// is unusual and the confidence is reduced.
//
// Similar jobs and breakdown: the same space, indexed with hnswlib (ml/vector_index.h). The
// labor/material/equipment/overhead/other split of the prediction is the mean cost share of the
// 10 nearest. The 5 similar past jobs (with their actual cost) are what an estimator would compare
// with: jobs of the same sign type first, among those the ones with the same mounting and
// foundation, then the nearest in size, wind and the rest; other types only when the history has
// fewer than 5 of the type. One graph search per answer: its 64 candidates (the search breadth;
// the 10 nearest are the same as a 10-NN search) give the similar jobs of each match level when
// the nearest 32 hold enough of them, else an exact scan of that level's jobs (grouped by type,
// mounting and foundation at load) does.
//
// Bundle file (UTF-8 JSON): {"format": "signx.cost.model", "format_version": 1,
//   "model_version": "cost-<12 hex>", "encoder", "price_index", "conformal", "anomaly",
//   "reference": {columns of the indexed past jobs, "vectors_base64" float32 LE}, "card",
//   "booster": {"format": "ubj", "sha256", "base64"},
//   optional "estimate_correction": {"q_lo", "q_hi", "q_by_sign_type", "default_bias",
//   "estimator_bias", "booster": {...}}}. model_version hashes everything but the card (the
// correction only when present, so older bundles keep their version); with record_timing off the
// whole file is byte-identical for the same data and seed.
//
// Thread-safety: value types and pure functions (apart from file I/O).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "estimating/generator.h"
#include "sign/spec.h"

namespace signx::estimating {

inline constexpr std::string_view kCostModelName = "cost";

// One past job with its actual cost.
struct HistoryJob {
  std::string id;
  std::string project_date;  // YYYY-MM-DD
  sign::SignSpec spec;
  std::optional<double> region_index;
  CostBreakdown actual;
  int64_t estimate_total_cents = 0;  // the shop's own estimate; 0 when unknown
  std::string estimator_id;          // who made the estimate ("" when unknown)
};

HistoryJob JobFromRecord(const CostRecord& record);
// Parses NDJSON cost records (the `signx demo generate` / import shape). Rows whose drivers fail
// ParseSignSpec or whose actual total is not positive are skipped and counted in *skipped.
Result<std::vector<HistoryJob>> ParseHistoryNdjson(std::string_view text, int64_t* skipped);

// Inputs of a prediction that are not part of the sign itself.
struct CostContext {
  std::optional<double> region_index;       // site cost level; training median when absent
  std::optional<std::string> project_date;  // YYYY-MM-DD; the model's as-of date when absent
  // The shop's own estimate of the job's total cost; selects the estimate-corrected model when
  // the bundle has one.
  std::optional<int64_t> shop_estimate_cents;
  // Who made that estimate (estimators differ in bias); used by the estimate-corrected model.
  std::optional<std::string> estimator_id;
};

// Year with fraction from "YYYY-MM-DD" (nullopt when malformed).
std::optional<int> YearOf(std::string_view date);

class FeatureEncoder {
 public:
  struct Numeric {
    std::string name;
    double median = 0;
    bool nan_when_missing = false;  // missing in ≥ 1 % of training rows
  };
  struct Categorical {
    std::string name;
    std::vector<std::string> values;  // one column each
  };
  struct KnnNumeric {
    std::string name;
    double median = 0, mean = 0, sd = 1;
  };

  static FeatureEncoder Fit(std::span<const HistoryJob> train, int min_category_count);

  std::size_t width() const { return width_; }
  std::size_t knn_dim() const { return knn_dim_; }
  const std::vector<std::string>& column_names() const { return column_names_; }
  // The driver (source field) a model column belongs to.
  const std::string& ColumnDriver(std::size_t col) const { return column_driver_[col]; }

  // Model features; `notes` (optional) receives one line per imputed value or unknown category.
  void Encode(const sign::SignSpec& spec, std::optional<double> region_index, std::span<float> out,
              std::vector<std::string>* notes = nullptr) const;
  // Normalised spec vector for kNN.
  void EncodeKnn(const sign::SignSpec& spec, std::optional<double> region_index,
                 std::span<float> out) const;

  double region_median() const;

  boost::json::object ToJson() const;
  static Result<FeatureEncoder> FromJson(const boost::json::value& v);

 private:
  void Finish();
  std::vector<Numeric> numeric_;
  std::vector<Categorical> categorical_;
  std::vector<KnnNumeric> knn_numeric_;
  std::vector<Categorical> knn_categorical_;
  std::size_t width_ = 0, knn_dim_ = 0;
  std::vector<std::string> column_names_, column_driver_;
};

// Yearly log price index (see the header comment).
struct PriceIndex {
  int first_year = 0;
  std::vector<double> log_index;  // per year from first_year; the last entry is the last year
  double slope_per_year = 0;      // long-run log slope, used beyond the known years
  std::string as_of_date;         // newest project date seen in training + validation
  double LogIndexAt(int year) const;
};

struct ReferenceJobs {
  std::vector<std::string> ids, dates, sign_types;
  // Mounting and foundation type names ("" unknown); empty vectors in bundles made before they
  // were stored (similar jobs then match on the sign type alone).
  std::vector<std::string> mounting_types, foundation_types;
  std::vector<double> width_in, height_in;
  std::vector<int64_t> total_cents, labor_cents, material_cents, equipment_cents, overhead_cents,
      other_cents;
  std::vector<float> vectors;  // rows × knn_dim
  std::size_t size() const { return ids.size(); }
};

// The estimate-corrected model: a second booster trained on the jobs that have the shop's
// estimate, target log(actual / estimate), features = the encoder's columns plus log(estimate
// USD) and the estimator's bias (the shrunken mean training log(actual / estimate) of the jobs
// that estimator made; the mean of all training jobs when the estimator is unknown or not given);
// its own split-conformal interval from its validation residuals, per sign type (Mondrian) when
// the type has at least kMinConformalRowsPerType validation jobs, else over all of them.
// prediction = estimate × exp(margin). Absent in bundles trained before it existed (or from a
// history with too few estimates): those predict spec-only.
struct EstimateCorrection {
  double conformal_q_lo = 0, conformal_q_hi = 0;
  std::map<std::string, std::pair<double, double>, std::less<>> conformal_by_sign_type;
  // By estimator_id; default_bias: all training jobs with an estimate.
  std::map<std::string, double, std::less<>> estimator_bias;
  double default_bias = 0;
  std::string booster;  // XGBoost UBJSON, encoder.width() + 2 features
  double BiasOf(const std::optional<std::string>& estimator_id) const;
  // (q_lo, q_hi) for a spec's sign type.
  std::pair<double, double> IntervalFor(const std::optional<sign::SignType>& type) const;
};
inline constexpr std::size_t kMinCorrectionRows = 200;
inline constexpr std::size_t kMinConformalRowsPerType = 100;

struct CostBundle {
  std::string model_version;
  FeatureEncoder encoder;
  PriceIndex price_index;
  double conformal_q_lo = 0, conformal_q_hi = 0;  // log residual quantiles (validation)
  double interval_coverage = 0.8;
  int knn_k = 10;
  double knn_typical_distance = 1;  // median leave-one-out mean kNN distance (training)
  double anomaly_threshold = 2;     // p99 of the same, divided by the median
  ReferenceJobs reference;
  boost::json::object card;
  std::string booster;  // XGBoost UBJSON
  std::optional<EstimateCorrection> correction;
};

std::string ComputeCostModelVersion(const CostBundle& bundle);
std::string SerializeCostBundle(const CostBundle& bundle);
Result<CostBundle> ParseCostBundle(std::string_view text);
Status SaveCostBundleFile(const CostBundle& bundle, const std::string& path);
Result<CostBundle> LoadCostBundleFile(const std::string& path);

struct CostTrainOptions {
  std::uint64_t seed = 42;
  double train_fraction = 0.70;
  double valid_fraction = 0.15;  // test = the rest (newest)
  int min_category_count = 5;
  // Used as the single configuration when grid_max_depth or grid_eta is empty.
  int max_depth = 6;
  double eta = 0.08;
  // Compact model chosen by validation (as for the lead model): every depth × eta pair is trained
  // with early stopping on the validation split; the model kept is the one with the fewest tree
  // nodes whose validation MAPE is ≤ (1 + grid_mape_tolerance) × the best validation MAPE. Exact
  // TreeSHAP for the drivers costs time proportional to the nodes, so fewer nodes = faster
  // predictions. The grid, the choice and the rule are written to the card.
  std::vector<int> grid_max_depth = {3, 4, 5, 6};
  // eta 0.08 (the former single setting) is left out: at depth 3–6 it needs several hundred to
  // over a thousand rounds per model, which made the grid too slow for the 30 s training budget on
  // 20,000 projects on 2 shared cores (the card records each candidate's validation MAPE).
  std::vector<double> grid_eta = {0.15, 0.3};
  double grid_mape_tolerance = 0.02;  // relative: 2 % of the best validation MAPE
  double subsample = 0.9;
  double colsample_bytree = 0.9;
  double min_child_weight = 3.0;
  int num_rounds = 1500;
  int early_stopping_rounds = 40;
  int nthread = 1;
  bool record_timing = true;  // training time and date in the card (off → byte-identical bundle)
  std::string data_name, data_sha256;
};

Result<CostBundle> TrainCostModel(std::vector<HistoryJob> jobs, const CostTrainOptions& options);

// A few human-readable lines from a cost model card (for the CLI).
std::string CostCardSummary(const boost::json::object& card);


}  // namespace signx::estimating
