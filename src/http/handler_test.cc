#include "http/handler.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

namespace signx::http {
namespace {

namespace json = boost::json;

Request MakeRequest() {
  Request r;
  r.method = "GET";
  r.path = "/v1/x";
  r.request_id = "req_123";
  return r;
}

TEST(HandleTest, OkResponsePassesThroughUnchanged) {
  Handler h = Handle([](Request&) -> Result<Response> {
    Response resp = Response::Json(201, R"({"id":"x_1"})");
    resp.headers.Set("Location", "/v1/x/x_1");
    return resp;
  });
  Request req = MakeRequest();
  Response resp = h(req);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, R"({"id":"x_1"})");
  EXPECT_EQ(resp.headers.Get("Location").value_or(""), "/v1/x/x_1");
}

TEST(HandleTest, ErrorMapsToStatusCodeAndErrorBodyWithRequestId) {
  Handler h = Handle([](Request&) -> Result<Response> {
    SIGNX_RETURN_IF_ERROR(NotFound("project prj_9 does not exist"));
    return Response::NoContent();
  });
  Request req = MakeRequest();
  Response resp = h(req);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.content_type, "application/json");
  EXPECT_EQ(resp.body, ErrorBody(NotFound("project prj_9 does not exist"), "req_123"));
  const json::object err = json::parse(resp.body).as_object().at("error").as_object();
  EXPECT_EQ(err.at("name").as_string(), "not_found");
  EXPECT_EQ(err.at("message").as_string(), "project prj_9 does not exist");
  EXPECT_EQ(err.at("request_id").as_string(), "req_123");
}

TEST(HandleTest, AssignOrReturnPropagatesParseErrors) {
  Handler h = Handle([](Request& r) -> Result<Response> {
    SIGNX_ASSIGN_OR_RETURN(auto body, ParseJsonObject(r));
    return JsonResponse(200, body);
  });
  Request bad = MakeRequest();
  bad.body = "{not json";
  Response resp = h(bad);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(json::parse(resp.body).at("error").at("request_id").as_string(), "req_123");

  Request good = MakeRequest();
  good.body = R"({"a":1})";
  EXPECT_EQ(h(good).status, 200);
  EXPECT_EQ(h(good).body, R"({"a":1})");
}

TEST(HandleTest, FieldDetailsAreKept) {
  Handler h = Handle([](Request&) -> Result<Response> {
    return ValidationFailed({{"width_in", "must be > 0"}, {"height_in", "is required"}});
  });
  Request req = MakeRequest();
  Response resp = h(req);
  EXPECT_EQ(resp.status, 422);
  const json::array details = json::parse(resp.body).at("error").at("details").as_array();
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].at("field").as_string(), "width_in");
  EXPECT_EQ(details[0].at("message").as_string(), "must be > 0");
  EXPECT_EQ(details[1].at("field").as_string(), "height_in");
}

TEST(HandleTest, WorksAsARouteHandler) {
  Router router;
  int calls = 0;
  router.Add("POST", "/v1/x/{id}", {.summary = "x", .permission = std::string(kPublic)},
             Handle([&calls](Request& r) -> Result<Response> {
               ++calls;
               if (r.PathParam("id") == "missing") return NotFound("no such x");
               return Response::NoContent();
             }));
  Match m = router.Find("POST", "/v1/x/missing");
  ASSERT_NE(m.route, nullptr);
  Request req = MakeRequest();
  req.path_params = m.params;
  EXPECT_EQ(m.route->handler(req).status, 404);
  req.path_params["id"] = "x_1";
  EXPECT_EQ(m.route->handler(req).status, 204);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace signx::http
