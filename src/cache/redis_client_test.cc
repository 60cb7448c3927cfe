#include "cache/redis_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace signx::cache {
namespace {

TEST(ParseRedisUrlTest, HostPortDb) {
  Result<RedisOptions> o = ParseRedisUrl("redis://cache.internal:6380/3");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "cache.internal");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 3);
  EXPECT_EQ(o->password, "");
  EXPECT_EQ(o->username, "");
}

TEST(ParseRedisUrlTest, Defaults) {
  Result<RedisOptions> o = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "localhost");
  EXPECT_EQ(o->port, 6379);
  EXPECT_EQ(o->db, 0);
  ASSERT_TRUE(ParseRedisUrl("redis://localhost/").ok());
}

TEST(ParseRedisUrlTest, PasswordOnlyAndUserPasswordDecoded) {
  Result<RedisOptions> o = ParseRedisUrl("redis://:s%40cret@127.0.0.1:6379/0");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->username, "");
  EXPECT_EQ(o->password, "s@cret");
  o = ParseRedisUrl("redis://app:pw@127.0.0.1");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->username, "app");
  EXPECT_EQ(o->password, "pw");
}

TEST(ParseRedisUrlTest, Ipv6) {
  Result<RedisOptions> o = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 7000);
}

TEST(ParseRedisUrlTest, Rejects) {
  for (const char* bad :
       {"", "localhost:6379", "http://localhost", "rediss://localhost", "redis://localhost:0",
        "redis://localhost:70000", "redis://localhost:x", "redis://localhost/abc",
        "redis://localhost/1/2", "redis://localhost/-1", "redis://localhost?db=1", "redis:///0"}) {
    Result<RedisOptions> o = ParseRedisUrl(bad);
    EXPECT_FALSE(o.ok()) << bad;
    if (!o.ok()) {
      EXPECT_EQ(o.status().code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
}

TEST(RedisClientTest, UnreachableServerIsUnavailable) {
  RedisOptions options;
  options.port = 1;  // nothing listens on tcpmux
  options.connect_timeout = std::chrono::milliseconds(200);
  Result<std::shared_ptr<RedisClient>> client = RedisClient::Open(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kUnavailable);
}

class RedisClientLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("SIGNX_TEST_REDIS_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "SIGNX_TEST_REDIS_URL is not set; run via scripts/with-test-services.sh";
    }
    Result<RedisOptions> options = ParseRedisUrl(url);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    options_ = *options;
  }
  RedisOptions options_;
};

TEST_F(RedisClientLiveTest, CommandsAndReplyTypes) {
  Result<std::shared_ptr<RedisClient>> client = RedisClient::Open(options_);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  RedisClient& c = **client;
  const std::string value("a\0b", 3);
  Result<RedisReply> r = c.Command({"SET", "signx-test:client:bin", value});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, RedisReply::Type::kStatus);
  r = c.Command({"GET", "signx-test:client:bin"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, RedisReply::Type::kString);
  EXPECT_EQ(r->str, value);
  r = c.Command({"DEL", "signx-test:client:bin"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, RedisReply::Type::kInteger);
  EXPECT_EQ(r->integer, 1);
  r = c.Command({"GET", "signx-test:client:bin"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, RedisReply::Type::kNil);
  r = c.Command({"NOSUCHCOMMAND"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_error());
  r = c.Command({"TIME"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, RedisReply::Type::kArray);
  EXPECT_EQ(r->elements.size(), 2u);
}

TEST_F(RedisClientLiveTest, WrongPasswordIsUnauthenticated) {
  options_.password = "definitely-wrong";
  Result<std::shared_ptr<RedisClient>> client = RedisClient::Open(options_);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kUnauthenticated) << client.status().ToString();
}

TEST_F(RedisClientLiveTest, ReconnectsAfterServerClosedPooledConnection) {
  options_.pool_size = 1;
  Result<std::shared_ptr<RedisClient>> victim = RedisClient::Open(options_);
  ASSERT_TRUE(victim.ok()) << victim.status().ToString();
  Result<std::shared_ptr<RedisClient>> killer = RedisClient::Open(options_);
  ASSERT_TRUE(killer.ok()) << killer.status().ToString();
  Result<RedisReply> killed =
      (*killer)->Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  ASSERT_EQ(killed->type, RedisReply::Type::kInteger);
  EXPECT_GE(killed->integer, 1);
  Result<RedisReply> pong = (*victim)->Command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status().ToString();
  EXPECT_EQ(pong->str, "PONG");
}

}  // namespace
}  // namespace signx::cache
