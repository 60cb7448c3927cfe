// The authorization matrix's routes of webhooks (src/webhooks): the API and its admin pages.
// Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap WebhooksCases() {
  return {
      // webhooks (seeded only when the App serves them)
      {"POST /v1/webhooks", {.path = "/v1/webhooks", .body = kWebhookBody}},
      {"GET /v1/webhooks", {.path = "/v1/webhooks"}},
      {"GET /v1/webhooks/{id}", {.path = "/v1/webhooks/{webhook}", .scope = Scope::kOrgResource}},
      {"PATCH /v1/webhooks/{id}",
       {.path = "/v1/webhooks/{webhook}",
        .scope = Scope::kOrgResource,
        .body = R"({"description":"matrix"})"}},
      {"DELETE /v1/webhooks/{id}",
       {.path = "/v1/webhooks/{victim_webhook}", .scope = Scope::kOrgResource}},
      {"POST /v1/webhooks/{id}/rotate-secret",
       {.path = "/v1/webhooks/{webhook}/rotate-secret",
        .scope = Scope::kOrgResource,
        .body = "{}"}},
      {"POST /v1/webhooks/{id}/test",
       {.path = "/v1/webhooks/{webhook}/test", .scope = Scope::kOrgResource}},
      {"GET /v1/webhooks/{id}/deliveries",
       {.path = "/v1/webhooks/{webhook}/deliveries", .scope = Scope::kOrgResource}},
      {"GET /v1/webhook-deliveries/{id}",
       {.path = "/v1/webhook-deliveries/{delivery}", .scope = Scope::kOrgResource}},
      {"POST /v1/webhook-deliveries/{id}/redeliver",
       {.path = "/v1/webhook-deliveries/{delivery}/redeliver", .scope = Scope::kOrgResource}},
      // pages (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /admin/webhooks", {.path = "/admin/webhooks", .scope = Scope::kGlobal}},
      {"POST /admin/webhooks",
       {.path = "/admin/webhooks", .scope = Scope::kGlobal, .body = "x=1", .content_type = kForm}},
      {"GET /admin/webhooks/{id}", {.path = "/admin/webhooks/{webhook}", .scope = Scope::kGlobal}},
      {"POST /admin/webhooks/{id}/test",
       {.path = "/admin/webhooks/{webhook}/test",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"POST /admin/webhooks/deliveries/{id}/redeliver",
       {.path = "/admin/webhooks/deliveries/{delivery}/redeliver",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
  };
}

}  // namespace signx::app::authz_matrix
