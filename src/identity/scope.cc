#include "identity/scope.h"

#include "identity/roles.h"

namespace signx::identity {

Result<TenantScope> OrgScope(const std::optional<http::Principal>& principal) {
  if (!principal) return Status(ErrorCode::kUnauthenticated, "authentication required");
  if (principal->org_id.empty()) {
    return Status(ErrorCode::kPermissionDenied, "the credentials do not act in an organisation");
  }
  return TenantScope{principal->org_id, principal->subject_id};
}

bool IsPlatformAdmin(const http::Principal& principal) {
  return principal.role == RoleName(Role::kSuperAdmin);
}

std::optional<std::string> OrgFilter(const http::Principal& principal) {
  if (IsPlatformAdmin(principal)) return std::nullopt;
  return principal.org_id;
}

bool MaySeeOrg(const http::Principal& principal, std::string_view org_id) {
  return IsPlatformAdmin(principal) || (!principal.org_id.empty() && principal.org_id == org_id);
}

}  // namespace signx::identity
