#include "http/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http/ops.h"
#include "http/server.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"

namespace signx::http {
namespace {

// A real SignX HTTP server on an ephemeral port: the client is tested against real HTTP.
class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("POST", "/echo", {.summary = "echo", .permission = std::string(kPublic)},
                [](Request& r) {
                  Response resp = Response::Text(201, std::string(r.Header("x-probe").value_or("")) +
                                                          "|" + r.body);
                  resp.headers.Set("X-Answer", "42");
                  return resp;
                });
    router_.Add("GET", "/big", {.summary = "100 KB", .permission = std::string(kPublic)},
                [](Request&) { return Response::Text(200, std::string(100'000, 'x')); });
    router_.Add("POST", "/hook", {.summary = "counts calls", .permission = std::string(kPublic)},
                [this](Request&) {
                  hits_.fetch_add(1);
                  return Response::Text(200, "internal secret");
                });
    router_.Add("GET", "/redirect", {.summary = "302", .permission = std::string(kPublic)},
                [](Request&) {
                  Response resp = Response::Text(302, "");
                  resp.headers.Set("Location", "/big");
                  return resp;
                });
    router_.Add("GET", "/target", {.summary = "the request target", .permission = std::string(kPublic)},
                [](Request& r) { return Response::Text(200, std::string(r.Query("q").value_or("-"))); });
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 1;
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    server_ = std::make_unique<Server>(cfg, router_, metrics_, *pool_, /*access_log=*/false);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::string UrlOn(const std::string& host, const std::string& path) const {
    return "http://" + host + ":" + std::to_string(server_->port()) + path;
  }

  std::atomic<int> hits_{0};
  Router router_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<Server> server_;
  HttpClient client_;
};

// A listening socket that never accepts: connects succeed (backlog), answers never come.
struct SilentListener {
  int fd = -1;
  uint16_t port = 0;
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd); }
};

uint16_t ClosedPort() {
  SilentListener l;
  const uint16_t port = l.port;
  return port;  // closed when l goes out of scope
}

TEST_F(ClientTest, SendsMethodHeadersAndBodyAndReadsTheAnswer) {
  auto r = client_.Send({.method = "POST",
                         .url = Url("/echo"),
                         .headers = {{"X-Probe", "p1"}, {"Content-Type", "text/plain"}},
                         .body = "hello"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "p1|hello");
  EXPECT_EQ(r->Header("x-answer"), "42");
  EXPECT_EQ(r->Header("X-Answer"), "");  // names are lower-case
}

TEST_F(ClientTest, ErrorStatusesAreResponsesNotFailures) {
  auto r = client_.Send({.url = Url("/no/such/route")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("not_found"), std::string::npos) << r->body;
}

TEST_F(ClientTest, KeepsTheQueryString) {
  auto r = client_.Send({.url = Url("/target?q=a%20b")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "a b");
}

TEST_F(ClientTest, ResponseLargerThanTheLimitIsRefused) {
  HttpClient small({.max_response_bytes = 1000});
  auto r = small.Send({.url = Url("/big")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kPayloadTooLarge) << r.status().ToString();
  auto ok = client_.Send({.url = Url("/big")});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body.size(), 100'000u);
}

TEST_F(ClientTest, ManyThreadsShareOneClient) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string body = std::to_string(t) + "-" + std::to_string(i);
        auto r = client_.Send({.method = "POST", .url = Url("/echo"), .body = body});
        if (r.ok() && r->body == "|" + body) good.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 100);
}

TEST_F(ClientTest, TlsToAPlainHttpServerFailsAsUnavailable) {
  auto r = client_.Send({.url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/big",
                         .timeout = std::chrono::milliseconds(3000)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("TLS handshake"), std::string_view::npos);
}

// SSRF: with the policy enforced, every spelling of loopback is refused before a byte is sent
// (the server counts nothing), and the allow-list re-admits it.
TEST_F(ClientTest, EnforcedPolicyRefusesLoopbackInEverySpelling) {
  HttpClient strict(ClientOptions{.address_policy = {.enforce = true}});
  for (const std::string host : {"127.0.0.1", "localhost", "2130706433", "0x7f000001", "127.1",
                                 "0177.0.0.1", "[::ffff:127.0.0.1]"}) {
    auto r = strict.Send({.method = "POST", .url = UrlOn(host, "/hook"), .body = "{}"});
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied)
        << host << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find("not a public address"), std::string_view::npos);
  }
  EXPECT_EQ(hits_.load(), 0);

  auto loopback = ParseCidrList("127.0.0.0/8");
  ASSERT_TRUE(loopback.ok());
  HttpClient allowed(ClientOptions{.address_policy = {.enforce = true, .allow = *loopback}});
  auto r = allowed.Send({.method = "POST", .url = UrlOn("2130706433", "/hook"), .body = "{}"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(hits_.load(), 1);
}

TEST_F(ClientTest, RedirectsAreNotFollowed) {
  auto r = client_.Send({.url = Url("/redirect")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->Header("location"), "/big");
  EXPECT_TRUE(r->body.empty());
}

TEST(HttpClient, ConnectionRefusedIsUnavailable) {
  HttpClient client;
  auto r = client.Send({.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("connecting"), std::string_view::npos);
}

TEST(HttpClient, SilentServerHitsTheDeadline) {
  SilentListener silent;
  HttpClient client;
  auto r = client.Send({.url = "http://127.0.0.1:" + std::to_string(silent.port) + "/",
                        .timeout = std::chrono::milliseconds(300)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kDeadlineExceeded) << r.status().ToString();
}

TEST(HttpClient, RejectsBadUrlsAndMethods) {
  HttpClient client;
  EXPECT_EQ(client.Send({.url = "ftp://example.com/"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.Send({.method = "FETCH", .url = "http://127.0.0.1:1/"}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(ParseHttpUrl, SplitsTheParts) {
  auto a = ParseHttpUrl("https://hooks.example.com/in?x=1#frag");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "hooks.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->target, "/in?x=1");

  auto b = ParseHttpUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->port, 8080);
  EXPECT_EQ(b->target, "/");

  auto c = ParseHttpUrl("http://[::1]:9000/v2?q");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->target, "/v2?q");

  EXPECT_FALSE(ParseHttpUrl("http://user:pw@host/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:0/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:99999/").ok());
  EXPECT_FALSE(ParseHttpUrl("http:///path").ok());
  EXPECT_FALSE(ParseHttpUrl("mailto:a@b").ok());
}

}  // namespace
}  // namespace signx::http
