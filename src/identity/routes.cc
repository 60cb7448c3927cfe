#include "identity/routes.h"

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "identity/internal/routes_common.h"

namespace signx::identity {
namespace {

using http::Request;
using http::Response;

constexpr int64_t kSmallBody = 16 * 1024;

using internal::AcceptInvitation;
using internal::Audit;
using internal::ChangeRole;
using internal::CreateKey;
using internal::DeleteMe;
using internal::Export;
using internal::InviteUser;
using internal::ListKeys;
using internal::ListMembers;
using internal::Login;
using internal::Logout;
using internal::Me;
using internal::Refresh;
using internal::RegisterWithInvitation;
using internal::RemoveMember;
using internal::RevokeKey;

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
    "audit_truncated": {"type": "boolean"},
    "modules": {"type": "object", "description": "each capability module's part (e.g. documents: the documents you uploaded and your feedback, metadata and links, not the files)",
      "additionalProperties": true}}})J");
}

}  // namespace

void AddIdentityRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       IdentityService& service) {
  AddSchemas(schemas);
  IdentityService* svc = &service;
  // Handlers return Result<Response>; http::Handle maps an error to the error shape once.
  auto bind = [svc](Result<Response> (*fn)(IdentityService&, Request&)) {
    return http::Handle([svc, fn](Request& r) -> Result<Response> { return fn(*svc, r); });
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
