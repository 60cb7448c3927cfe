// Demand forecasting: one entry point that picks a method per series.
//
// AutoForecast forecasts one univariate history (equally spaced, oldest first) `horizon` steps
// ahead. It chooses among the methods of methods.h (naive family, exponential smoothing with ETS
// selection by AICc, Theta, Croston-type methods for intermittent demand, multiple-seasonal
// decomposition) and combinations of them by a rolling-origin backtest on the history itself, and
// puts conformal prediction intervals around the point forecast from the backtest residuals.
//
// Pure: no I/O, no global state; deterministic for a given input. Thread-safety: every function
// here may be called concurrently from several threads.
//
// Guarantees: on success `point`, `lower` and `upper` have `horizon` finite values with
// lower <= point <= upper. A history too short for a method falls back to a simpler one and says
// so in `notes`. Invalid input (empty history, a non-finite value, horizon < 1, period < 1, level
// outside (0, 1)) is an InvalidArgument naming the field.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace signx::forecast {

struct Options {
  int horizon = 0;     // steps ahead, >= 1
  int period = 1;      // seasonal period (1 = none); 24 (hourly) also tries the weekly 168
  double level = 0.8;  // central coverage of the prediction interval, in (0, 1)
};

struct Forecast {
  std::vector<double> point, lower, upper;  // size horizon, never NaN/inf
  double level = 0.8;
  std::string method;              // the chosen method or combination, e.g. "Comb(Theta,Damped)"
  std::vector<std::string> notes;  // e.g. "series too short for ETS: used Naive2"
};

Result<Forecast> AutoForecast(std::span<const double> history, const Options& options);

}  // namespace signx::forecast
