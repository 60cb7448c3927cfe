// The `webhooks.deliver` job: one attempt of one delivery.
//
// Each attempt loads the delivery and its endpoint, POSTs the stored body with
//   Content-Type: application/json
//   X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=<previous secret's>]
//   X-SignX-Event: <event type>
//   X-SignX-Delivery: <delivery id>
// through http::HttpClient (no redirects are followed: a 3xx is a failed attempt), and records the
// attempt (status code or error, duration; a response excerpt only when the operator turned
// settings.response_excerpt_bytes on) in webhook_attempts and on the delivery row, in one
// transaction.
//
// SSRF: the client enforces settings.client.address_policy on every attempt: the endpoint's host
// is resolved once, the attempt is refused (a failed attempt whose error names the address, no
// status, no body, nothing sent) when any resolved address is loopback, private, link-local,
// reserved, ... and not in the operator's allow-list, and the connection goes to exactly the
// addresses checked (no second lookup, so a DNS answer that changes between check and connect
// cannot slip through). Refused attempts are retried like other failures: DNS may change back. A
// 2xx answer succeeds the delivery. Anything else (another status, a timeout, a refused connection)
// returns kUnavailable so the job queue retries it with its exponential backoff; the attempt that
// uses the last of the job's max_attempts marks the delivery dead (and the queue dead-letters the
// job). A deleted or disabled endpoint ends the delivery (dead) with a permanent error, so the
// queue does not retry. A delivery already succeeded or dead (a job re-run after a crash), or one
// whose current job is another job (see deferral below), is left alone.
//
// Fairness between orgs: every delivery is one job and the queue claims the oldest due job first,
// so without more, one org with a burst of events or with slow or hanging endpoints (each attempt
// may hold a worker thread for `timeout`) would fill every worker thread and everyone else's
// deliveries would wait behind it. So the `webhooks.deliver` handler first takes one of the org's
// settings.max_in_flight_per_org slots in this process (OrgSlots). When the org has none free the
// delivery is *deferred* instead of sent: in one transaction the handler enqueues a follow-up
// `webhooks.deliver` job for the same delivery and makes it the delivery's job (job_id), and the
// current job ends succeeded with result {"deferred_to": "<job id>"}. The worker thread is free
// again at once and claims the next due job — another org's, unless this org also holds the next
// oldest jobs (those are deferred in turn, one short transaction each). A deferral uses no
// attempt: the follow-up job's payload carries "attempts_before" and its max_attempts is the
// remaining budget, so attempt numbers and the dead-letter point are those of an undeferred
// delivery. Deferred jobs are paced (OrgSlots::NextDeferral): an org's consecutive deferrals are
// spaced by its average attempt duration divided by its slot count, so a backlog comes back at
// about the pace its slots can drain it instead of being rescanned on every poll.
// The cap is per worker process (the counter is in memory): N processes running deliveries let
// one org have up to N x max_in_flight_per_org attempts at once; settings.max_concurrency still
// bounds all deliveries together across processes. Deliveries stay at-least-once (a receiver
// dedupes on X-SignX-Delivery).
//
// Thread-safety: Deliverer and OrgSlots are thread-safe (HttpClient::Send is). The Deliverer
// borrows the Store and Clock.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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

// Per-org in-flight slots of one process, and the pacing of deferred deliveries (header comment).
class OrgSlots {
 public:
  explicit OrgSlots(int per_org);  // per_org >= 1

  // Takes one of `org`'s slots; false when all of them are taken.
  bool TryAcquire(const std::string& org);
  // Gives back a slot taken by TryAcquire; `took` (the attempt's duration) feeds the org's
  // average attempt duration.
  void Release(const std::string& org, std::chrono::milliseconds took);
  // When a delivery of `org` deferred at `now` should be tried again: one more step of
  // average duration / per_org (at least kMinStep) past the later of `now` and the org's last
  // deferral time.
  Timestamp NextDeferral(const std::string& org, Timestamp now);
  int InFlight(const std::string& org) const;

  static constexpr std::chrono::milliseconds kMinStep{200};
  static constexpr std::chrono::milliseconds kInitialAverage{1000};

 private:
  struct Org {
    int in_flight = 0;
    std::chrono::microseconds average{kInitialAverage};
    Timestamp next_deferral{};
  };
  const int per_org_;
  mutable std::mutex mu_;
  std::map<std::string, Org, std::less<>> orgs_;  // guarded by mu_; one per org seen
};

inline constexpr std::string_view kCatchUpJobType = "webhooks.catch_up";

// Registers on `queue` (once, before workers start; called from src/app/job_handlers.cc):
//   * `webhooks.deliver`: one attempt of one delivery (above), or its deferral when the org has
//     no free slot. Payload {"delivery_id", "attempts_before" (optional, default 0)}. The handler
//     owns its Deliverer and OrgSlots.
//   * `webhooks.catch_up`, recurring every minute (one at a time): creates the deliveries of
//     dispatched events the live subscription missed (a replica stopped between dispatch and
//     enqueue, a database error in the callback). Its cursor is the `through_position` in the
//     result of the last succeeded catch_up job; the first run starts at the current last
//     position. At most 5000 events per run.
Status RegisterWebhookJobs(jobs::Queue& queue, storage::Store& store, WebhookSettings settings = {},
                           const Clock& clock = SystemClock::Get());

}  // namespace signx::webhooks
