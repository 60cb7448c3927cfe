// HTTP routes of the webhooks module (JSON, blocking pool, tenant-scoped by the principal's org;
// another org's ids answer 404):
//
//   POST   /v1/webhooks                          webhooks:admin  {url, event_types[], description?,
//                                                                active?} → 201 with `secret`
//                                                                (whsec_..., shown once)
//   GET    /v1/webhooks                          webhooks:admin  ?limit=&cursor= → {items,
//                                                                next_cursor}
//   GET    /v1/webhooks/{id}                     webhooks:admin
//   PATCH  /v1/webhooks/{id}                     webhooks:admin  any of url, event_types,
//                                                                description, active
//   DELETE /v1/webhooks/{id}                     webhooks:admin  → 204 (with its delivery log)
//   POST   /v1/webhooks/{id}/rotate-secret       webhooks:admin  {grace_seconds?} → new `secret`
//                                                                (shown once); the old one signs
//                                                                too until the grace ends
//   POST   /v1/webhooks/{id}/test                webhooks:admin  → 202, a webhook.test delivery
//   GET    /v1/webhooks/{id}/deliveries          events:read     ?limit=&cursor=&state= → the
//                                                                delivery log with attempts
//   GET    /v1/webhook-deliveries/{id}           events:read     one delivery with its attempts
//   POST   /v1/webhook-deliveries/{id}/redeliver webhooks:admin  → 202, a new delivery of the
//                                                                same body
//
// Validation errors are 422 with one detail per field (url, event_types[i], description, active,
// grace_seconds). Every mutation is audited by the service.
// Thread-safety: register at start-up; the service must outlive the router.
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "webhooks/service.h"

namespace signx::webhooks {

void AddWebhookRoutes(http::Router& router, http::SchemaRegistry& schemas, WebhookService& service);

}  // namespace signx::webhooks
