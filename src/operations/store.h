// OpsStore: the SQL of operations (the only place that writes it), on one transaction and one
// tenant. Every statement filters by the org, so another org's row reads as missing (kNotFound).
//
// Thread-safety: an OpsStore lives inside one WithTxn callback on one thread (storage/store.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "operations/types.h"
#include "storage/store.h"

namespace signx::operations {

struct ItemQuery {
  std::optional<std::string> q;         // sku or name starts with (case-sensitive)
  std::optional<std::string> category;  // equal
  int limit = 50;
  std::string cursor;  // the last sku of the previous page
};

struct ListQuery {
  int limit = 50;
  std::string cursor;  // the last id of the previous page ("" = first page)
};

struct BatchQuery {
  std::optional<std::string> status;
  std::optional<Entity> entity;
  int limit = 50;
  std::string cursor;
};

struct Audit {
  std::string id;
  std::string entity;
  std::string entity_id;
  std::string action;
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
  std::optional<std::string> batch_id;
  std::string actor;
  Timestamp at;
};

// Demand of one day (sum of consumption).
struct DayQuantity {
  std::string day;  // YYYY-MM-DD
  double quantity = 0;
};

// Stock now: the latest snapshot moved by the receipts and consumption after it.
struct Stock {
  std::optional<Snapshot> snapshot;
  double on_hand = 0;
  double on_order = 0;
  double allocated = 0;
  double received_since = 0;
  double consumed_since = 0;
};

class OpsStore {
 public:
  OpsStore(storage::Txn& txn, std::string org_id, const Clock& clock)
      : txn_(txn), org_(std::move(org_id)), clock_(clock) {}

  storage::Txn& txn() { return txn_; }
  const std::string& org_id() const { return org_; }

  // ---- items ----
  Result<Item> GetItem(std::string_view id);
  Result<std::optional<Item>> FindItemBySku(std::string_view sku);
  Result<Page<Item>> ListItems(const ItemQuery& q);
  // Every item id of the org in id order, `limit` after `after` (for runs over all items).
  Result<std::vector<Item>> ItemsAfter(std::string_view after, int limit);
  // Inserts `item` (id, timestamps and version set here). kAlreadyExists for a taken sku.
  Result<Item> InsertItem(Item item);
  // Writes `item` if the stored version is `expected_version`; returns it with version + 1.
  // kPreconditionFailed on a mismatch, kAlreadyExists for a taken sku.
  Result<Item> UpdateItem(Item item, int64_t expected_version);

  // ---- external ids ----
  Result<std::optional<std::string>> FindMapped(std::string_view source, std::string_view entity,
                                                std::string_view external_id);
  // True when the mapping was added (false: it existed).
  Result<bool> AddMapping(std::string_view source, std::string_view entity,
                          std::string_view external_id, std::string_view internal_id);
  // (source, external_id) pairs of one internal id.
  Result<std::vector<std::pair<std::string, std::string>>> MappingsOf(std::string_view internal_id);

  // ---- processes ----
  Result<Process> GetProcess(std::string_view id);
  Result<std::optional<Process>> FindProcessByCode(std::string_view code);
  Result<Page<Process>> ListProcesses(const ListQuery& q,
                                      const std::optional<std::string>& item_id);
  Result<Process> InsertProcess(Process p);
  Result<Process> UpdateProcess(Process p, int64_t expected_version);

  // ---- stock ----
  // False when this batch row was already applied (replay).
  Result<bool> InsertSnapshot(Snapshot& s, std::optional<int64_t> batch_row);
  Result<Page<Snapshot>> ListSnapshots(std::string_view item_id, const ListQuery& q);
  Result<Stock> StockOf(std::string_view item_id);
  // Many stock rows of one batch at once (one statement each way; ids preset). Rows whose
  // (batch, row) is already applied are skipped; returns the ids that were inserted.
  struct MovementInsert {
    std::string id;
    std::string item_id;
    std::string kind;
    double quantity = 0;
    Timestamp at;
    int64_t batch_row = 0;
  };
  Result<std::vector<std::string>> InsertMovements(std::string_view batch_id,
                                                   const std::vector<MovementInsert>& rows);
  Result<std::vector<std::string>> InsertSnapshots(
      const std::vector<std::pair<Snapshot, int64_t>>& rows);
  // Consumption per day from `from_day` to `to_day` inclusive (days without any are absent).
  Result<std::vector<DayQuantity>> DailyDemand(std::string_view item_id, std::string_view from_day,
                                               std::string_view to_day);
  // The first day with consumption, if any.
  Result<std::optional<std::string>> FirstDemandDay(std::string_view item_id);

  // ---- audit ----
  Status AppendAudit(std::string_view entity, std::string_view entity_id, std::string_view action,
                     const std::optional<std::string>& before_json,
                     const std::optional<std::string>& after_json,
                     const std::optional<std::string>& batch_id, std::string_view actor);
  struct AuditInsert {
    std::string entity;
    std::string entity_id;
    std::optional<std::string> after_json;
  };
  // Many "create" audit rows of one batch in one statement.
  Status AppendCreateAudits(const std::vector<AuditInsert>& rows, const std::string& batch_id,
                            std::string_view actor);
  // Newest first; `entity`/`entity_id` or `batch_id` select.
  Result<Page<Audit>> ListAudits(const std::optional<std::pair<std::string, std::string>>& subject,
                                 const std::optional<std::string>& batch_id, const ListQuery& q);

  // ---- batches ----
  Result<Batch> InsertBatch(Batch b);
  Result<Batch> GetBatch(std::string_view id);
  Result<std::optional<Batch>> FindBatchByChecksum(std::string_view checksum);
  Result<Page<Batch>> ListBatches(const BatchQuery& q);
  // Writes the mutable fields of `b` (status, counts, message, job, replays, completed_at).
  Status SaveBatch(const Batch& b);
  // Replaces the batch's stored errors with the first `errors`.
  Status ReplaceErrors(std::string_view batch_id, const std::vector<RowError>& errors);
  // Ordered by discovery; next_cursor = the seq of the last error given (decimal).
  Result<Page<RowError>> ListErrors(std::string_view batch_id, int limit, int64_t after_seq);

 private:
  Result<Item> ItemFromRow(const storage::Row& r);
  storage::Txn& txn_;
  const std::string org_;
  const Clock& clock_;
};

}  // namespace signx::operations
