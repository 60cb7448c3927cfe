#include "forecast/batch.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

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
                                              const Options& options, int threads) {
  std::vector<std::optional<Result<Forecast>>> tmp(histories.size());
  ParallelFor(histories.size(), threads,
              [&](std::size_t i) { tmp[i].emplace(AutoForecast(histories[i], options)); });
  std::vector<Result<Forecast>> out;
  out.reserve(tmp.size());
  for (auto& r : tmp) out.push_back(std::move(*r));
  return out;
}

}  // namespace signx::forecast
