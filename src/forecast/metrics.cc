#include "forecast/metrics.h"

#include <algorithm>
#include <cmath>

namespace signx::forecast {

double MaseScale(std::span<const double> insample, int m) {
  const std::size_t um = static_cast<std::size_t>(std::max(m, 1));
  if (insample.size() <= um) return 0.0;
  double s = 0.0;
  for (std::size_t t = um; t < insample.size(); ++t) s += std::abs(insample[t] - insample[t - um]);
  return s / static_cast<double>(insample.size() - um);
}

namespace {
double SmapeTerm(double a, double f) {
  const double d = std::abs(a) + std::abs(f);
  return d > 0.0 ? 200.0 * std::abs(a - f) / d : 0.0;
}
}  // namespace

void AccuracyAccumulator::Add(std::span<const double> actual, std::span<const double> forecast,
                              double mase_scale) {
  const std::size_t h = std::min(actual.size(), forecast.size());
  for (std::size_t i = 0; i < h; ++i) {
    smape_sum_ += SmapeTerm(actual[i], forecast[i]);
    if (mase_scale > 0.0) mase_sum_ += std::abs(actual[i] - forecast[i]) / mase_scale;
  }
  steps_ += h;
  if (mase_scale > 0.0) mase_steps_ += h;
}

double Smape(std::span<const double> actual, std::span<const double> forecast) {
  AccuracyAccumulator acc;
  acc.Add(actual, forecast, 0.0);
  return acc.smape();
}

double Owa(double smape, double mase, double smape_naive2, double mase_naive2) {
  return 0.5 * (smape / smape_naive2 + mase / mase_naive2);
}

}  // namespace signx::forecast
