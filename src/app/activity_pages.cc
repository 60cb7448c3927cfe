#include "app/activity_pages.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "events/outbox.h"
#include "events/sse.h"
#include "identity/scope.h"
#include "web/views.h"

namespace signx::app {

using web::FormatWhen;
using web::Humanize;
using web::Page;
using web::PageContext;
using web::ServiceErrorPage;
using web::View;
using web::ViewList;

namespace {

constexpr int kRecentEvents = 15;

class FeedBody final : public http::StreamBody {
 public:
  explicit FeedBody(std::unique_ptr<events::SseFeed> feed) : feed_(std::move(feed)) {}
  // The feed names each message after its event type (`event: quote.created`); a browser's
  // EventSource only delivers unnamed messages to onmessage, so the names are dropped here (the
  // type is in the JSON data too).
  std::optional<std::string> Poll() override {
    auto bytes = feed_->Poll();
    if (!bytes || bytes->find("event: ") == std::string::npos) return bytes;
    std::string out;
    out.reserve(bytes->size());
    std::size_t pos = 0;
    while (pos < bytes->size()) {
      std::size_t eol = bytes->find('\n', pos);
      const std::size_t end = eol == std::string::npos ? bytes->size() : eol + 1;
      if (bytes->compare(pos, 7, "event: ") != 0) out.append(*bytes, pos, end - pos);
      pos = end;
    }
    return out;
  }

 private:
  std::unique_ptr<events::SseFeed> feed_;
};

// "quote.created" → "Quote created".
std::string EventTitle(std::string_view type) {
  std::string out(type);
  std::replace(out.begin(), out.end(), '.', ' ');
  return Humanize(out);
}

Page ActivityPage(PageContext& ctx, storage::Store& store, bool live) {
  View v(View::type::object);
  events::EventFilter filter;
  filter.org_id = identity::OrgFilter(ctx.who());
  auto last = events::LastPosition(store);
  if (!last.ok()) return ServiceErrorPage(last.status(), "Reading recent activity", ctx.request.request_id);
  // The newest events of this org among the last 1000 positions.
  std::vector<events::Event> recent;
  int64_t after = std::max<int64_t>(0, *last - 1000);
  while (true) {
    auto batch = events::ReadSince(store, {.after_position = after, .filter = filter, .limit = 1000});
    if (!batch.ok()) return ServiceErrorPage(batch.status(), "Reading recent activity", ctx.request.request_id);
    for (auto& e : *batch) recent.push_back(std::move(e));
    if (recent.size() > static_cast<std::size_t>(kRecentEvents)) {
      recent.erase(recent.begin(), recent.end() - kRecentEvents);
    }
    if (batch->size() < 1000) break;
    after = batch->back().position;
  }
  ViewList items;
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
    View o(View::type::object);
    o.set("type", it->type);
    o.set("title", EventTitle(it->type));
    o.set("subject", it->subject_id);
    o.set("when", FormatWhen(it->created_at));
    items.push_back(o);
  }
  v.set("events", items);
  v.set("has_events", !items.empty());
  v.set("live", live);
  v.set("stream_url", fmt::format("/activity/stream?last_event_id={}", *last));
  return Page::Render("Activity", "activity", std::move(v));
}

}  // namespace

void AddActivityPages(web::Shell& shell, storage::Store& store, events::Dispatcher* dispatcher,
                      events::SseStreamLimits* streams) {
  shell.templates().AddEmbedded(EmbeddedTemplates());
  shell.AddSection({.label = "Activity",
                    .href = "/activity",
                    .permission = "events:read",
                    .description = "What happened in your organisation, live"});
  shell.AddPage("GET", "/activity",
                {.summary = "Recent activity", .permission = "events:read", .section = "/activity"},
                [&store, dispatcher](PageContext& ctx) {
                  return ActivityPage(ctx, store, dispatcher != nullptr);
                });
  if (dispatcher == nullptr) return;
  shell.AddPage(
      "GET", "/activity/stream",
      {.summary = "The organisation's events as server-sent events (session cookie)",
       .permission = "events:read",
       .section = "/activity"},
      [&store, dispatcher, streams](PageContext& ctx) {
        events::EventFilter filter;
        filter.org_id = identity::OrgFilter(ctx.who());
        auto header = ctx.request.Header("Last-Event-ID");
        auto last = events::ParseLastEventId(header ? header : ctx.request.Query("last_event_id"));
        events::SseOptions options{.limits = streams,
                                   .owner = ctx.who().kind + ":" + ctx.who().subject_id};
        auto feed = events::SseFeed::Open(store, *dispatcher, std::move(filter), last, options);
        if (!feed.ok() && feed.status().code() == ErrorCode::kRateLimited) {
          return Page::Error(429, "Too many live feeds", std::string(feed.status().message()));
        }
        if (!feed.ok()) return ServiceErrorPage(feed.status(), "Opening the live feed", ctx.request.request_id);
        http::Response r;
        r.status = 200;
        r.content_type = "text/event-stream";
        r.headers.Set("Cache-Control", "no-store");
        r.stream = std::make_shared<FeedBody>(std::move(feed).value());
        return Page::Raw(std::move(r));
      });
}

}  // namespace signx::app
