// GET /v1/events/stream: server-sent events of the caller's org (events:read), filtered by type
// prefix (?types=project.,job.) and resumable with Last-Event-ID (or ?last_event_id=).
#pragma once

#include "events/dispatcher.h"
#include "events/sse.h"
#include "http/router.h"
#include "storage/store.h"

namespace signx::app {

// `streams` (may be null; must outlive the server) caps the open streams per principal (429).
void AddEventRoutes(http::Router& router, storage::Store& store, events::Dispatcher& dispatcher,
                    events::SseStreamLimits* streams = nullptr);

}  // namespace signx::app
