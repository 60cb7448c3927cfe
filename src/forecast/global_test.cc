#include "forecast/global.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "forecast/batch.h"
#include "forecast/evaluation.h"
#include "forecast/methods.h"
#include "forecast/metrics.h"

namespace signx::forecast {
namespace {

// Series that share one daily shape at different levels: what a global model learns from all.
std::vector<std::vector<double>> SharedShape(int count, int length, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> level(10.0, 1000.0);
  std::normal_distribution<double> noise(0.0, 0.02);
  std::vector<std::vector<double>> out;
  for (int s = 0; s < count; ++s) {
    const double l = level(rng);
    std::vector<double> y;
    for (int t = 0; t < length; ++t) {
      y.push_back(l * (1.0 + 0.5 * std::sin(2 * std::numbers::pi * t / 24)) * (1.0 + noise(rng)));
    }
    out.push_back(std::move(y));
  }
  return out;
}

TEST(GlobalModel, LearnsASharedPatternAcrossLevels) {
  const auto series = SharedShape(40, 24 * 12, 1);
  GlobalModelOptions o;
  o.horizon = 24;
  o.period = 12;  // deliberately not 24: the lags still carry the pattern
  o.max_rows = 20000;
  o.rounds = 80;
  auto model = GlobalModel::Train(series, o);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT((*model)->training_rows(), 1000u);
  // A new series at another level: the forecast follows the shape within a few per cent.
  const auto fresh = SharedShape(1, 24 * 12 + 24, 99)[0];
  const std::span<const double> hist(fresh.data(), 24 * 12);
  const auto f = (*model)->Forecast(hist, 24);
  ASSERT_EQ(f.size(), 24u);
  const std::span<const double> actual(fresh.data() + 24 * 12, 24);
  EXPECT_LT(Smape(actual, f), 6.0);
  EXPECT_LT(Smape(actual, f), Smape(actual, Naive(hist, 24)));
  EXPECT_TRUE((*model)->Forecast(hist, 25).empty());  // beyond the trained horizon
}

TEST(GlobalModel, RefusesTooFewSeries) {
  const auto series = SharedShape(3, 200, 2);
  auto model = GlobalModel::Train(series, {.horizon = 8, .period = 24});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kFailedPrecondition);
}

TEST(AutoForecastAll, OffersTheGlobalModelAndKeepsOrder) {
  const auto series = SharedShape(120, 24 * 10, 3);
  std::vector<std::string> notes;
  const auto all = AutoForecastAll(series, {.horizon = 12, .period = 24}, 2, 100, &notes);
  ASSERT_EQ(all.size(), series.size());
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("global model trained"), std::string::npos) << notes[0];
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[1].find("intervals: latest backtest window"), std::string::npos) << notes[1];
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_TRUE(all[i].ok());
    ASSERT_EQ(all[i]->point.size(), 12u);
    // Order: each forecast sits at its own series' level.
    EXPECT_NEAR(all[i]->point[0] / series[i].back(), 1.0, 0.6) << i;
  }
  const auto local = AutoForecastAll(series, {.horizon = 12, .period = 24}, 2, 0, &notes);
  for (const auto& r : local) EXPECT_EQ(r->method.find("GBM"), std::string::npos);
}

TEST(ParallelFor, VisitsEveryIndexOnce) {
  std::vector<int> seen(1000, 0);
  ParallelFor(seen.size(), 3, [&](std::size_t i) { ++seen[i]; });
  for (int v : seen) EXPECT_EQ(v, 1);
  ParallelFor(0, 2, [&](std::size_t) { FAIL(); });
}

TEST(Evaluate, ScoresNaive2AsOneAndRejectsMismatchedIds) {
  std::vector<NamedSeries> train, test;
  for (int s = 0; s < 5; ++s) {
    NamedSeries tr{"W" + std::to_string(s), {}}, te{"W" + std::to_string(s), {}};
    for (int t = 0; t < 60; ++t) tr.values.push_back(100 + s + 0.5 * t);
    for (int t = 60; t < 66; ++t) te.values.push_back(100 + s + 0.5 * t);
    train.push_back(tr);
    test.push_back(te);
  }
  EvaluationOptions o;
  o.horizon = 6;
  o.methods = {"Naive2", "Holt", "SignX"};
  auto scores = Evaluate(train, test, o);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  ASSERT_EQ(scores->size(), 3u);
  EXPECT_NEAR((*scores)[0].owa, 1.0, 1e-12);
  EXPECT_LT((*scores)[1].owa, 0.05);  // a clean trend: Holt is exact, Naive2 is not
  EXPECT_GE((*scores)[2].coverage, 0.0);
  test[2].id = "other";
  EXPECT_FALSE(Evaluate(train, test, o).ok());
  o.methods = {"NoSuchMethod"};
  test[2].id = "W2";
  EXPECT_FALSE(Evaluate(train, test, o).ok());
}

TEST(Ets, ClosedFormInitialStatesFitALineExactly) {
  // Holt on an exact line: the least-squares initial level and slope make the fit exact.
  std::vector<double> y;
  for (int t = 0; t < 40; ++t) y.push_back(5.0 + 3.0 * t);
  const EtsModel m = FitEts(y, Trend::kAdditive, Season::kNone, 1);
  EXPECT_LT(m.sse, 1e-6);
  const auto f = ForecastEts(m, 2);
  EXPECT_NEAR(f[0], 5.0 + 3.0 * 40, 1e-3);
  EXPECT_NEAR(f[1], 5.0 + 3.0 * 41, 1e-3);
}

}  // namespace
}  // namespace signx::forecast
