#include "forecast/batch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

#include "forecast/auto.h"
#include "forecast/global.h"
#include "forecast/methods.h"

namespace signx::forecast {

namespace {

// Cross-series check of the conformal intervals: build each series' quantile from its older
// backtest windows only and see how often its latest window falls inside. The chosen method's
// residuals are optimistic (it won on them) and the future drifts from the past, so this pooled
// coverage tends to fall short of the level; the smallest factor c >= 1 that brings it to the
// level widens every interval (from all windows). Needs >= 30 series with >= 2 windows.
void CalibrateIntervals(std::span<const std::vector<double>> histories, double level,
                        const std::vector<std::vector<std::vector<double>>>& residuals,
                        std::vector<std::optional<Result<Forecast>>>& results,
                        std::vector<std::string>* notes) {
  struct Check {
    double q_old;
    const std::vector<double>* latest;
  };
  std::vector<Check> checks;
  for (std::size_t i = 0; i < residuals.size(); ++i) {
    if (residuals[i].size() < 2 || !results[i]->ok()) continue;
    const double q_old = ConformalQuantile(residuals[i], level, 1);
    if (q_old > 0.0) checks.push_back({q_old, &residuals[i][0]});
  }
  if (checks.size() < 30) return;
  auto coverage = [&](double c) {
    std::size_t inside = 0, total = 0;
    for (const Check& ch : checks) {
      for (std::size_t k = 0; k < ch.latest->size(); ++k) {
        inside += std::abs((*ch.latest)[k]) <= c * ch.q_old * std::sqrt(static_cast<double>(k + 1));
        ++total;
      }
    }
    return total ? static_cast<double>(inside) / static_cast<double>(total) : 1.0;
  };
  const double before = coverage(1.0);
  double c = 1.0;
  while (c < 3.0 && coverage(c) < level) c += 0.05;
  if (c > 1.0) {
    for (std::size_t i = 0; i < residuals.size(); ++i) {
      if (residuals[i].empty() || !results[i]->ok()) continue;
      const bool nonnegative =
          std::all_of(histories[i].begin(), histories[i].end(), [](double v) { return v >= 0.0; });
      Forecast& f = **results[i];
      ApplyInterval(f, c * ConformalQuantile(residuals[i], level, 0), nonnegative);
    }
  }
  if (notes) {
    char buf[200];
    std::snprintf(
        buf, sizeof buf,
        "intervals: latest backtest window inside the older windows' bands %.1f %% of the time "
        "over %zu series; widened x%.2f",
        100.0 * before, checks.size(), c);
    notes->push_back(buf);
  }
}

}  // namespace

void ParallelFor(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  const std::size_t t = std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)),
                                              std::max<std::size_t>(n, 1));
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < t; ++k) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
}

std::vector<Result<Forecast>> AutoForecastAll(std::span<const std::vector<double>> histories,
                                              const Options& options, int threads,
                                              std::size_t min_series_for_global,
                                              std::vector<std::string>* notes) {
  std::vector<Candidate> extra;
  std::unique_ptr<GlobalModel> global;
  if (min_series_for_global > 0 && histories.size() >= min_series_for_global &&
      options.horizon >= 1) {
    GlobalModelOptions go;
    go.horizon = options.horizon;
    go.period = std::max(options.period, 1);
    go.holdout = 3 * options.horizon;
    // One XGBoost thread: with OpenMP's default spin-waiting, a second training thread burned as
    // much CPU waiting as working on a shared machine (perf: half the process in libgomp).
    go.threads = 1;
    const auto t0 = std::chrono::steady_clock::now();
    auto trained = GlobalModel::Train(histories, go);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (trained.ok()) {
      global = std::move(*trained);
      const GlobalModel* g = global.get();
      extra.push_back({"GBM", [g](Series y, int h) {
                         std::vector<double> f = g->Forecast(y, h);
                         return f.empty() ? Naive(y, h) : f;
                       }});
      if (notes)
        notes->push_back("global model trained on " + std::to_string(g->training_rows()) +
                         " rows in " +
                         std::to_string(static_cast<int>(secs * 10) / 10.0).substr(0, 5) + " s");
    } else if (notes) {
      notes->push_back("no global model: " + std::string(trained.status().message()));
    }
  }
  std::vector<std::optional<Result<Forecast>>> tmp(histories.size());
  std::vector<std::vector<std::vector<double>>> residuals(histories.size());
  ParallelFor(histories.size(), threads, [&](std::size_t i) {
    tmp[i].emplace(AutoForecastWith(histories[i], options, extra, &residuals[i]));
  });
  CalibrateIntervals(histories, options.level, residuals, tmp, notes);
  std::vector<Result<Forecast>> out;
  out.reserve(tmp.size());
  for (auto& r : tmp) out.push_back(std::move(*r));
  return out;
}

}  // namespace signx::forecast
