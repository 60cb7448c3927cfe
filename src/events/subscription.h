// Subscription: the handle returned by Dispatcher::Subscribe. Destroying it (or Reset) removes the
// subscriber; when that returns, the callback is not running and will not run again — except when
// called from inside a callback on the dispatcher thread, where it only prevents future calls.
//
// Thread-safety: a Subscription is a move-only handle owned by one thread at a time; it may
// outlive the Dispatcher (it then does nothing).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "events/event.h"

namespace signx::events {

using EventCallback = std::function<void(const Event&)>;

namespace internal {
class Hub;
}  // namespace internal

class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { Reset(); }

  // Unsubscribes now (idempotent).
  void Reset();
  bool active() const { return id_ != 0; }

 private:
  friend class internal::Hub;
  Subscription(std::weak_ptr<internal::Hub> hub, uint64_t id) : hub_(std::move(hub)), id_(id) {}

  std::weak_ptr<internal::Hub> hub_;
  uint64_t id_ = 0;
};

namespace internal {

// The subscriber registry of one Dispatcher; shared so handles can outlive it. Thread-safe.
class Hub : public std::enable_shared_from_this<Hub> {
 public:
  Subscription Add(EventFilter filter, EventCallback callback);
  void Remove(uint64_t id);
  // Calls every matching subscriber for each event, in order, on the calling thread. A callback
  // that throws is logged and skipped.
  void Deliver(const std::vector<Event>& events);

 private:
  struct Entry;
  std::mutex mu_;
  uint64_t next_id_ = 1;                         // guarded by mu_
  std::vector<std::shared_ptr<Entry>> entries_;  // guarded by mu_
  std::atomic<std::thread::id> delivering_{};
};

}  // namespace internal
}  // namespace signx::events
