// Point-forecast accuracy as the M4 Competition scored it (reference: the M4 folder's evaluate.py).
//
// sMAPE = (200/h) Σ |y - ŷ| / (|y| + |ŷ|) (a step with y = ŷ = 0 counts 0); MASE = (1/h) Σ |y - ŷ|
// / s with s = mean |x_t - x_{t-m}| over the training series x; both averaged over every series and
// step of a frequency; OWA = ½ (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2).
#pragma once

#include <cstddef>
#include <span>

namespace signx::forecast {

// Mean absolute lag-m difference of the in-sample series (0 when n <= m).
double MaseScale(std::span<const double> insample, int m);

// Sums over steps, to be averaged over a whole frequency.
class AccuracyAccumulator {
 public:
  // Adds min(actual, forecast) steps. MASE is accumulated only when scale > 0.
  void Add(std::span<const double> actual, std::span<const double> forecast, double mase_scale);
  double smape() const { return steps_ ? smape_sum_ / static_cast<double>(steps_) : 0.0; }
  double mase() const { return mase_steps_ ? mase_sum_ / static_cast<double>(mase_steps_) : 0.0; }
  std::size_t steps() const { return steps_; }
  std::size_t mase_steps() const { return mase_steps_; }

 private:
  double smape_sum_ = 0.0, mase_sum_ = 0.0;
  std::size_t steps_ = 0, mase_steps_ = 0;
};

double Smape(std::span<const double> actual, std::span<const double> forecast);
double Owa(double smape, double mase, double smape_naive2, double mase_naive2);

}  // namespace signx::forecast
