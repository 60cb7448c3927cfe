// The JSON API of notifications under /v1/notifications (docs/notifications.md): the caller's
// inbox (list, one, read/unread, read-all, unread count, SSE stream), the caller's preferences,
// the org's templates (CRUD + preview), deliveries and dead letters (list, one, retry).
// Thread-safety: the handlers are thread-safe (the service is).
#pragma once

#include <boost/json/object.hpp>

#include "events/dispatcher.h"
#include "events/sse.h"
#include "http/openapi.h"
#include "http/router.h"
#include "notifications/service.h"

namespace signx::notifications {

// `dispatcher` and `streams` may be null (no dispatcher: the SSE route is not added).
void AddNotificationRoutes(http::Router& router, http::SchemaRegistry& schemas,
                           NotificationService& service, events::Dispatcher* dispatcher,
                           events::SseStreamLimits* streams);

// How an inbox stream writes each new notification: kEvent = the event as SSE
// (`event: notifications.notification_created`, data: EventToJson); kPage = an unnamed message for
// the web UI's live lists (src/web/assets/app.js): data {"type": "New notification",
// "subject_id": <title>, "created_at": <RFC 3339>}.
enum class StreamFormat { kEvent, kPage };

// Opens a live stream of `user_id`'s new in-app notifications in `org_id` (the caller checked
// who may read it). kRateLimited when `streams` refuses one more for the user.
Result<std::shared_ptr<http::StreamBody>> OpenInboxStream(events::Dispatcher& dispatcher,
                                                          events::SseStreamLimits* streams,
                                                          const std::string& org_id,
                                                          const std::string& user_id,
                                                          StreamFormat format);

// JSON views shared with the pages.
boost::json::object NotificationJson(const Notification& n);
boost::json::object PreferencesJson(const Preferences& p, bool with_secret);
boost::json::object TemplateJson(const Template& t);
boost::json::object DeliveryJson(const Delivery& d);

// Reads a preferences body (PUT); kValidationFailed naming wrong types and unknown fields.
Result<PreferencesInput> ReadPreferences(const boost::json::object& o);

}  // namespace signx::notifications
