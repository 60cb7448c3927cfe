// The transactional outbox: append events in the caller's transaction, read the dispatched log,
// delete old dispatched events.
//
//   store.WithTxn([&](storage::Txn& txn) -> Status {
//     SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE projects SET state = $1 WHERE id = $2",
//     ...).status()); return outbox.Append(txn, {"project.approved", org_id, project_id,
//     payload}).status();
//   });
//   outbox.Notify();  // after the commit: wakes the dispatcher now instead of at its next poll
//
// An appended event commits or rolls back with the transaction. Events of one subject are
// delivered in commit order when the transaction writes the subject's row before appending (the
// row lock orders concurrent writers), which is what domain code does anyway.
//
// Thread-safety: Outbox is thread-safe. It does not own the Store or Clock; both must outlive it.
// Ownership: App owns one Outbox and hands `Outbox&` to the services that append.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "events/event.h"
#include "metrics/metrics.h"
#include "storage/store.h"

namespace signx::events {

class Outbox {
 public:
  // `metrics` may be null; otherwise registers signx_events_appended_total{type} (once per
  // registry).
  explicit Outbox(metrics::Registry* metrics = nullptr, const Clock& clock = SystemClock::Get());
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Inserts the event in `txn`; returns its id ("evt_..."). kValidationFailed for a bad spec.
  // The appended counter counts calls, including ones whose transaction later rolls back.
  Result<std::string> Append(storage::Txn& txn, const EventSpec& spec);

  // Pokes the dispatcher (see SetNotifier). Call after the transaction committed. Cheap.
  void Notify();
  // What Notify calls; App sets it to the Dispatcher's Notify. Empty = nothing.
  void SetNotifier(std::function<void()> notifier);

 private:
  const Clock& clock_;
  metrics::Family<metrics::Counter>* appended_ = nullptr;
  std::mutex mu_;
  std::function<void()> notifier_;  // guarded by mu_
};

struct ReadOptions {
  int64_t after_position = 0;  // exclusive: the Last-Event-ID the client saw; 0 = from the start
  EventFilter filter;
  int limit = 100;  // clamped to [1, 1000]
};

// Dispatched events after `after_position` that match the filter, in position order. Pages: call
// again with the last returned position until fewer than `limit` come back. Only dispatched
// events are visible (they have a position); the backlog a client missed is exactly this.
Result<std::vector<Event>> ReadSince(storage::Store& store, const ReadOptions& options);

// The last position handed out (0 when nothing was dispatched yet): where a new live-only
// consumer starts.
Result<int64_t> LastPosition(storage::Store& store);

// Age of the oldest undispatched event (zero when none): the dispatch lag.
Result<std::chrono::microseconds> OldestUndispatchedAge(storage::Store& store,
                                                        const Clock& clock = SystemClock::Get());

// Retention: deletes events dispatched before now - `older_than`, in batches of `batch_size`
// rows per transaction; returns how many were deleted. Undispatched events are never deleted.
// Meant to run as a daily job.
Result<int64_t> DeleteDispatchedOlderThan(storage::Store& store, std::chrono::hours older_than,
                                          const Clock& clock = SystemClock::Get(),
                                          int batch_size = 1000);

namespace internal {
// Column list and row decoding shared with the dispatcher.
inline constexpr const char* kEventColumns =
    "position, seq, id, type, org_id, subject_id, payload, created_at";
Event EventFromRow(const storage::Row& row);
}  // namespace internal

}  // namespace signx::events
