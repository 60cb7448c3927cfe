#include "search/fusion.h"

#include <gtest/gtest.h>

namespace signx::search {
namespace {

TEST(ReciprocalRankFusionTest, ScoresAndTiesByHand) {
  const RankedRun runs[] = {{{"a", "b", "c"}, 1.0}, {{"b", "a", "d"}, 1.0}};
  const std::vector<Fused> fused = ReciprocalRankFusion(runs, 60);
  ASSERT_EQ(fused.size(), 4u);
  // a and b both score 1/61 + 1/62; a ranks first in the first run.
  EXPECT_EQ(fused[0].id, "a");
  EXPECT_EQ(fused[1].id, "b");
  EXPECT_NEAR(fused[0].score, 1.0 / 61 + 1.0 / 62, 1e-12);
  EXPECT_NEAR(fused[1].score, fused[0].score, 1e-12);
  // c and d both 1/63: c comes from the earlier run.
  EXPECT_EQ(fused[2].id, "c");
  EXPECT_EQ(fused[3].id, "d");
  EXPECT_NEAR(fused[3].score, 1.0 / 63, 1e-12);
}

TEST(ReciprocalRankFusionTest, WeightsShiftTheOrder) {
  const RankedRun runs[] = {{{"a", "b"}, 1.0}, {{"b", "a"}, 3.0}};
  const std::vector<Fused> fused = ReciprocalRankFusion(runs, 1);
  // a: 1/2 + 3/3 = 1.5; b: 1/3 + 3/2 = 1.8333.
  EXPECT_EQ(fused[0].id, "b");
  EXPECT_NEAR(fused[0].score, 1.0 / 3 + 1.5, 1e-12);
  EXPECT_NEAR(fused[1].score, 1.5, 1e-12);
  EXPECT_TRUE(ReciprocalRankFusion({}, 60).empty());
}

}  // namespace
}  // namespace signx::search
