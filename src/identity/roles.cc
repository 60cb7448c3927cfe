#include "identity/roles.h"

#include <algorithm>
#include <array>

namespace signx::identity {
namespace {

constexpr std::array<Role, 4> kRoles = {Role::kSuperAdmin, Role::kOrgAdmin, Role::kOrgMember,
                                        Role::kOrgViewer};

// Sorted; IsKnownPermission binary-searches it.
constexpr std::array<std::string_view, 19> kPermissions = {
    "admin:api_keys",     // create, list and revoke the org's API keys
    "admin:users",        // add users to the org and change their roles
    "audit:read",         // read the org's audit log
    "documents:read",     // read and search documents
    "documents:write",    // upload and process documents
    "estimates:admin",    // train and activate cost models
    "estimates:predict",  // run cost predictions
    "events:read",        // read the event stream and webhook deliveries
    "jobs:manage",        // cancel background jobs
    "jobs:read",          // see background jobs
    "leads:admin",        // train and activate lead-scoring models
    "leads:read",         // read scored leads
    "leads:score",        // score leads
    "operations:read",    // read inventory, forecasts and ingest batches
    "operations:write",   // ingest data and change items
    "projects:read",      // read sign projects
    "projects:write",     // create and change sign projects
    "quotes:write",       // price and issue quotes
    "webhooks:admin",     // register webhook endpoints and rotate their secrets
};

// What each role holds. org_admin: everything in its org. org_member: day-to-day work.
// org_viewer: read-only.
constexpr std::array<std::string_view, 11> kMember = {
    "documents:read", "documents:write", "estimates:predict", "jobs:read",
    "leads:read",     "leads:score",     "operations:read",   "operations:write",
    "projects:read",  "projects:write",  "quotes:write"};
constexpr std::array<std::string_view, 5> kViewer = {"documents:read", "jobs:read", "leads:read",
                                                     "operations:read", "projects:read"};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSuperAdmin:
      return "super_admin";
    case Role::kOrgAdmin:
      return "org_admin";
    case Role::kOrgMember:
      return "org_member";
    case Role::kOrgViewer:
      return "org_viewer";
  }
  return "org_viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kRoles) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::span<const Role> AllRoles() { return kRoles; }

std::span<const std::string_view> AllPermissions() { return kPermissions; }

bool IsKnownPermission(std::string_view permission) {
  return std::binary_search(kPermissions.begin(), kPermissions.end(), permission);
}

std::vector<std::string> PermissionsFor(Role role) {
  std::vector<std::string> out;
  switch (role) {
    case Role::kSuperAdmin:
      out.emplace_back("*");
      break;
    case Role::kOrgAdmin:
      out.assign(kPermissions.begin(), kPermissions.end());
      break;
    case Role::kOrgMember:
      out.assign(kMember.begin(), kMember.end());
      break;
    case Role::kOrgViewer:
      out.assign(kViewer.begin(), kViewer.end());
      break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Allows(const std::vector<std::string>& granted, std::string_view permission) {
  for (const auto& g : granted) {
    if (g == permission || g == "*") return true;
  }
  return false;
}

}  // namespace signx::identity
