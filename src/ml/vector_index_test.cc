#include "ml/vector_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace signx::ml {
namespace {

TEST(VectorIndexTest, FindsTheNearestRowsInOrderAndCanExcludeOne) {
  // Five points on a line: 0, 1, 2, 10, 11 (dim 2, y = 0).
  const std::vector<float> v = {0, 0, 1, 0, 2, 0, 10, 0, 11, 0};
  auto index = VectorIndex::Build(v, 2);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ((*index)->size(), 5u);
  const float q[] = {1.2f, 0};
  auto n = (*index)->Search(q, 3);
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].index, 1u);
  EXPECT_NEAR(n[0].distance, 0.2, 1e-5);
  EXPECT_EQ(n[1].index, 2u);
  EXPECT_EQ(n[2].index, 0u);
  // Leave-one-out: an indexed row's own neighbours without itself.
  const float self[] = {10, 0};
  auto loo = (*index)->Search(self, 1, /*exclude=*/3);
  ASSERT_EQ(loo.size(), 1u);
  EXPECT_EQ(loo[0].index, 4u);
}

// Enough rows for full link lists on the upper layers of the graph (M = 16: about 1 row in 16 is
// on layer 1). hnswlib 0.6.2's search prefetched one entry past the end of each link list there:
// a heap-buffer-overflow under ASan (found by `make asan` in the cost model tests).
TEST(VectorIndexTest, BuildsAndSearchesAGraphWithFullUpperLayers) {
  constexpr std::size_t kRows = 4000, kDim = 8;
  std::vector<float> v(kRows * kDim);
  uint32_t x = 12345;  // a fixed xorshift sequence: the same graph every run
  for (float& f : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    f = static_cast<float>(x % 1000) / 1000.0f;
  }
  auto index = VectorIndex::Build(v, kDim);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (std::size_t row = 0; row < kRows; row += 397) {
    auto n = (*index)->Search(std::span<const float>(v).subspan(row * kDim, kDim), 5);
    ASSERT_EQ(n.size(), 5u);
    EXPECT_EQ(n[0].index, row);  // a row is its own nearest neighbour
    EXPECT_EQ(n[0].distance, 0.0f);
  }
}

// Distance is the value Search reports, bit for bit, so an exact scan of some rows ranks them
// exactly as the graph would.
TEST(VectorIndexTest, DistanceIsTheSearchDistanceBitForBit) {
  constexpr std::size_t kRows = 300, kDim = 37;  // a dimension hnswlib handles with a residual
  std::vector<float> v(kRows * kDim);
  uint32_t x = 777;
  for (float& f : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    f = static_cast<float>(x % 1000) / 997.0f;
  }
  auto index = VectorIndex::Build(v, kDim);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const std::span<const float> all(v);
  const auto q = all.subspan(5 * kDim, kDim);
  for (const Neighbour& n : (*index)->Search(q, 20)) {
    EXPECT_EQ((*index)->Distance(q, all.subspan(n.index * kDim, kDim)), n.distance);
    double d2 = 0;
    for (std::size_t c = 0; c < kDim; ++c) {
      const double e = static_cast<double>(v[n.index * kDim + c]) - q[c];
      d2 += e * e;
    }
    EXPECT_NEAR(n.distance, std::sqrt(d2), 1e-4);
  }
}

TEST(VectorIndexTest, RefusesEmptyOrRaggedInput) {
  EXPECT_FALSE(VectorIndex::Build({}, 3).ok());
  const std::vector<float> ragged = {1, 2, 3, 4, 5};
  EXPECT_FALSE(VectorIndex::Build(ragged, 2).ok());
}

}  // namespace
}  // namespace signx::ml
