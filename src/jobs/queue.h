// Queue: a durable job queue stored in the application database (table `jobs`, migration
// 0002_jobs), on SQLite and PostgreSQL alike.
//
// Producers call Enqueue(txn, spec) inside their own transaction, so a business write and the job
// that follows it commit (or roll back) together. Workers (worker.h) Claim a due job with a lease:
// PostgreSQL selects it FOR UPDATE SKIP LOCKED, SQLite claims it with one UPDATE ... WHERE id =
// (SELECT ...) RETURNING in a short write transaction (SQLite serialises writers). A claimed job
// is fenced by (id, lease_owner, attempts): Complete/Fail/Release/Heartbeat/UpdateProgress from a
// worker whose lease was recovered by someone else fail with kFailedPrecondition and change
// nothing.
//
// Failure policy (Fail): a cancellation request wins (-> cancelled); errors that retrying cannot
// fix (invalid_argument, malformed_json, validation_failed, not_found, permission_denied,
// unauthenticated, unimplemented) -> failed; otherwise the job is queued again after an
// exponential backoff with jitter (base * 2^(attempt-1), capped, then uniformly in [d/2, d]) until
// max_attempts, after which it is dead-lettered (`dead`) with the last error. A lease that expires
// (the worker crashed or hung) is recovered by RecoverExpiredLeases: the lost attempt counts, so a
// job that keeps killing its worker ends dead instead of looping.
//
// Handlers are registered by type name and must be idempotent: a job can run more than once
// (crash after the effect but before Complete). Use the job id as the unique key of the effect.
//
// Per-type concurrency limits (HandlerOptions::max_concurrency) hold across every worker that
// shares the database: SQLite claims are serialised; PostgreSQL takes a transaction-scoped
// advisory lock per limited type and re-counts running jobs before committing a claim.
//
// Thread-safety: Queue is thread-safe. Register handlers before starting workers. Every call
// blocks on the database: call from a blocking route, a job or a CLI command. The Store and the
// Clock must outlive the Queue.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "jobs/job.h"
#include "storage/store.h"

namespace signx::jobs {

class Queue;

// What a handler sees while it runs one attempt of one job. Owned by the worker; valid for the
// duration of the handler call. cancelled()/stopping() may be read from any thread.
class JobContext {
 public:
  JobContext(Queue& queue, Job job) : queue_(queue), job_(std::move(job)) {}
  JobContext(const JobContext&) = delete;
  JobContext& operator=(const JobContext&) = delete;

  const std::string& id() const { return job_.id; }
  const std::string& type() const { return job_.type; }
  int attempt() const { return job_.attempts; }  // 1 for the first attempt
  const std::string& payload() const { return job_.payload_json; }  // JSON text
  const std::optional<std::string>& org_id() const { return job_.org_id; }
  const Job& job() const { return job_; }

  // Records progress (clamped to 0..100) on the job row and refreshes cancelled(). Fails with
  // kFailedPrecondition when this worker no longer holds the lease (stop working then).
  Status SetProgress(int percent);
  // JSON stored as the job's result when the handler returns OK (default none).
  void SetResult(std::string result_json) { result_ = std::move(result_json); }
  const std::optional<std::string>& result() const { return result_; }

  // True once someone asked to cancel the job (Queue::Cancel, seen at the next heartbeat or
  // SetProgress), the lease was lost, or the worker is stopping. Long handlers poll it and return
  // a kCancelled status.
  bool cancelled() const {
    return cancel_.load(std::memory_order_acquire) || stopping() ||
           lease_lost_.load(std::memory_order_acquire);
  }
  // True when the worker is shutting down (the job is released to run again elsewhere if the
  // handler returns kCancelled).
  bool stopping() const { return stop_.load(std::memory_order_acquire); }

  // Worker side.
  void MarkCancelRequested() { cancel_.store(true, std::memory_order_release); }
  void MarkStopping() { stop_.store(true, std::memory_order_release); }
  void MarkLeaseLost() { lease_lost_.store(true, std::memory_order_release); }
  bool lease_lost() const { return lease_lost_.load(std::memory_order_acquire); }

 private:
  Queue& queue_;
  const Job job_;
  std::optional<std::string> result_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> lease_lost_{false};
};

using Handler = std::function<Status(JobContext&)>;

struct HandlerOptions {
  // Jobs of this type running at once across all workers on the database; 0 = unlimited.
  int max_concurrency = 0;
};

struct QueueOptions {
  std::chrono::microseconds lease = std::chrono::seconds(30);  // extended by heartbeats
  std::chrono::microseconds backoff_base = std::chrono::seconds(2);
  std::chrono::microseconds backoff_max = std::chrono::hours(1);
  uint64_t seed = 0;                     // jitter RNG seed; 0 = from std::random_device
  int64_t max_payload_bytes = 1 << 20;   // larger payloads/results are rejected
};

struct ListOptions {
  std::optional<JobState> state;
  std::optional<std::string> type;
  std::optional<std::string> org_id;  // only jobs of this org
  int limit = 50;                     // 1..200
  std::string cursor;                 // next_cursor of the previous page; "" = first page
};

struct JobPage {
  std::vector<Job> jobs;    // newest first
  std::string next_cursor;  // "" on the last page
};

class Queue {
 public:
  explicit Queue(storage::Store& store, const Clock& clock = SystemClock::Get(),
                 QueueOptions options = {});
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Registers the handler for `type`. A duplicate type is a programming error.
  void RegisterHandler(std::string type, Handler handler, HandlerOptions options = {});
  std::vector<std::string> HandlerTypes() const;
  std::optional<Handler> FindHandler(std::string_view type) const;

  // Adds a job in the caller's transaction. With a dedupe_key that already exists for the type,
  // adds nothing and returns the existing job's id with created = false. kInvalidArgument /
  // kValidationFailed for a bad spec.
  Result<EnqueueResult> Enqueue(storage::Txn& txn, const JobSpec& spec);
  // Same, in its own transaction.
  Result<EnqueueResult> Enqueue(const JobSpec& spec);

  // kNotFound for an unknown id.
  Result<Job> Get(std::string_view id);
  // kInvalidArgument for a bad limit or cursor.
  Result<JobPage> List(const ListOptions& options);

  // A queued job becomes cancelled at once; a running job gets cancel_requested (its handler sees
  // cancelled()) and becomes cancelled when the handler returns an error. Returns the state after
  // the call. kNotFound; kFailedPrecondition when the job already finished.
  Result<JobState> Cancel(std::string_view id);
  // Puts a failed, dead or cancelled job back in the queue with a fresh attempt budget.
  // kNotFound; kFailedPrecondition when it is queued, running or succeeded.
  Status Requeue(std::string_view id);
  // Progress of a claimed job (fenced by lease). Returns whether cancellation was requested.
  Result<bool> UpdateProgress(const Job& claimed, int percent);

  // Worker side. Claims the due job (run_at <= now) with the highest priority, oldest first, among
  // `types` (empty = every registered type), respecting per-type limits; the job comes back
  // running with attempts incremented, lease_owner = `owner` and a fresh lease. nullopt when none
  // is due.
  Result<std::optional<Job>> Claim(std::string_view owner, const std::vector<std::string>& types = {});
  // Extends the lease of a claimed job. Returns whether cancellation was requested;
  // kFailedPrecondition when the lease was lost.
  Result<bool> Heartbeat(const Job& claimed);
  // Marks a claimed job succeeded with an optional JSON result.
  Status Complete(const Job& claimed, const std::optional<std::string>& result_json);
  // Records a failed attempt (see the failure policy above); returns the job's new state.
  Result<JobState> Fail(const Job& claimed, const Status& error);
  // Gives a claimed job back without counting the attempt (graceful worker stop).
  Status Release(const Job& claimed);
  // Recovers running jobs whose lease expired; returns how many.
  Result<int> RecoverExpiredLeases();
  // Retention: deletes jobs in a terminal state (succeeded, failed, dead, cancelled) that finished
  // before `cutoff`, `batch` rows per transaction; returns how many. Queued and running jobs are
  // never touched. A deleted job's dedupe key no longer blocks a new job with the same key.
  Result<int64_t> DeleteFinishedBefore(Timestamp cutoff, int batch = 1000);

  // Recurring jobs. Upserts by name; a changed schedule recomputes next_run_at.
  Status ScheduleRecurring(const RecurringSpec& spec);
  Status RemoveRecurring(std::string_view name);
  Result<std::vector<RecurringJob>> ListRecurring();
  // Enqueues one job for every due schedule (dedupe key "recurring:<name>:<slot micros>", so two
  // schedulers racing on the same slot add one job) and advances each to its next slot after
  // now. Returns the number of jobs created.
  Result<int> EnqueueDueRecurring();

  // The jittered delay before attempt `failed_attempt + 1`.
  std::chrono::microseconds Backoff(int failed_attempt);
  // True when retrying cannot fix `error`.
  static bool IsPermanent(const Status& error);

  storage::Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  const QueueOptions& options() const { return options_; }

 private:
  struct Registered {
    Handler handler;
    HandlerOptions options;
  };
  Result<EnqueueResult> EnqueueImpl(storage::Txn& txn, const JobSpec& spec,
                                    const std::optional<std::string>& recurring_name);
  Result<std::optional<Job>> ClaimOnce(std::string_view owner,
                                       const std::vector<std::string>& types,
                                       std::string* at_capacity);
  int LimitFor(std::string_view type) const;

  storage::Store& store_;
  const Clock& clock_;
  const QueueOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Registered, std::less<>> handlers_;  // guarded by mu_
  std::mt19937_64 rng_;                                      // guarded by mu_
};

// Readiness for /health/ready: the jobs tables exist and answer. kUnavailable otherwise.
Status CheckQueue(storage::Store& store);

}  // namespace signx::jobs
