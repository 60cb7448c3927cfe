// The authorization matrix's routes of estimating (src/estimating): cost records, imports, quotes,
// price lists, predict and its models, and its pages. Adding a route? Add "METHOD pattern" here
// (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap EstimatingCases() {
  return {
      {"POST /v1/projects/{id}/cost-records",
       {.path = "/v1/projects/{project}/cost-records",
        .scope = Scope::kOrgResource,
        .body = kRecordBody}},
      {"GET /v1/projects/{id}/cost-records",
       {.path = "/v1/projects/{project}/cost-records", .scope = Scope::kOrgResource}},
      {"GET /v1/cost-records", {.path = "/v1/cost-records"}},
      {"GET /v1/cost-records/stats", {.path = "/v1/cost-records/stats?group_by=material"}},
      {"GET /v1/cost-records/{id}",
       {.path = "/v1/cost-records/{cost_record}", .scope = Scope::kOrgResource}},
      {"POST /v1/specs/validate",
       {.path = "/v1/specs/validate", .scope = Scope::kGlobal, .body = kSpecBody}},
      {"POST /v1/imports",
       {.path = "/v1/imports?format=csv", .body = "not,a,history\n", .content_type = "text/csv"}},
      {"GET /v1/imports/{id}", {.path = "/v1/imports/{import}", .scope = Scope::kOrgResource}},
      {"POST /v1/quotes", {.path = "/v1/quotes", .scope = Scope::kOrgResource, .body = kQuoteBody}},
      {"GET /v1/quotes/{id}", {.path = "/v1/quotes/{quote}", .scope = Scope::kOrgResource}},
      {"GET /v1/quotes/{id}/pdf", {.path = "/v1/quotes/{quote}/pdf", .scope = Scope::kOrgResource}},
      {"POST /v1/estimates/predict",
       {.path = "/v1/estimates/predict",
        .scope = Scope::kGlobal,
        .body = kSpecBody,
        .own_read_ok = false}},
      {"GET /v1/estimates/model-evaluations", {.path = "/v1/estimates/model-evaluations"}},
      {"POST /v1/price-lists", {.path = "/v1/price-lists", .body = kPriceListBody}},
      {"GET /v1/price-lists", {.path = "/v1/price-lists"}},
      {"GET /v1/price-lists/{id}",
       {.path = "/v1/price-lists/{price_list}", .scope = Scope::kOrgResource}},
      {"POST /v1/price-lists/{id}/activate",
       {.path = "/v1/price-lists/{price_list}/activate", .scope = Scope::kOrgResource}},
      // models (system-wide, not tenant data); a version that does not exist keeps them harmless
      {"GET /v1/estimates/models", {.path = "/v1/estimates/models", .scope = Scope::kGlobal}},
      {"GET /v1/estimates/models/{version}",
       {.path = "/v1/estimates/models/v-missing", .scope = Scope::kGlobal, .own_read_ok = false}},
      {"POST /v1/estimates/models",
       {.path = "/v1/estimates/models",
        .scope = Scope::kGlobal,
        .body = "not a bundle",
        .content_type = "application/octet-stream"}},
      {"POST /v1/estimates/models/{version}/promote",
       {.path = "/v1/estimates/models/v-missing/promote", .scope = Scope::kGlobal}},
      {"POST /v1/estimates/models/rollback",
       {.path = "/v1/estimates/models/rollback", .scope = Scope::kGlobal}},
      // pages (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /estimating", {.path = "/estimating", .scope = Scope::kGlobal}},
      {"POST /estimating",
       {.path = "/estimating", .scope = Scope::kGlobal, .body = "x=1", .content_type = kForm}},
      {"GET /estimating/projects", {.path = "/estimating/projects", .scope = Scope::kGlobal}},
      {"GET /estimating/imports", {.path = "/estimating/imports", .scope = Scope::kGlobal}},
      {"POST /estimating/imports",
       {.path = "/estimating/imports",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"GET /estimating/imports/{id}",
       {.path = "/estimating/imports/{import}", .scope = Scope::kGlobal}},
      {"POST /estimating/quotes",
       {.path = "/estimating/quotes",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"GET /estimating/quotes/{id}",
       {.path = "/estimating/quotes/{quote}", .scope = Scope::kGlobal}},
      {"GET /estimating/quotes/{id}/pdf",
       {.path = "/estimating/quotes/{quote}/pdf", .scope = Scope::kGlobal}},
  };
}

}  // namespace signx::app::authz_matrix
