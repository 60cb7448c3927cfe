#include "events/sse.h"

#include <fmt/format.h>

#include <charconv>

#include "events/outbox.h"

namespace signx::events {

std::string FormatSseEvent(const Event& e) {
  // EventToJson has no raw newlines (JSON escapes them), so one data line suffices.
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.position, e.type, EventToJson(e));
}

std::optional<int64_t> ParseLastEventId(std::optional<std::string_view> value) {
  if (!value || value->empty()) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), v);
  if (ec != std::errc() || end != value->data() + value->size() || v < 0) return std::nullopt;
  return v;
}

SseStreamLimits::Slot::~Slot() {
  if (limits_ != nullptr) limits_->Release(owner_);
}

Result<SseStreamLimits::Slot> SseStreamLimits::Acquire(std::string owner) {
  std::lock_guard lock(mu_);
  int& n = open_[owner];
  if (per_principal_ > 0 && n >= per_principal_) {
    if (n == 0) open_.erase(owner);
    return Status(ErrorCode::kRateLimited,
                  fmt::format("too many open event streams: {} per user or API key; close one "
                              "(another tab or client) before opening another",
                              per_principal_));
  }
  ++n;
  ++total_;
  return Slot(this, std::move(owner));
}

void SseStreamLimits::Release(const std::string& owner) {
  std::lock_guard lock(mu_);
  auto it = open_.find(owner);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
  --total_;
}

int SseStreamLimits::open(std::string_view owner) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(owner);
  return it == open_.end() ? 0 : it->second;
}

int64_t SseStreamLimits::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

Result<std::unique_ptr<SseFeed>> SseFeed::Open(storage::Store& store, Dispatcher& dispatcher,
                                               EventFilter filter,
                                               std::optional<int64_t> last_event_id,
                                               SseOptions options) {
  std::optional<SseStreamLimits::Slot> slot;
  if (options.limits != nullptr) {
    SIGNX_ASSIGN_OR_RETURN(SseStreamLimits::Slot held, options.limits->Acquire(options.owner));
    slot.emplace(std::move(held));
  }
  // The stream first: whatever is delivered from now on is buffered; whatever was delivered
  // before is committed and therefore in the backlog query below.
  std::unique_ptr<EventStream> stream =
      dispatcher.OpenStream({.filter = filter, .capacity = options.buffer_capacity});
  const std::string retry = fmt::format("retry: {}\n\n", options.retry.count());
  const std::size_t max_backlog = options.max_backlog;
  std::unique_ptr<SseFeed> feed(
      new SseFeed(std::move(stream), std::move(options), std::move(slot)));
  feed->pending_ = retry;
  if (!last_event_id) {
    SIGNX_ASSIGN_OR_RETURN(int64_t last, LastPosition(store));
    feed->stream_->AdvanceTo(last);
    return feed;
  }
  int64_t after = *last_event_id;
  std::size_t sent = 0;
  const int page_size = 200;
  while (true) {
    const std::size_t room = max_backlog - sent;
    if (room == 0) {
      feed->ending_ = true;  // more backlog than one feed sends: resume from `after`
      break;
    }
    SIGNX_ASSIGN_OR_RETURN(
        std::vector<Event> page,
        ReadSince(store, {.after_position = after,
                          .filter = filter,
                          .limit = static_cast<int>(std::min<std::size_t>(room, page_size))}));
    for (const Event& e : page) feed->pending_ += FormatSseEvent(e);
    sent += page.size();
    if (!page.empty()) after = page.back().position;
    if (page.size() < std::min<std::size_t>(room, page_size)) break;
  }
  feed->stream_->AdvanceTo(after);
  return feed;
}

std::optional<std::string> SseFeed::Poll() {
  if (ended_) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  std::string out = std::move(pending_);
  pending_.clear();
  if (ending_) {
    ended_ = true;
    return out;  // the backlog's last page; the client resumes after it
  }
  StreamBatch batch = stream_->Poll();
  if (batch.overflowed) {
    // Events were dropped for this slow client: end here; it resumes from the last id it got.
    // Events buffered after the drop are not sent, so the ids the client saw stay contiguous.
    ended_ = true;
    return out;
  }
  for (const Event& e : batch.events) out += FormatSseEvent(e);
  if (out.empty() && now - last_write_ >= options_.heartbeat) out = ": ping\n\n";
  if (!out.empty()) last_write_ = now;
  return out;
}

}  // namespace signx::events
