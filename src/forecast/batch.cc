#include "forecast/batch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "forecast/auto.h"
#include "forecast/global.h"
#include "forecast/methods.h"

namespace signx::forecast {

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
  ParallelFor(histories.size(), threads, [&](std::size_t i) {
    tmp[i].emplace(AutoForecastWith(histories[i], options, extra));
  });
  std::vector<Result<Forecast>> out;
  out.reserve(tmp.size());
  for (auto& r : tmp) out.push_back(std::move(*r));
  return out;
}

}  // namespace signx::forecast
