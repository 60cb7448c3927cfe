#include "forecast/forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "forecast/auto.h"

namespace signx::forecast {
namespace {

void ExpectWellFormed(const Forecast& f, int h) {
  ASSERT_EQ(f.point.size(), static_cast<std::size_t>(h));
  ASSERT_EQ(f.lower.size(), static_cast<std::size_t>(h));
  ASSERT_EQ(f.upper.size(), static_cast<std::size_t>(h));
  for (int i = 0; i < h; ++i) {
    const auto k = static_cast<std::size_t>(i);
    EXPECT_TRUE(std::isfinite(f.point[k]) && std::isfinite(f.lower[k]) &&
                std::isfinite(f.upper[k]));
    EXPECT_LE(f.lower[k], f.point[k]);
    EXPECT_LE(f.point[k], f.upper[k]);
  }
  EXPECT_FALSE(f.method.empty());
}

TEST(AutoForecast, RejectsBadInputNamingTheField) {
  const std::vector<double> y = {1, 2, 3};
  auto r = AutoForecast(y, {.horizon = 0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().details().at(0).field, "horizon");
  r = AutoForecast({}, {.horizon = 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().details().at(0).field, "history");
  const std::vector<double> nan = {1, std::numeric_limits<double>::quiet_NaN()};
  r = AutoForecast(nan, {.horizon = 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().details().at(0).field, "history[1]");
  r = AutoForecast(y, {.horizon = 1, .period = 0, .level = 1.5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().details().size(), 2u);
}

TEST(AutoForecast, ShortSeriesFallsBackAndSaysSo) {
  const std::vector<double> one = {7};
  auto r = AutoForecast(one, {.horizon = 3});
  ASSERT_TRUE(r.ok());
  ExpectWellFormed(*r, 3);
  EXPECT_EQ(r->method, "Naive");
  EXPECT_EQ(r->point, (std::vector<double>{7, 7, 7}));
  ASSERT_FALSE(r->notes.empty());
  EXPECT_NE(r->notes[0].find("too short"), std::string::npos);
  const std::vector<double> six = {1, 2, 3, 4, 5, 6};
  r = AutoForecast(six, {.horizon = 2, .period = 12});
  ASSERT_TRUE(r.ok());
  ExpectWellFormed(*r, 2);
  EXPECT_EQ(r->method, "Theta");
}

TEST(AutoForecast, NeverNaNOnAwkwardSeries) {
  std::vector<std::vector<double>> cases = {
      std::vector<double>(50, 0.0),  // all zeros
      std::vector<double>(50, 3.0),  // constant
      {1e300, -1e300, 1e300, -1e300, 1e300, -1e300, 1e300, -1e300, 1e300, -1e300, 1e300, -1e300},
      {-5, -4, -6, -5, -7, -3, -5, -4, -6, -5, -5, -4, -6},
  };
  std::mt19937 rng(3);
  std::vector<double> spiky;
  for (int i = 0; i < 200; ++i)
    spiky.push_back(i % 37 == 0 ? 1e6 : std::uniform_real_distribution<>(0, 1)(rng));
  cases.push_back(spiky);
  for (const auto& y : cases) {
    for (int period : {1, 7, 24}) {
      auto r = AutoForecast(y, {.horizon = 10, .period = period});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ExpectWellFormed(*r, 10);
    }
  }
}

TEST(AutoForecast, SeasonalSeriesIsForecastAccurately) {
  std::vector<double> y;
  auto value = [](int t) { return 50.0 + 0.2 * t + 10.0 * std::sin(2 * std::numbers::pi * t / 7); };
  for (int t = 0; t < 140; ++t) y.push_back(value(t));
  auto r = AutoForecast(y, {.horizon = 14, .period = 7, .level = 0.9});
  ASSERT_TRUE(r.ok());
  ExpectWellFormed(*r, 14);
  for (int i = 0; i < 14; ++i)
    EXPECT_NEAR(r->point[static_cast<std::size_t>(i)], value(140 + i), 1.5) << r->method;
  EXPECT_EQ(r->level, 0.9);
}

TEST(AutoForecast, IntermittentDemandUsesCrostonFamilyAndStaysNonNegative) {
  std::mt19937 rng(11);
  std::vector<double> y;
  for (int t = 0; t < 120; ++t)
    y.push_back(std::bernoulli_distribution(0.25)(rng) ? 1 + rng() % 5 : 0);
  auto r = AutoForecast(y, {.horizon = 8, .period = 7});
  ASSERT_TRUE(r.ok());
  ExpectWellFormed(*r, 8);
  bool noted = false;
  for (const auto& n : r->notes) noted |= n.find("intermittent") != std::string::npos;
  EXPECT_TRUE(noted);
  for (double v : r->lower) EXPECT_GE(v, 0.0);
  const auto cands = CandidatesFor(y.size(), 7, true);
  bool has_tsb = false;
  for (const auto& c : cands) has_tsb |= c.name == "TSB";
  EXPECT_TRUE(has_tsb);
}

TEST(AutoForecast, IntervalCoversRoughlyTheLevelOnNoise) {
  // White noise around a level: over many held-out points, the 80 % interval should cover
  // clearly more than half and not everything.
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(100.0, 10.0);
  int covered = 0, total = 0;
  for (int s = 0; s < 40; ++s) {
    std::vector<double> y;
    for (int t = 0; t < 120; ++t) y.push_back(noise(rng));
    auto r = AutoForecast(y, {.horizon = 6, .period = 1, .level = 0.8});
    ASSERT_TRUE(r.ok());
    for (int i = 0; i < 6; ++i) {
      const double a = noise(rng);
      covered +=
          a >= r->lower[static_cast<std::size_t>(i)] && a <= r->upper[static_cast<std::size_t>(i)];
      ++total;
    }
  }
  const double coverage = static_cast<double>(covered) / total;
  EXPECT_GT(coverage, 0.6);
  EXPECT_LT(coverage, 0.99);
}

TEST(Backtest, PicksTheMethodThatFitsAndScoresCombinations) {
  std::vector<double> y;
  for (int t = 0; t < 60; ++t) y.push_back(10.0 + 2.0 * t);  // a clean trend: Holt wins
  const auto cands = CandidatesFor(y.size(), 1, false);
  const auto bt = Backtest(y, 5, 1, cands, false, 10);
  EXPECT_EQ(bt.windows, 3);
  EXPECT_EQ(bt.names.size(), cands.size() + 4);  // + the means of the top 2, 3, 4 and 5
  EXPECT_LT(bt.score[bt.best], 0.2) << bt.names[bt.best];
  EXPECT_EQ(bt.residuals.size(), 3u);
}

}  // namespace
}  // namespace signx::forecast
