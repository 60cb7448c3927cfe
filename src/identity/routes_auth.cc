// Identity route handlers: POST /v1/auth/login, /v1/auth/refresh, /v1/auth/logout. Registered by
// AddIdentityRoutes (routes.cc).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "base/strings.h"
#include "http/json.h"
#include "identity/internal/routes_common.h"

namespace signx::identity::internal {

using http::Request;
using http::Response;

namespace {

json::object TokensJson(const TokenPair& t, Timestamp now) {
  const auto expires_in =
      std::chrono::duration_cast<std::chrono::seconds>(t.access_expires_at - now).count();
  return {{"access_token", t.access_token},
          {"token_type", "Bearer"},
          {"expires_in", std::max<int64_t>(0, expires_in)},
          {"expires_at", FormatRfc3339(t.access_expires_at)},
          {"refresh_token", t.refresh_token},
          {"refresh_expires_at", FormatRfc3339(t.refresh_expires_at)},
          {"user_id", t.user_id},
          {"org_id", t.org_id},
          {"role", t.role}};
}

}  // namespace

Result<Response> Login(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  LoginRequest req;
  req.email = f.Required("email");
  req.password = f.Required("password");
  req.org_id = f.Optional("org_id");
  if (Status st = f.status(); !st.ok()) return st;
  req.client_ip = r.remote_addr;
  req.forwarded_for = r.Header("X-Forwarded-For").value_or("");
  req.request_id = r.request_id;
  std::chrono::seconds retry_after{0};
  auto tokens = svc.Login(req, &retry_after);
  if (!tokens.ok()) {
    Response resp = http::ErrorResponse(tokens.status(), r.request_id);  // plus Retry-After
    if (tokens.status().code() == ErrorCode::kRateLimited) {
      resp.headers.Set("Retry-After", std::to_string(retry_after.count()));
    }
    return resp;
  }
  Response resp = http::JsonResponse(200, TokensJson(*tokens, svc.clock().Now()));
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Result<Response> Refresh(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string token = f.Required("refresh_token");
  if (Status st = f.status(); !st.ok()) return st;
  auto tokens = svc.Refresh(token, r.request_id);
  if (!tokens.ok()) return tokens.status();
  Response resp = http::JsonResponse(200, TokensJson(*tokens, svc.clock().Now()));
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Result<Response> Logout(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string token = f.Required("refresh_token");
  if (Status st = f.status(); !st.ok()) return st;
  if (Status st = svc.Logout(token, r.request_id); !st.ok()) return st;
  return Response::NoContent();
}

}  // namespace signx::identity::internal
