// WebhookService: endpoints an org registers for event types, and the deliveries made to them.
//
//   * Endpoints: create (the secret is returned once), list, get, update, delete, rotate the
//     secret (the previous one stays valid for a grace period).
//   * Deliveries: EnqueueForEvent (called for every dispatched event; see Subscribe) creates one
//     delivery and one `webhooks.deliver` job per active endpoint of the event's org subscribed to
//     its type, in one transaction. The delivery's dedupe key (and the job's) is
//     "<endpoint id>:<event id>", so every replica may call it for the same event and exactly one
//     delivery results. Redeliver and SendTest create a new delivery with its own key.
//     The job (delivery.h) sends, signs, logs every attempt and relies on the queue for retries.
//
// Tenant scoping: every call on behalf of a caller takes the http::Principal and filters by
// principal.org_id; another org's endpoints and deliveries are kNotFound, like missing ones.
// Every mutation writes an audit row (identity/audit.h) in its transaction; secrets never reach
// the audit digests.
//
// Blocking: every method touches the database; call from the blocking pool, a job, or the
// dispatcher thread (EnqueueForEvent: one short transaction per event).
// Thread-safety: thread-safe; the Store, Queue and Clock are borrowed and must outlive it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "events/dispatcher.h"
#include "events/event.h"
#include "http/request.h"
#include "jobs/queue.h"
#include "storage/store.h"
#include "webhooks/webhook.h"

namespace signx::webhooks {

struct EndpointPage {
  std::vector<Endpoint> items;  // newest first
  std::string next_cursor;      // "" on the last page
};

struct DeliveryPage {
  std::vector<Delivery> items;  // newest first, each with its attempts
  std::string next_cursor;
};

class WebhookService {
 public:
  WebhookService(storage::Store& store, jobs::Queue& queue, WebhookSettings settings = {},
                 const Clock& clock = SystemClock::Get());

  // --- Endpoints (webhooks:admin) -------------------------------------------------------------

  // kValidationFailed with field details (url, event_types, description; a url whose literal host
  // is an address settings.client.address_policy refuses is one); kConflict when the org already
  // has settings.max_endpoints_per_org endpoints (counted in the insert's transaction; on
  // PostgreSQL concurrent creates of one org may each see the count before the other's insert).
  Result<EndpointWithSecret> CreateEndpoint(const http::Principal& principal, EndpointInput input,
                                            std::string_view request_id);
  // `limit` 1..kMaxPage; `cursor` the previous page's next_cursor. kInvalidArgument otherwise.
  Result<EndpointPage> ListEndpoints(const http::Principal& principal, int limit,
                                     std::string_view cursor);
  Result<Endpoint> GetEndpoint(const http::Principal& principal, std::string_view id);
  // Changes the given fields. kValidationFailed; kNotFound.
  Result<Endpoint> UpdateEndpoint(const http::Principal& principal, std::string_view id,
                                  EndpointInput patch, std::string_view request_id);
  // Deletes the endpoint and its delivery log; queued deliveries to it end when they run.
  Status DeleteEndpoint(const http::Principal& principal, std::string_view id,
                        std::string_view request_id);
  // A new secret; the old one keeps signing (as a second v1) for `grace` (default
  // settings.rotation_grace; 0 = revoke at once; at most kMaxGrace: kValidationFailed beyond).
  Result<EndpointWithSecret> RotateSecret(const http::Principal& principal, std::string_view id,
                                          std::optional<std::chrono::seconds> grace,
                                          std::string_view request_id);

  // --- Deliveries (events:read to read; webhooks:admin to send) -------------------------------

  // The endpoint's deliveries, newest first, each with its attempt log; `state` filters.
  Result<DeliveryPage> ListDeliveries(const http::Principal& principal,
                                      std::string_view endpoint_id, int limit,
                                      std::string_view cursor,
                                      std::optional<std::string> state = std::nullopt);
  Result<Delivery> GetDelivery(const http::Principal& principal, std::string_view delivery_id);
  // Sends the same body again as a new delivery (redelivery_of = the original) with a fresh
  // attempt budget. kFailedPrecondition when the endpoint is disabled.
  Result<Delivery> Redeliver(const http::Principal& principal, std::string_view delivery_id,
                             std::string_view request_id);
  // Sends a `webhook.test` event to the endpoint (whatever types it subscribes to).
  // kFailedPrecondition when the endpoint is disabled.
  Result<Delivery> SendTest(const http::Principal& principal, std::string_view endpoint_id,
                            std::string_view request_id);

  // --- Event stream ----------------------------------------------------------------------------

  // Creates the deliveries for one dispatched event (see the header comment); returns how many
  // this call created (0 when another replica already did, or nobody subscribes).
  Result<int> EnqueueForEvent(const events::Event& event);
  // Subscribes EnqueueForEvent to every event of `dispatcher`; failures are logged (the
  // `webhooks.catch_up` job then picks the event up). Keep the handle alive as long as the
  // service.
  events::Subscription Subscribe(events::Dispatcher& dispatcher);
  // Runs EnqueueForEvent for dispatched events after `after_position`, at most `max_events` of
  // them, and returns the last position handled (`after_position` when there were none). Safe to
  // overlap with the live subscription: the dedupe keys make it idempotent.
  Result<int64_t> CatchUp(int64_t after_position, int max_events);
  // Where the first catch-up (none succeeded yet) starts: the position of the last event older
  // than every endpoint (no endpoint can want it), or the last position when there is no
  // endpoint. Starting at the last position instead lost the events whose deliveries a crash
  // before the first catch-up had kept from being created.
  Result<int64_t> FirstCatchUpPosition();

  // The JSON body sent for an event:
  // {"id","type","org_id","subject_id","created_at","data":<payload>}.
  static std::string WebhookBody(const events::Event& event);

  const WebhookSettings& settings() const { return settings_; }
  const Clock& clock() const { return clock_; }

 private:
  // Inserts a delivery and enqueues its job in `txn`; nullopt when the dedupe key existed.
  Result<std::optional<std::string>> InsertDelivery(storage::Txn& txn, const Endpoint& endpoint,
                                                    std::string_view event_id,
                                                    std::string_view event_type,
                                                    std::string_view body,
                                                    std::string_view dedupe_key,
                                                    std::optional<std::string> redelivery_of);
  Result<std::vector<Endpoint>> SubscribedEndpoints(const std::string& org_id);
  Result<int> EnqueueFor(const events::Event& event, const std::vector<Endpoint>& endpoints);
  Result<Delivery> LoadDelivery(storage::Txn& txn, std::string_view org_id,
                                std::string_view delivery_id);
  void FillNextAttempt(Delivery& d);

  storage::Store& store_;
  jobs::Queue& queue_;
  const WebhookSettings settings_;
  const Clock& clock_;
};

}  // namespace signx::webhooks
