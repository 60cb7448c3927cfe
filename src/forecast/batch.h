// Many series at once: AutoForecast (or any per-series function) over std::threads.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "forecast/forecast.h"

namespace signx::forecast {

// Calls fn(i) for every i in [0, n) on `threads` threads (at least 1); each index once. fn must be
// safe to call concurrently for different i.
void ParallelFor(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

// AutoForecast for every history, in order. With at least `min_series_for_global` histories
// (0 = never) a global XGBoost model (global.h) is trained first, on each history but its last
// 3 * horizon values, and offered to every series' backtest as the candidate "GBM"; `notes` (if
// given) receives what happened to it.
std::vector<Result<Forecast>> AutoForecastAll(std::span<const std::vector<double>> histories,
                                              const Options& options, int threads,
                                              std::size_t min_series_for_global = 100,
                                              std::vector<std::string>* notes = nullptr);

}  // namespace signx::forecast
