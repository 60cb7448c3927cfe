#include "events/event_stream.h"

#include <algorithm>

namespace signx::events {

EventStream::EventStream(StreamOptions options) : options_(std::move(options)) {}

EventStream::~EventStream() { subscription_.Reset(); }  // before the members the callback uses

void EventStream::Push(const Event& e) {
  std::function<void()> ready;
  {
    std::lock_guard lock(mu_);
    if (e.position <= last_position_) return;
    const bool was_empty = buffer_.empty();
    if (buffer_.size() >= std::max<std::size_t>(options_.capacity, 1)) {
      buffer_.clear();
      overflowed_ = true;
    }
    buffer_.push_back(e);
    if (was_empty || overflowed_) ready = ready_;
  }
  cv_.notify_all();
  if (ready) ready();
}

StreamBatch EventStream::TakeLocked(std::size_t max_events) {
  StreamBatch out;
  out.overflowed = std::exchange(overflowed_, false);
  while (!buffer_.empty() && out.events.size() < max_events) {
    Event e = std::move(buffer_.front());
    buffer_.pop_front();
    if (e.position <= last_position_) continue;
    last_position_ = e.position;
    out.events.push_back(std::move(e));
  }
  return out;
}

StreamBatch EventStream::Poll(std::size_t max_events) {
  std::lock_guard lock(mu_);
  return TakeLocked(max_events);
}

StreamBatch EventStream::Wait(std::chrono::milliseconds timeout, std::size_t max_events) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !buffer_.empty() || overflowed_; });
  return TakeLocked(max_events);
}

void EventStream::SetReadyCallback(std::function<void()> ready) {
  std::lock_guard lock(mu_);
  ready_ = std::move(ready);
}

void EventStream::AdvanceTo(int64_t position) {
  std::lock_guard lock(mu_);
  last_position_ = std::max(last_position_, position);
}

int64_t EventStream::last_position() const {
  std::lock_guard lock(mu_);
  return last_position_;
}

}  // namespace signx::events
