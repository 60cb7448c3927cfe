#include "http/testing/test_auth.h"

#include <utility>

#include "base/status.h"
#include "http/json.h"

namespace signx::http::testing {

Principal OrgMember(std::string org, std::vector<std::string> permissions) {
  return {.kind = "user",
          .subject_id = "usr_" + org,
          .org_id = std::move(org),
          .role = "org_member",
          .permissions = std::move(permissions)};
}

TestAuth::TestAuth(PrincipalMaker maker, TestAuthOptions options)
    : maker_(std::move(maker)), options_(std::move(options)) {}

std::optional<Response> TestAuth::Before(Request& request, const Route& route) {
  const auto value = request.Header(options_.header);
  if (!value) return std::nullopt;
  request.principal = maker_(*value, request);
  if (options_.enforce_permissions && !request.principal->Can(route.meta.permission)) {
    return ErrorResponse(Status(ErrorCode::kPermissionDenied, "forbidden"), request.request_id);
  }
  return std::nullopt;
}

}  // namespace signx::http::testing
