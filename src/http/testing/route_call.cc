#include "http/testing/route_call.h"

#include <gtest/gtest.h>

#include <utility>

namespace signx::http::testing {

Response CallRoute(const Router& router, RouteCall call) {
  Request req;
  req.method = std::move(call.method);
  req.target = std::move(call.target);
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = ParseQuery(std::string_view(req.target).substr(q + 1));
  req.request_id = std::move(call.request_id);
  req.body = std::move(call.body);
  for (auto& [name, value] : call.headers) req.headers.Add(name, std::move(value));
  req.principal = std::move(call.principal);
  Match m = router.Find(req.method, req.path);
  if (m.route == nullptr) {
    ADD_FAILURE() << "no route for " << req.method << " " << req.path;
    return Response::Text(404, "");
  }
  req.path_params = std::move(m.params);
  return m.route->handler(req);
}

}  // namespace signx::http::testing
