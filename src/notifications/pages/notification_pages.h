// The notification pages of the web UI (registered by NotificationsModule::AddPages):
//
//   GET  /notifications                 the caller's inbox, newest first (?unread=1, ?cursor=);
//                                       new notifications appear live (app.js live list)
//   GET  /notifications/stream          the live feed of that list (session cookie; SSE)
//   POST /notifications/{id}/read       mark one read (unread with read=0), back to the inbox
//   POST /notifications/read-all        mark every notification read
//   GET  /notifications/settings        the caller's preferences form
//   POST /notifications/settings        save them (422 with field errors; a new webhook secret
//                                       is shown once on the answer)
//
// Every signed-in user has an inbox and settings. Pages call NotificationService, never SQL.
// Thread-safety: register during start-up; the handlers are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "events/dispatcher.h"
#include "events/sse.h"
#include "notifications/service.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::notifications {

// src/notifications/templates/*.mustache, compiled in by signx_module_templates.
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

// `dispatcher` and `streams` may be null (no live updates: the stream page is not added).
void AddNotificationPages(web::Shell& shell, NotificationService& service,
                          events::Dispatcher* dispatcher = nullptr,
                          events::SseStreamLimits* streams = nullptr);

// "project.*: email, in_app" lines ⇄ rules (exposed for tests). Bad lines become field errors
// naming the line ("rules" field).
std::string RulesText(const std::vector<Rule>& rules);
Result<std::vector<Rule>> ParseRulesText(std::string_view text);

}  // namespace signx::notifications
