// Identity route handlers: GET /v1/audit. Registered by AddIdentityRoutes (routes.cc).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/json.h"
#include "http/pagination.h"
#include "identity/internal/routes_common.h"

namespace signx::identity::internal {

using http::Request;
using http::Response;

Result<Response> Audit(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  std::vector<FieldError> bad;
  const http::PageQuery q = http::ReadPageQuery(
      r, bad, {.default_limit = kDefaultAuditPage, .max_limit = kMaxAuditPage});
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  auto page = svc.ListAuditLog(*p, q.limit, q.cursor);
  if (!page.ok()) return page.status();
  json::array items;
  for (const auto& e : page->items) items.push_back(AuditJson(e));
  return http::ListResponse(std::move(items), page->next_cursor);
}

}  // namespace signx::identity::internal
