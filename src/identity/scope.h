// The tenant a request acts in, derived from its principal — written once for every module.
//
// Every row of SignX belongs to an org. A capability's store filters every statement by
// TenantScope::org_id, so a row of another org is indistinguishable from a missing one (404).
// Platform-wide views (the job list, the event feed) show every org to a super_admin and the
// caller's own org to everyone else: OrgFilter says which. No module compares role names itself.
//
// Thread-safety: pure functions over value types.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "http/request.h"

namespace signx::identity {

struct TenantScope {
  std::string org_id;
  std::string actor;  // principal subject id, "cli" or a job id; for created_by columns
};

// The org the principal acts in. kUnauthenticated without a principal; kPermissionDenied when
// the credentials act in no org.
Result<TenantScope> OrgScope(const std::optional<http::Principal>& principal);

// True for a principal that administers the whole platform (super_admin).
bool IsPlatformAdmin(const http::Principal& principal);

// The org filter of a platform-wide view: nullopt (every org) for a platform admin, else the
// principal's own org.
std::optional<std::string> OrgFilter(const http::Principal& principal);

// True when `principal` may see a row owned by `org_id` in a platform-wide view.
bool MaySeeOrg(const http::Principal& principal, std::string_view org_id);

}  // namespace signx::identity
