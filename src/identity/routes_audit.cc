// Identity route handlers: GET /v1/audit. Registered by AddIdentityRoutes (routes.cc).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "base/strings.h"
#include "http/json.h"
#include "identity/internal/routes_common.h"

namespace signx::identity::internal {

using http::Request;
using http::Response;

Response Audit(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  int limit = kDefaultAuditPage;
  if (auto text = r.Query("limit")) {
    auto n = ParseInt(*text);
    if (!n || *n < 1 || *n > kMaxAuditPage) {
      return Fail(Status(ErrorCode::kInvalidArgument,
                         "limit must be an integer from 1 to " + std::to_string(kMaxAuditPage),
                         {{"limit", "must be 1.." + std::to_string(kMaxAuditPage)}}),
                  r);
    }
    limit = static_cast<int>(*n);
  }
  auto page = svc.ListAuditLog(*p, limit, r.Query("cursor").value_or(""));
  if (!page.ok()) return Fail(page.status(), r);
  json::array items;
  for (const auto& e : page->items) items.push_back(AuditJson(e));
  return http::JsonResponse(
      200,
      json::object{{"items", std::move(items)},
                   {"next_cursor", page->next_cursor.empty() ? json::value(nullptr)
                                                             : json::value(page->next_cursor)}});
}

}  // namespace signx::identity::internal
