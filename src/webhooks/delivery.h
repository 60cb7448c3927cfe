// The `webhooks.deliver` job: one attempt of one delivery.
//
// Each attempt loads the delivery and its endpoint, POSTs the stored body with
//   Content-Type: application/json
//   X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=<previous secret's>]
//   X-SignX-Event: <event type>
//   X-SignX-Delivery: <delivery id>
// through http::HttpClient (no redirects are followed: a 3xx is a failed attempt), and records the
// attempt (status code or error, duration, response excerpt) in webhook_attempts and on the
// delivery row, in one transaction. A 2xx answer succeeds the delivery. Anything else (another
// status, a timeout, a refused connection) returns kUnavailable so the job queue retries it with
// its exponential backoff; the attempt that uses the last of the job's max_attempts marks the
// delivery dead (and the queue dead-letters the job). A deleted or disabled endpoint ends the
// delivery (dead) with a permanent error, so the queue does not retry. A delivery already
// succeeded or dead (a job re-run after a crash) is left alone.
//
// Thread-safety: Deliverer is thread-safe (HttpClient::Send is). It borrows the Store and Clock.
#pragma once

#include <memory>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "http/client.h"
#include "jobs/queue.h"
#include "storage/store.h"
#include "webhooks/webhook.h"

namespace signx::webhooks {

class Deliverer {
 public:
  Deliverer(storage::Store& store, WebhookSettings settings,
            const Clock& clock = SystemClock::Get());

  // One attempt of delivery `delivery_id`; `attempt` and `max_attempts` are the job's (1-based)
  // attempt number and budget, `job_id` is recorded with the attempt. See the header comment.
  Status Attempt(std::string_view delivery_id, int attempt, int max_attempts,
                 std::string_view job_id);

 private:
  storage::Store& store_;
  const WebhookSettings settings_;
  const Clock& clock_;
  http::HttpClient client_;
};

inline constexpr std::string_view kCatchUpJobType = "webhooks.catch_up";

// Registers on `queue` (once, before workers start; called from src/app/job_handlers.cc):
//   * `webhooks.deliver`: one attempt of one delivery (above). The handler owns its Deliverer.
//   * `webhooks.catch_up`, recurring every minute (one at a time): creates the deliveries of
//     dispatched events the live subscription missed (a replica stopped between dispatch and
//     enqueue, a database error in the callback). Its cursor is the `through_position` in the
//     result of the last succeeded catch_up job; the first run starts at the current last
//     position. At most 5000 events per run.
Status RegisterWebhookJobs(jobs::Queue& queue, storage::Store& store, WebhookSettings settings = {},
                           const Clock& clock = SystemClock::Get());

}  // namespace signx::webhooks
