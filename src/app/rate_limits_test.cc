#include "app/rate_limits.h"

#include <gtest/gtest.h>

#include "cache/memory_rate_limiter.h"

namespace signx::app {
namespace {

TEST(ParseRateLimits, ParsesGroupsAndNamesBadEntries) {
  auto ok = ParseRateLimits("predict=100/h, export=5/m,");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("predict").count, 100);
  EXPECT_EQ(ok->at("predict").period_s, 3600);
  EXPECT_EQ(ok->at("export").period_s, 60);
  auto bad = ParseRateLimits("predict=100/week,x=0/s,=3/s");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().details().size(), 3u);
  EXPECT_EQ(bad.status().details()[0].field, "limits.rate_limits");
  EXPECT_TRUE(ParseRateLimits("")->empty());
}

TEST(RateLimitMiddleware, LimitsEachPrincipalPerGroupWithHeaders) {
  FakeClock clock;
  cache::MemoryRateLimiter limiter(clock);
  RateLimitMiddleware mw(limiter, {{"predict", {.count = 2, .period_s = 3600}}});
  http::Route limited{.method = "POST", .pattern = "/p", .meta = {.rate_limit_group = "predict"}};
  http::Route open{.method = "POST", .pattern = "/o"};
  auto request = [](std::string who) {
    http::Request r;
    r.principal = http::Principal{.kind = "api_key", .subject_id = std::move(who)};
    return r;
  };
  auto a = request("key_a");
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(mw.Before(a, limited).has_value());
    http::Response ok;
    mw.After(a, ok);
    EXPECT_EQ(ok.headers.Get("RateLimit-Limit").value_or(""), "2");
    EXPECT_EQ(ok.headers.Get("RateLimit-Remaining").value_or(""), std::to_string(1 - i));
  }
  auto refused = mw.Before(a, limited);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 429);
  EXPECT_NE(refused->body.find("rate_limited"), std::string::npos);
  EXPECT_TRUE(refused->headers.Get("Retry-After").has_value());
  // Another principal has its own bucket; routes without a group are not limited.
  auto b = request("key_b");
  EXPECT_FALSE(mw.Before(b, limited).has_value());
  EXPECT_FALSE(mw.Before(a, open).has_value());
  // The bucket refills with time: 1 request per 1800 s.
  clock.Advance(std::chrono::seconds(1801));
  EXPECT_FALSE(mw.Before(a, limited).has_value());
}

// Issue 19: every new API key got a fresh bucket. `group@org` is one bucket for all of an org's
// principals, so minting keys buys no more work; another org is not affected.
TEST(RateLimitMiddleware, AnOrgBucketIsSharedByAllItsPrincipals) {
  FakeClock clock;
  cache::MemoryRateLimiter limiter(clock);
  RateLimitMiddleware mw(limiter, {{"predict", {.count = 2, .period_s = 3600}},
                                   {"predict@org", {.count = 3, .period_s = 3600}}});
  auto key = [](std::string id, std::string org) {
    return http::Principal{.kind = "api_key", .subject_id = std::move(id), .org_id = std::move(org)};
  };
  EXPECT_FALSE(mw.Check(key("k1", "org_a"), "predict").has_value());
  EXPECT_FALSE(mw.Check(key("k2", "org_a"), "predict").has_value());
  EXPECT_FALSE(mw.Check(key("k3", "org_a"), "predict").has_value());
  auto refused = mw.Check(key("k4", "org_a"), "predict");  // a fresh key, the org's 4th request
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("whole organisation"), std::string::npos);
  EXPECT_FALSE(refused->retry_after_s.empty());
  EXPECT_FALSE(mw.Check(key("k5", "org_b"), "predict").has_value());
  EXPECT_FALSE(mw.Check(key("k1", "org_a"), "other").has_value());  // not a limited group
}

}  // namespace
}  // namespace signx::app
