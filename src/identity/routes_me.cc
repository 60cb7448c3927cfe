// Identity route handlers: GET /v1/me, GET /v1/me/export, DELETE /v1/me. Registered by
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

json::object MembershipJson(const Membership& m) {
  return {{"org_id", m.org_id},
          {"org_name", m.org_name},
          {"role", m.role},
          {"joined_at", FormatRfc3339(m.joined_at)}};
}

}  // namespace

Result<Response> Me(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto me = svc.Me(*p);
  if (!me.ok()) return me.status();
  json::object out{{"kind", p->kind},
                   {"id", p->subject_id},
                   {"org_id", p->org_id},
                   {"role", p->role},
                   {"permissions", Strings(p->permissions)}};
  if (me->user) {
    out["email"] = me->user->email;
    out["created_at"] = FormatRfc3339(me->user->created_at);
    json::array ms;
    for (const auto& m : me->memberships) {
      ms.push_back(MembershipJson(m));
    }
    out["memberships"] = std::move(ms);
  }
  if (me->api_key) out["api_key"] = ApiKeyJson(*me->api_key, svc.clock().Now());
  return http::JsonResponse(200, out);
}

Result<Response> Export(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto data = svc.ExportPersonalData(*p, r.request_id);
  if (!data.ok()) return data.status();
  const Timestamp now = svc.clock().Now();
  json::array memberships, keys, sessions, invitations, audit;
  for (const auto& m : data->memberships) memberships.push_back(MembershipJson(m));
  for (const auto& k : data->api_keys) keys.push_back(ApiKeyJson(k, now));
  for (const auto& t : data->sessions) {
    sessions.push_back(json::object{{"id", t.id},
                                    {"family_id", t.family_id},
                                    {"org_id", t.org_id},
                                    {"issued_at", FormatRfc3339(t.issued_at)},
                                    {"expires_at", FormatRfc3339(t.expires_at)},
                                    {"used_at", Time(t.used_at)},
                                    {"revoked_at", Time(t.revoked_at)}});
  }
  for (const auto& i : data->invitations) {
    invitations.push_back(json::object{{"id", i.id},
                                       {"org_id", i.org_id},
                                       {"email", i.email},
                                       {"role", i.role},
                                       {"created_at", FormatRfc3339(i.created_at)},
                                       {"expires_at", FormatRfc3339(i.expires_at)},
                                       {"accepted_at", Time(i.accepted_at)},
                                       {"revoked_at", Time(i.revoked_at)}});
  }
  for (const auto& e : data->audit) audit.push_back(AuditJson(e));
  json::object doc{{"format", "signx.personal-data-export.v1"},
                   {"exported_at", FormatRfc3339(data->exported_at)},
                   {"user", json::object{{"id", data->user.id},
                                         {"email", data->user.email},
                                         {"created_at", FormatRfc3339(data->user.created_at)},
                                         {"updated_at", FormatRfc3339(data->updated_at)}}},
                   {"memberships", std::move(memberships)},
                   {"api_keys", std::move(keys)},
                   {"sessions", std::move(sessions)},
                   {"invitations", std::move(invitations)},
                   {"audit", std::move(audit)},
                   {"audit_truncated", data->audit_truncated}};
  json::object modules;
  for (const auto& [key, value] : data->modules) modules[key] = value;
  doc["modules"] = std::move(modules);
  Response resp = http::JsonResponse(200, doc);
  resp.headers.Set("Content-Disposition",
                   "attachment; filename=\"signx-export-" + data->user.id + ".json\"");
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Result<Response> DeleteMe(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string password = f.Required("password");
  if (Status st = f.status(); !st.ok()) return st;
  std::chrono::seconds retry_after{0};
  if (Status st = svc.DeleteAccount(*p, password, r.request_id, &retry_after); !st.ok()) {
    Response resp = http::ErrorResponse(st, r.request_id);  // plus Retry-After
    if (st.code() == ErrorCode::kRateLimited) {
      resp.headers.Set("Retry-After", std::to_string(retry_after.count()));
    }
    return resp;
  }
  return Response::NoContent();
}

}  // namespace signx::identity::internal
