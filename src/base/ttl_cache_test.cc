#include "base/ttl_cache.h"

#include <gtest/gtest.h>

namespace signx {
namespace {

using namespace std::chrono_literals;

TEST(TtlCacheTest, ServesForTheTtlThenForgets) {
  TtlCache<int> cache(2000ms, 10);
  const Timestamp t0 = FromUnixMicros(1'000'000'000);
  EXPECT_FALSE(cache.Get("a", t0));
  cache.Put("a", 1, t0);
  EXPECT_EQ(cache.Get("a", t0 + 1999ms), 1);
  EXPECT_FALSE(cache.Get("a", t0 + 2000ms));
  EXPECT_FALSE(cache.Get("a", t0));  // dropped by the expired read
  cache.Put("b", 2, t0);
  EXPECT_FALSE(cache.Get("b", t0 - 1ms));  // a clock that went back does not hit
}

TEST(TtlCacheTest, UpdateKeepsTheAgeAndClearEmpties) {
  TtlCache<int> cache(2000ms, 10);
  const Timestamp t0 = FromUnixMicros(1'000'000'000);
  cache.Put("a", 1, t0);
  cache.Update("a", [](int& v) { v = 5; });
  cache.Update("missing", [](int& v) { v = 7; });
  EXPECT_EQ(cache.Get("a", t0 + 1s), 5);
  EXPECT_FALSE(cache.Get("a", t0 + 2s));
  EXPECT_FALSE(cache.Get("missing", t0));
  cache.Put("a", 1, t0);
  cache.Clear();
  EXPECT_FALSE(cache.Get("a", t0));
}

TEST(TtlCacheTest, FullCacheStartsOverAndZeroTtlDisables) {
  TtlCache<int> cache(2000ms, 2);
  const Timestamp t0 = FromUnixMicros(1'000'000'000);
  cache.Put("a", 1, t0);
  cache.Put("b", 2, t0);
  cache.Put("b", 3, t0);  // replacing an entry does not count as growth
  EXPECT_EQ(cache.Get("a", t0), 1);
  cache.Put("c", 4, t0);  // full: emptied first
  EXPECT_FALSE(cache.Get("a", t0));
  EXPECT_EQ(cache.Get("c", t0), 4);

  TtlCache<int> off(0ms, 2);
  off.Put("a", 1, t0);
  EXPECT_FALSE(off.Get("a", t0));
  EXPECT_FALSE(off.enabled());
}

}  // namespace
}  // namespace signx
