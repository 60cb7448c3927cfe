// A global gradient-boosted model (XGBoost) over many series: one model learns the step-ahead
// ratio y[t+k] / L from lags, same-phase values of earlier seasons (and weeks, for hourly data),
// recent means and the step k, every value scaled by the series' recent level L. It is offered to
// AutoForecastAll's per-series backtest as the candidate "GBM" when there are enough series.
//
// Leakage: the model is trained only on targets before each series' first backtest origin
// (n - 3h), so its backtest scores are out of sample like every other candidate's.
// Thread-safety: Forecast is const and may be called concurrently after Train.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace signx::forecast {

struct GlobalModelOptions {
  int horizon = 1;
  int period = 1;        // seasonal period; 24 also adds the weekly 168
  int holdout = 0;       // values at the end of each series not trained on (AutoForecastAll: 3h)
  int max_rows = 60000;  // training rows (sampled evenly over origins and steps)
  int rounds = 150;
  int threads = 2;
};

class GlobalModel {
 public:
  // Needs at least 10 series with usable history; otherwise FailedPrecondition.
  static Result<std::unique_ptr<GlobalModel>> Train(std::span<const std::vector<double>> series,
                                                    const GlobalModelOptions& options);
  ~GlobalModel();
  GlobalModel(const GlobalModel&) = delete;
  GlobalModel& operator=(const GlobalModel&) = delete;

  // h-step forecast after y (h <= the trained horizon); empty when y is too short or on failure.
  std::vector<double> Forecast(std::span<const double> y, int h) const;
  std::size_t training_rows() const { return rows_; }

 private:
  GlobalModel() = default;
  void* booster_ = nullptr;
  GlobalModelOptions options_;
  std::size_t rows_ = 0;
};

}  // namespace signx::forecast
