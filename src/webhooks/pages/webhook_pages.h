// Admin → Webhooks: the org's webhook endpoints on the real WebhookService (src/webhooks).
//
//   GET  /admin/webhooks                          endpoints and the create form     (webhooks:admin)
//   POST /admin/webhooks                          create; the secret is shown once  (webhooks:admin)
//   GET  /admin/webhooks/{id}                     the endpoint and its delivery log (webhooks:admin)
//   POST /admin/webhooks/{id}/test                send a webhook.test event         (webhooks:admin)
//   POST /admin/webhooks/deliveries/{id}/redeliver  send a delivery again           (webhooks:admin)
//
// The service scopes everything to the principal's org and audits every mutation.
// Wiring (src/app/app.cc, after the WebhookService exists):
//   web::AddWebhookPages(shell, *p.webhooks);
// Thread-safety: register during start-up; the service must outlive the router.
#pragma once

#include <vector>

#include "web/embedded.h"
#include "web/shell.h"
#include "webhooks/service.h"

namespace signx::webhooks {

// The module's templates (src/webhooks/templates/*.mustache).
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

// Registers the templates and the pages.
void AddWebhookPages(web::Shell& shell, WebhookService& webhooks);

}  // namespace signx::webhooks
