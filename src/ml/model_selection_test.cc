#include "ml/model_selection.h"

#include <gtest/gtest.h>

namespace signx::ml {
namespace {

TEST(ModelSelectionTest, GridIsDepthMajorOrTheFallback) {
  const auto g = HyperparameterGrid({3, 4}, {0.1, 0.2}, {5, 0.05});
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[1].max_depth, 3);
  EXPECT_EQ(g[1].eta, 0.2);
  EXPECT_EQ(g[2].max_depth, 4);
  EXPECT_EQ(g[2].eta, 0.1);
  for (const auto& empty : {HyperparameterGrid({}, {0.1}, {5, 0.05}),
                            HyperparameterGrid({3}, {}, {5, 0.05})}) {
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_EQ(empty[0].max_depth, 5);
    EXPECT_EQ(empty[0].eta, 0.05);
  }
}

TEST(ModelSelectionTest, FewestNodesAmongTheAcceptableFirstOnTies) {
  const std::vector<std::size_t> nodes = {900, 300, 500, 300};
  EXPECT_EQ(FewestNodesAmong(nodes, [](std::size_t) { return true; }), 1u);
  EXPECT_EQ(FewestNodesAmong(nodes, [](std::size_t k) { return k != 1; }), 3u);
  EXPECT_EQ(FewestNodesAmong(nodes, [](std::size_t k) { return k == 0 || k == 2; }), 2u);
  EXPECT_EQ(FewestNodesAmong(nodes, [](std::size_t) { return false; }), 0u);
}

}  // namespace
}  // namespace signx::ml
