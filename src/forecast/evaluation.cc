#include "forecast/evaluation.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>

#include "forecast/auto.h"
#include "forecast/batch.h"
#include "forecast/forecast.h"
#include "forecast/methods.h"
#include "forecast/metrics.h"

namespace signx::forecast {

std::vector<std::string> MethodNames() {
  std::vector<std::string> names = {"Naive"};
  for (const Candidate& c : CandidatesFor(100000, 24, false)) names.push_back(c.name);
  for (const char* n : {"Croston", "SBA", "TSB"}) names.push_back(n);
  return names;
}

Result<std::vector<double>> ForecastWith(const std::string& method, std::span<const double> y,
                                         int h, int m) {
  if (method == "Naive") return Naive(y, h);
  const bool intermittent = method == "Croston" || method == "SBA" || method == "TSB";
  // Candidates are offered by length; ask as if long so every name resolves, then let the method's
  // own fallbacks handle a short y.
  for (const Candidate& c : CandidatesFor(100000, m, intermittent)) {
    if (c.name == method) return c.fn(y, h);
  }
  return InvalidArgument("unknown method '" + method + "' for period " + std::to_string(m));
}

Result<std::vector<MethodScore>> Evaluate(const std::vector<NamedSeries>& train,
                                          const std::vector<NamedSeries>& test,
                                          const EvaluationOptions& o) {
  if (train.size() != test.size())
    return InvalidArgument("train and test have different numbers of series");
  if (o.horizon < 1) return InvalidArgument("horizon must be at least 1");
  const std::size_t n = test.size();
  const std::size_t uh = static_cast<std::size_t>(o.horizon);
  for (std::size_t i = 0; i < n; ++i) {
    if (train[i].id != test[i].id)
      return InvalidArgument("row " + std::to_string(i + 1) + ": train id " + train[i].id +
                             " vs test id " + test[i].id);
    if (test[i].values.size() < uh)
      return InvalidArgument("test series " + test[i].id + " has fewer than horizon values");
    if (train[i].values.size() <= static_cast<std::size_t>(o.mase_period))
      return InvalidArgument("train series " + train[i].id + " too short for MASE");
  }
  std::vector<double> scale(n);
  AccuracyAccumulator ref;
  for (std::size_t i = 0; i < n; ++i) {
    scale[i] = MaseScale(train[i].values, o.mase_period);
    ref.Add(std::span<const double>(test[i].values).subspan(0, uh),
            Naive2(train[i].values, o.horizon, o.mase_period), scale[i]);
  }
  std::vector<MethodScore> out;
  for (const std::string& method : o.methods) {
    MethodScore s;
    s.method = method;
    std::vector<std::vector<double>> point(n), lower(n), upper(n);
    std::vector<std::string> chosen(n);
    Status failed;
    std::mutex mu;
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    if (method == "SignX" || method == "SignX-local") {
      std::vector<std::vector<double>> histories;
      histories.reserve(n);
      for (const auto& t : train) histories.push_back(t.values);
      auto results = AutoForecastAll(
          histories, {.horizon = o.horizon, .period = o.model_period, .level = o.level}, o.threads,
          method == "SignX" ? 100 : 0, &s.notes);
      for (std::size_t i = 0; i < n; ++i) {
        if (!results[i].ok()) return results[i].status();
        point[i] = std::move(results[i]->point);
        lower[i] = std::move(results[i]->lower);
        upper[i] = std::move(results[i]->upper);
        chosen[i] = std::move(results[i]->method);
      }
    } else {
      ParallelFor(n, o.threads, [&](std::size_t i) {
        auto r = ForecastWith(method, train[i].values, o.horizon, o.model_period);
        if (!r.ok()) {
          std::lock_guard lock(mu);
          failed = r.status();
          return;
        }
        point[i] = std::move(*r);
      });
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    if (!failed.ok()) return failed;
    AccuracyAccumulator acc;
    std::size_t inside = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::span<const double> actual = std::span<const double>(test[i].values).subspan(0, uh);
      for (double& v : point[i]) {
        if (!std::isfinite(v))
          return Internal(method + " produced a non-finite forecast for " + test[i].id);
      }
      acc.Add(actual, point[i], scale[i]);
      if (!lower[i].empty()) {
        for (std::size_t k = 0; k < uh; ++k) {
          inside += actual[k] >= lower[i][k] && actual[k] <= upper[i][k];
          ++total;
        }
        ++s.chosen[chosen[i]];
      }
    }
    s.smape = acc.smape();
    s.mase = acc.mase();
    s.owa = Owa(s.smape, s.mase, ref.smape(), ref.mase());
    if (total) s.coverage = static_cast<double>(inside) / static_cast<double>(total);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace signx::forecast
