// AuthMiddleware: authenticates every non-public route and enforces its declared permission.
//
// For a route whose meta.permission is http::kPublic it does nothing. Otherwise it reads
// `Authorization: Bearer <access JWT>` (preferred when both are sent) or `X-API-Key: <key>`,
// sets request.principal, and answers
//   401 kUnauthenticated (with `WWW-Authenticate: Bearer`) when credentials are missing/invalid,
//   403 kPermissionDenied when the principal lacks meta.permission
//       (identity::kAnyAuthenticated only requires a principal).
// Handlers can then rely on request.principal being set and scope every query by its org_id.
//
// Blocking: the middleware runs where the handler runs. Bearer tokens are verified in memory
// (microseconds), but an X-API-Key is looked up in the database, so every authenticated route
// must use http::Execution::kBlocking (the default); on an inline route an API-key request would
// block an io thread. Inline routes that must stay inline should accept bearer tokens only.
// Thread-safety: thread-safe (IdentityService is); the service must outlive the middleware.
#pragma once

#include <optional>

#include "http/server.h"
#include "identity/identity_service.h"

namespace signx::identity {

class AuthMiddleware final : public http::Middleware {
 public:
  explicit AuthMiddleware(IdentityService& service) : service_(service) {}

  std::optional<http::Response> Before(http::Request& request, const http::Route& route) override;

  // The principal for the request's credentials, without the permission check.
  Result<http::Principal> Authenticate(const http::Request& request);

 private:
  IdentityService& service_;
};

}  // namespace signx::identity
