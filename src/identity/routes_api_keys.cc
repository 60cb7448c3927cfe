// Identity route handlers: POST /v1/api-keys, GET /v1/api-keys, DELETE /v1/api-keys/{id}.
// Registered by AddIdentityRoutes (routes.cc).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "base/strings.h"
#include "http/json.h"
#include "identity/internal/routes_common.h"

namespace signx::identity::internal {

using http::Request;
using http::Response;

Result<Response> CreateKey(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string name = f.Required("name");
  const std::vector<std::string> scopes = f.StringList("scopes");
  std::optional<Timestamp> expires_at;
  if (auto text = f.Optional("expires_at")) {
    auto t = ParseRfc3339(*text);
    if (t.ok()) {
      expires_at = *t;
    } else {
      f.Add({"expires_at", "must be an RFC 3339 timestamp"});
    }
  }
  if (Status st = f.status(); !st.ok()) return st;
  auto created = svc.CreateApiKey(*p, name, scopes, expires_at, r.request_id);
  if (!created.ok()) return created.status();
  json::object out = ApiKeyJson(created->info, svc.clock().Now());
  out["key"] = created->key;
  Response resp = http::JsonResponse(201, out);
  resp.headers.Set("Cache-Control", "no-store");
  resp.headers.Set("Location", "/v1/api-keys/" + created->info.id);
  return resp;
}

Result<Response> ListKeys(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto keys = svc.ListApiKeys(*p);
  if (!keys.ok()) return keys.status();
  json::array items;
  const Timestamp now = svc.clock().Now();
  for (const auto& k : *keys) items.push_back(ApiKeyJson(k, now));
  return http::JsonResponse(200, json::object{{"items", std::move(items)}});
}

Result<Response> RevokeKey(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  if (Status st = svc.RevokeApiKey(*p, r.PathParam("id"), r.request_id); !st.ok()) {
    return st;
  }
  return Response::NoContent();
}

}  // namespace signx::identity::internal
