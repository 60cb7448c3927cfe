// The drift rule (cost_model_drift.h): rolling MAPE above 1.2 × the baseline over the window, with
// enough pairs; the baseline read from a trained model's card (cost_model_test.h).
#include "estimating/cost_model_drift.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <vector>

#include "estimating/cost_model_test.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using cost_model_test::CostModelTest;

std::vector<PredictionActual> Pairs(std::size_t n, double ape) {
  std::vector<PredictionActual> v;
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t actual = 100'000;
    v.push_back(
        {actual + static_cast<int64_t>(std::llround(ape * actual)) * (i % 2 ? 1 : -1), actual});
  }
  return v;
}

TEST(DriftTest, TriggersExactlyAboveOnePointTwoTimesTheBaseline) {
  const double baseline = 0.10;  // threshold 12 %
  auto at = EvaluateDrift(Pairs(100, 0.12), baseline);
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->enough_data);
  EXPECT_FALSE(at->drifted) << at->reason;  // equal is not above
  auto above = EvaluateDrift(Pairs(100, 0.1201), baseline);
  EXPECT_TRUE(above->drifted) << above->reason;
  auto below = EvaluateDrift(Pairs(100, 0.1199), baseline);
  EXPECT_FALSE(below->drifted);
  EXPECT_NEAR(above->rolling_mape, 0.1201, 1e-9);
  EXPECT_NEAR(above->threshold_mape, 0.12, 1e-12);
}

TEST(DriftTest, NeedsEnoughPairsAndOnlyLooksAtTheWindow) {
  auto few = EvaluateDrift(Pairs(29, 0.5), 0.1);
  ASSERT_TRUE(few.ok());
  EXPECT_FALSE(few->enough_data);
  EXPECT_FALSE(few->drifted);
  EXPECT_TRUE(EvaluateDrift(Pairs(30, 0.5), 0.1)->drifted);
  // Old bad pairs fall out of the window: 300 bad then 200 good → no drift.
  auto v = Pairs(300, 0.5);
  auto good = Pairs(200, 0.05);
  v.insert(v.end(), good.begin(), good.end());
  auto d = EvaluateDrift(v, 0.1);
  EXPECT_EQ(d->pairs, 200u);
  EXPECT_FALSE(d->drifted);
  // ... and recent bad pairs count.
  auto w = Pairs(300, 0.05);
  auto bad = Pairs(200, 0.5);
  w.insert(w.end(), bad.begin(), bad.end());
  EXPECT_TRUE(EvaluateDrift(w, 0.1)->drifted);
  // Non-positive actuals are ignored; bad options are errors.
  EXPECT_EQ(EvaluateDrift(std::vector<PredictionActual>(50, {100, 0}), 0.1)->pairs, 0u);
  EXPECT_FALSE(EvaluateDrift(Pairs(50, 0.1), 0).ok());
  EXPECT_FALSE(EvaluateDrift(Pairs(50, 0.1), 0.1, {.window = 10, .min_pairs = 20}).ok());
}

TEST_F(CostModelTest, DriftBaselineComesFromTheCard) {
  auto b = DriftBaselineFromCard(bundle_->card);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, bundle_->card.at("test").as_object().at("mape").to_number<double>());
}

}  // namespace
}  // namespace signx::estimating
