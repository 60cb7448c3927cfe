// Identity route handlers: POST|GET /v1/orgs/{id}/users, PATCH|DELETE
// /v1/orgs/{id}/users/{user_id}, POST /v1/invitations/accept, POST /v1/auth/register. Registered by
// AddIdentityRoutes (routes.cc).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "base/strings.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/internal/routes_common.h"

namespace signx::identity::internal {

using http::Request;
using http::Response;

namespace {

json::object MemberJson(const OrgMember& m, std::string_view org_id) {
  return {{"user_id", m.user_id},
          {"email", m.email},
          {"org_id", org_id},
          {"role", m.role},
          {"joined_at", FormatRfc3339(m.joined_at)}};
}

json::object AcceptedJson(const AcceptedInvitation& a) {
  return {{"user_id", a.user_id},
          {"org_id", a.org_id},
          {"role", a.role},
          {"account_created", a.account_created}};
}

}  // namespace

Result<Response> InviteUser(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  // Tenant scope before the body: another org's id is 404 whatever was sent.
  if (Status st = svc.CheckOrgAccess(*p, org_id); !st.ok()) return st;
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string email = f.Required("email");
  const std::string role = f.Required("role");
  if (body->contains("password")) {
    f.Add({"password", "an admin does not set passwords: the invitee chooses one on accepting"});
  }
  if (Status st = f.status(); !st.ok()) return st;
  auto created = svc.InviteToOrg(*p, org_id, email, role, r.request_id);
  if (!created.ok()) return created.status();
  const Invitation& inv = created->invitation;
  Response resp =
      http::JsonResponse(201, json::object{{"id", inv.id},
                                           {"org_id", inv.org_id},
                                           {"email", inv.email},
                                           {"role", inv.role},
                                           {"status", "pending"},
                                           {"created_at", FormatRfc3339(inv.created_at)},
                                           {"expires_at", FormatRfc3339(inv.expires_at)},
                                           {"token", created->token}});
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Result<Response> AcceptInvitation(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string token = f.Required("token");
  if (Status st = f.status(); !st.ok()) return st;
  auto accepted = svc.AcceptInvitation(*p, token, r.request_id);
  if (!accepted.ok()) return accepted.status();
  return http::JsonResponse(200, AcceptedJson(*accepted));
}

Result<Response> RegisterWithInvitation(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string token = f.Required("token");
  const std::string password = f.Required("password");
  if (Status st = f.status(); !st.ok()) return st;
  auto accepted = svc.RegisterWithInvitation(token, password, r.request_id);
  if (!accepted.ok()) return accepted.status();
  return http::JsonResponse(201, AcceptedJson(*accepted));
}

Result<Response> ListMembers(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  std::vector<FieldError> bad;
  const http::PageQuery q = http::ReadPageQuery(
      r, bad, {.default_limit = kDefaultMemberPage, .max_limit = kMaxMemberPage},
      http::IdCursor("usr"));
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  auto page = svc.ListOrgMembers(*p, org_id, q.limit, q.cursor);
  if (!page.ok()) return page.status();
  json::array items;
  for (const auto& m : page->items) items.push_back(MemberJson(m, org_id));
  return http::ListResponse(std::move(items), page->next_cursor);
}

Result<Response> ChangeRole(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  if (Status st = svc.CheckOrgAccess(*p, org_id); !st.ok()) return st;
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return body.status();
  Fields f(*body);
  const std::string role = f.Required("role");
  if (Status st = f.status(); !st.ok()) return st;
  auto m = svc.ChangeMemberRole(*p, org_id, r.PathParam("user_id"), role, r.request_id);
  if (!m.ok()) return m.status();
  return http::JsonResponse(200, MemberJson(*m, org_id));
}

Result<Response> RemoveMember(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  auto removed = svc.RemoveUserFromOrg(*p, org_id, r.PathParam("user_id"), r.request_id);
  if (!removed.ok()) return removed.status();
  return http::JsonResponse(200, json::object{{"user_id", removed->user_id},
                                              {"org_id", removed->org_id},
                                              {"account_deleted", removed->account_deleted}});
}

}  // namespace signx::identity::internal
