#include "cache/rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/id.h"
#include "cache/memory_rate_limiter.h"
#include "cache/redis_client.h"
#include "cache/redis_rate_limiter.h"

namespace signx::cache {
namespace {

using std::chrono::milliseconds;

enum class Kind { kMemory, kRedis };

// The same suite runs on both backends. Memory time is a FakeClock, so its results are exact;
// Redis uses real time (its own TIME), so its checks allow generous margins for elapsed time and
// waits are real sleeps. No assertion is about speed.
class RateLimiterConformanceTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kMemory) {
      limiter_ = std::make_unique<MemoryRateLimiter>(clock_);
      return;
    }
    const char* url = std::getenv("SIGNX_TEST_REDIS_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "SIGNX_TEST_REDIS_URL is not set; run via scripts/with-test-services.sh";
    }
    Result<RedisOptions> options = ParseRedisUrl(url);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    Result<std::shared_ptr<RedisClient>> client = RedisClient::Open(*options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = *client;
    prefix_ = "signx-test:" + NewId("run") + ":";
    limiter_ = std::make_unique<RedisRateLimiter>(client_, prefix_);
  }

  bool exact() const { return GetParam() == Kind::kMemory; }
  // Allowance for real time passing between calls on Redis.
  double slack_ms() const { return exact() ? 0 : 250; }

  void Advance(milliseconds d) {
    if (exact()) {
      clock_.Advance(d);
    } else {
      std::this_thread::sleep_for(d);
    }
  }

  Decision AllowOrDie(std::string_view key, const Limit& limit, double cost = 1) {
    Result<Decision> d = limiter_->Allow(key, limit, cost);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Decision{};
  }

  FakeClock clock_;
  std::shared_ptr<RedisClient> client_;
  std::string prefix_;
  std::unique_ptr<RateLimiter> limiter_;
};

TEST_P(RateLimiterConformanceTest, BurstThenDeny) {
  const Limit limit{.rate_per_second = 1, .burst = 5};
  for (int i = 0; i < 5; ++i) {
    Decision d = AllowOrDie("k", limit);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_NEAR(d.remaining, 4 - i, exact() ? 1e-9 : 0.3) << i;
  }
  Decision denied = AllowOrDie("k", limit);
  EXPECT_FALSE(denied.allowed);
  EXPECT_LT(denied.remaining, 1);
  EXPECT_GT(denied.retry_after.count(), 0);
  EXPECT_LE(denied.retry_after.count(), 1000);
  EXPECT_GE(denied.retry_after.count(), 1000 - slack_ms());
  EXPECT_LE(denied.reset_after.count(), 5000);
  EXPECT_GE(denied.reset_after.count(), 5000 - slack_ms());
}

TEST_P(RateLimiterConformanceTest, RefillsOverTime) {
  const Limit limit{.rate_per_second = 10, .burst = 2};
  EXPECT_TRUE(AllowOrDie("k", limit).allowed);
  EXPECT_TRUE(AllowOrDie("k", limit).allowed);
  EXPECT_FALSE(AllowOrDie("k", limit).allowed);
  Advance(milliseconds(250));  // 2.5 tokens' worth, capped at the burst of 2
  Decision d = AllowOrDie("k", limit);
  EXPECT_TRUE(d.allowed);
  EXPECT_NEAR(d.remaining, 1, exact() ? 1e-9 : 0.01);
  EXPECT_TRUE(AllowOrDie("k", limit).allowed);
  EXPECT_FALSE(AllowOrDie("k", limit).allowed);
}

TEST_P(RateLimiterConformanceTest, RetryAfterIsEnough) {
  const Limit limit{.rate_per_second = 4, .burst = 1};
  EXPECT_TRUE(AllowOrDie("k", limit).allowed);
  Decision denied = AllowOrDie("k", limit);
  ASSERT_FALSE(denied.allowed);
  EXPECT_LE(denied.retry_after.count(), 250);
  EXPECT_GE(denied.retry_after.count(), 250 - slack_ms());
  if (exact()) {
    Advance(denied.retry_after - milliseconds(1));
    EXPECT_FALSE(AllowOrDie("k", limit).allowed);
    Advance(milliseconds(1));
  } else {
    Advance(denied.retry_after + milliseconds(20));
  }
  EXPECT_TRUE(AllowOrDie("k", limit).allowed);
}

TEST_P(RateLimiterConformanceTest, CostAboveOneAndDeniedRequestsCostNothing) {
  const Limit limit{.rate_per_second = 0.001, .burst = 10};
  EXPECT_TRUE(AllowOrDie("k", limit, 7).allowed);
  Decision denied = AllowOrDie("k", limit, 4);
  EXPECT_FALSE(denied.allowed);
  EXPECT_NEAR(denied.remaining, 3, 0.01);
  EXPECT_TRUE(AllowOrDie("k", limit, 3).allowed);
  EXPECT_TRUE(AllowOrDie("k", limit, 0).allowed);
}

TEST_P(RateLimiterConformanceTest, KeysAreIndependent) {
  const Limit limit{.rate_per_second = 0.001, .burst = 1};
  EXPECT_TRUE(AllowOrDie("user:a", limit).allowed);
  EXPECT_FALSE(AllowOrDie("user:a", limit).allowed);
  EXPECT_TRUE(AllowOrDie("user:b", limit).allowed);
  EXPECT_FALSE(AllowOrDie("user:b", limit).allowed);
}

TEST_P(RateLimiterConformanceTest, ConcurrentCallersNeverExceedBurst) {
  const Limit limit{.rate_per_second = 0.001, .burst = 20};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Result<Decision> d = limiter_->Allow("shared", limit);
        EXPECT_TRUE(d.ok()) << d.status().ToString();
        if (d.ok() && d->allowed) allowed.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 20);
}

TEST_P(RateLimiterConformanceTest, InvalidArgumentsRejected) {
  const struct {
    Limit limit;
    double cost;
  } bad[] = {
      {{0, 1}, 1},
      {{-1, 1}, 1},
      {{1, 0}, 0},
      {{1, 1}, -1},
      {{1, 1}, 2},
      {{1, 1}, std::numeric_limits<double>::quiet_NaN()},
      {{std::numeric_limits<double>::infinity(), 1}, 1},
  };
  for (const auto& b : bad) {
    Result<Decision> d = limiter_->Allow("k", b.limit, b.cost);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, RateLimiterConformanceTest,
                         ::testing::Values(Kind::kMemory, Kind::kRedis), [](const auto& info) {
                           return info.param == Kind::kMemory ? "Memory" : "Redis";
                         });

TEST(MemoryRateLimiterTest, IdleBucketsAreEvicted) {
  FakeClock clock;
  MemoryRateLimiter limiter(clock);
  const Limit limit{.rate_per_second = 1, .burst = 2};
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(limiter.Allow("k" + std::to_string(i), limit).ok());
  }
  EXPECT_EQ(limiter.bucket_count(), 100u);
  clock.Advance(milliseconds(500));
  EXPECT_EQ(limiter.EvictIdle(), 0u);  // half a token short of full
  clock.Advance(milliseconds(500));
  EXPECT_EQ(limiter.EvictIdle(), 100u);
  EXPECT_EQ(limiter.bucket_count(), 0u);
}

TEST(MemoryRateLimiterTest, SweepsDuringUseSoMemoryStaysBounded) {
  FakeClock clock;
  MemoryRateLimiter limiter(clock);
  const Limit limit{.rate_per_second = 1000, .burst = 1};
  for (int i = 0; i < 50'000; ++i) {
    ASSERT_TRUE(limiter.Allow("k" + std::to_string(i), limit).ok());
    clock.Advance(milliseconds(1));  // every bucket is full again 1 ms later
  }
  EXPECT_LT(limiter.bucket_count(), 50'000u / 2);
}

TEST(MemoryRateLimiterTest, ExactResetAfter) {
  FakeClock clock;
  MemoryRateLimiter limiter(clock);
  const Limit limit{.rate_per_second = 2, .burst = 4};
  Result<Decision> d = limiter.Allow("k", limit, 4);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(d->remaining, 0);
  EXPECT_EQ(d->reset_after, milliseconds(2000));
  EXPECT_EQ(d->retry_after, milliseconds(0));
}

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("SIGNX_TEST_REDIS_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "SIGNX_TEST_REDIS_URL is not set; run via scripts/with-test-services.sh";
    }
    Result<RedisOptions> options = ParseRedisUrl(url);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    Result<std::shared_ptr<RedisClient>> client = RedisClient::Open(*options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = *client;
    prefix_ = "signx-test:" + NewId("run") + ":";
  }
  std::shared_ptr<RedisClient> client_;
  std::string prefix_;
};

TEST_F(RedisRateLimiterTest, SurvivesScriptCacheFlush) {
  RedisRateLimiter limiter(client_, prefix_);
  const Limit limit{.rate_per_second = 0.001, .burst = 2};
  ASSERT_TRUE(limiter.Allow("k", limit).ok());
  Result<RedisReply> flushed = client_->Command({"SCRIPT", "FLUSH"});
  ASSERT_TRUE(flushed.ok());
  Result<Decision> d = limiter.Allow("k", limit);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->allowed);
  d = limiter.Allow("k", limit);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->allowed);
}

TEST_F(RedisRateLimiterTest, BucketKeyExpiresWhenFull) {
  RedisRateLimiter limiter(client_, prefix_);
  const Limit limit{.rate_per_second = 1, .burst = 3};
  Result<Decision> d = limiter.Allow("k", limit, 2);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const std::string key = prefix_ + "k";
  Result<RedisReply> pttl = client_->Command({"PTTL", key});
  ASSERT_TRUE(pttl.ok());
  ASSERT_EQ(pttl->type, RedisReply::Type::kInteger);
  EXPECT_GT(pttl->integer, 0);
  EXPECT_LE(pttl->integer, 2000);
}

}  // namespace
}  // namespace signx::cache
