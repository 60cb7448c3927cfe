#include "cache/cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/id.h"
#include "cache/memory_cache.h"
#include "cache/redis_cache.h"
#include "cache/redis_client.h"

namespace signx::cache {
namespace {

using std::chrono::milliseconds;

// One backend under test plus a way to let time pass (fake for memory, real sleep for Redis).
struct Backend {
  std::unique_ptr<Cache> cache;
  std::function<void(milliseconds)> advance;
};

enum class Kind { kMemory, kRedis };

class CacheConformanceTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kMemory) {
      backend_.cache = std::make_unique<MemoryCache>(clock_);
      backend_.advance = [this](milliseconds d) { clock_.Advance(d); };
      return;
    }
    const char* url = std::getenv("SIGNX_TEST_REDIS_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "SIGNX_TEST_REDIS_URL is not set; run via scripts/with-test-services.sh";
    }
    config::RedisConfig redis;
    redis.url = url;
    Result<std::unique_ptr<Cache>> cache =
        OpenCache(redis, clock_, {}, "signx-test:" + NewId("run") + ":");
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    backend_.cache = std::move(*cache);
    backend_.advance = [](milliseconds d) { std::this_thread::sleep_for(d); };
  }

  Cache& cache() { return *backend_.cache; }

  FakeClock clock_;
  Backend backend_;
};

std::optional<std::string> GetOrDie(Cache& c, std::string_view key) {
  Result<std::optional<std::string>> r = c.Get(key);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

TEST_P(CacheConformanceTest, SetGetDelete) {
  EXPECT_EQ(GetOrDie(cache(), "k"), std::nullopt);
  ASSERT_TRUE(cache().Set("k", "v1", milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache(), "k"), "v1");
  ASSERT_TRUE(cache().Set("k", "v2", milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache(), "k"), "v2");
  ASSERT_TRUE(cache().Delete("k").ok());
  EXPECT_EQ(GetOrDie(cache(), "k"), std::nullopt);
  EXPECT_TRUE(cache().Delete("k").ok());  // deleting a missing key is fine
}

TEST_P(CacheConformanceTest, BinarySafeKeysAndValues) {
  const std::string key("k\0ey \r\n", 7);
  const std::string value("\0\x01\xff value", 10);
  ASSERT_TRUE(cache().Set(key, value, milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache(), key), value);
  EXPECT_EQ(GetOrDie(cache(), "k"), std::nullopt);
  ASSERT_TRUE(cache().Set("empty", "", milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache(), "empty"), "");
}

TEST_P(CacheConformanceTest, EntriesExpireAfterTtl) {
  ASSERT_TRUE(cache().Set("short", "x", milliseconds(100)).ok());
  ASSERT_TRUE(cache().Set("long", "y", milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache(), "short"), "x");
  backend_.advance(milliseconds(300));
  EXPECT_EQ(GetOrDie(cache(), "short"), std::nullopt);
  EXPECT_EQ(GetOrDie(cache(), "long"), "y");
}

TEST_P(CacheConformanceTest, SetReplacesTtl) {
  ASSERT_TRUE(cache().Set("k", "a", milliseconds(100)).ok());
  ASSERT_TRUE(cache().Set("k", "b", milliseconds(60'000)).ok());
  backend_.advance(milliseconds(300));
  EXPECT_EQ(GetOrDie(cache(), "k"), "b");
}

TEST_P(CacheConformanceTest, NonPositiveTtlRejected) {
  EXPECT_EQ(cache().Set("k", "v", milliseconds(0)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cache().Set("k", "v", milliseconds(-5)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(GetOrDie(cache(), "k"), std::nullopt);
}

TEST_P(CacheConformanceTest, ConcurrentUse) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string key = "t" + std::to_string(t) + ":" + std::to_string(i % 5);
        EXPECT_TRUE(cache().Set(key, std::to_string(i), milliseconds(60'000)).ok());
        Result<std::optional<std::string>> got = cache().Get(key);
        EXPECT_TRUE(got.ok());
        if (got.ok()) {
          EXPECT_EQ(*got, std::to_string(i));  // each thread owns its keys
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheConformanceTest,
                         ::testing::Values(Kind::kMemory, Kind::kRedis), [](const auto& info) {
                           return info.param == Kind::kMemory ? "Memory" : "Redis";
                         });

TEST(MemoryCacheTest, EvictsLeastRecentlyUsedByEntries) {
  FakeClock clock;
  MemoryCache cache(clock, {.max_entries = 2, .max_bytes = 1 << 20});
  ASSERT_TRUE(cache.Set("a", "1", milliseconds(60'000)).ok());
  ASSERT_TRUE(cache.Set("b", "2", milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache, "a"), "1");  // a is now the most recently used
  ASSERT_TRUE(cache.Set("c", "3", milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache, "b"), std::nullopt);
  EXPECT_EQ(GetOrDie(cache, "a"), "1");
  EXPECT_EQ(GetOrDie(cache, "c"), "3");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(MemoryCacheTest, EvictsByBytes) {
  FakeClock clock;
  MemoryCache cache(clock, {.max_entries = 100, .max_bytes = 10});
  ASSERT_TRUE(cache.Set("a", "1234", milliseconds(60'000)).ok());  // 5 bytes
  ASSERT_TRUE(cache.Set("b", "1234", milliseconds(60'000)).ok());  // 10 bytes
  EXPECT_EQ(cache.bytes(), 10u);
  ASSERT_TRUE(cache.Set("c", "12", milliseconds(60'000)).ok());  // 13 > 10: a goes
  EXPECT_EQ(GetOrDie(cache, "a"), std::nullopt);
  EXPECT_EQ(GetOrDie(cache, "b"), "1234");
  EXPECT_EQ(cache.bytes(), 8u);
}

TEST(MemoryCacheTest, OversizedValueIsNotStoredAndDropsOldValue) {
  FakeClock clock;
  MemoryCache cache(clock, {.max_entries = 100, .max_bytes = 10});
  ASSERT_TRUE(cache.Set("k", "old", milliseconds(60'000)).ok());
  ASSERT_TRUE(cache.Set("k", std::string(20, 'x'), milliseconds(60'000)).ok());
  EXPECT_EQ(GetOrDie(cache, "k"), std::nullopt);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryCacheTest, ExpiredEntriesArePurgedAndEvictedFirst) {
  FakeClock clock;
  MemoryCache cache(clock, {.max_entries = 3, .max_bytes = 1 << 20});
  ASSERT_TRUE(cache.Set("short1", "x", milliseconds(10)).ok());
  ASSERT_TRUE(cache.Set("short2", "x", milliseconds(10)).ok());
  ASSERT_TRUE(cache.Set("long", "y", milliseconds(60'000)).ok());
  clock.Advance(milliseconds(20));
  EXPECT_EQ(cache.PurgeExpired(), 2u);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(GetOrDie(cache, "long"), "y");
}

TEST(MemoryCacheTest, ExpiresExactlyAtTtl) {
  FakeClock clock;
  MemoryCache cache(clock);
  ASSERT_TRUE(cache.Set("k", "v", milliseconds(1000)).ok());
  clock.Advance(milliseconds(999));
  EXPECT_EQ(GetOrDie(cache, "k"), "v");
  clock.Advance(milliseconds(1));
  EXPECT_EQ(GetOrDie(cache, "k"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(OpenCacheTest, EmptyUrlIsMemoryAndBadUrlIsRejected) {
  FakeClock clock;
  Result<std::unique_ptr<Cache>> memory = OpenCache(config::RedisConfig{}, clock);
  ASSERT_TRUE(memory.ok());
  EXPECT_NE(dynamic_cast<MemoryCache*>(memory->get()), nullptr);
  Result<std::unique_ptr<Cache>> bad = OpenCache(config::RedisConfig{.url = "http://x"}, clock);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signx::cache
