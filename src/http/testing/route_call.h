// CallRoute: runs a Router's handler for a request the way the server does after its middleware
// (path and decoded query from the target, path parameters from the matched route), without a
// socket. For route tests that set the principal themselves; a test that needs the middleware
// (authentication, limits) runs a real http::Server instead (see test_auth.h).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "http/request.h"
#include "http/router.h"

namespace signx::http::testing {

struct RouteCall {
  std::string method;
  std::string target;  // path and query, as on the request line: "/v1/items?limit=2"
  std::string body;
  std::map<std::string, std::string> headers;
  std::optional<Principal> principal;  // empty = anonymous
  std::string request_id = "req-1";
};

// The handler's answer to `call`. A target no route of `router` matches is a test failure
// (ADD_FAILURE) and answers 404.
Response CallRoute(const Router& router, RouteCall call);

}  // namespace signx::http::testing
