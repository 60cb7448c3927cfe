// AutoForecast's parts, exposed for tests and for the benchmark: the candidate methods offered for
// a series, and the rolling-origin backtest that scores them.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "forecast/forecast.h"
#include "forecast/methods.h"

namespace signx::forecast {

struct Candidate {
  std::string name;
  std::function<std::vector<double>(Series y, int h)> fn;
};

// The methods worth trying on a series of length n with period m (Naive2 first, always).
// `intermittent` adds Croston/SBA/TSB and drops the seasonal and trend methods.
std::vector<Candidate> CandidatesFor(std::size_t n, int m, bool intermittent);

// True when at least 30 % of the values are exactly zero and none is negative.
bool LooksIntermittent(Series y);

struct BacktestResult {
  int windows = 0;                                // rolling origins used (0: none fitted)
  std::vector<std::string> names;                 // candidates, then combinations
  std::vector<double> score;                      // OWA-like score vs Naive2, lower is better
  std::vector<std::vector<std::size_t>> members;  // candidates averaged by each entry
  std::size_t best = 0;                           // index into names
  std::vector<std::vector<double>> residuals;     // best entry: [window][step] actual - forecast
};

// Rolling-origin backtest on y: origins n - h*w (w = 1..up to 3) with at least `min_train` values
// before each; every candidate forecasts each window; the means of the top 2 to 5 are scored too.
// Scores are ½(sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2) over all windows (MASE alone for
// intermittent series).
// AutoForecast with extra candidates (e.g. a global model's "GBM") offered beside CandidatesFor.
// `residuals_out` (optional) receives the chosen entry's backtest residuals [window][step]
// (window 0 is the latest origin; empty without a backtest).
Result<Forecast> AutoForecastWith(Series history, const Options& options,
                                  const std::vector<Candidate>& extra,
                                  std::vector<std::vector<double>>* residuals_out = nullptr);

// The conformal half-width unit: the ceil((N+1) level)-th smallest |e| / sqrt(step) over the
// residual windows from `from_window` on (0 when there are none).
double ConformalQuantile(const std::vector<std::vector<double>>& residuals, double level,
                         std::size_t from_window);
// Sets lower/upper = point -/+ q sqrt(step) (lower clipped at 0 when nonnegative).
void ApplyInterval(Forecast& f, double q, bool nonnegative);

BacktestResult Backtest(Series y, int h, int m, const std::vector<Candidate>& candidates,
                        bool intermittent, std::size_t min_train);

}  // namespace signx::forecast
