// The authorization matrix's routes of notifications (src/notifications): the API and its pages.
// Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap NotificationsCases() {
  return {
      // notifications (inbox and preferences are the caller's own; users only)
      {"GET /v1/notifications",
       {.path = "/v1/notifications", .scope = Scope::kSelf, .users_only = true}},
      {"GET /v1/notifications/unread-count",
       {.path = "/v1/notifications/unread-count", .scope = Scope::kSelf, .users_only = true}},
      {"POST /v1/notifications/read-all",
       {.path = "/v1/notifications/read-all", .scope = Scope::kSelf, .users_only = true}},
      {"GET /v1/notifications/stream",
       {.path = "/v1/notifications/stream",
        .scope = Scope::kSelf,
        .stream = true,
        .users_only = true}},
      {"GET /v1/notifications/preferences",
       {.path = "/v1/notifications/preferences", .scope = Scope::kSelf, .users_only = true}},
      {"PUT /v1/notifications/preferences",
       {.path = "/v1/notifications/preferences",
        .scope = Scope::kSelf,
        .body = R"({"rules":[{"event_type":"quote.*","channels":["in_app"]}]})",
        .users_only = true}},
      {"GET /v1/notifications/{id}",
       {.path = "/v1/notifications/{notification}",
        .scope = Scope::kOrgResource,
        .users_only = true,
        .own_read_ok = false}},  // only its user reads it
      {"POST /v1/notifications/{id}/read",
       {.path = "/v1/notifications/{notification}/read",
        .scope = Scope::kOrgResource,
        .body = R"({"read":true})",
        .users_only = true}},
      {"POST /v1/notifications/templates",
       {.path = "/v1/notifications/templates",
        .body = R"({"event_type":"lead.*","channel":"in_app","subject":"s","body_text":"b"})"}},
      {"GET /v1/notifications/templates", {.path = "/v1/notifications/templates"}},
      {"POST /v1/notifications/templates/preview",
       {.path = "/v1/notifications/templates/preview",
        .scope = Scope::kOrgResource,
        .body = R"({"template_id":"{notification_template}","data":{"name":"x"}})"}},
      {"GET /v1/notifications/templates/{id}",
       {.path = "/v1/notifications/templates/{notification_template}",
        .scope = Scope::kOrgResource}},
      {"PUT /v1/notifications/templates/{id}",
       {.path = "/v1/notifications/templates/{notification_template}",
        .scope = Scope::kOrgResource,
        .body = R"({"event_type":"project.*","channel":"email","subject":"s","body_text":"b"})"}},
      {"DELETE /v1/notifications/templates/{id}",
       {.path = "/v1/notifications/templates/{victim_notification_template}",
        .scope = Scope::kOrgResource}},
      {"GET /v1/notifications/deliveries", {.path = "/v1/notifications/deliveries"}},
      {"GET /v1/notifications/deliveries/{id}",
       {.path = "/v1/notifications/deliveries/{notification_delivery}",
        .scope = Scope::kOrgResource}},
      {"GET /v1/notifications/dead-letters", {.path = "/v1/notifications/dead-letters"}},
      {"POST /v1/notifications/dead-letters/{id}/retry",
       {.path = "/v1/notifications/dead-letters/{notification_delivery}/retry",
        .scope = Scope::kOrgResource}},
      // pages (HTML; public at the HTTP layer, the shell checks its session cookie)
      {"GET /notifications", {.path = "/notifications", .scope = Scope::kGlobal}},
      {"POST /notifications/read-all",
       {.path = "/notifications/read-all",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"POST /notifications/{id}/read",
       {.path = "/notifications/{notification}/read",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
      {"GET /notifications/stream",
       {.path = "/notifications/stream", .scope = Scope::kGlobal, .stream = true}},
      {"GET /notifications/settings", {.path = "/notifications/settings", .scope = Scope::kGlobal}},
      {"POST /notifications/settings",
       {.path = "/notifications/settings",
        .scope = Scope::kGlobal,
        .body = "x=1",
        .content_type = kForm}},
  };
}

}  // namespace signx::app::authz_matrix
