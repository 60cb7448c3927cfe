#include "http/testing/route_call.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>

namespace signx::http::testing {
namespace {

TEST(CallRouteTest, TheHandlerGetsPathQueryParamsHeadersBodyAndPrincipal) {
  Router router;
  router.Add("POST", "/v1/things/{id}", {.summary = "t", .permission = "things:write"},
             [](Request& req) {
               std::string seen = req.path + "|" + req.path_params.at("id") + "|" +
                                  std::string(req.Query("q").value_or("")) + "|" +
                                  std::string(req.Header("X-Test").value_or("")) + "|" + req.body +
                                  "|" + (req.principal ? req.principal->org_id : "anonymous") +
                                  "|" + req.request_id;
               return Response::Text(200, seen);
             });
  Response r = CallRoute(router, {.method = "POST",
                                  .target = "/v1/things/th1?q=a%20b",
                                  .body = "payload",
                                  .headers = {{"X-Test", "yes"}},
                                  .principal = Principal{.org_id = "org_a"},
                                  .request_id = "req-t"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "/v1/things/th1|th1|a b|yes|payload|org_a|req-t");
  EXPECT_EQ(CallRoute(router, {.method = "POST", .target = "/v1/things/x"}).body,
            "/v1/things/x|x||||anonymous|req-1");
}

TEST(CallRouteTest, ATargetNoRouteMatchesIsATestFailure) {
  Router router;
  EXPECT_NONFATAL_FAILURE(
      EXPECT_EQ(CallRoute(router, {.method = "GET", .target = "/nowhere"}).status, 404),
      "no route for GET /nowhere");
}

}  // namespace
}  // namespace signx::http::testing
