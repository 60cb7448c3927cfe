// The authorization matrix's routes of leads (src/leads): scoring, outcomes, models, KServe v2, and
// its pages. Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap LeadsCases() {
  return {
      // models (system-wide, not tenant data); a version that does not exist keeps them harmless
      {"GET /v1/leads/models", {.path = "/v1/leads/models", .scope = Scope::kGlobal}},
      {"GET /v1/leads/models/{version}",
       {.path = "/v1/leads/models/v-missing", .scope = Scope::kGlobal, .own_read_ok = false}},
      {"POST /v1/leads/models",
       {.path = "/v1/leads/models",
        .scope = Scope::kGlobal,
        .body = "not a bundle",
        .content_type = "application/octet-stream"}},
      {"POST /v1/leads/models/{version}/promote",
       {.path = "/v1/leads/models/v-missing/promote", .scope = Scope::kGlobal}},
      {"POST /v1/leads/models/rollback",
       {.path = "/v1/leads/models/rollback", .scope = Scope::kGlobal}},
      // leads
      {"POST /v1/leads/score", {.path = "/v1/leads/score", .body = kLeadBody}},
      {"POST /v1/leads/score/batch",
       {.path = "/v1/leads/score/batch", .body = "{\"leads\":[" + kLeadBody + "]}"}},
      {"POST /v1/leads/{lead_id}/outcome",
       {.path = "/v1/leads/matrix-lead-1/outcome", .body = R"({"outcome":"won"})"}},
      {"GET /v1/leads/monitoring", {.path = "/v1/leads/monitoring"}},
      {"GET /v1/leads", {.path = "/v1/leads?outcome=any&limit=200"}},
      {"GET /v1/leads/{lead_id}/outcome",
       {.path = "/v1/leads/matrix-lead-1/outcome", .own_read_ok = false}},
      {"GET /v1/leads/{lead_id}", {.path = "/v1/leads/matrix-lead-1", .own_read_ok = false}},
      // KServe v2 (Open Inference Protocol)
      {"GET /v2/health/live", {.path = "/v2/health/live", .scope = Scope::kGlobal}},
      {"GET /v2/health/ready", {.path = "/v2/health/ready", .scope = Scope::kGlobal}},
      {"GET /v2/models/leads", {.path = "/v2/models/leads", .scope = Scope::kGlobal}},
      {"GET /v2/models/leads/ready",
       {.path = "/v2/models/leads/ready", .scope = Scope::kGlobal, .own_read_ok = false}},
      {"POST /v2/models/leads/infer",
       {.path = "/v2/models/leads/infer", .scope = Scope::kGlobal, .body = R"({"inputs":[]})"}},
      // pages (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /leads", {.path = "/leads", .scope = Scope::kGlobal}},
      {"POST /leads",
       {.path = "/leads", .scope = Scope::kGlobal, .body = "x=1", .content_type = kForm}},
      {"GET /leads/models", {.path = "/leads/models", .scope = Scope::kGlobal}},
      {"GET /leads/worklist", {.path = "/leads/worklist?outcome=any"}},
      {"GET /leads/worklist/{lead_id}",
       {.path = "/leads/worklist/matrix-lead-1", .own_read_ok = false}},
      {"POST /leads/worklist/{lead_id}/outcome",
       {.path = "/leads/worklist/matrix-lead-1/outcome",
        .body = "converted=true",
        .content_type = kForm}},
      {"POST /leads/models/{version}/promote",
       {.path = "/leads/models/v-missing/promote",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"POST /leads/models/rollback",
       {.path = "/leads/models/rollback",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"GET /leads/csv", {.path = "/leads/csv", .scope = Scope::kGlobal}},
      {"POST /leads/csv",
       {.path = "/leads/csv", .scope = Scope::kGlobal, .body = "x=1", .content_type = kForm}},
      {"GET /leads/csv/{job}", {.path = "/leads/csv/{job}", .scope = Scope::kGlobal}},
      {"GET /leads/csv/{job}/download",
       {.path = "/leads/csv/{job}/download", .scope = Scope::kGlobal}},
  };
}

}  // namespace signx::app::authz_matrix
