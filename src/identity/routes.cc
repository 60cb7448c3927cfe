#include "identity/routes.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "base/strings.h"
#include "http/json.h"

namespace signx::identity {
namespace json = boost::json;
namespace {

using http::Request;
using http::Response;

constexpr int64_t kSmallBody = 16 * 1024;

Response Fail(const Status& st, const Request& r) { return http::ErrorResponse(st, r.request_id); }

// Reads string fields from a JSON object, collecting every problem.
class Fields {
 public:
  explicit Fields(const json::object& o) : o_(o) {}

  std::string Required(std::string_view name) {
    auto v = Optional(name);
    if (!v && !Has(name)) errors_.push_back({std::string(name), "is required"});
    return v.value_or("");
  }
  std::optional<std::string> Optional(std::string_view name) {
    const json::value* v = o_.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      errors_.push_back({std::string(name), "must be a string"});
      return std::nullopt;
    }
    return std::string(v->get_string());
  }
  std::vector<std::string> StringList(std::string_view name) {
    std::vector<std::string> out;
    const json::value* v = o_.if_contains(name);
    if (v == nullptr) {
      errors_.push_back({std::string(name), "is required"});
      return out;
    }
    if (!v->is_array()) {
      errors_.push_back({std::string(name), "must be an array of strings"});
      return out;
    }
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) {
        errors_.push_back({std::string(name), "must be an array of strings"});
        return {};
      }
      out.emplace_back(e.get_string());
    }
    return out;
  }
  void Add(FieldError e) { errors_.push_back(std::move(e)); }
  Status status() const { return errors_.empty() ? Status::Ok() : ValidationFailed(errors_); }

 private:
  bool Has(std::string_view name) const {
    const json::value* v = o_.if_contains(name);
    return v != nullptr && !v->is_null();
  }
  const json::object& o_;
  std::vector<FieldError> errors_;
};

json::value Time(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

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

json::object ApiKeyJson(const ApiKeyInfo& k, Timestamp now) {
  const char* status = k.revoked_at                             ? "revoked"
                       : (k.expires_at && *k.expires_at <= now) ? "expired"
                                                                : "active";
  return {{"id", k.id},
          {"org_id", k.org_id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", Strings(k.scopes)},
          {"status", status},
          {"created_by", k.created_by ? json::value(*k.created_by) : json::value(nullptr)},
          {"created_at", FormatRfc3339(k.created_at)},
          {"expires_at", Time(k.expires_at)},
          {"last_used_at", Time(k.last_used_at)},
          {"revoked_at", Time(k.revoked_at)}};
}

json::object AuditJson(const AuditEntry& e) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? json::value(*s) : json::value(nullptr);
  };
  return {{"id", e.id},
          {"org_id", opt(e.org_id)},
          {"actor",
           json::object{{"kind", e.actor_kind}, {"id", e.actor_id}, {"label", opt(e.actor_label)}}},
          {"action", e.action},
          {"subject", json::object{{"type", e.subject_type}, {"id", e.subject_id}}},
          {"request_id", e.request_id},
          {"at", FormatRfc3339(e.at)},
          {"before_sha256", opt(e.before_sha256)},
          {"after_sha256", opt(e.after_sha256)}};
}

json::object MembershipJson(const Membership& m) {
  return {{"org_id", m.org_id},
          {"org_name", m.org_name},
          {"role", m.role},
          {"joined_at", FormatRfc3339(m.joined_at)}};
}

json::object MemberJson(const OrgMember& m, std::string_view org_id) {
  return {{"user_id", m.user_id},
          {"email", m.email},
          {"org_id", org_id},
          {"role", m.role},
          {"joined_at", FormatRfc3339(m.joined_at)}};
}

// Optional ?limit= in 1..max (default `def`); nullopt and *error set when invalid.
std::optional<int> PageLimit(const Request& r, int def, int max, Status* error) {
  auto text = r.Query("limit");
  if (!text) return def;
  auto n = ParseInt(*text);
  if (!n || *n < 1 || *n > max) {
    *error = Status(ErrorCode::kInvalidArgument,
                    "limit must be an integer from 1 to " + std::to_string(max),
                    {{"limit", "must be 1.." + std::to_string(max)}});
    return std::nullopt;
  }
  return static_cast<int>(*n);
}

Response Login(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  LoginRequest req;
  req.email = f.Required("email");
  req.password = f.Required("password");
  req.org_id = f.Optional("org_id");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  req.client_ip = r.remote_addr;
  req.forwarded_for = r.Header("X-Forwarded-For").value_or("");
  req.request_id = r.request_id;
  std::chrono::seconds retry_after{0};
  auto tokens = svc.Login(req, &retry_after);
  if (!tokens.ok()) {
    Response resp = Fail(tokens.status(), r);
    if (tokens.status().code() == ErrorCode::kRateLimited) {
      resp.headers.Set("Retry-After", std::to_string(retry_after.count()));
    }
    return resp;
  }
  Response resp = http::JsonResponse(200, TokensJson(*tokens, svc.clock().Now()));
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Response Refresh(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string token = f.Required("refresh_token");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  auto tokens = svc.Refresh(token, r.request_id);
  if (!tokens.ok()) return Fail(tokens.status(), r);
  Response resp = http::JsonResponse(200, TokensJson(*tokens, svc.clock().Now()));
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Response Logout(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string token = f.Required("refresh_token");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  if (Status st = svc.Logout(token, r.request_id); !st.ok()) return Fail(st, r);
  return Response::NoContent();
}

// The middleware guarantees a principal on non-public routes; answer 401 if it is not installed.
const http::Principal* PrincipalOf(const Request& r) {
  return r.principal ? &*r.principal : nullptr;
}
Response NoPrincipal(const Request& r) {
  return Fail(Status(ErrorCode::kUnauthenticated, "authentication required"), r);
}

Response Me(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto me = svc.Me(*p);
  if (!me.ok()) return Fail(me.status(), r);
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

Response CreateKey(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
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
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  auto created = svc.CreateApiKey(*p, name, scopes, expires_at, r.request_id);
  if (!created.ok()) return Fail(created.status(), r);
  json::object out = ApiKeyJson(created->info, svc.clock().Now());
  out["key"] = created->key;
  Response resp = http::JsonResponse(201, out);
  resp.headers.Set("Cache-Control", "no-store");
  resp.headers.Set("Location", "/v1/api-keys/" + created->info.id);
  return resp;
}

Response ListKeys(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto keys = svc.ListApiKeys(*p);
  if (!keys.ok()) return Fail(keys.status(), r);
  json::array items;
  const Timestamp now = svc.clock().Now();
  for (const auto& k : *keys) items.push_back(ApiKeyJson(k, now));
  return http::JsonResponse(200, json::object{{"items", std::move(items)}});
}

Response RevokeKey(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  if (Status st = svc.RevokeApiKey(*p, r.PathParam("id"), r.request_id); !st.ok()) {
    return Fail(st, r);
  }
  return Response::NoContent();
}

Response Audit(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  int limit = kDefaultAuditPage;
  if (auto text = r.Query("limit")) {
    auto n = ParseInt(*text);
    if (!n || *n < 1 || *n > kMaxAuditPage) {
      return Fail(Status(ErrorCode::kInvalidArgument,
                         "limit must be an integer from 1 to " + std::to_string(kMaxAuditPage),
                         {{"limit", "must be 1.." + std::to_string(kMaxAuditPage)}}),
                  r);
    }
    limit = static_cast<int>(*n);
  }
  auto page = svc.ListAuditLog(*p, limit, r.Query("cursor").value_or(""));
  if (!page.ok()) return Fail(page.status(), r);
  json::array items;
  for (const auto& e : page->items) items.push_back(AuditJson(e));
  return http::JsonResponse(
      200,
      json::object{{"items", std::move(items)},
                   {"next_cursor", page->next_cursor.empty() ? json::value(nullptr)
                                                             : json::value(page->next_cursor)}});
}

Response InviteUser(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  // Tenant scope before the body: another org's id is 404 whatever was sent.
  if (Status st = svc.CheckOrgAccess(*p, org_id); !st.ok()) return Fail(st, r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string email = f.Required("email");
  const std::string role = f.Required("role");
  if (body->contains("password")) {
    f.Add({"password", "an admin does not set passwords: the invitee chooses one on accepting"});
  }
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  auto created = svc.InviteToOrg(*p, org_id, email, role, r.request_id);
  if (!created.ok()) return Fail(created.status(), r);
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

json::object AcceptedJson(const AcceptedInvitation& a) {
  return {{"user_id", a.user_id},
          {"org_id", a.org_id},
          {"role", a.role},
          {"account_created", a.account_created}};
}

Response AcceptInvitation(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string token = f.Required("token");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  auto accepted = svc.AcceptInvitation(*p, token, r.request_id);
  if (!accepted.ok()) return Fail(accepted.status(), r);
  return http::JsonResponse(200, AcceptedJson(*accepted));
}

Response RegisterWithInvitation(IdentityService& svc, Request& r) {
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string token = f.Required("token");
  const std::string password = f.Required("password");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  auto accepted = svc.RegisterWithInvitation(token, password, r.request_id);
  if (!accepted.ok()) return Fail(accepted.status(), r);
  return http::JsonResponse(201, AcceptedJson(*accepted));
}

Response ListMembers(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  Status error;
  auto limit = PageLimit(r, kDefaultMemberPage, kMaxMemberPage, &error);
  if (!limit) return Fail(error, r);
  auto page = svc.ListOrgMembers(*p, org_id, *limit, r.Query("cursor").value_or(""));
  if (!page.ok()) return Fail(page.status(), r);
  json::array items;
  for (const auto& m : page->items) items.push_back(MemberJson(m, org_id));
  return http::JsonResponse(
      200,
      json::object{{"items", std::move(items)},
                   {"next_cursor", page->next_cursor.empty() ? json::value(nullptr)
                                                             : json::value(page->next_cursor)}});
}

Response ChangeRole(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  if (Status st = svc.CheckOrgAccess(*p, org_id); !st.ok()) return Fail(st, r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string role = f.Required("role");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  auto m = svc.ChangeMemberRole(*p, org_id, r.PathParam("user_id"), role, r.request_id);
  if (!m.ok()) return Fail(m.status(), r);
  return http::JsonResponse(200, MemberJson(*m, org_id));
}

Response RemoveMember(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  const std::string org_id(r.PathParam("id"));
  auto removed = svc.RemoveUserFromOrg(*p, org_id, r.PathParam("user_id"), r.request_id);
  if (!removed.ok()) return Fail(removed.status(), r);
  return http::JsonResponse(200, json::object{{"user_id", removed->user_id},
                                              {"org_id", removed->org_id},
                                              {"account_deleted", removed->account_deleted}});
}

Response Export(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto data = svc.ExportPersonalData(*p, r.request_id);
  if (!data.ok()) return Fail(data.status(), r);
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
  Response resp = http::JsonResponse(200, doc);
  resp.headers.Set("Content-Disposition",
                   "attachment; filename=\"signx-export-" + data->user.id + ".json\"");
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Response DeleteMe(IdentityService& svc, Request& r) {
  const http::Principal* p = PrincipalOf(r);
  if (p == nullptr) return NoPrincipal(r);
  auto body = http::ParseJsonObject(r);
  if (!body.ok()) return Fail(body.status(), r);
  Fields f(*body);
  const std::string password = f.Required("password");
  if (Status st = f.status(); !st.ok()) return Fail(st, r);
  std::chrono::seconds retry_after{0};
  if (Status st = svc.DeleteAccount(*p, password, r.request_id, &retry_after); !st.ok()) {
    Response resp = Fail(st, r);
    if (st.code() == ErrorCode::kRateLimited) {
      resp.headers.Set("Retry-After", std::to_string(retry_after.count()));
    }
    return resp;
  }
  return Response::NoContent();
}

void AddSchemas(http::SchemaRegistry& s) {
  s.Add("LoginRequest", R"({"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string", "format": "email"},
    "password": {"type": "string"},
    "org_id": {"type": "string", "description": "org to act in; default: the oldest membership"}}})");
  s.Add("RefreshTokenRequest", R"({"type": "object", "required": ["refresh_token"],
    "properties": {"refresh_token": {"type": "string"}}})");
  s.Add("TokenResponse", R"({"type": "object", "properties": {
    "access_token": {"type": "string", "description": "HS256 JWT; send as Authorization: Bearer"},
    "token_type": {"type": "string", "enum": ["Bearer"]},
    "expires_in": {"type": "integer", "description": "seconds until the access token expires"},
    "expires_at": {"type": "string", "format": "date-time"},
    "refresh_token": {"type": "string", "description": "single-use; rotate with /v1/auth/refresh"},
    "refresh_expires_at": {"type": "string", "format": "date-time"},
    "user_id": {"type": "string"}, "org_id": {"type": "string"}, "role": {"type": "string"}}})");
  s.Add("Me", R"({"type": "object", "properties": {
    "kind": {"type": "string", "enum": ["user", "api_key"]},
    "id": {"type": "string"}, "org_id": {"type": "string"}, "role": {"type": "string"},
    "permissions": {"type": "array", "items": {"type": "string"}},
    "email": {"type": "string"},
    "memberships": {"type": "array", "items": {"type": "object", "properties": {
      "org_id": {"type": "string"}, "org_name": {"type": "string"}, "role": {"type": "string"}}}},
    "api_key": {"$ref": "#/components/schemas/ApiKey"}}})");
  s.Add("ApiKey", R"({"type": "object", "properties": {
    "id": {"type": "string"}, "org_id": {"type": "string"}, "name": {"type": "string"},
    "prefix": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}},
    "status": {"type": "string", "enum": ["active", "revoked", "expired"]},
    "created_by": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "expires_at": {"type": ["string", "null"], "format": "date-time"},
    "last_used_at": {"type": ["string", "null"], "format": "date-time"},
    "revoked_at": {"type": ["string", "null"], "format": "date-time"},
    "key": {"type": "string", "description": "sx_<prefix>_<secret>; only in the create response"}}})");
  s.Add("ApiKeyCreateRequest", R"({"type": "object", "required": ["name", "scopes"],
    "properties": {"name": {"type": "string"},
    "scopes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "expires_at": {"type": "string", "format": "date-time"}}})");
  s.Add("ApiKeyList", R"({"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}}}})");
  s.Add("AuditPage", R"({"type": "object", "properties": {
    "items": {"type": "array", "items": {"type": "object", "properties": {
      "id": {"type": "string"}, "org_id": {"type": ["string", "null"]},
      "actor": {"type": "object", "properties": {"kind": {"type": "string"}, "id": {"type": "string"},
        "label": {"type": ["string", "null"], "description": "user actors: the e-mail, or deleted-user-<hash> after account deletion"}}},
      "action": {"type": "string"},
      "subject": {"type": "object", "properties": {"type": {"type": "string"}, "id": {"type": "string"}}},
      "request_id": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
      "before_sha256": {"type": ["string", "null"]}, "after_sha256": {"type": ["string", "null"]}}}},
    "next_cursor": {"type": ["string", "null"]}}})");
  s.Add("InvitationRequest", R"J({"type": "object", "required": ["email", "role"],
    "properties": {"email": {"type": "string", "format": "email"},
    "role": {"type": "string", "enum": ["super_admin", "org_admin", "org_member", "org_viewer"]}}})J");
  s.Add("Invitation", R"J({"type": "object", "properties": {
    "id": {"type": "string"}, "org_id": {"type": "string"}, "email": {"type": "string"},
    "role": {"type": "string"}, "status": {"type": "string", "enum": ["pending"]},
    "created_at": {"type": "string", "format": "date-time"},
    "expires_at": {"type": "string", "format": "date-time"},
    "token": {"type": "string", "description": "sxi_...; shown once: send it to the invitee, who accepts with it"}}})J");
  s.Add("InvitationAcceptRequest", R"J({"type": "object", "required": ["token"],
    "properties": {"token": {"type": "string"}}})J");
  s.Add("InvitationRegisterRequest", R"J({"type": "object", "required": ["token", "password"],
    "properties": {"token": {"type": "string"},
    "password": {"type": "string", "minLength": 8, "description": "the new account's password, chosen by the invitee"}}})J");
  s.Add("InvitationAccepted", R"J({"type": "object", "properties": {
    "user_id": {"type": "string"}, "org_id": {"type": "string"}, "role": {"type": "string"},
    "account_created": {"type": "boolean"}}})J");
  s.Add("OrgMember", R"J({"type": "object", "properties": {
    "user_id": {"type": "string"}, "email": {"type": "string"}, "org_id": {"type": "string"},
    "role": {"type": "string", "enum": ["super_admin", "org_admin", "org_member", "org_viewer"]},
    "joined_at": {"type": "string", "format": "date-time"}}})J");
  s.Add("OrgMemberPage", R"J({"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/OrgMember"}},
    "next_cursor": {"type": ["string", "null"]}}})J");
  s.Add("MemberRoleRequest", R"J({"type": "object", "required": ["role"], "properties": {
    "role": {"type": "string", "enum": ["super_admin", "org_admin", "org_member", "org_viewer"]}}})J");
  s.Add("MemberRemoved", R"J({"type": "object", "properties": {
    "user_id": {"type": "string"}, "org_id": {"type": "string"},
    "account_deleted": {"type": "boolean", "description": "it was the user's last membership, so the account was deleted"}}})J");
  s.Add("AccountDeleteRequest", R"J({"type": "object", "required": ["password"], "properties": {
    "password": {"type": "string", "description": "the current password (a stolen token alone cannot delete an account)"}}})J");
  s.Add("PersonalDataExport", R"J({"type": "object", "properties": {
    "format": {"type": "string", "enum": ["signx.personal-data-export.v1"]},
    "exported_at": {"type": "string", "format": "date-time"},
    "user": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}}},
    "memberships": {"type": "array", "items": {"type": "object", "properties": {
      "org_id": {"type": "string"}, "org_name": {"type": "string"}, "role": {"type": "string"},
      "joined_at": {"type": "string", "format": "date-time"}}}},
    "api_keys": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"},
      "description": "keys the user created (metadata only, never secrets)"},
    "sessions": {"type": "array", "items": {"type": "object", "properties": {
      "id": {"type": "string"}, "family_id": {"type": "string"}, "org_id": {"type": "string"},
      "issued_at": {"type": "string", "format": "date-time"},
      "expires_at": {"type": "string", "format": "date-time"},
      "used_at": {"type": ["string", "null"], "format": "date-time"},
      "revoked_at": {"type": ["string", "null"], "format": "date-time"}}}},
    "invitations": {"type": "array", "description": "invitations to the user's e-mail or accepted by them (never the token)",
      "items": {"type": "object", "properties": {
      "id": {"type": "string"}, "org_id": {"type": "string"}, "email": {"type": "string"},
      "role": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
      "expires_at": {"type": "string", "format": "date-time"},
      "accepted_at": {"type": ["string", "null"], "format": "date-time"},
      "revoked_at": {"type": ["string", "null"], "format": "date-time"}}}},
    "audit": {"type": "array", "description": "audit rows where the user is the actor, oldest first",
      "items": {"type": "object"}},
    "audit_truncated": {"type": "boolean"}}})J");
}

}  // namespace

void AddIdentityRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       IdentityService& service) {
  AddSchemas(schemas);
  IdentityService* svc = &service;
  auto bind = [svc](Response (*fn)(IdentityService&, Request&)) {
    return [svc, fn](Request& r) { return fn(*svc, r); };
  };
  const std::string kPublic(http::kPublic);
  router.Add("POST", "/v1/auth/login",
             {.summary = "Log in with e-mail and password",
              .description = "Returns a 15-minute access token and a single-use refresh token. "
                             "Throttled per account and per client IP (429 with Retry-After).",
              .tags = {"auth"},
              .permission = kPublic,
              .max_body_bytes = kSmallBody,
              .request_schema = "LoginRequest",
              .response_schema = "TokenResponse"},
             bind(Login));
  router.Add("POST", "/v1/auth/refresh",
             {.summary = "Rotate a refresh token",
              .description = "Marks the refresh token used and returns new tokens. Presenting a "
                             "used token again revokes the whole session.",
              .tags = {"auth"},
              .permission = kPublic,
              .max_body_bytes = kSmallBody,
              .request_schema = "RefreshTokenRequest",
              .response_schema = "TokenResponse"},
             bind(Refresh));
  router.Add("POST", "/v1/auth/logout",
             {.summary = "Log out (revoke the session of a refresh token)",
              .tags = {"auth"},
              .permission = kPublic,
              .max_body_bytes = kSmallBody,
              .request_schema = "RefreshTokenRequest",
              .success_status = 204},
             bind(Logout));
  router.Add("GET", "/v1/me",
             {.summary = "The calling user or API key",
              .tags = {"auth"},
              .permission = std::string(kAnyAuthenticated),
              .response_schema = "Me"},
             bind(Me));
  router.Add("POST", "/v1/api-keys",
             {.summary = "Create an API key (the key is shown once)",
              .tags = {"api-keys"},
              .permission = "admin:api_keys",
              .max_body_bytes = kSmallBody,
              .request_schema = "ApiKeyCreateRequest",
              .response_schema = "ApiKey",
              .success_status = 201},
             bind(CreateKey));
  router.Add("GET", "/v1/api-keys",
             {.summary = "List the org's API keys",
              .tags = {"api-keys"},
              .permission = "admin:api_keys",
              .response_schema = "ApiKeyList"},
             bind(ListKeys));
  router.Add("DELETE", "/v1/api-keys/{id}",
             {.summary = "Revoke an API key",
              .tags = {"api-keys"},
              .permission = "admin:api_keys",
              .success_status = 204},
             bind(RevokeKey));
  router.Add("GET", "/v1/audit",
             {.summary = "The org's audit log, newest first",
              .tags = {"audit"},
              .permission = "audit:read",
              .response_schema = "AuditPage",
              .query_params = {{.name = "limit",
                                .type = "integer",
                                .description = "page size, 1-200 (default 50)"},
                               {.name = "cursor", .description = "next_cursor of the last page"}}},
             bind(Audit));
  router.Add("POST", "/v1/orgs/{id}/users",
             {.summary = "Invite a person to the org with a role",
              .description = "Nobody is added until the invitee accepts with the returned token "
                             "(shown once; send it to them). The answer is the same whether or "
                             "not the e-mail has an account. 409 if already a member.",
              .tags = {"users"},
              .permission = "admin:users",
              .max_body_bytes = kSmallBody,
              .request_schema = "InvitationRequest",
              .response_schema = "Invitation",
              .success_status = 201},
             bind(InviteUser));
  router.Add("POST", "/v1/invitations/accept",
             {.summary = "Accept an invitation as the signed-in invitee",
              .description = "The caller's e-mail must be the invited one (403 otherwise); 404 "
                             "for an unknown, used or expired token.",
              .tags = {"users"},
              .permission = std::string(kAnyAuthenticated),
              .max_body_bytes = kSmallBody,
              .request_schema = "InvitationAcceptRequest",
              .response_schema = "InvitationAccepted"},
             bind(AcceptInvitation));
  router.Add("POST", "/v1/auth/register",
             {.summary = "Accept an invitation by creating your account",
              .description = "For an invited e-mail without an account: the invitee chooses the "
                             "password. 409 when the e-mail has an account (sign in and use "
                             "/v1/invitations/accept).",
              .tags = {"users"},
              .permission = kPublic,
              .max_body_bytes = kSmallBody,
              .request_schema = "InvitationRegisterRequest",
              .response_schema = "InvitationAccepted",
              .success_status = 201},
             bind(RegisterWithInvitation));
  router.Add("GET", "/v1/orgs/{id}/users",
             {.summary = "List the org's members",
              .tags = {"users"},
              .permission = "admin:users",
              .response_schema = "OrgMemberPage",
              .query_params = {{.name = "limit",
                                .type = "integer",
                                .description = "page size, 1-200 (default 50)"},
                               {.name = "cursor", .description = "next_cursor of the last page"}}},
             bind(ListMembers));
  router.Add("PATCH", "/v1/orgs/{id}/users/{user_id}",
             {.summary = "Change a member's role",
              .description = "409 when it would demote the org's last org_admin. Takes effect at "
                             "the member's next token refresh.",
              .tags = {"users"},
              .permission = "admin:users",
              .max_body_bytes = kSmallBody,
              .request_schema = "MemberRoleRequest",
              .response_schema = "OrgMember"},
             bind(ChangeRole));
  router.Add("DELETE", "/v1/orgs/{id}/users/{user_id}",
             {.summary = "Remove a member from the org",
              .description = "Revokes the member's sessions in the org and the API keys they "
                             "created there. A user left without any membership is deleted "
                             "(personal data erased, audit trail pseudonymised). 409 for the "
                             "org's last org_admin.",
              .tags = {"users"},
              .permission = "admin:users",
              .response_schema = "MemberRemoved"},
             bind(RemoveMember));
  router.Add("GET", "/v1/me/export",
             {.summary = "Export all of your personal data (JSON attachment)",
              .description = "Profile, memberships, API keys you created (metadata), sessions "
                             "(metadata) and the audit rows you caused. Users only; audited.",
              .tags = {"privacy"},
              .permission = std::string(kAnyAuthenticated),
              .response_schema = "PersonalDataExport"},
             bind(Export));
  router.Add("DELETE", "/v1/me",
             {.summary = "Delete your account",
              .description = "Requires the current password. Revokes sessions and your API keys, "
                             "removes memberships, erases e-mail and password hash; the audit "
                             "trail keeps a pseudonym. 409 if you are an org's last org_admin.",
              .tags = {"privacy"},
              .permission = std::string(kAnyAuthenticated),
              .max_body_bytes = kSmallBody,
              .request_schema = "AccountDeleteRequest",
              .success_status = 204},
             bind(DeleteMe));
}

}  // namespace signx::identity
