// Dispatcher: moves committed outbox events to subscribers, on every replica.
//
// Two duties on one background thread:
//   * Sequencing. Takes undispatched events in append order, gives each the next gap-free
//     `position`, stamps dispatched_at/dispatched_by and commits — one replica at a time
//     (PostgreSQL: the event_dispatch_state row is locked FOR UPDATE SKIP LOCKED, so a replica
//     that finds it locked skips the round; SQLite: the write transaction). Each event is
//     sequenced exactly once overall. After the commit it is published to the Redis channel
//     (when configured) as {"origin": "<replica id>", "event": EventToJson(e)}.
//   * Delivery. Calls local subscribers with every event in position order, each exactly once
//     per Dispatcher, starting after the position current at Start(). Events come from this
//     replica's own sequencing, from Redis messages of other replicas (own-origin messages are
//     ignored), and from the database (`position > last delivered`) on every poll, after a Redis
//     reconnect and whenever a gap shows up — so a lost Redis message or a replica crash between
//     commit and publish only delays delivery until the next poll. Without Redis, other replicas'
//     events arrive within one poll interval.
// Delivery is at-least-once across restarts (a consumer that persists the last position it
// handled and passes it as start_after_position gets every event after it) and exactly-once
// within one Dispatcher's life; consumers dedupe by position.
//
// Every replica delivers every event to its own subscribers. A subscriber with side effects that
// must happen once per event (webhooks, e-mail) should enqueue a job keyed by the event id.
//
// Wake-ups: Notify() (Outbox::Notify after a commit), a Redis message, or the poll interval.
//
// Thread-safety: all methods are thread-safe. Callbacks run on the dispatcher thread, one event at
// a time and in position order; they must not block for long and must not call Stop(). The Store,
// Registry and Clock must outlive the Dispatcher. Ownership: App owns it; Stop() before the Store
// goes away (the destructor stops too).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "cache/redis_client.h"
#include "events/event.h"
#include "events/event_stream.h"
#include "events/subscription.h"
#include "metrics/metrics.h"
#include "storage/store.h"

namespace signx::events {

namespace internal {
class RedisSubscriber;
}  // namespace internal

inline constexpr const char* kRedisChannel = "signx.events";

struct DispatcherOptions {
  // Identifies this replica in dispatched_by and Redis messages; empty = a new "rep_..." id.
  std::string replica_id;
  // Longest wait between rounds when nothing pokes the dispatcher.
  std::chrono::milliseconds poll_interval{1000};
  // Events sequenced per transaction and read per catch-up query.
  int batch_size = 100;
  // redis://...; empty = no Redis (single replica, or replicas that rely on polling).
  std::string redis_url;
  std::string redis_channel = kRedisChannel;
  // Most Redis messages queued for the dispatcher thread; beyond it they are dropped and the
  // events read from the database instead.
  std::size_t redis_inbox_capacity = 10000;
  // Deliver events after this position; unset = after the last position at Start() (live only).
  std::optional<int64_t> start_after_position;
};

struct DispatcherStats {
  int64_t sequenced = 0;          // events this replica dispatched (gave a position)
  int64_t delivered_through = 0;  // last position handed to local subscribers
  int64_t published = 0;          // Redis messages published
  int64_t publish_errors = 0;
  int64_t redis_received = 0;     // messages from other replicas
  int64_t db_catch_up_reads = 0;  // events read back from the database for delivery
};

class Dispatcher {
 public:
  // `metrics` may be null; otherwise registers (once per registry)
  // signx_events_dispatched_total{type}, signx_events_dispatch_lag_seconds,
  // signx_events_redis_publish_errors_total.
  Dispatcher(storage::Store& store, DispatcherOptions options, metrics::Registry* metrics = nullptr,
             const Clock& clock = SystemClock::Get());
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Connects Redis (publisher and subscriber; kUnavailable when unreachable), fixes the start
  // position and starts the thread, which sequences pending events at once.
  Status Start();
  // Stops the thread and the Redis subscriber. Idempotent and final (no restart). Undelivered
  // events stay in the database.
  void Stop();

  // Wakes the thread for a round now. Cheap; call after committing appended events.
  void Notify();

  // Calls `callback` with every delivered event that matches `filter` until the handle dies.
  Subscription Subscribe(EventFilter filter, EventCallback callback);
  Subscription Subscribe(std::string type_prefix, EventCallback callback);

  // A bounded buffer for one SSE client (see event_stream.h).
  std::unique_ptr<EventStream> OpenStream(StreamOptions options);

  // One synchronous round on the calling thread (sequence everything pending, deliver Redis
  // messages, catch up from the database). For tests and CLI tools; only before Start().
  Status RunOnce();

  const std::string& replica_id() const { return options_.replica_id; }
  DispatcherStats Stats() const;

 private:
  Status Init();
  void Loop();
  // Sequences and delivers until nothing is pending (or the round is another replica's).
  Status SequencePending();
  Result<std::vector<Event>> SequenceBatch();
  void Publish(const std::vector<Event>& events);
  // Delivers `events` (position order, possibly overlapping or ahead of what was delivered).
  Status DeliverInOrder(const std::vector<Event>& events);
  // Delivers everything in the database after the last delivered position.
  Status CatchUp();
  void UpdateLag();
  void OnRedisMessage(std::string_view message);
  void OnRedisSubscribed();

  storage::Store& store_;
  DispatcherOptions options_;
  const Clock& clock_;
  std::shared_ptr<internal::Hub> hub_;

  metrics::Family<metrics::Counter>* dispatched_ = nullptr;
  metrics::Gauge* lag_ = nullptr;
  metrics::Counter* publish_errors_metric_ = nullptr;

  std::shared_ptr<cache::RedisClient> redis_;
  std::unique_ptr<internal::RedisSubscriber> subscriber_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                // guarded by mu_
  bool notified_ = false;            // guarded by mu_
  bool catch_up_requested_ = false;  // guarded by mu_
  std::deque<Event> inbox_;          // guarded by mu_; from Redis
  bool initialized_ = false;         // guarded by mu_
  bool contended_ = false;           // guarded by mu_; the last round found the state row locked
  std::thread thread_;

  // Touched only by the delivering thread (the loop, or RunOnce's caller).
  int64_t delivered_ = 0;

  std::atomic<int64_t> sequenced_{0}, delivered_through_{0}, published_{0}, publish_errors_{0},
      redis_received_{0}, db_reads_{0};
};

}  // namespace signx::events
