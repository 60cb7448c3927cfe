// ScoreLog: keeps the `lead_scores` table (the latest score of every lead, per org) up to date
// without slowing the scoring routes, so outcomes can later be matched to the score a lead got.
//
// Add() only pushes onto a bounded in-memory queue under a short mutex; it never touches the
// database. The queue keeps each score that changed its lead's score as a compact history row,
// and the full entry (display values, reasons) only for the latest score of each lead, so a
// backlog under a burst costs ~150 bytes a changed score and nothing more for a repeat. When the
// queue holds `capacity` scores the entry is dropped and counted in leads_score_log_dropped_total
// (the caller is never blocked). A background thread writes what is queued every `flush_interval`
// (or as soon as `batch_rows` are queued), in one transaction per batch: multi-row INSERT ... ON
// CONFLICT (org_id, lead_id) DO UPDATE, so a lead scored again keeps only its latest score (within
// a batch the last entry of a lead wins), and lead_score_history gets a row for each change of a
// lead's model, score or tier (see AppendScoreHistory; every scoring call is in the lake). Entries
// without an org or a lead id are ignored (no outcome could ever refer to them). A batch that fails
// to write is dropped, counted (reason="write_error") and logged, so memory stays bounded.
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
#include <string_view>
#include <thread>
#include <unordered_map>
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
// `display` is DisplayValues(schema, lead). `reasons_json`, when given, is the score's reasons as
// AppendReasonsJson wrote them already (the answer's text, reused); else they are written here.
ScoreLogEntry ScoreLogEntryOf(std::string org_id, const LeadScore& score, std::string request_id,
                              Timestamp at, const boost::json::object& display = {},
                              std::string_view reasons_json = {});

struct ScoreLogOptions {
  std::size_t capacity = 20'000;  // entries queued (and being written) before drops
  std::size_t batch_rows = 2'000;  // a write starts once this many are queued
  std::chrono::milliseconds flush_interval{1000};  // and at least this often
  // lead_score_history rows this much older than the newest score are deleted (checked at most
  // once an hour by the writer).
  std::chrono::hours history_retention{24 * 180};
  // SQLite page cache of a write's transaction (storage::TxnOptions::page_cache_kib). A batch of
  // new leads inserts rows of ~1.3 KB at random keys: each dirties a page of its own, and with the
  // connection's usual 2 MB the writer spilled pages to the WAL mid-transaction and read them
  // back (~45 % of its time under a stream of new leads).
  int page_cache_kib = 16 * 1024;
};

// One lead_score_history row (views into its owner's strings).
struct ScoreHistoryRow {
  std::string_view org_id, lead_id, model_version, request_id;
  Timestamp scored_at{};
  double score = 0;
  char tier = 'E';
};

// Upserts `entries` into lead_scores inside `txn`: the last entry of a lead wins, a stored score
// newer than an entry (scored_at) is kept, and so is the score of a lead whose outcome is recorded
// (monitoring judges the score the lead had when it converted or was lost); entries without an
// org or a lead id are skipped. Each entry that changes its lead's score is also appended to
// lead_score_history (AppendScoreHistory).
// ScoreLog's writer and the CSV scoring job both write with it.
Status WriteLeadScores(storage::Txn& txn, std::span<const ScoreLogEntry> entries);
// The two halves of WriteLeadScores: the upsert of entries that are each the last of their lead,
// and the history rows.
Status UpsertLatestScores(storage::Txn& txn, std::span<const ScoreLogEntry* const> latest);
// Appends the rows that change their lead's score: a row whose model, score and tier equal the
// lead's previous row (earlier in `rows`, else its newest stored row) is not written. The history
// is a change log: the newest row at or before any time t still gives the lead's score at t.
Status AppendScoreHistory(storage::Txn& txn, std::span<const ScoreHistoryRow> rows);

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
    std::size_t queued_leads = 0;  // distinct leads among the queued (one full entry each)
  };
  Stats stats() const;

 private:
  // A queued score's history row in one allocation: org, lead, model and request id laid end to
  // end in `text` (a queued entry costs ~150 bytes, not the ~1.5 KB of a full ScoreLogEntry).
  struct QueuedScore {
    std::string text;
    std::uint16_t org_len = 0, lead_len = 0, model_len = 0;
    Timestamp scored_at{};
    double score = 0;
    char tier = 'E';
    ScoreHistoryRow Row() const;
  };
  // What is queued: every score that changed its lead's queued score as a compact history row
  // (a repeat of the queued latest score adds none), and the full entry (display values and
  // reasons) only for the latest score of each lead — a lead scored again while queued replaces
  // it. So the queue's memory grows with the leads scored, not with how often each is.
  struct Queue {
    std::vector<QueuedScore> scores;
    std::unordered_map<std::string, ScoreLogEntry> latest;  // org_id + '\n' + lead_id
    std::size_t accepted = 0;  // Add()s since the queue was last taken (≥ scores.size())
  };
  void Run();
  Status Write(const Queue& batch);
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
  std::condition_variable wake_;     // the writer waits here
  std::condition_variable flushed_;  // Flush() callers wait here
  Queue pending_;                    // guarded by mu_
  std::size_t in_flight_ = 0;        // guarded by mu_: entries being written
  uint64_t accepted_seq_ = 0;        // guarded by mu_
  uint64_t done_seq_ = 0;            // guarded by mu_: accepted entries written or dropped
  uint64_t flush_wanted_ = 0;        // guarded by mu_
  Status last_error_;                // guarded by mu_: of the latest batch
  uint64_t written_rows_ = 0, dropped_rows_ = 0;        // guarded by mu_
  bool stopping_ = false;                               // guarded by mu_
  std::chrono::steady_clock::time_point last_prune_{};  // writer thread only
  std::mutex shutdown_mu_;
  std::thread thread_;
};

}  // namespace signx::leads
