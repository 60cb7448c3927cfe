// Connectors to a shop's ERP: pull orders (as projects + cost records), push estimates back.
//
// Connector is the interface; KeyedInConnector talks to a "KeyedIn-style" REST API over
// http::HttpClient. The real KeyedIn API is proprietary, so the shape is ours, derived from the
// KeyedIn cost-summary record (sign-domain.md §1.4) and documented in docs/connectors.md:
//
//   GET  {base}/api/v1/orders?since=<RFC 3339>&page=<n>&page_size=<k>
//        → {"orders": [order...], "next_page": <n+1> | null}
//   POST {base}/api/v1/orders/{work_order}/estimates   (Idempotency-Key: <quote id>)
//        ← {"estimate_id", "source": "signx", "price_list_version", "quantity",
//           "total_cost_cents", "price_cents", "lines": [{"description", "unit", "cost_cents"}],
//           "created_at"}
//   Both send "Authorization: Bearer <api token>" and "Accept: application/json".
//   order: {"work_order", "updated_at", "name"?, "customer"?, "location"?,
//           "status"? (open|closed|cancelled), "order_date"? (YYYY-MM-DD), "close_date"?,
//           "sign"? (the spec as drivers), "cost_summary": [cost line...]} where a cost line is
//           the generator's NDJSON line shape (work_order, cost_type Labor|Material, date,
//           work_dept, work_code, seq, item, um, est_hrs, act_hrs, est_qty, act_qty,
//           est_cost_cents, act_lab_cents, act_bur_cents, act_mat_cents, act_out_cents,
//           use_tax_cents, job_cost_cents, description, category).
//
// Errors: a 5xx/429 answer or a transport failure → kUnavailable (the job is retried);
// 401/403 → kPermissionDenied; another 4xx → kFailedPrecondition; a body that is not the shape
// above → kInvalidArgument naming the field.
//
// Sync (SyncOrdersInto): orders become projects (source "keyedin", external_ref
// "keyedin:<work order>") and, when they have cost lines, one cost record each (external_id
// "keyedin:<work order>", totals summed from the lines as the KeyedIn CSV import does), with an
// `order.imported` event, all in one transaction. Re-syncing is idempotent: an order whose
// project exists is skipped (later changes to an imported order are not applied). The newest
// updated_at seen is stored (connector_state) and is the next `since`.
//
// Push: a quote created for a project imported from KeyedIn enqueues
// estimating.keyedin_push_estimate and appends `estimate.created` in the quote's transaction
// (service.cc); the job POSTs the estimate once (connector_pushes remembers it).
//
// Thread-safety: KeyedInConnector is thread-safe (HttpClient is); the functions block.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "estimating/generator.h"
#include "estimating/repository.h"
#include "events/outbox.h"
#include "http/client.h"
#include "jobs/queue.h"
#include "storage/store.h"

namespace signx::estimating {

inline constexpr std::string_view kKeyedInConnector = "keyedin";
inline constexpr std::string_view kKeyedInSyncJob = "estimating.keyedin_sync";
inline constexpr std::string_view kKeyedInPushJob = "estimating.keyedin_push_estimate";
inline constexpr std::string_view kKeyedInRefPrefix = "keyedin:";

// One order of the source system.
struct ExternalOrder {
  std::string order_id;    // KeyedIn work order
  std::string updated_at;  // RFC 3339 UTC (normalised)
  std::string name, customer, location, status;
  std::optional<std::string> order_date, close_date;  // YYYY-MM-DD
  boost::json::object sign;                           // drivers; empty when unknown
  std::vector<CostLine> lines;
};

class Connector {
 public:
  virtual ~Connector() = default;
  virtual std::string_view name() const = 0;
  // Orders changed after `since` (RFC 3339; "" = all), every page.
  virtual Result<std::vector<ExternalOrder>> SyncOrders(std::string_view since) = 0;
  // Sends one estimate for an order; `idempotency_key` lets the other side drop repeats.
  virtual Status PushEstimate(std::string_view order_id, const boost::json::object& estimate,
                              std::string_view idempotency_key) = 0;
};

struct KeyedInOptions {
  std::string base_url;  // no trailing slash needed
  std::string api_token;
  std::chrono::milliseconds timeout{10000};
  int page_size = 100;
  int max_pages = 10000;  // a server that never stops paging is an error
};
KeyedInOptions KeyedInOptionsFrom(const config::ConnectorsConfig& config);

class KeyedInConnector final : public Connector {
 public:
  // `client` must outlive the connector.
  KeyedInConnector(const http::HttpClient& client, KeyedInOptions options);
  std::string_view name() const override { return kKeyedInConnector; }
  Result<std::vector<ExternalOrder>> SyncOrders(std::string_view since) override;
  Status PushEstimate(std::string_view order_id, const boost::json::object& estimate,
                      std::string_view idempotency_key) override;

 private:
  Result<http::ClientResponse> Send(std::string method, std::string target, std::string body,
                                    std::string_view idempotency_key) const;
  const http::HttpClient& client_;
  const KeyedInOptions options_;
};

// Parses one order object; field errors are prefixed ("orders[3].").
Result<ExternalOrder> ParseKeyedInOrder(const boost::json::object& order,
                                        const std::string& prefix);

struct SyncOutcome {
  int64_t fetched = 0;
  int64_t imported = 0;
  int64_t skipped = 0;        // already imported
  std::string synced_until;   // the next `since`
};

// Pulls the orders changed since the stored cursor and imports them for `scope.org_id` (see the
// header comment). `drift_queue` (may be null): enqueue the learning loop's evaluation when
// actual costs were imported.
Result<SyncOutcome> SyncOrdersInto(storage::Store& store, events::Outbox& outbox,
                                   jobs::Queue* drift_queue, Connector& connector,
                                   const Scope& scope, const Clock& clock = SystemClock::Get());

// The estimate body POSTed for a stored quote.
boost::json::object EstimateBody(const StoredQuote& quote);

// Pushes a quote's estimate to the order its project was imported from, once. Returns the
// order id; kFailedPrecondition when the quote's project did not come from this connector.
Result<std::string> PushQuoteEstimate(storage::Store& store, Connector& connector,
                                      const Scope& scope, std::string_view quote_id,
                                      const Clock& clock = SystemClock::Get());

// In the quote's transaction (service.cc): when `project_id` names a project imported from
// KeyedIn, enqueues estimating.keyedin_push_estimate (dedupe = quote id) and appends
// `estimate.created`. Returns whether it did.
Result<bool> OnQuoteCreated(storage::Txn& txn, jobs::Queue& queue, events::Outbox& outbox,
                            const Scope& scope, const StoredQuote& quote, const Clock& clock);

// Registers estimating.keyedin_sync (recurring on config.keyedin_sync_schedule, for
// config.keyedin_org_id) and estimating.keyedin_push_estimate — only when keyedin_base_url is
// set; otherwise registers nothing and removes a stale schedule. `client` is kept alive by the
// handlers, which append events through their own Outbox (the dispatcher polls).
Status RegisterKeyedInJobs(jobs::Queue& queue, const config::ConnectorsConfig& config,
                           std::shared_ptr<const http::HttpClient> client);

}  // namespace signx::estimating
