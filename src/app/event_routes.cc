#include "app/event_routes.h"

#include "base/strings.h"
#include "events/sse.h"
#include "http/handler.h"
#include "http/json.h"
#include "identity/scope.h"

namespace signx::app {
namespace {

class SseBody final : public http::StreamBody {
 public:
  explicit SseBody(std::unique_ptr<events::SseFeed> feed) : feed_(std::move(feed)) {}
  std::optional<std::string> Poll() override { return feed_->Poll(); }

 private:
  std::unique_ptr<events::SseFeed> feed_;
};

}  // namespace

void AddEventRoutes(http::Router& router, storage::Store& store, events::Dispatcher& dispatcher,
                    events::SseStreamLimits* streams) {
  router.Add(
      "GET", "/v1/events/stream",
      {.summary = "Live domain events as server-sent events (text/event-stream)",
       .description = "Each message has `id` (the event position: send it back as Last-Event-ID "
                      "to resume), `event` (the type) and `data` (the event as JSON). The stream "
                      "ends after a long backlog or when the client falls behind; reconnect with "
                      "Last-Event-ID to continue without gaps.",
       .tags = {"events"},
       .permission = "events:read",
       .response_content_type = "text/event-stream",
       .query_params = {{.name = "types",
                         .description = "comma-separated type prefixes, e.g. project.,job."},
                        {.name = "last_event_id",
                         .type = "integer",
                         .description = "resume after this position (same as Last-Event-ID)"}}},
      http::Handle([&store, &dispatcher, streams](http::Request& req) -> Result<http::Response> {
        events::EventFilter filter;
        if (auto types = req.Query("types")) {
          for (auto t : Split(*types, ',')) {
            if (!Trim(t).empty()) filter.type_prefixes.emplace_back(Trim(t));
          }
        }
        // Tenant scope: a principal sees its own org only (super_admin sees all).
        if (req.principal) filter.org_id = identity::OrgFilter(*req.principal);
        auto header = req.Header("Last-Event-ID");
        auto raw = header ? header : req.Query("last_event_id");
        auto last = events::ParseLastEventId(raw);
        if (raw && !Trim(*raw).empty() && !last) {
          return ValidationFailed({{"last_event_id", "must be a non-negative integer"}});
        }
        events::SseOptions options{.limits = req.principal ? streams : nullptr};
        if (req.principal) options.owner = req.principal->kind + ":" + req.principal->subject_id;
        SIGNX_ASSIGN_OR_RETURN(
            auto feed, events::SseFeed::Open(store, dispatcher, std::move(filter), last, options));
        http::Response r;
        r.content_type = "text/event-stream";
        r.stream = std::make_shared<SseBody>(std::move(feed));
        return r;
      }));
}

}  // namespace signx::app
