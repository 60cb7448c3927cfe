// TrainCostModel: cost history → CostBundle, in named steps — split by time, encode, fit the
// price index on a first booster, choose the final booster from the grid, refit the index,
// calibrate the conformal interval and the anomaly score, measure on the test split, write the
// model card. Every number is the same for the same history and seed.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "estimating/cost_model.h"
#include "estimating/internal/cost_json.h"
#include "estimating/internal/price_index_fit.h"
#include "ml/vector_index.h"
#include "ml/metrics.h"
#include "ml/model_selection.h"
#include "ml/tree_shap.h"
#include "ml/xgboost.h"

namespace signx::estimating {
namespace json = boost::json;
using internal::DoubleArray;
using internal::R12;

namespace {

constexpr std::size_t kAnomalyReferenceRows = 2000;

// Rounds every double in a card to 8 significant digits.
void RoundDoubles(json::value& v) {
  if (v.is_double()) {
    v = ml::RoundSignificant(v.get_double(), 8);
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) RoundDoubles(e);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) RoundDoubles(kv.value());
  }
}

struct Matrix {
  std::vector<float> x;
  std::vector<float> y;  // log dollars
  std::vector<int> years;
  std::size_t rows = 0;
};

Matrix Encode(const FeatureEncoder& enc, std::span<const HistoryJob> jobs) {
  Matrix m;
  m.rows = jobs.size();
  m.x.resize(jobs.size() * enc.width());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    enc.Encode(jobs[i].spec, jobs[i].region_index,
               std::span<float>(m.x.data() + i * enc.width(), enc.width()));
    m.y.push_back(
        static_cast<float>(std::log(static_cast<double>(jobs[i].actual.total_cost_cents) / 100.0)));
    m.years.push_back(*YearOf(jobs[i].project_date));
  }
  return m;
}

Result<ml::DMatrix> ToDMatrix(const Matrix& m, std::size_t width, const PriceIndex& pi) {
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix d, ml::DMatrix::FromDense(m.x, m.rows, width));
  std::vector<float> y(m.rows);
  for (std::size_t i = 0; i < m.rows; ++i) {
    y[i] = static_cast<float>(m.y[i] - pi.LogIndexAt(m.years[i]));
  }
  SIGNX_RETURN_IF_ERROR(d.SetLabels(y));
  return d;
}

struct Metrics {
  double mae = 0, mape = 0, rmse = 0, r2 = 0, r2_log = 0;
};

Metrics Evaluate(std::span<const double> pred, std::span<const double> actual) {
  Metrics m;
  const double n = static_cast<double>(pred.size());
  if (pred.empty()) return m;
  double mean = 0, mean_log = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    mean += actual[i];
    mean_log += std::log(actual[i]);
  }
  mean /= n;
  mean_log /= n;
  double ss_res = 0, ss_tot = 0, ss_res_log = 0, ss_tot_log = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    const double e = pred[i] - actual[i];
    m.mae += std::abs(e);
    m.mape += std::abs(e) / actual[i];
    ss_res += e * e;
    ss_tot += (actual[i] - mean) * (actual[i] - mean);
    const double el = std::log(pred[i]) - std::log(actual[i]);
    ss_res_log += el * el;
    ss_tot_log += (std::log(actual[i]) - mean_log) * (std::log(actual[i]) - mean_log);
  }
  m.mae /= n;
  m.mape /= n;
  m.rmse = std::sqrt(ss_res / n);
  m.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 0;
  m.r2_log = ss_tot_log > 0 ? 1 - ss_res_log / ss_tot_log : 0;
  return m;
}

json::object MetricsJson(const Metrics& m, std::size_t rows) {
  return json::object{{"rows", rows},       {"mae_usd", m.mae}, {"mape", m.mape},
                      {"rmse_usd", m.rmse}, {"r2", m.r2},       {"r2_log", m.r2_log}};
}

ml::TrainOptions BoosterOptions(const CostTrainOptions& o, double base_score, int max_depth,
                                double eta, int rounds) {
  ml::TrainOptions to;
  to.params = {{"objective", "reg:squarederror"},
               {"tree_method", "hist"},
               {"max_depth", std::to_string(max_depth)},
               {"eta", fmt::format("{}", eta)},
               {"subsample", fmt::format("{}", o.subsample)},
               {"colsample_bytree", fmt::format("{}", o.colsample_bytree)},
               {"min_child_weight", fmt::format("{}", o.min_child_weight)},
               {"base_score", fmt::format("{}", base_score)}};
  to.num_rounds = rounds;
  to.early_stopping_rounds = o.early_stopping_rounds;
  to.eval_metric = "rmse";
  to.maximize = false;
  to.seed = o.seed;
  to.nthread = o.nthread;
  return to;
}

// Split-conformal rank: the ceil((n + 1) q)-th smallest (1-based), clamped to [1, n].
double ConformalQuantile(std::vector<double> r, double q) {
  std::sort(r.begin(), r.end());
  const double n = static_cast<double>(r.size());
  double k = q >= 0.5 ? std::ceil((n + 1) * q) : std::floor((n + 1) * q);
  k = std::clamp(k, 1.0, n);
  return r[static_cast<std::size_t>(k) - 1];
}

// The usable jobs, oldest first (by project_date, then id), cut into train | validation | test.
struct TimeSplit {
  std::span<const HistoryJob> train, valid, test;
};

// Drops the jobs without a positive actual total or a valid project date, checks that enough
// remain and that the fractions leave a test split, and orders the rest by time.
Result<TimeSplit> SplitByTime(std::vector<HistoryJob>* jobs, const CostTrainOptions& opt) {
  std::erase_if(*jobs, [](const HistoryJob& j) {
    return j.actual.total_cost_cents <= 0 || !YearOf(j.project_date);
  });
  if (jobs->size() < 200) {
    return FailedPrecondition(fmt::format(
        "too little history to train a cost model: {} usable jobs (need ≥ 200)", jobs->size()));
  }
  if (!(opt.train_fraction > 0 && opt.valid_fraction > 0 &&
        opt.train_fraction + opt.valid_fraction < 1)) {
    return InvalidArgument("train_fraction and valid_fraction must be positive and sum below 1");
  }
  std::stable_sort(jobs->begin(), jobs->end(), [](const HistoryJob& a, const HistoryJob& b) {
    return a.project_date != b.project_date ? a.project_date < b.project_date : a.id < b.id;
  });
  const std::size_t n = jobs->size();
  const auto n_train = static_cast<std::size_t>(std::floor(n * opt.train_fraction));
  const auto n_valid = static_cast<std::size_t>(std::floor(n * opt.valid_fraction));
  TimeSplit s;
  s.train = std::span<const HistoryJob>(jobs->data(), n_train);
  s.valid = std::span<const HistoryJob>(jobs->data() + n_train, n_valid);
  s.test = std::span<const HistoryJob>(jobs->data() + n_train + n_valid, n - n_train - n_valid);
  return s;
}

// The split's rows, encoded once.
struct EncodedSplit {
  std::size_t width = 0;
  Matrix train, valid, test;
  std::vector<int> train_valid_years;  // the training rows' years, then the validation rows'
};

EncodedSplit EncodeSplit(const FeatureEncoder& enc, const TimeSplit& s) {
  EncodedSplit e;
  e.width = enc.width();
  e.train = Encode(enc, s.train);
  e.valid = Encode(enc, s.valid);
  e.test = Encode(enc, s.test);
  e.train_valid_years = e.train.years;
  e.train_valid_years.insert(e.train_valid_years.end(), e.valid.years.begin(), e.valid.years.end());
  return e;
}

// The boosters' base score: the mean training label (log dollars).
double BaseScore(const Matrix& train) {
  double mean_y = 0;
  for (float y : train.y) mean_y += y;
  return R12(mean_y / static_cast<double>(train.rows));
}

// Log residual per row of `m`: log actual − (the booster's margin on `d` + `idx` at the row's
// year).
Result<std::vector<double>> LogResiduals(const ml::Booster& booster, const PriceIndex& idx,
                                         const Matrix& m, const ml::DMatrix& d) {
  SIGNX_ASSIGN_OR_RETURN(const std::vector<float> p, booster.PredictMargin(d));
  std::vector<double> r(m.rows);
  for (std::size_t i = 0; i < m.rows; ++i) {
    r[i] = static_cast<double>(m.y[i]) - (static_cast<double>(p[i]) + idx.LogIndexAt(m.years[i]));
  }
  return r;
}

// Refits `pi` from the booster's log residuals on the training and validation rows (labels taken
// relative to the current `pi`).
Status RefitPriceIndex(const ml::Booster& booster, const EncodedSplit& e, PriceIndex* pi) {
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dt, ToDMatrix(e.train, e.width, *pi));
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dv, ToDMatrix(e.valid, e.width, *pi));
  SIGNX_ASSIGN_OR_RETURN(std::vector<double> r, LogResiduals(booster, *pi, e.train, dt));
  SIGNX_ASSIGN_OR_RETURN(std::vector<double> rv, LogResiduals(booster, *pi, e.valid, dv));
  r.insert(r.end(), rv.begin(), rv.end());
  internal::UpdatePriceIndex(e.train_valid_years, r, pi);
  return Status::Ok();
}

// Pass 1: a booster on raw log cost (`pi` flat at 0 from the first training year, depth
// opt.max_depth, eta 0.2, at most 400 rounds) whose yearly residual means become the first
// price index. Returns that booster's training report.
Result<ml::TrainReport> FitFirstPriceIndex(const EncodedSplit& e, const TimeSplit& s,
                                           const CostTrainOptions& opt, double base_score,
                                           PriceIndex* pi) {
  pi->first_year = *YearOf(s.train.front().project_date);
  pi->log_index = {0.0};
  pi->slope_per_year = 0;
  ml::TrainReport report;
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dt, ToDMatrix(e.train, e.width, *pi));
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dv, ToDMatrix(e.valid, e.width, *pi));
  SIGNX_ASSIGN_OR_RETURN(
      ml::Booster first,
      ml::Booster::Train(dt, &dv, BoosterOptions(opt, base_score, opt.max_depth, 0.2, 400),
                         &report));
  SIGNX_RETURN_IF_ERROR(RefitPriceIndex(first, e, pi));
  return report;
}

struct Candidate {
  int max_depth = 0;
  double eta = 0;
  ml::TrainReport report;
  std::size_t nodes = 0;
  double mape_valid = 0;
};

// What the grid tried and which candidate was kept.
struct GridChoice {
  std::vector<Candidate> candidates;  // in grid order
  std::size_t pick = 0;
  double best_mape = 0;  // the lowest validation MAPE of the grid
};

// Pass 2: the final booster, on log cost minus the price index.
// Compact model chosen by validation: each depth × eta of the grid is trained with early
// stopping (rmse on the validation split) and scored by its validation MAPE in dollars (priced
// with the pass-1 index, the same for every candidate). Kept: the model with the fewest tree
// nodes whose validation MAPE is within grid_mape_tolerance (2 %) relative of the best — a
// 2 % relative MAPE loss (≈ 0.25 points at ~12 % MAPE) is well inside the run-to-run noise of
// the time split, while exact TreeSHAP for the drivers costs time in proportion to the nodes.
// Ties on nodes keep the first in grid order, so the choice is reproducible with the seed.
Result<ml::Booster> SelectBooster(const EncodedSplit& e, const TimeSplit& s,
                                  const CostTrainOptions& opt, double base_score,
                                  const PriceIndex& pi, GridChoice* choice) {
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dtrain, ToDMatrix(e.train, e.width, pi));
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dvalid, ToDMatrix(e.valid, e.width, pi));
  const std::vector<ml::GridPoint> grid =
      ml::HyperparameterGrid(opt.grid_max_depth, opt.grid_eta, {opt.max_depth, opt.eta});
  std::vector<double> valid_actual(e.valid.rows);
  for (std::size_t i = 0; i < e.valid.rows; ++i) {
    valid_actual[i] = static_cast<double>(s.valid[i].actual.total_cost_cents) / 100.0;
  }
  std::vector<Candidate>& candidates = choice->candidates;
  std::vector<ml::Booster> boosters;
  for (const auto& [depth, eta] : grid) {
    Candidate c;
    c.max_depth = depth;
    c.eta = eta;
    SIGNX_ASSIGN_OR_RETURN(
        ml::Booster cb,
        ml::Booster::Train(dtrain, &dvalid,
                           BoosterOptions(opt, base_score, depth, eta, opt.num_rounds), &c.report));
    SIGNX_ASSIGN_OR_RETURN(const std::vector<float> pv, cb.PredictMargin(dvalid));
    std::vector<double> pred_v(e.valid.rows);
    for (std::size_t i = 0; i < e.valid.rows; ++i) {
      pred_v[i] = std::exp(static_cast<double>(pv[i]) + pi.LogIndexAt(e.valid.years[i]));
    }
    c.mape_valid = Evaluate(pred_v, valid_actual).mape;
    SIGNX_ASSIGN_OR_RETURN(const ml::TreeEnsemble trees, ml::TreeEnsemble::FromBooster(cb));
    c.nodes = trees.num_nodes();
    candidates.push_back(std::move(c));
    boosters.push_back(std::move(cb));
  }
  double best_mape = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> nodes;
  for (const auto& c : candidates) {
    best_mape = std::min(best_mape, c.mape_valid);
    nodes.push_back(c.nodes);
  }
  choice->best_mape = best_mape;
  choice->pick = ml::FewestNodesAmong(nodes, [&](std::size_t k) {
    return candidates[k].mape_valid <= best_mape * (1.0 + opt.grid_mape_tolerance);
  });
  return std::move(boosters[choice->pick]);
}

// Split-conformal interval: the 10 % and 90 % quantiles of the validation log residuals under
// b->price_index. Returns the number of validation residuals.
Result<std::size_t> FitConformalInterval(const ml::Booster& booster, const Matrix& valid,
                                         std::size_t width, CostBundle* b) {
  const PriceIndex& pi = b->price_index;
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dvalid, ToDMatrix(valid, width, pi));
  SIGNX_ASSIGN_OR_RETURN(const std::vector<double> rvalid,
                         LogResiduals(booster, pi, valid, dvalid));
  b->interval_coverage = 0.8;
  b->conformal_q_lo = R12(ConformalQuantile(rvalid, 0.1));
  b->conformal_q_hi = R12(ConformalQuantile(rvalid, 0.9));
  return rvalid.size();
}

struct TestEvaluation {
  Metrics metrics;
  double coverage = 0;  // share of test actuals inside the conformal interval
  // The shop's own estimate and the actual, for the test rows that have an estimate.
  std::vector<double> shop, shop_actual;
  std::vector<double> pred;   // spec-only prediction per test row (USD)
  std::vector<char> covered;  // per test row: inside the spec-only interval
};

// Test metrics, each row priced at its own date with the price index.
Result<TestEvaluation> EvaluateOnTest(const ml::Booster& booster, std::span<const HistoryJob> test,
                                      const Matrix& mtest, std::size_t width, const CostBundle& b) {
  const PriceIndex& pi = b.price_index;
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dtest, ToDMatrix(mtest, width, pi));
  SIGNX_ASSIGN_OR_RETURN(const std::vector<float> ptest, booster.PredictMargin(dtest));
  TestEvaluation t;
  std::vector<double> pred(test.size()), actual(test.size());
  std::size_t covered = 0;
  for (std::size_t i = 0; i < test.size(); ++i) {
    const double log_pred = static_cast<double>(ptest[i]) + pi.LogIndexAt(mtest.years[i]);
    pred[i] = std::exp(log_pred);
    actual[i] = static_cast<double>(test[i].actual.total_cost_cents) / 100.0;
    const double lo = std::exp(log_pred + b.conformal_q_lo);
    const double hi = std::exp(log_pred + b.conformal_q_hi);
    covered += actual[i] >= lo && actual[i] <= hi;
    t.covered.push_back(actual[i] >= lo && actual[i] <= hi);
    if (test[i].estimate_total_cents > 0) {
      t.shop.push_back(static_cast<double>(test[i].estimate_total_cents) / 100.0);
      t.shop_actual.push_back(actual[i]);
    }
  }
  t.metrics = Evaluate(pred, actual);
  t.pred = pred;
  t.coverage = test.empty() ? 0.0 : double(covered) / double(test.size());
  return t;
}

// ---- The estimate-corrected model (cost_model.h, EstimateCorrection). ----

// The rows of one split that have the shop's estimate: the encoder's columns plus log(estimate
// USD); label log(actual / estimate).
struct CorrectionRows {
  std::vector<std::size_t> at;  // row in the split
  std::vector<float> x, y;
  std::vector<double> log_estimate;
  std::size_t rows() const { return at.size(); }
};

CorrectionRows CorrectionMatrix(std::span<const HistoryJob> jobs, const Matrix& m,
                                std::size_t width, const EstimateCorrection& c_model) {
  CorrectionRows c;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].estimate_total_cents <= 0) continue;
    const double log_est = std::log(static_cast<double>(jobs[i].estimate_total_cents) / 100.0);
    c.at.push_back(i);
    c.x.insert(c.x.end(), m.x.begin() + static_cast<std::ptrdiff_t>(i * width),
               m.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
    c.x.push_back(static_cast<float>(log_est));
    c.x.push_back(static_cast<float>(c_model.BiasOf(
        jobs[i].estimator_id.empty() ? std::nullopt : std::optional(jobs[i].estimator_id))));
    c.y.push_back(static_cast<float>(static_cast<double>(m.y[i]) - log_est));
    c.log_estimate.push_back(log_est);
  }
  return c;
}

Result<ml::DMatrix> CorrectionDMatrix(const CorrectionRows& c, std::size_t width) {
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix d, ml::DMatrix::FromDense(c.x, c.rows(), width + 2));
  SIGNX_RETURN_IF_ERROR(d.SetLabels(c.y));
  return d;
}

// Size band of a sign by its face area per side.
std::string SizeBand(double area_sqft) {
  if (area_sqft < 24) return "small (< 24 sq ft)";
  if (area_sqft < 64) return "medium (24-64 sq ft)";
  if (area_sqft < 150) return "large (64-150 sq ft)";
  return "very large (>= 150 sq ft)";
}

// MAPE of the three ways to price the same test jobs, for one group of them.
struct GroupErrors {
  std::size_t rows = 0;
  double ape_spec = 0, ape_corrected = 0, ape_shop = 0;
  std::size_t covered_spec = 0, covered_corrected = 0;
  void Add(double actual, double spec, double corrected, double shop, bool cov_spec,
           bool cov_corr) {
    ++rows;
    ape_spec += std::abs(spec - actual) / actual;
    ape_corrected += std::abs(corrected - actual) / actual;
    ape_shop += std::abs(shop - actual) / actual;
    covered_spec += cov_spec;
    covered_corrected += cov_corr;
  }
  json::object Json() const {
    const double n = rows > 0 ? static_cast<double>(rows) : 1.0;
    return json::object{
        {"rows", rows},
        {"mape_spec_only", ape_spec / n},
        {"mape_estimate_corrected", ape_corrected / n},
        {"mape_shop_estimate", ape_shop / n},
        {"coverage_spec_only", static_cast<double>(covered_spec) / n},
        {"coverage_estimate_corrected", static_cast<double>(covered_corrected) / n}};
  }
};

struct CorrectionRun {
  std::string skipped;  // why no correction model was trained ("" when it was)
  std::size_t train_rows = 0, valid_rows = 0;
  int max_depth = 0;
  double eta = 0, base_score = 0;
  ml::TrainReport report;
  GroupErrors overall;
  std::map<std::string, GroupErrors> by_type, by_size;
};

// Trains the correction booster (depth and eta of the chosen spec-only model, early stopping on
// the validation jobs with an estimate), its conformal interval, and compares it on the test jobs
// with an estimate with the spec-only model and the shop estimate alone.
Status FitEstimateCorrection(const EncodedSplit& e, const TimeSplit& s, const TestEvaluation& test,
                             const Candidate& chosen, const CostTrainOptions& opt, CostBundle* b,
                             CorrectionRun* run) {
  // Estimator bias: shrunken mean training log(actual / estimate) per estimator.
  EstimateCorrection c;
  {
    constexpr double kShrink = 20;  // pseudo-jobs at the overall mean
    std::map<std::string, std::pair<double, double>> sums;
    double all = 0, n_all = 0;
    for (const HistoryJob& j : s.train) {
      if (j.estimate_total_cents <= 0) continue;
      const double r = std::log(static_cast<double>(j.actual.total_cost_cents) /
                                static_cast<double>(j.estimate_total_cents));
      all += r;
      n_all += 1;
      if (!j.estimator_id.empty()) {
        sums[j.estimator_id].first += r;
        sums[j.estimator_id].second += 1;
      }
    }
    c.default_bias = R12(n_all > 0 ? all / n_all : 0.0);
    for (const auto& [id, sn] : sums) {
      if (sn.second < opt.min_category_count) continue;
      c.estimator_bias[id] = R12((sn.first + kShrink * c.default_bias) / (sn.second + kShrink));
    }
  }
  const CorrectionRows tr = CorrectionMatrix(s.train, e.train, e.width, c);
  const CorrectionRows va = CorrectionMatrix(s.valid, e.valid, e.width, c);
  const CorrectionRows te = CorrectionMatrix(s.test, e.test, e.width, c);
  run->train_rows = tr.rows();
  run->valid_rows = va.rows();
  if (tr.rows() < kMinCorrectionRows || va.rows() < kMinCorrectionRows / 4) {
    run->skipped = fmt::format(
        "too few jobs with the shop's estimate ({} training, {} validation; need {} and {})",
        tr.rows(), va.rows(), kMinCorrectionRows, kMinCorrectionRows / 4);
    return Status::Ok();
  }
  double mean_y = 0;
  for (float y : tr.y) mean_y += y;
  run->base_score = R12(mean_y / static_cast<double>(tr.rows()));
  run->max_depth = chosen.max_depth;
  run->eta = chosen.eta;
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dtr, CorrectionDMatrix(tr, e.width));
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dva, CorrectionDMatrix(va, e.width));
  SIGNX_ASSIGN_OR_RETURN(
      ml::Booster booster,
      ml::Booster::Train(
          dtr, &dva, BoosterOptions(opt, run->base_score, run->max_depth, run->eta, opt.num_rounds),
          &run->report));
  SIGNX_ASSIGN_OR_RETURN(const std::vector<float> pv, booster.PredictMargin(dva));
  std::vector<double> rv(va.rows());
  for (std::size_t i = 0; i < va.rows(); ++i) {
    rv[i] = static_cast<double>(va.y[i]) - static_cast<double>(pv[i]);
  }
  c.conformal_q_lo = R12(ConformalQuantile(rv, 0.1));
  c.conformal_q_hi = R12(ConformalQuantile(rv, 0.9));
  {
    std::map<std::string, std::vector<double>> by_type;
    for (std::size_t k = 0; k < va.rows(); ++k) {
      const auto& t = s.valid[va.at[k]].spec.sign_type;
      if (t) by_type[std::string(Name(*t))].push_back(rv[k]);
    }
    for (const auto& [t, r] : by_type) {
      if (r.size() < kMinConformalRowsPerType) continue;
      c.conformal_by_sign_type[t] = {R12(ConformalQuantile(r, 0.1)),
                                     R12(ConformalQuantile(r, 0.9))};
    }
  }
  SIGNX_ASSIGN_OR_RETURN(c.booster, booster.SaveRaw(ml::Booster::Format::kUbj));

  if (te.rows() > 0) {
    SIGNX_ASSIGN_OR_RETURN(ml::DMatrix dte, CorrectionDMatrix(te, e.width));
    SIGNX_ASSIGN_OR_RETURN(const std::vector<float> pt, booster.PredictMargin(dte));
    for (std::size_t k = 0; k < te.rows(); ++k) {
      const std::size_t i = te.at[k];
      const HistoryJob& job = s.test[i];
      const double actual = static_cast<double>(job.actual.total_cost_cents) / 100.0;
      const double log_corr = te.log_estimate[k] + static_cast<double>(pt[k]);
      const auto [q_lo, q_hi] = c.IntervalFor(job.spec.sign_type);
      const double lo = std::exp(log_corr + q_lo);
      const double hi = std::exp(log_corr + q_hi);
      const double shop = std::exp(te.log_estimate[k]);
      const bool cov_corr = actual >= lo && actual <= hi;
      const std::string type =
          job.spec.sign_type ? std::string(Name(*job.spec.sign_type)) : std::string("unknown");
      for (GroupErrors* g :
           {&run->overall, &run->by_type[type], &run->by_size[SizeBand(job.spec.area_sqft)]}) {
        g->Add(actual, test.pred[i], std::exp(log_corr), shop, test.covered[i] != 0, cov_corr);
      }
    }
  }
  b->correction = std::move(c);
  return Status::Ok();
}

json::object CorrectionJson(const CostBundle& b, const CorrectionRun& run) {
  json::object o;
  o["method"] =
      "second booster on the jobs with the shop's estimate: target log(actual / estimate), "
      "features = the spec features + log(estimate USD) + the estimator's bias (shrunken mean "
      "training log(actual / estimate) of that estimator's jobs); prediction = estimate x "
      "exp(margin); "
      "split-conformal interval from its own validation residuals";
  if (!b.correction) {
    o["trained"] = false;
    o["why_not"] = run.skipped;
    return o;
  }
  o["trained"] = true;
  o["train_rows"] = run.train_rows;
  o["validation_rows"] = run.valid_rows;
  o["params"] = json::object{{"max_depth", run.max_depth},
                             {"eta", run.eta},
                             {"base_score", run.base_score},
                             {"trees", run.report.best_round + 1},
                             {"what", "depth and eta of the chosen spec-only model"}};
  json::object bias;
  for (const auto& [id, v] : b.correction->estimator_bias) bias[id] = v;
  o["estimator_bias"] = std::move(bias);
  o["default_bias"] = b.correction->default_bias;
  json::object by_type;
  for (const auto& [t, q] : b.correction->conformal_by_sign_type) {
    by_type[t] = json::object{{"q_lo", q.first}, {"q_hi", q.second}};
  }
  o["interval"] = json::object{
      {"method",
       fmt::format("split-conformal on the validation log residuals, per sign type when it has "
                   ">= {} validation jobs (else over all)",
                   kMinConformalRowsPerType)},
      {"q_lo", b.correction->conformal_q_lo},
      {"q_hi", b.correction->conformal_q_hi},
      {"by_sign_type", std::move(by_type)},
      {"nominal_coverage", 0.8}};
  json::object test = run.overall.Json();
  test["what"] =
      "the test jobs that have the shop's estimate: spec-only model, estimate-corrected model and "
      "the shop's estimate alone, against the actual";
  json::object types, sizes;
  for (const auto& [k, g] : run.by_type) types[k] = g.Json();
  for (const auto& [k, g] : run.by_size) sizes[k] = g.Json();
  test["by_sign_type"] = std::move(types);
  test["by_size_band"] = std::move(sizes);
  o["test"] = std::move(test);
  return o;
}

// The reference jobs (for similar past jobs) and their vectors in the encoder's kNN space.
void FillReference(std::span<const HistoryJob> jobs, CostBundle* b) {
  const std::size_t dim = b->encoder.knn_dim();
  ReferenceJobs& ref = b->reference;
  for (const HistoryJob& j : jobs) {
    ref.ids.push_back(j.id);
    ref.dates.push_back(j.project_date);
    ref.sign_types.push_back(j.spec.sign_type ? std::string(Name(*j.spec.sign_type)) : "");
    ref.mounting_types.push_back(j.spec.mounting_type ? std::string(Name(*j.spec.mounting_type))
                                                      : "");
    ref.foundation_types.push_back(
        j.spec.foundation_type ? std::string(Name(*j.spec.foundation_type)) : "");
    ref.width_in.push_back(j.spec.width_in);
    ref.height_in.push_back(j.spec.height_in);
    ref.total_cents.push_back(j.actual.total_cost_cents);
    ref.labor_cents.push_back(j.actual.labor_cost_cents);
    ref.material_cents.push_back(j.actual.material_cost_cents);
    ref.equipment_cents.push_back(j.actual.equipment_cost_cents);
    ref.overhead_cents.push_back(j.actual.overhead_cost_cents);
    ref.other_cents.push_back(j.actual.total_cost_cents - j.actual.labor_cost_cents -
                              j.actual.material_cost_cents - j.actual.equipment_cost_cents -
                              j.actual.overhead_cost_cents);
    const std::size_t at = ref.vectors.size();
    ref.vectors.resize(at + dim);
    b->encoder.EncodeKnn(j.spec, j.region_index, std::span<float>(ref.vectors.data() + at, dim));
  }
}

// Anomaly calibration: the mean distance from (up to kAnomalyReferenceRows evenly spaced) training
// jobs to their knn_k nearest other reference jobs; its median is the typical distance and its
// 99th percentile over the median the threshold. The training jobs are the first `n_train` rows
// of b->reference.
Status CalibrateAnomaly(std::size_t n_train, CostBundle* b) {
  const std::size_t dim = b->encoder.knn_dim();
  const ReferenceJobs& ref = b->reference;
  SIGNX_ASSIGN_OR_RETURN(auto index, ml::VectorIndex::Build(ref.vectors, dim));
  std::vector<double> knn_d;
  const std::size_t step = std::max<std::size_t>(1, n_train / kAnomalyReferenceRows);
  for (std::size_t i = 0; i < n_train; i += step) {
    const auto nb =
        index->Search(std::span<const float>(ref.vectors.data() + i * dim, dim),
                      static_cast<std::size_t>(b->knn_k), static_cast<std::ptrdiff_t>(i));
    double s = 0;
    for (const auto& x : nb) s += x.distance;
    knn_d.push_back(nb.empty() ? 0.0 : s / static_cast<double>(nb.size()));
  }
  std::vector<float> knn_f(knn_d.begin(), knn_d.end());
  const std::array<double, 2> qs = {0.5, 0.99};
  SIGNX_ASSIGN_OR_RETURN(const std::vector<double> kq, ml::Quantiles(knn_f, qs));
  b->knn_typical_distance = R12(std::max(kq[0], 1e-6));
  b->anomaly_threshold = R12(kq[1] / b->knn_typical_distance);
  return Status::Ok();
}

// What the model card reports about a training run, beyond the bundle itself.
struct TrainingRun {
  std::span<const HistoryJob> jobs;  // the usable jobs, oldest first
  TimeSplit split;
  std::size_t width = 0;
  double base_score = 0;
  ml::TrainReport first_pass;
  GridChoice grid;
  std::size_t conformal_rows = 0;
  TestEvaluation test;
  CorrectionRun correction;
  double train_seconds = 0;
};

json::object SplitJson(const TimeSplit& s) {
  const auto& [train, valid, test] = s;
  return json::object{
      {"method", "by time: ordered by project_date, then id"},
      {"train", json::object{{"rows", train.size()},
                             {"from", train.front().project_date},
                             {"to", train.back().project_date}}},
      {"validation", json::object{{"rows", valid.size()},
                                  {"from", valid.empty() ? "" : valid.front().project_date},
                                  {"to", valid.empty() ? "" : valid.back().project_date}}},
      {"test", json::object{{"rows", test.size()},
                            {"from", test.empty() ? "" : test.front().project_date},
                            {"to", test.empty() ? "" : test.back().project_date}}}};
}

json::object ModelSelectionJson(const GridChoice& g, const CostTrainOptions& opt) {
  json::array grid_card;
  for (std::size_t k = 0; k < g.candidates.size(); ++k) {
    const auto& c = g.candidates[k];
    grid_card.push_back(json::object{{"max_depth", c.max_depth},
                                     {"eta", c.eta},
                                     {"trees", c.report.best_round + 1},
                                     {"nodes", c.nodes},
                                     {"validation_mape", c.mape_valid},
                                     {"chosen", k == g.pick}});
  }
  const Candidate& chosen = g.candidates[g.pick];
  return json::object{
      {"rule",
       fmt::format("fewest tree nodes with validation MAPE <= (1 + {}) x the best validation "
                   "MAPE of the grid (early stopping on the validation split for each)",
                   opt.grid_mape_tolerance)},
      {"why",
       "exact TreeSHAP for the drivers costs time in proportion to the tree nodes; a 2 % relative "
       "validation MAPE loss is within the noise of the time split"},
      {"mape_tolerance_relative", opt.grid_mape_tolerance},
      {"best_validation_mape", g.best_mape},
      {"chosen_max_depth", chosen.max_depth},
      {"chosen_eta", chosen.eta},
      {"chosen_nodes", chosen.nodes},
      {"chosen_validation_mape", chosen.mape_valid},
      {"grid", std::move(grid_card)}};
}

// The ten drivers with the largest share of the booster's total gain (columns summed per driver).
Result<json::array> TopDriversJson(const ml::Booster& booster, const FeatureEncoder& encoder,
                                   std::size_t width) {
  SIGNX_ASSIGN_OR_RETURN(const auto gain, booster.FeatureGain());
  std::map<std::string, double> by_driver;
  double total_gain = 0;
  for (const auto& [col, g] : gain) {
    if (col < 0 || static_cast<std::size_t>(col) >= width) continue;
    by_driver[encoder.ColumnDriver(static_cast<std::size_t>(col))] += g;
    total_gain += g;
  }
  std::vector<std::pair<std::string, double>> top(by_driver.begin(), by_driver.end());
  std::stable_sort(top.begin(), top.end(),
                   [](const auto& a, const auto& c) { return a.second > c.second; });
  json::array top_a;
  for (std::size_t k = 0; k < top.size() && k < 10; ++k) {
    top_a.push_back(json::object{{"driver", top[k].first},
                                 {"gain_share", total_gain > 0 ? top[k].second / total_gain : 0}});
  }
  return top_a;
}

// The model card, before rounding (see RoundDoubles).
Result<json::object> ModelCard(const CostBundle& b, const ml::Booster& booster,
                               const TrainingRun& run, const CostTrainOptions& opt) {
  const PriceIndex& pi = b.price_index;
  const Candidate& chosen = run.grid.candidates[run.grid.pick];
  json::object card;
  card["kind"] = "signx.cost.model_card";
  card["model_version"] = b.model_version;
  card["objective"] = "reg:squarederror on log(actual total USD) minus a yearly price index";
  card["data"] = json::object{{"name", opt.data_name},
                              {"sha256", opt.data_sha256},
                              {"jobs", run.jobs.size()},
                              {"first_date", run.jobs.front().project_date},
                              {"last_date", run.jobs.back().project_date}};
  card["split"] = SplitJson(run.split);
  json::object test_o = MetricsJson(run.test.metrics, run.split.test.size());
  test_o["interval_coverage_80"] = run.test.coverage;
  card["test"] = std::move(test_o);
  if (!run.test.shop.empty()) {
    json::object base =
        MetricsJson(Evaluate(run.test.shop, run.test.shop_actual), run.test.shop.size());
    base["what"] = "the shop's own estimate against the actual, on the same test rows";
    card["baseline_shop_estimate"] = std::move(base);
  }
  card["estimate_correction"] = CorrectionJson(b, run.correction);
  card["drift_baseline_mape"] = run.test.metrics.mape;
  card["drift_rule"] = "rolling MAPE of recorded actuals > 1.2 x drift_baseline_mape (seed 000)";
  card["interval"] = json::object{{"method", "split-conformal on validation log residuals"},
                                  {"nominal_coverage", b.interval_coverage},
                                  {"q_lo", b.conformal_q_lo},
                                  {"q_hi", b.conformal_q_hi},
                                  {"validation_rows", run.conformal_rows},
                                  {"test_coverage", run.test.coverage}};
  card["price_index"] = json::object{{"first_year", pi.first_year},
                                     {"log_index", DoubleArray(pi.log_index)},
                                     {"slope_per_year", pi.slope_per_year},
                                     {"as_of_date", pi.as_of_date}};
  card["anomaly"] = json::object{
      {"method",
       "mean distance to the k nearest past jobs in normalised spec space / the median "
       "leave-one-out value over training jobs"},
      {"k", b.knn_k},
      {"typical_distance", b.knn_typical_distance},
      {"threshold", b.anomaly_threshold}};
  card["features"] = run.width;
  card["rounds"] = chosen.report.rounds_run;
  card["best_round"] = chosen.report.best_round + 1;
  card["first_pass_rounds"] = run.first_pass.best_round + 1;
  card["model_selection"] = ModelSelectionJson(run.grid, opt);
  card["tree_nodes"] = chosen.nodes;
  card["params"] = json::object{{"max_depth", chosen.max_depth},
                                {"eta", chosen.eta},
                                {"subsample", opt.subsample},
                                {"colsample_bytree", opt.colsample_bytree},
                                {"min_child_weight", opt.min_child_weight},
                                {"max_rounds", opt.num_rounds},
                                {"early_stopping_rounds", opt.early_stopping_rounds},
                                {"early_stopping_metric", "rmse"},
                                {"base_score", run.base_score},
                                {"seed", opt.seed},
                                {"min_category_count", opt.min_category_count}};
  SIGNX_ASSIGN_OR_RETURN(card["top_drivers"], TopDriversJson(booster, b.encoder, run.width));
  card["library_versions"] = json::object{{"xgboost", ml::XGBoostVersion()}, {"hnswlib", "0.6"}};
  if (opt.record_timing) {
    card["training_seconds"] = std::round(run.train_seconds * 1000) / 1000;
    card["trained_at"] =
        fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  }
  return card;
}

}  // namespace

Result<CostBundle> TrainCostModel(std::vector<HistoryJob> jobs, const CostTrainOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  TrainingRun run;
  SIGNX_ASSIGN_OR_RETURN(run.split, SplitByTime(&jobs, opt));
  run.jobs = jobs;

  CostBundle b;
  b.encoder = FeatureEncoder::Fit(run.split.train, opt.min_category_count);
  const EncodedSplit encoded = EncodeSplit(b.encoder, run.split);
  run.width = encoded.width;
  run.base_score = BaseScore(encoded.train);

  PriceIndex& pi = b.price_index;
  SIGNX_ASSIGN_OR_RETURN(run.first_pass,
                         FitFirstPriceIndex(encoded, run.split, opt, run.base_score, &pi));
  SIGNX_ASSIGN_OR_RETURN(const ml::Booster booster,
                         SelectBooster(encoded, run.split, opt, run.base_score, pi, &run.grid));
  SIGNX_RETURN_IF_ERROR(RefitPriceIndex(booster, encoded, &pi));
  pi.as_of_date = run.split.valid.empty() ? run.split.train.back().project_date
                                          : run.split.valid.back().project_date;
  run.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  SIGNX_ASSIGN_OR_RETURN(run.conformal_rows,
                         FitConformalInterval(booster, encoded.valid, encoded.width, &b));
  SIGNX_ASSIGN_OR_RETURN(run.test,
                         EvaluateOnTest(booster, run.split.test, encoded.test, encoded.width, b));

  SIGNX_RETURN_IF_ERROR(FitEstimateCorrection(
      encoded, run.split, run.test, run.grid.candidates[run.grid.pick], opt, &b, &run.correction));

  const std::size_t n_train = run.split.train.size();
  FillReference(run.jobs.first(n_train + run.split.valid.size()), &b);
  SIGNX_RETURN_IF_ERROR(CalibrateAnomaly(n_train, &b));

  SIGNX_ASSIGN_OR_RETURN(b.booster, booster.SaveRaw(ml::Booster::Format::kUbj));
  b.model_version = ComputeCostModelVersion(b);
  SIGNX_ASSIGN_OR_RETURN(json::object card, ModelCard(b, booster, run, opt));
  json::value cv = std::move(card);
  RoundDoubles(cv);
  b.card = std::move(cv.get_object());
  return b;
}

}  // namespace signx::estimating
