// Training on a small history spread thinly over many years: no year has enough jobs for a price
// level of its own, so the price index pools them (it used to leave NaN labels and fail).
#include <gtest/gtest.h>

#include <cmath>

#include "estimating/cost_model.h"
#include "estimating/generator.h"

namespace signx::estimating {
namespace {

TEST(SparseHistory, TrainsWhenNoYearHasEnoughJobsForItsOwnLevel) {
  constexpr int kJobs = 260;  // ~14 per year over 2007-2025, under the 20-row year minimum
  std::vector<HistoryJob> jobs;
  for (int i = 0; i < kJobs; ++i) {
    jobs.push_back(JobFromRecord(
        GenerateProject({.projects = kJobs, .seed = 7, .first_year = 2007, .last_year = 2025}, i)));
  }
  CostTrainOptions options;
  options.record_timing = false;
  options.num_rounds = 30;
  auto bundle = TrainCostModel(std::move(jobs), options);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  for (int year = 2005; year <= 2027; ++year) {
    EXPECT_TRUE(std::isfinite(bundle->price_index.LogIndexAt(year))) << year;
  }
  const auto* test = bundle->card.if_contains("test");
  ASSERT_NE(test, nullptr);
  const double mape = test->as_object().at("mape").to_number<double>();
  EXPECT_TRUE(std::isfinite(mape));
  EXPECT_LT(mape, 1.0);  // a usable model, not a degenerate one
}

}  // namespace
}  // namespace signx::estimating
