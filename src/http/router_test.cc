#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <limits>
#include <string>
#include <vector>

#include "base/strings.h"
#include "http/json.h"

namespace signx::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

RouteMeta Public() { return RouteMeta{.permission = std::string(kPublic)}; }

Router MakeRouter() {
  Router r;
  r.Add("GET", "/v1/projects", Public(), Named("list"));
  r.Add("POST", "/v1/projects", Public(), Named("create"));
  r.Add("GET", "/v1/projects/{id}", Public(), Named("get"));
  r.Add("GET", "/v1/projects/summary", Public(), Named("summary"));
  r.Add("GET", "/v1/projects/{id}/cost-records/{record_id}", Public(), Named("record"));
  r.Add("GET", "/static/{path...}", Public(), Named("static"));
  return r;
}

std::string CallHandler(const Match& m) {
  Request req;
  return m.route ? m.route->handler(req).body : "";
}

TEST(RouterTest, LiteralAndParameterRoutes) {
  Router r = MakeRouter();
  EXPECT_EQ(CallHandler(r.Find("GET", "/v1/projects")), "list");
  EXPECT_EQ(CallHandler(r.Find("POST", "/v1/projects")), "create");
  Match m = r.Find("GET", "/v1/projects/prj_1");
  EXPECT_EQ(CallHandler(m), "get");
  EXPECT_EQ(m.params.at("id"), "prj_1");
  // A literal segment beats a parameter at the same position.
  EXPECT_EQ(CallHandler(r.Find("GET", "/v1/projects/summary")), "summary");
  m = r.Find("GET", "/v1/projects/p%2F1/cost-records/c%201");
  EXPECT_EQ(CallHandler(m), "record");
  EXPECT_EQ(m.params.at("id"), "p/1");  // decoded after splitting: %2F stays inside the segment
  EXPECT_EQ(m.params.at("record_id"), "c 1");
}

TEST(RouterTest, TrailingSlashAndRest) {
  Router r = MakeRouter();
  EXPECT_EQ(CallHandler(r.Find("GET", "/v1/projects/")), "list");
  Match m = r.Find("GET", "/static/css/app.css");
  EXPECT_EQ(CallHandler(m), "static");
  EXPECT_EQ(m.params.at("path"), "css/app.css");
}

TEST(RouterTest, NotFoundAndMethodNotAllowed) {
  Router r = MakeRouter();
  Match m = r.Find("GET", "/v2/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed_methods.empty());
  m = r.Find("DELETE", "/v1/projects");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "POST"}));
}

// Find looks only at the routes of the path's first two literal segments and at the routes with a
// parameter there; across both groups the answer is the one a scan of every route gives: the
// highest score, the first added on a tie, and every method of any matching route for a 405.
TEST(RouterTest, RoutesWithAndWithoutALiteralPrefixMatchAsOneList) {
  Router r;
  r.Add("GET", "/{org}/leads", Public(), Named("org-leads"));  // parameter first
  r.Add("GET", "/v1/{kind}", Public(), Named("v1-kind"));      // parameter second
  r.Add("PUT", "/v1/leads", Public(), Named("put-leads"));     // literal prefix
  r.Add("GET", "/v1/leads/{id}", Public(), Named("lead"));
  r.Add("GET", "/{a}/{b}/{c}", Public(), Named("any-three"));
  r.Add("GET", "/health", Public(), Named("health"));  // one segment
  r.Add("POST", "/{a}/{b}", Public(), Named("post-any-two"));
  EXPECT_EQ(CallHandler(r.Find("GET", "/v1/leads")), "v1-kind");  // "v1" weighs more than "leads"
  EXPECT_EQ(CallHandler(r.Find("GET", "/org_1/leads")), "org-leads");
  EXPECT_EQ(CallHandler(r.Find("PUT", "/v1/leads")), "put-leads");
  EXPECT_EQ(CallHandler(r.Find("POST", "/v1/leads")), "post-any-two");
  EXPECT_EQ(CallHandler(r.Find("GET", "/v1/leads/L1")), "lead");
  EXPECT_EQ(CallHandler(r.Find("GET", "/x/y/z")), "any-three");
  EXPECT_EQ(CallHandler(r.Find("GET", "/health")), "health");
  Match m = r.Find("DELETE", "/v1/leads");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "POST", "PUT"}));
  m = r.Find("DELETE", "/v1/leads/L1");
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET"}));
  // Earlier literal segments weigh more, whichever group the routes are in.
  Router t;
  t.Add("GET", "/v1/{x}/a", Public(), Named("first"));
  t.Add("GET", "/v1/b/{y}", Public(), Named("second"));
  EXPECT_EQ(CallHandler(t.Find("GET", "/v1/b/a")), "second");  // "b" at 1 outweighs "a" at 2
  Router u;
  u.Add("GET", "/{x}/b", Public(), Named("first"));
  u.Add("GET", "/{y}/{z}", Public(), Named("second"));
  u.Add("GET", "/a/{w}", Public(), Named("third"));
  EXPECT_EQ(CallHandler(u.Find("GET", "/a/b")), "third");  // "a" at 0 outweighs "b" at 1
}

TEST(RouterDeathTest, EveryRouteDeclaresAPermission) {
  Router r;
  EXPECT_DEATH(r.Add("GET", "/x", RouteMeta{}, Named("x")), "must declare a permission");
  r.Add("GET", "/x", Public(), Named("x"));
  EXPECT_DEATH(r.Add("GET", "/x", Public(), Named("x")), "duplicate route");
}

TEST(RequestTest, QueryParsing) {
  auto q = ParseQuery("a=1&b=x%20y&c=1+2&a=3&=bad&d");
  EXPECT_EQ(q.count("a"), 2u);
  EXPECT_EQ(q.find("b")->second, "x y");
  EXPECT_EQ(q.find("c")->second, "1 2");
  EXPECT_EQ(q.find("d")->second, "");
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
  EXPECT_FALSE(PercentDecode("%2", false).has_value());
}

}  // namespace
}  // namespace signx::http

namespace signx::http {
namespace {

TEST(ToJsonText, WritesNumbersAsPeopleDo) {
  boost::json::object o{{"a", 0.8692437410354614},
                        {"b", 3.0},
                        {"c", int64_t{-7}},
                        {"d", "q\"\n"},
                        {"e", boost::json::array{1.5, nullptr, true}},
                        {"f", std::numeric_limits<double>::quiet_NaN()}};
  EXPECT_EQ(ToJsonText(o),
            R"({"a":0.8692437410354614,"b":3,"c":-7,"d":"q\"\n","e":[1.5,null,true],"f":null})");
}

TEST(ToJsonText, StringsAndKeysAreEscapedExactlyLikeBoostJson) {
  for (const std::string& s : std::vector<std::string>{
           "plain", "", "caf\xc3\xa9 \xe2\x82\xac", "a/b", "tab\there", "q\"", "back\\slash",
           std::string("nul\0byte", 8), "\x01\x1f", "<script>"}) {
    const boost::json::object o{{s, s}};
    EXPECT_EQ(ToJsonText(o), boost::json::serialize(o)) << s;
  }
}

TEST(AppendJsonString, EveryByteIsWrittenAsBoostJsonWritesIt) {
  for (int c = 0; c < 256; ++c) {
    const std::string s = "a" + std::string(1, static_cast<char>(c)) + "b";
    std::string out = "x";
    AppendJsonString(out, s);
    EXPECT_EQ(out, "x" + boost::json::serialize(boost::json::string_view(s))) << c;
  }
  std::string out;
  AppendJsonString(out, "");
  EXPECT_EQ(out, R"("")");
}

}  // namespace
}  // namespace signx::http
