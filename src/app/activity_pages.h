// The activity pages of the web UI — the org's recent events, live over server-sent events:
//
//   GET  /activity          recent events of the org, live over SSE           (events:read)
//   GET  /activity/stream   the org's events as text/event-stream (session)   (events:read)
//
// Platform pages (events belong to every capability), so they live in the composition root next
// to the SSE API routes (event_routes.h). Thread-safety: register during start-up.
#pragma once

#include <vector>

#include "events/dispatcher.h"
#include "events/sse.h"
#include "storage/store.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::app {

// The app's own templates (src/app/templates/*.mustache).
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

// Registers the templates and the pages. `dispatcher` may be null: the page then shows recent
// events without the live stream. `streams` (may be null) caps the open streams per principal,
// shared with the API's /v1/events/stream.
void AddActivityPages(web::Shell& shell, storage::Store& store, events::Dispatcher* dispatcher,
                      events::SseStreamLimits* streams = nullptr);

}  // namespace signx::app
