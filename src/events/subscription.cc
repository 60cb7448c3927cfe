#include "events/subscription.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace signx::events {

Subscription::Subscription(Subscription&& other) noexcept
    : hub_(std::move(other.hub_)), id_(std::exchange(other.id_, 0)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    hub_ = std::move(other.hub_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Subscription::Reset() {
  if (id_ == 0) return;
  if (auto hub = hub_.lock()) hub->Remove(id_);
  hub_.reset();
  id_ = 0;
}

namespace internal {

struct Hub::Entry {
  uint64_t id;
  EventFilter filter;
  EventCallback callback;
  std::mutex call_mu;  // held while the callback runs
  std::atomic<bool> active{true};
};

Subscription Hub::Add(EventFilter filter, EventCallback callback) {
  auto e = std::make_shared<Entry>();
  e->filter = std::move(filter);
  e->callback = std::move(callback);
  std::lock_guard lock(mu_);
  e->id = next_id_++;
  entries_.push_back(e);
  return Subscription(weak_from_this(), e->id);
}

void Hub::Remove(uint64_t id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e->id == id; });
    if (it == entries_.end()) return;
    entry = *it;
    entries_.erase(it);
  }
  entry->active = false;
  // Wait for a call in flight, unless we are that call's thread (unsubscribing from a callback).
  if (delivering_.load() != std::this_thread::get_id()) {
    std::lock_guard wait(entry->call_mu);
  }
}

void Hub::Deliver(const std::vector<Event>& events) {
  if (events.empty()) return;
  std::vector<std::shared_ptr<Entry>> snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot = entries_;
  }
  delivering_ = std::this_thread::get_id();
  for (const Event& ev : events) {
    for (const auto& entry : snapshot) {
      if (!entry->active.load() || !entry->filter.Matches(ev)) continue;
      std::lock_guard call(entry->call_mu);
      if (!entry->active.load()) continue;
      try {
        entry->callback(ev);
      } catch (const std::exception& ex) {
        spdlog::error("events: subscriber threw on {} ({}): {}", ev.id, ev.type, ex.what());
      }
    }
  }
  delivering_ = std::thread::id();
}

}  // namespace internal
}  // namespace signx::events
