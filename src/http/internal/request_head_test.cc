#include "http/internal/request_head.h"

#include <gtest/gtest.h>

#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace signx::http::internal {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const Clock::time_point kStarted = Clock::time_point(std::chrono::seconds(1000));

RequestHead Head(std::string method, std::string target,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {std::move(method), std::move(target), std::move(headers), "10.0.0.7"};
}

Request Build(std::vector<std::pair<std::string, std::string>> headers) {
  return BuildRequest(Head("GET", "/x", std::move(headers)), kStarted, milliseconds(30000));
}

bool IsLowerHexOfSize(std::string_view s, std::size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Response Ok(Request&) { return Response::Text(200, "ok"); }

TEST(BuildRequestTest, CopiesTheHeadAndSetsTheDeadline) {
  Request r = BuildRequest(Head("POST", "/v1/leads?limit=10",
                                {{"Content-Type", "text/plain"}, {"X-Dup", "1"}, {"x-dup", "2"}}),
                           kStarted, milliseconds(250));
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/leads?limit=10");
  EXPECT_EQ(r.remote_addr, "10.0.0.7");
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  ASSERT_EQ(r.headers.all().size(), 3u);  // every header kept, in order
  EXPECT_EQ(r.headers.all()[2].second, "2");
  EXPECT_EQ(r.Header("X-DUP"), "1");  // lookups take the first
  EXPECT_EQ(r.deadline, kStarted + milliseconds(250));
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.route.empty());
  EXPECT_TRUE(r.path_params.empty());
  EXPECT_FALSE(r.principal.has_value());
}

TEST(BuildRequestTest, PathIsPercentDecodedAndStopsAtTheQuery) {
  auto path = [](std::string target) {
    return BuildRequest(Head("GET", std::move(target)), kStarted, milliseconds(1)).path;
  };
  EXPECT_EQ(path("/v1/projects"), "/v1/projects");
  EXPECT_EQ(path("/files/a%20b%2Fc?x=%20"), "/files/a b/c");
  EXPECT_EQ(path("/a+b"), "/a+b");  // '+' is a space only in the query
  EXPECT_EQ(path("/caf%C3%A9"), "/caf\xC3\xA9");
  EXPECT_EQ(path("/bad%zz/x"), "/bad%zz/x");  // a malformed escape leaves the path as sent
  EXPECT_EQ(path("/bad%2"), "/bad%2");
  EXPECT_EQ(path("/?"), "/");
}

TEST(BuildRequestTest, QueryIsParsedAndDecoded) {
  Request r = BuildRequest(Head("GET", "/s?q=a+b%21&tag=x&tag=y&empty=&flag&bad=%zz"), kStarted,
                           milliseconds(1));
  EXPECT_EQ(r.Query("q"), "a b!");
  EXPECT_EQ(r.query.count("tag"), 2u);
  auto tags = r.query.equal_range("tag");
  EXPECT_EQ(tags.first->second, "x");
  EXPECT_EQ(std::next(tags.first)->second, "y");
  EXPECT_EQ(r.Query("empty"), "");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_FALSE(r.Query("bad").has_value());  // malformed pairs are skipped
  EXPECT_TRUE(BuildRequest(Head("GET", "/s"), kStarted, milliseconds(1)).query.empty());
  // Only the first '?' splits path from query.
  r = BuildRequest(Head("GET", "/s?a=1?2"), kStarted, milliseconds(1));
  EXPECT_EQ(r.path, "/s");
  EXPECT_EQ(r.Query("a"), "1?2");
}

TEST(BuildRequestTest, ASafeRequestIdIsKept) {
  EXPECT_EQ(Build({{"X-Request-Id", "client-id-42"}}).request_id, "client-id-42");
  EXPECT_EQ(Build({{"x-request-id", "A.b_c:9-Z"}}).request_id, "A.b_c:9-Z");
  const std::string longest(kMaxRequestIdLength, 'r');
  ASSERT_EQ(longest.size(), 128u);
  EXPECT_EQ(Build({{"X-Request-Id", longest}}).request_id, longest);
  // The first of several is the one considered.
  EXPECT_EQ(Build({{"X-Request-Id", "first"}, {"X-Request-Id", "second"}}).request_id, "first");
}

TEST(BuildRequestTest, AnUnsafeRequestIdIsReplacedByANewOne) {
  const std::vector<std::string> unsafe = {
      std::string(129, 'r'),
      "bad id with spaces",
      "",
      "tab\there",
      "quote\"",
      "new\nline",
      "slash/",
      "caf\xC3\xA9",
  };
  for (const auto& v : unsafe) {
    const std::string id = Build({{"X-Request-Id", v}}).request_id;
    EXPECT_NE(id, v);
    EXPECT_EQ(id.rfind("req_", 0), 0u) << id;
  }
  const std::string a = Build({}).request_id;
  const std::string b = Build({}).request_id;
  EXPECT_EQ(a.rfind("req_", 0), 0u) << a;
  EXPECT_NE(a, b);
}

TEST(BuildRequestTest, TraceIdComesFromAValidTraceparentElseIsRandom) {
  const Request r =
      Build({{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_EQ(r.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(IsLowerHexOfSize(r.span_id, 16)) << r.span_id;
  EXPECT_NE(r.span_id, "00f067aa0ba902b7");  // our span, not the caller's

  const Request bad =
      Build({{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}});
  EXPECT_TRUE(IsLowerHexOfSize(bad.trace_id, 32)) << bad.trace_id;
  EXPECT_NE(bad.trace_id, std::string(32, '0'));
  // Two traceparent headers: W3C says to restart the trace, not to pick one.
  const Request two =
      Build({{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
             {"Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_TRUE(IsLowerHexOfSize(two.trace_id, 32)) << two.trace_id;
  EXPECT_NE(two.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  const Request none = Build({});
  EXPECT_TRUE(IsLowerHexOfSize(none.trace_id, 32)) << none.trace_id;
  EXPECT_TRUE(IsLowerHexOfSize(none.span_id, 16)) << none.span_id;
  EXPECT_NE(none.trace_id, Build({}).trace_id);
}

TEST(TraceIdFromTraceparentTest, AcceptsValidHeaders) {
  EXPECT_EQ(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  // A later version is read as far as version 00 goes, and may append fields.
  EXPECT_EQ(TraceIdFromTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(TraceIdFromTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceIdFromTraceparentTest, RejectsInvalidHeaders) {
  const std::vector<std::string> invalid = {
      "",
      "00",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",      // no flags
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // forbidden version
      "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // short version
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // all-zero parent id
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // uppercase
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short trace id
      "00-4bf92f3577b34da6a3ce929d0e0e47360-00f067aa0ba902b7-01",  // long trace id
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",   // not hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",    // short parent id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",    // short flags
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",   // wrong separator
      ".0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version not hex
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version not hex
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version uppercase
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-.0",   // flags not hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",   // flags not hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",   // flags uppercase
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // version 00 has 4 fields
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what-the-future-will-be-like",
  };
  for (const auto& tp : invalid) EXPECT_FALSE(TraceIdFromTraceparent(tp).has_value()) << tp;
}

TEST(RawPathTest, IsTheTargetBeforeTheQueryStillEncoded) {
  EXPECT_EQ(RawPath("/a%20b?x=1"), "/a%20b");
  EXPECT_EQ(RawPath("/a"), "/a");
  EXPECT_EQ(RawPath("?x"), "");
}

class FindRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/items/{id}", {.summary = "get", .permission = std::string(kPublic)}, Ok);
    router_.Add("PUT", "/items/{id}", {.summary = "put", .permission = std::string(kPublic)}, Ok);
    router_.Add("HEAD", "/probe", {.summary = "probe", .permission = std::string(kPublic)}, Ok);
    router_.Add(
        "POST", "/upload",
        {.summary = "upload", .permission = std::string(kPublic), .max_body_bytes = 1 << 20}, Ok);
    router_.Add("POST", "/tiny",
                {.summary = "tiny", .permission = std::string(kPublic), .max_body_bytes = 0}, Ok);
    router_.Add("DELETE", "/items/{id}", {.summary = "delete", .permission = std::string(kPublic)},
                Ok);
  }
  Router router_;
};

TEST_F(FindRouteTest, MethodAndEncodedPathSelectTheRoute) {
  Match m = FindRoute(router_, "PUT", "/items/a%20b");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "PUT");
  EXPECT_EQ(m.params.at("id"), "a b");
}

TEST_F(FindRouteTest, HeadFallsBackToGetThenToAHeadRoute) {
  Match m = FindRoute(router_, "HEAD", "/items/1");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(m.params.at("id"), "1");
  m = FindRoute(router_, "HEAD", "/probe");  // no GET route here: the HEAD route answers
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "HEAD");
  m = FindRoute(router_, "HEAD", "/upload");  // neither: 405 listing what exists
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, std::vector<std::string>{"POST"});
  m = FindRoute(router_, "GET", "/probe");  // GET does not fall back to HEAD
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, std::vector<std::string>{"HEAD"});
}

TEST(BodyMemoryChargeTest, JsonIsChargedForItsDomOthersForOneCopyCappedAtTheBudget) {
  EXPECT_EQ(BodyMemoryCharge(1000, /*json=*/true, 1 << 20), 13'000);
  EXPECT_EQ(BodyMemoryCharge(1000, /*json=*/false, 1 << 20), 2'000);
  EXPECT_EQ(BodyMemoryCharge(0, /*json=*/true, 1 << 20), 0);
  EXPECT_EQ(BodyMemoryCharge(1 << 20, /*json=*/true, 1 << 20), 1 << 20);  // never above the budget
  EXPECT_EQ(BodyMemoryCharge(int64_t{1} << 40, /*json=*/false, 1 << 20), 1 << 20);  // no overflow
}

TEST_F(FindRouteTest, BodyLimitIsTheRoutesOrTheDefault) {
  EXPECT_EQ(BodyLimit(FindRoute(router_, "POST", "/upload").route, 1024), 1 << 20);
  EXPECT_EQ(BodyLimit(FindRoute(router_, "PUT", "/items/1").route, 1024), 1024);
  EXPECT_EQ(BodyLimit(FindRoute(router_, "POST", "/tiny").route, 1024), 0);     // 0 is a limit too
  EXPECT_EQ(BodyLimit(FindRoute(router_, "POST", "/nope").route, 1024), 1024);  // no route
  EXPECT_EQ(BodyLimit(nullptr, 77), 77);
}

TEST(DeclaredBodyTooLargeTest, RefusesOnlyAContentLengthOverTheLimit) {
  EXPECT_FALSE(DeclaredBodyTooLarge(std::nullopt, 1024, "req_1").has_value());  // chunked
  EXPECT_FALSE(DeclaredBodyTooLarge(0, 1024, "req_1").has_value());
  EXPECT_FALSE(DeclaredBodyTooLarge(1023, 1024, "req_1").has_value());
  EXPECT_FALSE(DeclaredBodyTooLarge(1024, 1024, "req_1").has_value());  // exactly the limit
  const auto r = DeclaredBodyTooLarge(1025, 1024, "req_1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("payload_too_large"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("the request body is 1025 bytes; this route accepts at most 1024 bytes"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find(R"("request_id":"req_1")"), std::string::npos) << r->body;
  EXPECT_FALSE(DeclaredBodyTooLarge(0, 0, "r").has_value());
  EXPECT_TRUE(DeclaredBodyTooLarge(1, 0, "r").has_value());
  EXPECT_TRUE(DeclaredBodyTooLarge(std::numeric_limits<std::uint64_t>::max(), 1024, "r"));
}

TEST(BodyTooLargeTest, NamesTheLimit) {
  const Response r = BodyTooLarge(1024, "req_2");
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("the request body exceeds 1024 bytes"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("request_id":"req_2")"), std::string::npos) << r.body;
}

TEST_F(FindRouteTest, NoRouteIs405WithAllowWhenThePathExistsElse404) {
  Request req = BuildRequest(Head("POST", "/items/a%20b", {{"X-Request-Id", "rid-405"}}), kStarted,
                             milliseconds(1));
  Match m = FindRoute(router_, req.method, RawPath(req.target));
  ASSERT_EQ(m.route, nullptr);
  Response r = NoRouteResponse(req, m.allowed_methods);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow"), "DELETE, GET, PUT");
  EXPECT_NE(r.body.find("method_not_allowed"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("POST is not allowed on /items/a b; allowed: DELETE, GET, PUT"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("request_id":"rid-405")"), std::string::npos) << r.body;

  req = BuildRequest(Head("GET", "/nowhere%21", {{"X-Request-Id", "rid-404"}}), kStarted,
                     milliseconds(1));
  m = FindRoute(router_, req.method, RawPath(req.target));
  ASSERT_EQ(m.route, nullptr);
  ASSERT_TRUE(m.allowed_methods.empty());
  r = NoRouteResponse(req, m.allowed_methods);
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(r.headers.Get("Allow").has_value());
  EXPECT_NE(r.body.find("no route for GET /nowhere!"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("request_id":"rid-404")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace signx::http::internal
