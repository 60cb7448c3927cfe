#include "identity/auth_middleware.h"

#include "base/strings.h"
#include "http/json.h"
#include "identity/roles.h"

namespace signx::identity {

Result<http::Principal> AuthMiddleware::Authenticate(const http::Request& request) {
  if (auto auth = request.Header("Authorization")) {
    const std::string_view value = Trim(*auth);
    const auto space = value.find(' ');
    if (space == std::string_view::npos || !EqualsIgnoreCase(value.substr(0, space), "bearer")) {
      return Status(ErrorCode::kUnauthenticated,
                    "the Authorization header must be 'Bearer <access token>'");
    }
    return service_.AuthenticateBearer(Trim(value.substr(space + 1)));
  }
  if (auto key = request.Header("X-API-Key")) return service_.AuthenticateApiKey(Trim(*key));
  return Status(ErrorCode::kUnauthenticated,
                "authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key'");
}

std::optional<http::Response> AuthMiddleware::Before(http::Request& request,
                                                     const http::Route& route) {
  const std::string& needed = route.meta.permission;
  if (needed == http::kPublic) return std::nullopt;
  auto principal = Authenticate(request);
  if (!principal.ok()) {
    http::Response r = http::ErrorResponse(principal.status(), request.request_id);
    r.headers.Set("WWW-Authenticate", "Bearer");
    return r;
  }
  if (needed != kAnyAuthenticated && !principal->Can(needed)) {
    return http::ErrorResponse(Status(ErrorCode::kPermissionDenied,
                                      "this operation needs the permission '" + needed + "'"),
                               request.request_id);
  }
  request.principal = std::move(*principal);
  return std::nullopt;
}

}  // namespace signx::identity
