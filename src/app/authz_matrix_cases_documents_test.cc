// The authorization matrix's routes of documents (src/documents, issue 18): the API and its pages.
// Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap DocumentsCases() {
  return {
      // documents (issue 18); jobs do not run here, so the document stays queued: its text and
      // analysis answer 409 even in the own org
      {"POST /v1/documents",
       {.path = "/v1/documents?filename=matrix.txt",
        .body = "Matrix upload.",
        .content_type = "text/plain"}},
      {"GET /v1/documents", {.path = "/v1/documents?limit=200"}},
      {"GET /v1/documents/{id}",
       {.path = "/v1/documents/{document}", .scope = Scope::kOrgResource}},
      {"GET /v1/documents/{id}/file",
       {.path = "/v1/documents/{document}/file", .scope = Scope::kOrgResource}},
      {"GET /v1/documents/{id}/text",
       {.path = "/v1/documents/{document}/text",
        .scope = Scope::kOrgResource,
        .own_read_ok = false}},
      {"GET /v1/documents/{id}/analysis",
       {.path = "/v1/documents/{document}/analysis",
        .scope = Scope::kOrgResource,
        .own_read_ok = false}},
      {"GET /v1/documents/{id}/feedback",
       {.path = "/v1/documents/{document}/feedback", .scope = Scope::kOrgResource}},
      {"POST /v1/documents/{id}/feedback",
       {.path = "/v1/documents/{document}/feedback",
        .scope = Scope::kOrgResource,
        .body = R"({"target":"summary.short","rating":"up"})"}},
      {"DELETE /v1/documents/{id}",
       {.path = "/v1/documents/{victim_document}", .scope = Scope::kOrgResource}},
      {"GET /v1/documents/search", {.path = "/v1/documents/search?q=matrix"}},
      {"POST /v1/documents/ask",
       {.path = "/v1/documents/ask", .body = R"({"question":"matrix?"})"}},
      {"GET /v1/projects/{id}/documents/summary",
       {.path = "/v1/projects/{project}/documents/summary", .scope = Scope::kOrgResource}},
      // the matrix project has no ready rfp/contract: 422 naming "from" in the own org
      {"GET /v1/projects/{id}/documents/changes",
       {.path = "/v1/projects/{project}/documents/changes",
        .scope = Scope::kOrgResource,
        .own_read_ok = false}},
      // pages (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /documents/search", {.path = "/documents/search?q=matrix", .scope = Scope::kGlobal}},
      {"GET /documents", {.path = "/documents", .scope = Scope::kGlobal}},
      {"POST /documents",
       {.path = "/documents", .scope = Scope::kGlobal, .body = "x=1", .content_type = kForm}},
      {"GET /documents/{id}", {.path = "/documents/{document}", .scope = Scope::kGlobal}},
      {"GET /documents/{id}/file", {.path = "/documents/{document}/file", .scope = Scope::kGlobal}},
      {"POST /documents/{id}/feedback",
       {.path = "/documents/{document}/feedback",
        .scope = Scope::kGlobal,
        .body = "target=summary.short&rating=up",
        .content_type = kForm}},
      {"POST /documents/{id}/delete",
       {.path = "/documents/{victim_document}/delete",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
  };
}

}  // namespace signx::app::authz_matrix
