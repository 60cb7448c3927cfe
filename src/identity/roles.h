// Roles and permissions: the ONE table that says what each role may do.
//
// A membership gives a user one role in one org (the tenant). Routes declare the permission they
// need in http::RouteMeta::permission (or http::kPublic, or kAnyAuthenticated for routes every
// signed-in principal may call, such as GET /v1/me). A user's permissions come from their role via
// PermissionsFor(); an API key's permissions are its scopes, which must be a subset of the
// permissions of the admin who created it. super_admin holds "*", which http::Principal::Can treats
// as every permission (including ones added by modules later).
// Thread-safety: immutable data and pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signx::identity {

// Route permission meaning "any authenticated principal" (no specific permission).
inline constexpr std::string_view kAnyAuthenticated = "authenticated";

enum class Role { kSuperAdmin, kOrgAdmin, kOrgMember, kOrgViewer };

// "super_admin", "org_admin", "org_member", "org_viewer".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
// Every role, most powerful first.
std::span<const Role> AllRoles();

// Every named permission, sorted ("admin:api_keys", "leads:score", ...). Does not include "*".
std::span<const std::string_view> AllPermissions();
bool IsKnownPermission(std::string_view permission);

// The permissions of `role` ({"*"} for super_admin).
std::vector<std::string> PermissionsFor(Role role);

// True when holding `granted` (a role's permissions, possibly "*") allows `permission`.
bool Allows(const std::vector<std::string>& granted, std::string_view permission);

}  // namespace signx::identity
