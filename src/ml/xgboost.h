// RAII wrappers over the XGBoost C API (libxgboost 1.7): DMatrix (dense float matrix with labels
// and weights) and Booster (train with a fixed seed and early stopping, predict, SHAP
// contributions, save/load to bytes, feature importance).
//
// Every XGBoost call is checked; failures become a Status carrying XGBGetLastError() text. No
// exceptions cross this interface.
//
// Ownership: each object owns its handle and frees it on destruction; both types are move-only.
// Thread-safety: a DMatrix is immutable after its setters have run. A trained or loaded Booster's
// const methods (Predict*, SaveRaw, FeatureGain, num_features) may be called concurrently from
// several threads (XGBoost 1.7 prediction is thread-safe and results are copied out before
// returning); Train and LoadRaw build new objects and share nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::ml {

// "1.7.4": the version of the linked libxgboost.
std::string XGBoostVersion();

class DMatrix {
 public:
  // Copies a dense row-major rows×cols matrix; `missing` (NaN by default) marks absent values.
  static Result<DMatrix> FromDense(std::span<const float> data, std::size_t rows, std::size_t cols,
                                   float missing = std::numeric_limits<float>::quiet_NaN());

  DMatrix(DMatrix&& other) noexcept;
  DMatrix& operator=(DMatrix&& other) noexcept;
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix();

  // One label (and optionally one weight) per row.
  Status SetLabels(std::span<const float> labels);
  Status SetWeights(std::span<const float> weights);

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  void* handle() const { return handle_; }

 private:
  DMatrix(void* handle, std::size_t rows, std::size_t cols)
      : handle_(handle), rows_(rows), cols_(cols) {}
  void* handle_ = nullptr;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
};

struct TrainOptions {
  // XGBoost learner parameters, e.g. {"objective","binary:logistic"}, {"max_depth","6"}.
  // "seed" and "nthread" are set from the fields below unless present here.
  std::map<std::string, std::string> params;
  int num_rounds = 100;
  // Stop when the validation metric has not improved for this many rounds (0 = never); the
  // returned booster is cut to the best round. Needs a validation matrix.
  int early_stopping_rounds = 0;
  // Metric watched on the validation matrix ("auc", "logloss", "aucpr", "error", ...).
  std::string eval_metric = "logloss";
  // Whether a larger metric is better; derived from the metric name when unset
  // (auc/aucpr/ndcg/map are maximised).
  std::optional<bool> maximize;
  std::uint64_t seed = 42;
  int nthread = 1;  // fixed thread count keeps float accumulation order reproducible
};

struct TrainReport {
  int rounds_run = 0;       // boosting rounds performed
  int best_round = -1;      // 0-based index of the best round (-1 without validation)
  double best_score = 0.0;  // validation metric at best_round
  std::vector<double> valid_history;  // validation metric per round
};

class Booster {
 public:
  // Trains on `train`, evaluating on `valid` (may be null) after each round.
  static Result<Booster> Train(const DMatrix& train, const DMatrix* valid,
                               const TrainOptions& options, TrainReport* report = nullptr);
  // Loads a model saved by SaveRaw (UBJSON or JSON; detected from the first byte).
  static Result<Booster> LoadRaw(std::string_view bytes);

  Booster(Booster&& other) noexcept;
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster();

  enum class Format { kUbj, kJson };
  // The model (trees + learner parameters needed for prediction) as bytes.
  Result<std::string> SaveRaw(Format format = Format::kUbj) const;

  // Transformed predictions (probabilities for binary:logistic), one per row.
  Result<std::vector<float>> Predict(const DMatrix& data) const;
  // Raw margins (log-odds for binary:logistic), one per row.
  Result<std::vector<float>> PredictMargin(const DMatrix& data) const;
  // Exact TreeSHAP contributions: rows × (num_features + 1), row-major; the last column of each
  // row is the bias. Each row sums to that row's margin.
  Result<std::vector<float>> PredictContribs(const DMatrix& data, bool approximate = false) const;

  // Total gain per feature index over all splits (features never split on are absent).
  Result<std::map<int, double>> FeatureGain() const;

  // Sets a learner parameter after training/loading, e.g. {"nthread", "1"} for scoring.
  Status SetParam(const std::string& name, const std::string& value);

  Result<std::size_t> NumFeatures() const;
  Result<int> BoostedRounds() const;

 private:
  explicit Booster(void* handle) : handle_(handle) {}
  Result<std::vector<float>> PredictType(const DMatrix& data, int type) const;
  void* handle_ = nullptr;
};

}  // namespace signx::ml
