// OperationsService: the use cases of operations — the routes, pages and the ingest job call
// these, never SQL. Every call takes the caller's TenantScope (identity/scope.h); rows of another
// org read as missing (kNotFound).
//
//   SubmitBatch   stores the bytes as a blob (SHA-256 = the batch checksum) and, in one
//                 transaction, registers the blob, inserts the batch (received) and queues
//                 operations.ingest. The same bytes again return the earlier batch (duplicate).
//   Replay        puts a stored batch back to received and queues it again (replays + 1).
//   RunIngestJob  the operations.ingest handler (ingest.h).
//   items / processes / snapshots   CRUD; every change is audited in prim_master_audits with its
//                 before and after, items also append operations.item_created / _updated. Items
//                 read by id are cached (cache::Cache, in-process or Redis) and dropped on change.
//
// Thread-safety: thread-safe; every call blocks (database, blob files). Collaborators outlive it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "cache/cache.h"
#include "events/outbox.h"
#include "identity/scope.h"
#include "jobs/queue.h"
#include "operations/alerts.h"
#include "operations/store.h"
#include "operations/types.h"
#include "storage/store.h"

namespace signx::operations {

inline constexpr std::string_view kIngestJob = "operations.ingest";
// Largest batch body the API accepts (~1.3 million CSV rows; inside server.body_memory_budget_bytes
// even for a JSON push, charged 13x).
inline constexpr int64_t kMaxBatchBytes = int64_t{64} << 20;

struct Submission {
  Entity entity = Entity::kItems;
  Format format = Format::kCsv;
  std::string source = "api";
  bool partial = false;
  std::optional<std::string> filename;
};

struct Submitted {
  Batch batch;
  bool duplicate = false;  // the same bytes were sent before: `batch` is the earlier one
};

struct ItemDetail {
  Item item;
  Stock stock;
  std::vector<std::pair<std::string, std::string>> external_ids;  // (source, external id)
};

class OperationsService {
 public:
  OperationsService(storage::Store& store, events::Outbox& outbox, jobs::Queue& queue,
                    std::shared_ptr<const blobs::BlobStore> blobs,
                    std::shared_ptr<cache::Cache> cache, const Clock& clock = SystemClock::Get());

  // ---- ingest ----
  Result<Submitted> SubmitBatch(const identity::TenantScope& scope, const Submission& submission,
                                std::string_view body);
  Result<Batch> Replay(const identity::TenantScope& scope, std::string_view batch_id);
  Result<Batch> GetBatch(const identity::TenantScope& scope, std::string_view id);
  Result<Page<Batch>> ListBatches(const identity::TenantScope& scope, const BatchQuery& q);
  Result<Page<RowError>> ListErrors(const identity::TenantScope& scope, std::string_view id,
                                    int limit, int64_t after_seq);
  Result<Page<Audit>> ListAudits(const identity::TenantScope& scope,
                                 const std::optional<std::pair<std::string, std::string>>& subject,
                                 const std::optional<std::string>& batch_id, const ListQuery& q);
  // The operations.ingest handler.
  Status RunIngestJob(jobs::JobContext& ctx);
  // The operations.forecast_run handler (forecast_run.h).
  Status RunForecastRunJob(jobs::JobContext& ctx);
  // The operations.schedule_forecasts handler (one run per org with items, daily).
  Status ScheduleForecastsJob(jobs::JobContext& ctx);

  // ---- items ----
  // With an Idempotency-Key, a repeat returns the item the first call created (*replayed = true).
  Result<Item> CreateItem(const identity::TenantScope& scope, const ItemFields& fields,
                          const std::optional<std::string>& idempotency_key = std::nullopt,
                          bool* replayed = nullptr);
  Result<Item> UpdateItem(const identity::TenantScope& scope, std::string_view id,
                          int64_t expected_version, const ItemFields& fields);
  Result<Item> GetItem(const identity::TenantScope& scope, std::string_view id);
  Result<ItemDetail> GetItemDetail(const identity::TenantScope& scope, std::string_view id);
  Result<Page<Item>> ListItems(const identity::TenantScope& scope, const ItemQuery& q);
  // Stock now of each item (same order; one read transaction — for a page of items).
  Result<std::vector<Stock>> StockOfItems(const identity::TenantScope& scope,
                                          const std::vector<std::string>& item_ids);
  // Daily consumption of the last `days` days up to and including `to_day` (zeros filled in).
  Result<std::vector<DayQuantity>> DemandHistory(const identity::TenantScope& scope,
                                                 std::string_view item_id, int days,
                                                 std::optional<std::string> to_day = std::nullopt);

  // ---- processes ----
  Result<Process> CreateProcess(const identity::TenantScope& scope, const ProcessInput& in,
                                const std::optional<std::string>& idempotency_key = std::nullopt,
                                bool* replayed = nullptr);
  Result<Process> UpdateProcess(const identity::TenantScope& scope, std::string_view id,
                                int64_t expected_version, const ProcessInput& in);
  Result<Process> GetProcess(const identity::TenantScope& scope, std::string_view id);
  Result<Page<Process>> ListProcesses(const identity::TenantScope& scope, const ListQuery& q,
                                      const std::optional<std::string>& item_id);

  // ---- stock ----
  Result<Snapshot> AddSnapshot(const identity::TenantScope& scope, std::string_view item_id,
                               Snapshot s);
  Result<Page<Snapshot>> ListSnapshots(const identity::TenantScope& scope, std::string_view item_id,
                                       const ListQuery& q);

  // ---- alerts, rules, runs ----
  Result<Page<Alert>> ListAlerts(const identity::TenantScope& scope, const AlertQuery& q);
  Result<Alert> GetAlert(const identity::TenantScope& scope, std::string_view id);
  // open → acknowledged / → resolved as scope.actor, with the outbox event. kConflict otherwise.
  Result<Alert> AcknowledgeAlert(const identity::TenantScope& scope, std::string_view id);
  Result<Alert> ResolveAlert(const identity::TenantScope& scope, std::string_view id);
  Result<std::vector<RuleConfig>> AlertRules(const identity::TenantScope& scope);
  Result<std::vector<RuleConfig>> SaveAlertRule(const identity::TenantScope& scope,
                                                const RuleConfig& rule);
  // Queues a forecast run over every item of the org (operations.forecast_run, forecast_run.h).
  // kValidationFailed for horizon outside 1..366, period outside 1..366, level outside (0, 1).
  Result<ForecastRun> StartRun(const identity::TenantScope& scope, int horizon, int period,
                               double level,
                               const std::optional<std::string>& idempotency_key = std::nullopt,
                               bool* replayed = nullptr);
  Result<ForecastRun> GetRun(const identity::TenantScope& scope, std::string_view id);
  Result<Page<ForecastRun>> ListRuns(const identity::TenantScope& scope, const ListQuery& q);
  // The item's latest stored forecast (nullopt before any run covered it) and accuracy history.
  Result<std::optional<ItemForecast>> LatestForecast(const identity::TenantScope& scope,
                                                     std::string_view item_id);
  Result<std::vector<AccuracyRow>> AccuracyHistory(const identity::TenantScope& scope,
                                                   std::string_view item_id, int limit);

  storage::Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  events::Outbox& outbox() { return outbox_; }

 private:
  template <typename T>
  Result<T> InTxn(const identity::TenantScope& scope, const std::function<Result<T>(OpsStore&)>& fn,
                  bool read_only = false);
  std::string CacheKey(const identity::TenantScope& scope, std::string_view id) const;
  void Forget(const identity::TenantScope& scope, std::string_view id);

  storage::Store& store_;
  events::Outbox& outbox_;
  jobs::Queue& queue_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::shared_ptr<cache::Cache> cache_;  // may be null
  const Clock& clock_;
};

}  // namespace signx::operations
