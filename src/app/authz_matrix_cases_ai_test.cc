// The authorization matrix's routes of the AI runtime (src/ai).
// Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap AiCases() {
  return {
      // ai runtime (src/ai; jobs do not run here: the seeded inference job stays queued)
      {"GET /v1/ai/models", {.path = "/v1/ai/models"}},
      {"POST /v1/ai/models/lead/inference-jobs",
       {.path = "/v1/ai/models/lead/inference-jobs", .body = R"({"input":[)" + kLeadBody + "]}"}},
      {"POST /v1/ai/models/cost/inference-jobs",
       {.path = "/v1/ai/models/cost/inference-jobs", .body = R"({"input":[)" + kSpecBody + "]}"}},
      {"POST /v1/ai/models/forecast/inference-jobs",
       {.path = "/v1/ai/models/forecast/inference-jobs",
        .body = R"({"input":[{"series":[3,4,5,4,3,4,5],"horizon":2}]})"}},
      {"GET /v1/ai/inference-jobs", {.path = "/v1/ai/inference-jobs"}},
      {"GET /v1/ai/inference-jobs/{id}",
       {.path = "/v1/ai/inference-jobs/{inference_job}", .scope = Scope::kOrgResource}},
      {"GET /v1/ai/inference-jobs/{id}/results",
       {.path = "/v1/ai/inference-jobs/{inference_job}/results", .scope = Scope::kOrgResource}},
  };
}

}  // namespace signx::app::authz_matrix
