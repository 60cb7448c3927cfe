// EventStream: one live consumer's bounded buffer of events — what a server-sent-events
// connection reads from. Made by Dispatcher::OpenStream.
//
// Resume without gaps or duplicates (Last-Event-ID = L, or L = LastPosition() for live only):
//   1. stream = dispatcher.OpenStream({.filter = f});   // buffering starts now
//   2. page through ReadSince(store, {L, f}) sending each event, then stream->AdvanceTo(last sent)
//   3. loop: batch = stream->Poll() (or Wait); send batch.events; when batch.overflowed, go back
//      to step 2 from stream->last_position() (or close and let the client reconnect).
// Poll never returns an event at or before last_position(), so the overlap between backlog and
// buffer is dropped. Positions are the SSE ids.
//
// Overflow: when the buffer holds `capacity` events and another arrives, the buffer is cleared
// and the next Poll reports `overflowed` once (the dropped events are in the database).
//
// Thread-safety: thread-safe. Events are pushed on the dispatcher thread; Poll/Wait may run on any
// thread. The ready callback runs on the dispatcher thread: keep it short and non-blocking (post
// to the connection's executor) and never destroy the stream from it.
// Ownership: the consumer owns the stream; destroying it unsubscribes (safe after the Dispatcher
// is gone).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "events/event.h"
#include "events/subscription.h"

namespace signx::events {

struct StreamOptions {
  EventFilter filter;
  std::size_t capacity = 1000;  // most buffered events before overflow
};

struct StreamBatch {
  std::vector<Event> events;  // position order, all after the previous last_position()
  bool overflowed = false;    // events were dropped since the last Poll: read them with ReadSince
};

class EventStream {
 public:
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Takes up to `max_events` buffered events without blocking.
  StreamBatch Poll(std::size_t max_events = 256);
  // Like Poll, but waits up to `timeout` for an event or an overflow (use it for SSE keep-alive
  // comments on a blocking thread).
  StreamBatch Wait(std::chrono::milliseconds timeout, std::size_t max_events = 256);

  // Called (on the dispatcher thread) whenever the buffer goes from empty to non-empty or
  // overflows. Replaces the previous callback.
  void SetReadyCallback(std::function<void()> ready);

  // Marks events up to `position` as sent (after the ReadSince backlog).
  void AdvanceTo(int64_t position);
  // The last position returned by Poll/Wait or passed to AdvanceTo.
  int64_t last_position() const;
  const EventFilter& filter() const { return options_.filter; }

 private:
  friend class Dispatcher;
  explicit EventStream(StreamOptions options);
  void Push(const Event& e);
  StreamBatch TakeLocked(std::size_t max_events);  // requires mu_

  const StreamOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> buffer_;     // guarded by mu_
  bool overflowed_ = false;      // guarded by mu_
  int64_t last_position_ = 0;    // guarded by mu_
  std::function<void()> ready_;  // guarded by mu_
  Subscription subscription_;    // set once by Dispatcher::OpenStream
};

}  // namespace signx::events
