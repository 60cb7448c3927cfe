// HTTP routes of the identity module (all JSON, all on the blocking pool):
//
//   POST   /v1/auth/login       public           {email, password, org_id?} → tokens; 429 when
//                                                throttled (per account and per IP, Retry-After)
//   POST   /v1/auth/refresh     public           {refresh_token} → new tokens (rotation)
//   POST   /v1/auth/logout      public           {refresh_token} → 204, the session is revoked
//   GET    /v1/me               authenticated    who am I: user + memberships, or the API key
//   POST   /v1/api-keys         admin:api_keys   {name, scopes[], expires_at?} → 201 with `key`
//                                                (shown once)
//   GET    /v1/api-keys         admin:api_keys   the org's keys (no secrets)
//   DELETE /v1/api-keys/{id}    admin:api_keys   revoke → 204; 404 for another org's key
//   GET    /v1/audit            audit:read       ?limit=&cursor= → {items, next_cursor}
//   POST   /v1/orgs/{id}/users  admin:users      {email, role} → 201 invitation with a one-time
//                                                token (same answer for known and unknown e-mails)
//   POST   /v1/invitations/accept  authenticated {token} → the invited, signed-in user joins
//   POST   /v1/auth/register    public           {token, password} → account + membership for
//                                                an invited e-mail without an account
//   GET    /v1/orgs/{id}/users  admin:users      ?limit=&cursor= → {items, next_cursor}
//   PATCH  /v1/orgs/{id}/users/{user_id}  admin:users  {role} → the member; 409 for the last
//                                                org_admin
//   DELETE /v1/orgs/{id}/users/{user_id}  admin:users  → {account_deleted}; the last membership
//                                                deletes the account; 409 for the last org_admin
//   GET    /v1/me/export        authenticated    the user's personal data as a JSON attachment
//   DELETE /v1/me               authenticated    {password} → 204, the account is deleted
//
// On /v1/orgs/{id}/... the {id} must be the caller's org (super_admin: any org), 404 otherwise.
//
// Authentication and permission checks happen in AuthMiddleware, which must be installed on the
// server; handlers read the org from request.principal only.
// Thread-safety: register at start-up; the service must outlive the router.
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "identity/identity_service.h"

namespace signx::identity {

void AddIdentityRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       IdentityService& service);

}  // namespace signx::identity
