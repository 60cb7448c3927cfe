// The authorization matrix's routes of studio (src/studio, issue 16): projects, lifecycle,
// payloads, files, reports, dispatch, project quotes, and its pages. Adding a route? Add "METHOD
// pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap StudioCases() {
  return {
      {"POST /v1/projects", {.path = "/v1/projects", .body = R"({"name":"Matrix call"})"}},
      {"GET /v1/projects", {.path = "/v1/projects"}},
      {"GET /v1/projects/{id}", {.path = "/v1/projects/{project}", .scope = Scope::kOrgResource}},
      {"PATCH /v1/projects/{id}",
       {.path = "/v1/projects/{project}",
        .scope = Scope::kOrgResource,
        .body = R"({"customer":"Matrix"})",
        .headers = {{"If-Match", "\"v1\""}}}},
      // studio (issue 16): lifecycle, payloads, files, project quotes
      {"GET /v1/projects/{id}/lifecycle",
       {.path = "/v1/projects/{project}/lifecycle", .scope = Scope::kOrgResource}},
      {"POST /v1/projects/{id}/transitions",
       {.path = "/v1/projects/{project}/transitions",
        .scope = Scope::kOrgResource,
        .body = R"({"to":"design"})",
        .headers = {{"If-Match", "\"v1\""}}}},
      {"GET /v1/projects/{id}/events",
       {.path = "/v1/projects/{project}/events", .scope = Scope::kOrgResource}},
      {"DELETE /v1/projects/{id}",
       {.path = "/v1/projects/{studio_draft}",
        .scope = Scope::kOrgResource,
        .headers = {{"If-Match", "\"v1\""}}}},
      {"GET /v1/projects/{id}/payloads",
       {.path = "/v1/projects/{project}/payloads", .scope = Scope::kOrgResource}},
      {"GET /v1/projects/{id}/payloads/{module}",
       {.path = "/v1/projects/{project}/payloads/structure", .scope = Scope::kOrgResource}},
      {"PUT /v1/projects/{id}/payloads/{module}",
       {.path = "/v1/projects/{project}/payloads/cabinet",
        .scope = Scope::kOrgResource,
        .body = R"({"material":"acm","faces":1})",
        .headers = {{"If-None-Match", "*"}}}},
      {"GET /v1/projects/{id}/payloads/{module}/versions",
       {.path = "/v1/projects/{project}/payloads/structure/versions",
        .scope = Scope::kOrgResource}},
      {"GET /v1/projects/{id}/payloads/{module}/diff",
       {.path = "/v1/projects/{project}/payloads/structure/diff?from=1&to=2",
        .scope = Scope::kOrgResource}},
      {"PUT /v1/projects/{id}/payloads/{module}/files/{name}",
       {.path = "/v1/projects/{project}/payloads/structure/files/b.txt?sha256="
                "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
        .scope = Scope::kOrgResource,
        .body = "x",
        .content_type = "text/plain",
        .headers = {{"If-Match", "\"p2\""}}}},
      {"GET /v1/projects/{id}/payloads/{module}/files/{name}",
       {.path = "/v1/projects/{project}/payloads/structure/files/a.txt",
        .scope = Scope::kOrgResource}},
      {"GET /v1/projects/search", {.path = "/v1/projects/search?q=matrix"}},
      {"POST /v1/projects/{id}/reports",
       {.path = "/v1/projects/{project}/reports", .scope = Scope::kOrgResource}},
      {"GET /v1/projects/{id}/reports/{report_id}",
       {.path = "/v1/projects/{project}/reports/{report}", .scope = Scope::kOrgResource}},
      // No worker runs here: the report stays pending, so the PDF is a 409 for its own org.
      {"GET /v1/projects/{id}/reports/{report_id}/pdf",
       {.path = "/v1/projects/{project}/reports/{report}/pdf",
        .scope = Scope::kOrgResource,
        .own_read_ok = false}},
      // E-mail is off in the matrix config: an allowed caller gets 409 (smtp.url empty).
      {"POST /v1/projects/{id}/reports/{report_id}/email",
       {.path = "/v1/projects/{project}/reports/{report}/email",
        .scope = Scope::kOrgResource,
        .body = R"({"to":["ann@example.com"]})"}},
      // The matrix project is a draft: an allowed caller gets 409 (guard approved).
      {"POST /v1/projects/{id}/dispatch",
       {.path = "/v1/projects/{project}/dispatch", .scope = Scope::kOrgResource}},
      {"GET /v1/projects/{id}/dispatches/{dispatch_id}",
       {.path = "/v1/projects/{project}/dispatches/pdx_none",
        .scope = Scope::kOrgResource,
        .own_read_ok = false}},
      {"POST /v1/projects/{id}/quotes",
       {.path = "/v1/projects/{project}/quotes",
        .scope = Scope::kOrgResource,
        .body =
            R"({"price_list": )" + kPriceList +
            R"(, "request": {"quantity": 1, "parts": [{"kind": "fixed", "description": "Permit", "fixed_cents": 15000}]}})"}},
      // pages (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /studio", {.path = "/studio", .scope = Scope::kGlobal}},
      {"GET /studio/projects/{id}",
       {.path = "/studio/projects/{project}", .scope = Scope::kGlobal}},
      {"POST /studio/projects/{id}/move",
       {.path = "/studio/projects/{project}/move",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"POST /studio/projects/{id}/report",
       {.path = "/studio/projects/{project}/report",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"GET /studio/projects/{id}/reports/{report}",
       {.path = "/studio/projects/{project}/reports/{report}.pdf", .scope = Scope::kGlobal}},
      {"POST /studio/projects/{id}/payloads/{module}",
       {.path = "/studio/projects/{project}/payloads/cabinet",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
  };
}

}  // namespace signx::app::authz_matrix
