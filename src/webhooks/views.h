// JSON views of webhook values, shared by the routes and the audit digests. Secrets never appear
// here (the routes add `secret` to the create and rotate answers themselves).
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>

#include "webhooks/webhook.h"

namespace signx::webhooks {

// {"id","url","event_types","description","active","created_by","created_at","updated_at",
//  "secret_rotated_at","previous_secret_expires_at"}
boost::json::object EndpointJson(const Endpoint& e);
// {"id","webhook_id","event_id","event_type","state","attempt_count","max_attempts",
//  "last_status_code","last_error","response_excerpt","duration_ms","next_attempt_at",
//  "redelivery_of","created_at","updated_at","completed_at","attempts":[{"attempt","started_at",
//  "status_code","error","duration_ms","response_excerpt"}]}
boost::json::object DeliveryJson(const Delivery& d);

}  // namespace signx::webhooks
