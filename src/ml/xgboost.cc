#include "ml/xgboost.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace signx::ml {
namespace {

// Turns a non-zero XGBoost return code into a Status naming the call.
Status Check(int rc, std::string_view what) {
  if (rc == 0) return Status::Ok();
  const char* err = XGBGetLastError();
  return Internal(fmt::format("xgboost {}: {}", what, err ? err : "unknown error"));
}

#define SIGNX_XGB(call) SIGNX_RETURN_IF_ERROR(Check((call), #call))

bool DefaultMaximize(std::string_view metric) {
  return metric.starts_with("auc") || metric.starts_with("ndcg") || metric.starts_with("map") ||
         metric.starts_with("pre");
}

// "[3]\tvalid-logloss:0.123" -> 0.123
Result<double> ParseEvalValue(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Internal(fmt::format("unexpected xgboost eval output '{}'", text));
  }
  const std::string tail(text.substr(colon + 1));
  char* end = nullptr;
  const double v = std::strtod(tail.c_str(), &end);
  if (end == tail.c_str()) return Internal(fmt::format("unexpected eval value '{}'", tail));
  return v;
}

}  // namespace

std::string XGBoostVersion() {
  int major = 0, minor = 0, patch = 0;
  ::XGBoostVersion(&major, &minor, &patch);
  return fmt::format("{}.{}.{}", major, minor, patch);
}

// ---- DMatrix ----

Result<DMatrix> DMatrix::FromDense(std::span<const float> data, std::size_t rows,
                                   std::size_t cols, float missing) {
  if (rows == 0 || cols == 0) return InvalidArgument("a DMatrix needs at least one row and column");
  if (data.size() != rows * cols) {
    return InvalidArgument(
        fmt::format("dense data has {} values, expected {}x{}", data.size(), rows, cols));
  }
  DMatrixHandle h = nullptr;
  SIGNX_XGB(XGDMatrixCreateFromMat_omp(data.data(), rows, cols, missing, &h, 1));
  return DMatrix(h, rows, cols);
}

DMatrix::DMatrix(DMatrix&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), rows_(other.rows_), cols_(other.cols_) {}

DMatrix& DMatrix::operator=(DMatrix&& other) noexcept {
  if (this != &other) {
    if (handle_) XGDMatrixFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    rows_ = other.rows_;
    cols_ = other.cols_;
  }
  return *this;
}

DMatrix::~DMatrix() {
  if (handle_) XGDMatrixFree(handle_);
}

Status DMatrix::SetLabels(std::span<const float> labels) {
  if (labels.size() != rows_) {
    return InvalidArgument(fmt::format("{} labels for {} rows", labels.size(), rows_));
  }
  SIGNX_XGB(XGDMatrixSetFloatInfo(handle_, "label", labels.data(), labels.size()));
  return Status::Ok();
}

Status DMatrix::SetWeights(std::span<const float> weights) {
  if (weights.size() != rows_) {
    return InvalidArgument(fmt::format("{} weights for {} rows", weights.size(), rows_));
  }
  SIGNX_XGB(XGDMatrixSetFloatInfo(handle_, "weight", weights.data(), weights.size()));
  return Status::Ok();
}

// ---- Booster ----

Booster::Booster(Booster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

Booster::~Booster() {
  if (handle_) XGBoosterFree(handle_);
}

Result<Booster> Booster::Train(const DMatrix& train, const DMatrix* valid,
                               const TrainOptions& options, TrainReport* report) {
  if (options.num_rounds <= 0) return InvalidArgument("num_rounds must be positive");
  if (options.early_stopping_rounds > 0 && valid == nullptr) {
    return InvalidArgument("early stopping needs a validation matrix");
  }
  if (valid && valid->cols() != train.cols()) {
    return InvalidArgument(fmt::format("validation matrix has {} columns, training has {}",
                                       valid->cols(), train.cols()));
  }
  DMatrixHandle cache[2] = {train.handle(), valid ? valid->handle() : nullptr};
  BoosterHandle h = nullptr;
  SIGNX_XGB(XGBoosterCreate(cache, valid ? 2 : 1, &h));
  Booster booster(h);

  std::map<std::string, std::string> params = options.params;
  params.try_emplace("seed", std::to_string(options.seed));
  params.try_emplace("nthread", std::to_string(options.nthread));
  params.try_emplace("verbosity", "0");
  params["eval_metric"] = options.eval_metric;
  for (const auto& [k, v] : params) {
    SIGNX_XGB(XGBoosterSetParam(h, k.c_str(), v.c_str()));
  }

  const bool maximize = options.maximize.value_or(DefaultMaximize(options.eval_metric));
  TrainReport rep;
  int since_best = 0;
  for (int it = 0; it < options.num_rounds; ++it) {
    SIGNX_XGB(XGBoosterUpdateOneIter(h, it, train.handle()));
    rep.rounds_run = it + 1;
    if (valid == nullptr) continue;
    DMatrixHandle evals[1] = {valid->handle()};
    const char* names[1] = {"valid"};
    const char* out = nullptr;
    SIGNX_XGB(XGBoosterEvalOneIter(h, it, evals, names, 1, &out));
    SIGNX_ASSIGN_OR_RETURN(const double v, ParseEvalValue(out));
    rep.valid_history.push_back(v);
    const bool better =
        rep.best_round < 0 || (maximize ? v > rep.best_score : v < rep.best_score);
    if (better) {
      rep.best_round = it;
      rep.best_score = v;
      since_best = 0;
    } else if (options.early_stopping_rounds > 0 &&
               ++since_best >= options.early_stopping_rounds) {
      break;
    }
  }

  if (options.early_stopping_rounds > 0 && rep.best_round + 1 < rep.rounds_run) {
    BoosterHandle sliced = nullptr;
    SIGNX_XGB(XGBoosterSlice(h, 0, rep.best_round + 1, 1, &sliced));
    booster = Booster(sliced);
  }
  if (report) *report = std::move(rep);
  return booster;
}

Result<Booster> Booster::LoadRaw(std::string_view bytes) {
  if (bytes.empty()) return InvalidArgument("empty model bytes");
  BoosterHandle h = nullptr;
  SIGNX_XGB(XGBoosterCreate(nullptr, 0, &h));
  Booster booster(h);
  SIGNX_XGB(XGBoosterLoadModelFromBuffer(h, bytes.data(), bytes.size()));
  return booster;
}

Result<std::string> Booster::SaveRaw(Format format) const {
  const char* config = format == Format::kUbj ? R"({"format":"ubj"})" : R"({"format":"json"})";
  bst_ulong len = 0;
  const char* data = nullptr;
  SIGNX_XGB(XGBoosterSaveModelToBuffer(handle_, config, &len, &data));
  return std::string(data, len);
}

Result<std::vector<float>> Booster::PredictType(const DMatrix& data, int type) const {
  const std::string config = fmt::format(
      R"({{"type":{},"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false}})",
      type);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  SIGNX_XGB(XGBoosterPredictFromDMatrix(handle_, data.handle(), config.c_str(), &shape, &dim,
                                        &out));
  std::size_t n = 1;
  for (bst_ulong i = 0; i < dim; ++i) n *= shape[i];
  return std::vector<float>(out, out + n);
}

Result<std::vector<float>> Booster::Predict(const DMatrix& data) const {
  return PredictType(data, 0);
}

Result<std::vector<float>> Booster::PredictMargin(const DMatrix& data) const {
  return PredictType(data, 1);
}

Result<std::vector<float>> Booster::PredictContribs(const DMatrix& data, bool approximate) const {
  return PredictType(data, approximate ? 3 : 2);
}

Result<std::map<int, double>> Booster::FeatureGain() const {
  bst_ulong n_features = 0;
  const char** names = nullptr;
  bst_ulong dim = 0;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  SIGNX_XGB(XGBoosterFeatureScore(handle_, R"({"importance_type":"total_gain"})", &n_features,
                                  &names, &dim, &shape, &scores));
  std::map<int, double> out;
  for (bst_ulong i = 0; i < n_features; ++i) {
    std::string_view name = names[i];
    if (!name.starts_with("f")) return Internal(fmt::format("unexpected feature name '{}'", name));
    const int idx = std::atoi(std::string(name.substr(1)).c_str());
    out[idx] = scores[i];
  }
  return out;
}

Status Booster::SetParam(const std::string& name, const std::string& value) {
  SIGNX_XGB(XGBoosterSetParam(handle_, name.c_str(), value.c_str()));
  return Status::Ok();
}

Result<std::size_t> Booster::NumFeatures() const {
  bst_ulong n = 0;
  SIGNX_XGB(XGBoosterGetNumFeature(handle_, &n));
  return static_cast<std::size_t>(n);
}

Result<int> Booster::BoostedRounds() const {
  int n = 0;
  SIGNX_XGB(XGBoosterBoostedRounds(handle_, &n));
  return n;
}

#undef SIGNX_XGB

}  // namespace signx::ml
