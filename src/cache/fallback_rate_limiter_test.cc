// FallbackRateLimiter against a real Redis that is stopped and restarted mid-test (a throwaway
// redis-server from cache/testing/redis_server.h; skipped without the test services).
#include "cache/fallback_rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "base/clock.h"
#include "cache/testing/redis_server.h"
#include "config/config.h"

namespace signx::cache {
namespace {

class FallbackRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::RedisServer::Available()) {
      GTEST_SKIP() << "needs redis-server and SIGNX_TEST_REDIS_URL (scripts/with-test-services.sh)";
    }
    ASSERT_TRUE(server_.Start().ok());
    config::RedisConfig redis{.url = server_.url()};
    Result<std::unique_ptr<RateLimiter>> limiter = OpenRateLimiter(redis, clock_);
    ASSERT_TRUE(limiter.ok()) << limiter.status().ToString();
    limiter_ = std::move(limiter).value();
  }

  FakeClock clock_;
  testing::RedisServer server_;
  std::unique_ptr<RateLimiter> limiter_;
};

TEST_F(FallbackRateLimiterTest, LimitsHoldWhileRedisIsDownAndRecoverAfter) {
  const Limit five_per_minute{.rate_per_second = 5.0 / 60, .burst = 5};
  ASSERT_TRUE(limiter_->backend_state().has_value());
  for (int i = 0; i < 2; ++i) {
    Result<Decision> d = limiter_->Allow("route:predict:api_key:k1", five_per_minute);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_TRUE(d->allowed);
  }
  EXPECT_FALSE(limiter_->backend_state()->degraded);
  EXPECT_EQ(limiter_->backend_state()->fallback_total, 0u);
  EXPECT_TRUE(limiter_->Probe().ok());

  server_.Stop();
  int allowed = 0;
  for (int i = 0; i < 8; ++i) {
    Result<Decision> d = limiter_->Allow("route:predict:api_key:k1", five_per_minute);
    // Never an error (which callers used to turn into "no limit" or a 503): the fallback answers.
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    if (d->allowed) ++allowed;
  }
  // The in-process bucket starts full: 5 of the 8 pass, the rest are refused.
  EXPECT_EQ(allowed, 5);
  BackendState state = *limiter_->backend_state();
  EXPECT_TRUE(state.degraded);
  EXPECT_EQ(state.fallback_total, 8u);
  EXPECT_NE(state.last_error.find("redis"), std::string::npos) << state.last_error;
  EXPECT_EQ(limiter_->Probe().code(), ErrorCode::kUnavailable);

  ASSERT_TRUE(server_.Start().ok());
  clock_.Advance(std::chrono::seconds(2));  // past the retry interval
  Result<Decision> d = limiter_->Allow("route:predict:api_key:k1", five_per_minute);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);  // the restarted Redis has no bucket for the key: full
  EXPECT_FALSE(limiter_->backend_state()->degraded);
  EXPECT_EQ(limiter_->backend_state()->fallback_total, 8u);
}

TEST_F(FallbackRateLimiterTest, ProbeNoticesRecoveryWithoutTraffic) {
  server_.Stop();
  EXPECT_FALSE(limiter_->Probe().ok());
  EXPECT_TRUE(limiter_->backend_state()->degraded);
  ASSERT_TRUE(server_.Start().ok());
  EXPECT_TRUE(limiter_->Probe().ok());
  EXPECT_FALSE(limiter_->backend_state()->degraded);
}

}  // namespace
}  // namespace signx::cache
