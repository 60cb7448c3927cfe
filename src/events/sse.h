// Server-sent events for one client: the backlog after Last-Event-ID from the database, then live
// events from a Dispatcher, as text/event-stream bytes. The HTTP endpoint wraps it in an
// http::StreamBody (Poll → Poll).
//
//   // in a blocking handler (Open reads the database):
//   SIGNX_ASSIGN_OR_RETURN(auto feed, events::SseFeed::Open(store, dispatcher, filter, last_id));
//   // then, on the connection's strand, repeatedly:
//   std::optional<std::string> bytes = feed->Poll();  // "" = nothing yet; nullopt = end
//
// Each event is sent as "id: <position>\nevent: <type>\ndata: <EventToJson>\n\n". The feed ends
// (Poll returns nullopt once its remaining bytes are sent) when the live buffer overflowed or the
// backlog was longer than max_backlog; the browser's EventSource then reconnects with
// Last-Event-ID and the next feed resumes exactly there — no gaps, no duplicates.
//
// Thread-safety: Open blocks (database); Poll never blocks and must be called from one thread at a
// time. Ownership: the feed owns its EventStream; it may outlive the Dispatcher (it then ends at
// the next overflow or stays idle — close it on shutdown).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "events/dispatcher.h"
#include "events/event.h"
#include "events/event_stream.h"
#include "storage/store.h"

namespace signx::events {

// One SSE message for `e`.
std::string FormatSseEvent(const Event& e);

// The Last-Event-ID header (or a ?last_event_id= query value): a non-negative position. nullopt
// when absent or not a number (the client then starts live).
std::optional<int64_t> ParseLastEventId(std::optional<std::string_view> value);

// Counts the open feeds of each principal and refuses one more than `per_principal` (a client
// that opens streams in a loop, or a page left open in many tabs, cannot hold unbounded
// connections and dispatcher buffers). Per process: N replicas allow N times the cap.
// Thread-safety: thread-safe. Ownership: must outlive every feed that holds one of its slots.
class SseStreamLimits {
 public:
  // 0 = unlimited (streams are still counted).
  explicit SseStreamLimits(int per_principal) : per_principal_(per_principal) {}

  // A held stream; releases its count when destroyed.
  class Slot {
   public:
    Slot(SseStreamLimits* limits, std::string owner) : limits_(limits), owner_(std::move(owner)) {}
    Slot(Slot&& other) noexcept
        : limits_(std::exchange(other.limits_, nullptr)), owner_(std::move(other.owner_)) {}
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    SseStreamLimits* limits_;
    std::string owner_;
  };

  // Takes a slot for `owner` (e.g. "user:usr_1"); kRateLimited naming the cap when it already
  // holds per_principal streams.
  Result<Slot> Acquire(std::string owner);

  int per_principal() const { return per_principal_; }
  int open(std::string_view owner) const;  // streams `owner` holds now
  int64_t total() const;                   // streams held by everyone

 private:
  void Release(const std::string& owner);

  const int per_principal_;
  mutable std::mutex mu_;
  std::map<std::string, int, std::less<>> open_;  // guarded by mu_; no zero entries
  int64_t total_ = 0;                             // guarded by mu_
};

struct SseOptions {
  std::size_t buffer_capacity = 1000;  // live events held for a slow client before it must resume
  std::size_t max_backlog = 1000;      // backlog events sent by one feed before it ends
  std::chrono::seconds heartbeat{15};  // ": ping" comment after this much silence
  std::chrono::milliseconds retry{3000};  // the client's reconnect delay ("retry:" field)
  SseStreamLimits* limits = nullptr;      // counts and caps this feed under `owner` (null = no cap)
  std::string owner;                      // the principal, e.g. "user:usr_1"
};

class SseFeed {
 public:
  // Opens the live stream, then reads the backlog after `last_event_id` (unset = live only,
  // starting after the current last position). Blocking. kRateLimited when `options.limits`
  // refuses one more stream for `options.owner`; the slot is held until the feed is destroyed.
  static Result<std::unique_ptr<SseFeed>> Open(storage::Store& store, Dispatcher& dispatcher,
                                               EventFilter filter,
                                               std::optional<int64_t> last_event_id,
                                               SseOptions options = {});

  // Bytes to write now ("" when nothing is ready), or nullopt when the feed has ended.
  std::optional<std::string> Poll();

  int64_t last_position() const { return stream_->last_position(); }

 private:
  SseFeed(std::unique_ptr<EventStream> stream, SseOptions options,
          std::optional<SseStreamLimits::Slot> slot)
      : slot_(std::move(slot)), stream_(std::move(stream)), options_(std::move(options)) {}

  std::optional<SseStreamLimits::Slot> slot_;  // released last
  std::unique_ptr<EventStream> stream_;
  SseOptions options_;
  std::string pending_;  // backlog text not yet returned
  bool ending_ = false;  // end after pending_ is sent
  bool ended_ = false;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
};

}  // namespace signx::events
