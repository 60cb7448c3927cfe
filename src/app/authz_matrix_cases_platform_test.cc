// The authorization matrix's routes of the platform: ops and public endpoints (src/http), identity,
// jobs, the event stream and activity (src/app), the web shell (src/web) and the LLM usage
// (src/llm). Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap PlatformCases() {
  return {
      // ops, public
      {"GET /health", {.path = "/health", .scope = Scope::kGlobal}},
      {"GET /health/live", {.path = "/health/live", .scope = Scope::kGlobal}},
      {"GET /health/ready", {.path = "/health/ready", .scope = Scope::kGlobal}},
      {"GET /metrics", {.path = "/metrics", .scope = Scope::kGlobal}},
      {"GET /v1/openapi.json", {.path = "/v1/openapi.json", .scope = Scope::kGlobal}},
      {"GET /v1/version", {.path = "/v1/version", .scope = Scope::kGlobal}},
      // identity
      {"POST /v1/auth/login",
       {.path = "/v1/auth/login",
        .scope = Scope::kGlobal,
        .body = R"({"email":"nobody@matrix.test","password":"wrong password"})"}},
      {"POST /v1/auth/refresh",
       {.path = "/v1/auth/refresh", .scope = Scope::kGlobal, .body = R"({"refresh_token":"x"})"}},
      {"POST /v1/auth/logout",
       {.path = "/v1/auth/logout", .scope = Scope::kGlobal, .body = R"({"refresh_token":"x"})"}},
      {"GET /v1/me", {.path = "/v1/me", .scope = Scope::kSelf}},
      // A super_admin's own trail includes what it did in other orgs.
      {"GET /v1/me/export",
       {.path = "/v1/me/export",
        .scope = Scope::kSelf,
        .users_only = true,
        .super_sees_all = true}},
      // Wrong password: an allowed caller gets 422 and nothing is deleted.
      {"DELETE /v1/me",
       {.path = "/v1/me",
        .scope = Scope::kSelf,
        .body = R"({"password":"not the password"})",
        .users_only = true}},
      {"POST /v1/api-keys",
       {.path = "/v1/api-keys", .body = R"({"name":"matrix","scopes":["projects:read"]})"}},
      {"GET /v1/api-keys", {.path = "/v1/api-keys"}},
      {"DELETE /v1/api-keys/{id}",
       {.path = "/v1/api-keys/{api_key}", .scope = Scope::kOrgResource}},
      {"GET /v1/audit", {.path = "/v1/audit"}},
      {"POST /v1/orgs/{id}/users",
       {.path = "/v1/orgs/{org}/users",
        .scope = Scope::kOrgPath,
        .body = R"({"email":"added@matrix.test","role":"org_viewer"})"}},
      {"POST /v1/invitations/accept",
       {.path = "/v1/invitations/accept",
        .scope = Scope::kSelf,
        .body =
            R"({"token":"sxi_0000000000000000000000000000000000000000000000000000000000000000"})",
        .users_only = true}},
      {"POST /v1/auth/register",
       {.path = "/v1/auth/register",
        .scope = Scope::kGlobal,
        .body = R"({"token":"sxi_0","password":"matrix password 2"})"}},
      {"GET /v1/orgs/{id}/users", {.path = "/v1/orgs/{org}/users", .scope = Scope::kOrgPath}},
      {"PATCH /v1/orgs/{id}/users/{user_id}",
       {.path = "/v1/orgs/{org}/users/{subject_user}",
        .scope = Scope::kOrgPath,
        .body = R"({"role":"org_member"})"}},
      {"DELETE /v1/orgs/{id}/users/{user_id}",
       {.path = "/v1/orgs/{org}/users/{victim_user}", .scope = Scope::kOrgPath}},
      // jobs (a super_admin operates every org's jobs, by design of src/jobs/routes.cc)
      {"GET /v1/jobs", {.path = "/v1/jobs", .super_sees_all = true}},
      {"GET /v1/jobs/{id}",
       {.path = "/v1/jobs/{job}", .scope = Scope::kOrgResource, .super_sees_all = true}},
      {"POST /v1/jobs/{id}/cancel",
       {.path = "/v1/jobs/{job}/cancel", .scope = Scope::kOrgResource, .super_sees_all = true}},
      // events
      {"GET /v1/events/stream",
       {.path = "/v1/events/stream", .stream = true, .super_sees_all = true}},
      // the optional LLM's usage (src/llm): the caller's org only
      {"GET /v1/llm/usage", {.path = "/v1/llm/usage?days=7"}},
      // web UI (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /", {.path = "/", .scope = Scope::kGlobal}},
      {"GET /login", {.path = "/login", .scope = Scope::kGlobal}},
      {"POST /login",
       {.path = "/login",
        .scope = Scope::kGlobal,
        .body = "email=x&password=y",
        .content_type = kForm}},
      {"POST /logout",
       {.path = "/logout", .scope = Scope::kGlobal, .body = "x=1", .content_type = kForm}},
      {"GET /assets/{file}", {.path = "/assets/app.css", .scope = Scope::kGlobal}},
      {"GET /activity", {.path = "/activity", .scope = Scope::kGlobal}},
      {"GET /activity/stream", {.path = "/activity/stream", .scope = Scope::kGlobal}},
      {"GET /admin/api-keys", {.path = "/admin/api-keys", .scope = Scope::kGlobal}},
      {"POST /admin/api-keys",
       {.path = "/admin/api-keys",
        .scope = Scope::kGlobal,
        .body = "name=x",
        .content_type = kForm}},
      {"POST /admin/api-keys/{id}/revoke",
       {.path = "/admin/api-keys/{api_key}/revoke",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"GET /admin/audit", {.path = "/admin/audit", .scope = Scope::kGlobal}},
  };
}

}  // namespace signx::app::authz_matrix
