// ScoreLog: keeps the `lead_scores` table (the latest score of every lead, per org) up to date
// without slowing the scoring routes, so outcomes can later be matched to the score a lead got.
//
// Add() only pushes onto a bounded in-memory queue under a short mutex; it never touches the
// database. When the queue holds `capacity` entries the entry is dropped and counted in
// leads_score_log_dropped_total (the caller is never blocked). A background thread writes what is
// queued every `flush_interval` (or as soon as `batch_rows` are queued), in one transaction per
// batch: multi-row INSERT ... ON CONFLICT (org_id, lead_id) DO UPDATE, so a lead scored again
// keeps only its latest score (within a batch the last entry of a lead wins). Entries without an
// org or a lead id are ignored (no outcome could ever refer to them). A batch that fails to write
// is dropped, counted (reason="write_error") and logged, so memory stays bounded.
//
// Metrics: leads_score_log_rows_written_total, leads_score_log_dropped_total{reason},
// leads_score_log_queue_rows (gauge).
//
// Thread-safety: every method is thread-safe. The Store, Registry and Clock must outlive the log.
// The destructor calls Shutdown(), which writes what is queued.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "leads/scorer.h"
#include "metrics/metrics.h"
#include "storage/store.h"

namespace signx::leads {

struct ScoreLogEntry {
  std::string org_id;
  std::string lead_id;
  std::string model_version;
  double score = 0;
  int bucket = 1;
  char tier = 'E';
  std::string request_id;
  Timestamp scored_at{};
  std::string display_json;  // the lead's DisplayValues as JSON text; "" when none
  std::string reasons_json;  // the score's reasons as a JSON array; "" when not explained
};

// The entry of `score` for `org_id`, scored at `at` by `request_id` (an HTTP request or a job);
// `display` is DisplayValues(schema, lead).
ScoreLogEntry ScoreLogEntryOf(std::string org_id, const LeadScore& score, std::string request_id,
                              Timestamp at, const boost::json::object& display = {});

struct ScoreLogOptions {
  std::size_t capacity = 100'000;  // entries queued (and being written) before drops
  std::size_t batch_rows = 2'000;  // a write starts once this many are queued
  std::chrono::milliseconds flush_interval{1000};  // and at least this often
  // lead_score_history rows this much older than the newest score are deleted (checked at most
  // once an hour by the writer).
  std::chrono::hours history_retention{24 * 180};
};

// Upserts `entries` into lead_scores inside `txn`: the last entry of a lead wins, a stored score
// newer than an entry (scored_at) is kept, and so is the score of a lead whose outcome is recorded
// (monitoring judges the score the lead had when it converted or was lost); entries without an
// org or a lead id are skipped. Every entry is also appended to lead_score_history.
// ScoreLog's writer and the CSV scoring job both write with it.
Status WriteLeadScores(storage::Txn& txn, std::span<const ScoreLogEntry> entries);

class ScoreLog {
 public:
  // Starts the writer thread. `metrics` may be null.
  ScoreLog(storage::Store& store, metrics::Registry* metrics, ScoreLogOptions options = {});
  ~ScoreLog();
  ScoreLog(const ScoreLog&) = delete;
  ScoreLog& operator=(const ScoreLog&) = delete;

  // Queues one entry; false when it was dropped (queue full, shut down, or no org/lead id).
  bool Add(ScoreLogEntry entry);

  // Blocks until every entry accepted before the call is written (or dropped by a write error,
  // reported as the returned Status).
  Status Flush();

  // Writes what is queued, then stops the thread. Adds afterwards are dropped. Idempotent.
  void Shutdown();

  struct Stats {
    uint64_t accepted = 0;
    uint64_t written = 0;
    uint64_t dropped = 0;  // queue full + write errors
    std::size_t queued = 0;
  };
  Stats stats() const;

 private:
  void Run();
  Status Write(std::vector<ScoreLogEntry>& batch);
  // Deletes lead_score_history rows scored more than options_.history_retention before `newest`
  // (the latest score written: the log's own notion of now), at most once an hour.
  void PruneHistory(Timestamp newest);

  storage::Store& store_;
  const ScoreLogOptions options_;
  metrics::Counter* written_ = nullptr;
  metrics::Counter* dropped_full_ = nullptr;
  metrics::Counter* dropped_error_ = nullptr;
  metrics::Gauge* queue_gauge_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable wake_;        // the writer waits here
  std::condition_variable flushed_;     // Flush() callers wait here
  std::vector<ScoreLogEntry> pending_;  // guarded by mu_
  std::size_t in_flight_ = 0;           // guarded by mu_: entries being written
  uint64_t accepted_seq_ = 0;           // guarded by mu_
  uint64_t done_seq_ = 0;               // guarded by mu_: accepted entries written or dropped
  uint64_t flush_wanted_ = 0;           // guarded by mu_
  Status last_error_;                   // guarded by mu_: of the latest batch
  uint64_t written_rows_ = 0, dropped_rows_ = 0;        // guarded by mu_
  bool stopping_ = false;                               // guarded by mu_
  std::chrono::steady_clock::time_point last_prune_{};  // writer thread only
  std::mutex shutdown_mu_;
  std::thread thread_;
};

}  // namespace signx::leads
