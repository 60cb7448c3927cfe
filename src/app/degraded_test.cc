// Issue 19 item 10 and part of 8: the whole app on SQLite with a real Redis (a throwaway
// redis-server, cache/testing/redis_server.h) that is stopped mid-test. Skipped without the test
// services (scripts/with-test-services.sh).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "app/app.h"
#include "base/clock.h"
#include "cache/memory_rate_limiter.h"
#include "cache/testing/redis_server.h"
#include "http/testing/raw_client.h"
#include "identity/audit.h"
#include "identity/identity_service.h"
#include "storage/store.h"

namespace signx::app {
namespace {

// The value of an unlabelled sample in a Prometheus text exposition; -1 when absent.
double Sample(const std::string& text, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

class DegradedRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cache::testing::RedisServer::Available()) {
      GTEST_SKIP() << "needs redis-server and SIGNX_TEST_REDIS_URL (scripts/with-test-services.sh)";
    }
    ASSERT_TRUE(redis_.Start().ok());
    dir_ =
        std::filesystem::temp_directory_path() / ("signx_degraded_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.server.port = 0;
    config_.log.access_log = false;
    config_.data_dir = dir_.string();
    config_.database.url = "sqlite:///" + (dir_ / "signx.db").string();
    config_.redis.url = redis_.url();
    config_.limits.rate_limits = "predict=5/m";
    config_.limits.sse_streams_per_principal = 2;
    app_ = std::make_unique<App>(config_, http::BuildInfo{.version = "test"},
                                 AppOptions{.migrate = true});
    const Status started = app_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();

    // A user to sign in with, created through the identity service on the same database.
    auto store = storage::Store::Open(config_.database);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    cache::MemoryRateLimiter limiter(SystemClock::Get());
    identity::IdentityService ids(**store, limiter, identity::IdentitySettings{});
    auto org = ids.CreateOrg("Degraded Signs", identity::Actor::System("test"));
    ASSERT_TRUE(org.ok()) << org.status().ToString();
    auto user = ids.CreateUser(org->id, "ann@example.com", "correct horse battery staple",
                               "org_member", identity::Actor::System("test"));
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    auto key = ids.CreateApiKeyInOrg(org->id, "test", {"estimates:predict", "events:read"},
                                     std::nullopt, identity::Actor::System("test"));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    key_ = key->key;
  }
  void TearDown() override {
    if (app_) {
      app_->Shutdown();
      app_->Wait();
    }
    std::filesystem::remove_all(dir_);
  }

  std::string Metrics() {
    http::testing::RawClient c(app_->port());
    auto r = c.Request("GET", "/metrics");
    return r ? "\n" + r->body : "";
  }

  cache::testing::RedisServer redis_;
  std::filesystem::path dir_;
  config::Config config_;
  std::unique_ptr<App> app_;
  std::string key_;  // an API key of the org (estimates:predict, events:read)
};

TEST_F(DegradedRedisTest, LimitsLoginsErrorsAndReadinessWhileRedisIsDown) {
  const std::string address = "127.0.0.1:" + std::to_string(redis_.port());
  redis_.Stop();
  http::testing::RawClient c(app_->port());

  // (a) The limit still holds (it used to fail open: 8 of 8 passed a 5/min limit).
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = c.Request("POST", "/v1/estimates/predict", "{}",
                       {{"X-API-Key", key_}, {"Content-Type", "application/json"}});
    ASSERT_TRUE(r.has_value());
    if (r->status == 429) ++refused;
    EXPECT_EQ(r->body.find(address), std::string::npos) << r->body;  // (d)
    EXPECT_EQ(r->body.find("redis://"), std::string::npos) << r->body;
  }
  EXPECT_EQ(refused, 3);

  // (b) A login works (it answered 503 for the whole outage).
  auto login = c.Request("POST", "/v1/auth/login",
                         R"({"email":"ann@example.com","password":"correct horse battery staple"})",
                         {{"Content-Type", "application/json"}});
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->status, 200) << login->body;
  EXPECT_EQ(login->body.find(address), std::string::npos) << login->body;

  // (c) The metrics show it.
  const std::string metrics = Metrics();
  EXPECT_EQ(Sample(metrics, "redis_degraded"), 1) << metrics;
  EXPECT_GE(Sample(metrics, "rate_limiter_fallback_total"), 8) << metrics;

  // (e) Readiness stays 200 with a degraded detail, and shows no address.
  for (const char* path : {"/health/ready", "/health"}) {
    auto ready = c.Request("GET", path);
    ASSERT_TRUE(ready.has_value());
    EXPECT_EQ(ready->status, 200) << ready->body;
    const auto body = boost::json::parse(ready->body).as_object();
    EXPECT_EQ(body.at("status"), "degraded") << ready->body;
    EXPECT_EQ(body.at("checks").at("redis").at("status"), "degraded") << ready->body;
    EXPECT_EQ(ready->body.find(address), std::string::npos) << ready->body;
  }

  // Redis back: readiness notices without traffic on the limiter.
  ASSERT_TRUE(redis_.Start().ok());
  auto ready = c.Request("GET", "/health/ready");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(boost::json::parse(ready->body).at("status"), "ok") << ready->body;
  EXPECT_EQ(Sample(Metrics(), "redis_degraded"), 0);
}

// Part of item 8: the (N+1)th concurrent stream of one principal is a 429 naming the cap.
TEST_F(DegradedRedisTest, StreamsPerPrincipalAreCapped) {
  const std::string request = std::string("GET /v1/events/stream HTTP/1.1\r\nHost: t\r\n") +
                              "X-API-Key: " + key_ + "\r\n\r\n";
  http::testing::RawClient s1(app_->port()), s2(app_->port());
  s1.Send(request);
  s2.Send(request);
  // Wait (bounded) until both streams are open: the gauge counts them.
  for (int i = 0; i < 200 && Sample(Metrics(), "sse_streams_open") < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(Sample(Metrics(), "sse_streams_open"), 2);
  http::testing::RawClient c(app_->port());
  auto third = c.Request("GET", "/v1/events/stream", "", {{"X-API-Key", key_}});
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->status, 429) << third->body;
  EXPECT_NE(third->body.find("too many open event streams"), std::string::npos) << third->body;
}

}  // namespace
}  // namespace signx::app
