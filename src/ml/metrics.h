// Binary-classification metrics and data-splitting helpers used to train and report models:
// AUC-ROC, AUC-PR (average precision), log-loss, Brier score, a reliability (calibration) table,
// a seeded stratified train/validation/test split and quantiles.
//
// All functions are pure (no I/O, no globals) and thread-safe. Labels are 0/1 (anything > 0.5 is
// positive); scores are probabilities in [0, 1] unless stated otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace signx::ml {

// Area under the ROC curve (Mann-Whitney U with average ranks for ties). Error if one class is
// absent or sizes differ.
Result<double> AucRoc(std::span<const float> scores, std::span<const float> labels);

// Average precision (area under the precision-recall curve, step-wise as scikit-learn's
// average_precision_score): sum over distinct thresholds of (R_n - R_{n-1}) * P_n.
Result<double> AucPr(std::span<const float> scores, std::span<const float> labels);

// Mean negative log-likelihood; probabilities clipped to [1e-15, 1 - 1e-15].
Result<double> LogLoss(std::span<const float> probs, std::span<const float> labels);

// Mean squared difference between probability and label.
Result<double> Brier(std::span<const float> probs, std::span<const float> labels);

struct CalibrationBin {
  double lower = 0.0;       // bin covers [lower, upper) (the last bin includes 1.0)
  double upper = 0.0;
  std::size_t count = 0;    // rows whose probability falls in the bin
  double mean_predicted = 0.0;  // mean probability in the bin (0 when empty)
  double observed_rate = 0.0;   // fraction of positives in the bin (0 when empty)
};

// Reliability table with `bins` equal-width probability bins over [0, 1].
Result<std::vector<CalibrationBin>> CalibrationTable(std::span<const float> probs,
                                                     std::span<const float> labels,
                                                     int bins = 10);

// Expected calibration error: count-weighted mean |observed_rate - mean_predicted| over bins.
double ExpectedCalibrationError(const std::vector<CalibrationBin>& table);

struct Split {
  std::vector<std::size_t> train;
  std::vector<std::size_t> valid;
  std::vector<std::size_t> test;
};

// Stratified split of row indices 0..labels.size()-1: within each class the rows are shuffled
// with std::mt19937_64(seed) and cut by the fractions (test gets the remainder). Each part keeps
// the class ratio up to rounding; indices in each part are sorted ascending. Same inputs and
// seed → same split on every platform (the shuffle is implemented here, not by std::shuffle).
Result<Split> StratifiedSplit(std::span<const float> labels, double train_fraction,
                              double valid_fraction, std::uint64_t seed);

// Quantiles with linear interpolation between order statistics (numpy's default "linear").
// Each q must be in [0, 1]; values must be non-empty.
Result<std::vector<double>> Quantiles(std::span<const float> values, std::span<const double> qs);

// `v` rounded to `significant` decimal digits. Such values survive a JSON text round trip exactly
// (they parse on the exact fast path), so stored model parameters compare equal after loading.
double RoundSignificant(double v, int significant = 12);

}  // namespace signx::ml
