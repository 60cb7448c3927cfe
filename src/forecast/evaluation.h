// Scoring forecasting methods on a set of series with a held-out test part, the M4 way (see
// metrics.h): every fixed method of methods.h by name, and AutoForecast ("SignX"), each with its
// wall time; AutoForecast also with the measured coverage of its prediction intervals and which
// methods it chose. Pure: the caller parses the files (m4.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "forecast/m4.h"

namespace signx::forecast {

struct EvaluationOptions {
  int horizon = 0;
  int mase_period = 1;  // the m of MASE and of the reference Naive2 (M4: 24 hourly, 1 weekly/daily)
  int model_period = 1;  // the period the methods are given (e.g. 52 for weekly)
  double level = 0.8;    // interval level for AutoForecast
  int threads = 2;
  std::vector<std::string> methods;  // fixed methods by name (MethodNames()); "SignX" =
                                     // AutoForecastAll, "SignX-local" = without the global model
};

struct MethodScore {
  std::string method;
  double smape = 0.0, mase = 0.0, owa = 0.0;
  double seconds = 0.0;      // wall time of forecasting all series (threads as given)
  double cpu_seconds = 0.0;  // process CPU time (all threads) over the same span
  double coverage = -1.0;    // share of test values inside the interval (AutoForecast only)
  std::map<std::string, int> chosen;  // AutoForecast only: method -> series
  std::vector<std::string> notes;     // AutoForecastAll's notes (the global model)
};

// Names accepted in EvaluationOptions::methods besides "SignX".
std::vector<std::string> MethodNames();

// Forecast of one fixed method by name on y.
Result<std::vector<double>> ForecastWith(const std::string& method, std::span<const double> y,
                                         int h, int m);

// train[i] and test[i] must have the same id; test rows need >= horizon values; train rows need
// more than mase_period values. The reference is Naive2 with mase_period.
Result<std::vector<MethodScore>> Evaluate(const std::vector<NamedSeries>& train,
                                          const std::vector<NamedSeries>& test,
                                          const EvaluationOptions& options);

}  // namespace signx::forecast
