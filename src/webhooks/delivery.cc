#include "webhooks/delivery.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/id.h"
#include "events/outbox.h"
#include "webhooks/service.h"

namespace signx::webhooks {
namespace json = boost::json;
namespace {

struct Target {
  std::string org_id;
  std::string state;
  std::string event_type;
  std::string body;
  std::optional<std::string> endpoint_id;  // nullopt: the endpoint was deleted
  std::string url;
  bool active = false;
  std::string secret;
  std::optional<std::string> previous_secret;
  std::optional<Timestamp> previous_expires_at;
};

struct Outcome {
  std::optional<int> status_code;
  std::optional<std::string> error;  // nullopt = success
  std::optional<std::string> excerpt;
  int64_t duration_ms = 0;
};

}  // namespace

Deliverer::Deliverer(storage::Store& store, WebhookSettings settings, const Clock& clock)
    : store_(store), settings_(std::move(settings)), clock_(clock), client_(settings_.client) {}

Status Deliverer::Attempt(std::string_view delivery_id, int attempt, int max_attempts,
                          std::string_view job_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, store_.WithTxnResult<std::optional<storage::Row>>(
                    [&](storage::Txn& txn) {
                      return txn.QueryOne(
                          "SELECT d.org_id, d.state, d.event_type, d.body, e.id, e.url, e.active, "
                          "e.secret, e.previous_secret, e.previous_secret_expires_at "
                          "FROM webhook_deliveries d LEFT JOIN webhook_endpoints e "
                          "ON e.id = d.endpoint_id AND e.org_id = d.org_id WHERE d.id = $1",
                          {delivery_id});
                    },
                    {.read_only = true}));
  if (!row) return NotFound(fmt::format("webhook delivery {} does not exist", delivery_id));
  Target t;
  t.org_id = row->Text(0);
  t.state = row->Text(1);
  t.event_type = row->Text(2);
  t.body = row->Text(3);
  t.endpoint_id = row->OptText(4);
  if (t.endpoint_id) {
    t.url = row->Text(5);
    t.active = row->Bool(6);
    t.secret = row->Text(7);
    t.previous_secret = row->OptText(8);
    t.previous_expires_at = row->OptTime(9);
  }
  if (t.state == "succeeded" || t.state == "dead") return Status::Ok();  // a re-run: done already

  const Timestamp now = clock_.Now();
  if (!t.endpoint_id || !t.active) {
    const std::string why = t.endpoint_id ? "the webhook is disabled" : "the webhook was deleted";
    SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
      return txn
          .Exec(
              "UPDATE webhook_deliveries SET state = 'dead', last_error = $1, updated_at = $2, "
              "completed_at = $2 WHERE id = $3 AND state IN ('pending', 'failed')",
              {why, now, delivery_id})
          .status();
    }));
    return NotFound(fmt::format("webhook delivery {}: {}", delivery_id, why));
  }

  std::vector<std::string> secrets{t.secret};
  if (t.previous_secret && t.previous_expires_at && *t.previous_expires_at > now) {
    secrets.push_back(*t.previous_secret);
  }
  const int64_t unix_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  http::ClientRequest request;
  request.method = "POST";
  request.url = t.url;
  request.timeout = settings_.timeout;
  request.body = t.body;
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Signature", SignatureHeader(unix_seconds, t.body, secrets)},
                     {"X-SignX-Event", t.event_type},
                     {"X-SignX-Delivery", std::string(delivery_id)}};

  Outcome out;
  const auto started = clock_.Monotonic();
  auto response = client_.Send(request);
  out.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Monotonic() - started).count();
  if (!response.ok()) {
    out.error = SafeExcerpt(response.status().ToString(), 1000);
  } else {
    out.status_code = response->status;
    out.excerpt = SafeExcerpt(response->body, settings_.response_excerpt_bytes);
    if (response->status < 200 || response->status > 299) {
      out.error = fmt::format("the endpoint answered HTTP {}", response->status);
    }
  }
  const bool success = !out.error.has_value();
  const char* state = success ? "succeeded" : (attempt >= max_attempts ? "dead" : "failed");
  const bool terminal = success || attempt >= max_attempts;

  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    const Timestamp at = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(
        auto updated,
        txn.QueryOne("UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, "
                     "last_status_code = $2, last_error = $3, response_excerpt = $4, "
                     "duration_ms = $5, updated_at = $6, completed_at = $7 "
                     "WHERE id = $8 AND state IN ('pending', 'failed') RETURNING attempts",
                     {state, out.status_code ? storage::Param(*out.status_code) : storage::Param(),
                      out.error, out.excerpt, out.duration_ms, at,
                      terminal ? storage::Param(at) : storage::Param(), delivery_id}));
    if (!updated) return Status::Ok();  // finished meanwhile by another run
    return txn
        .Exec(
            "INSERT INTO webhook_attempts (id, delivery_id, org_id, attempt, job_id, "
            "started_at, duration_ms, status_code, error, response_excerpt) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {NewId("wha", clock_), delivery_id, t.org_id, updated->Int(0), job_id, now,
             out.duration_ms, out.status_code ? storage::Param(*out.status_code) : storage::Param(),
             out.error, out.excerpt})
        .status();
  }));
  if (success) return Status::Ok();
  return Unavailable(fmt::format("webhook delivery {} attempt {}/{}: {}", delivery_id, attempt,
                                 max_attempts, *out.error));
}

namespace {

// The through_position of the last succeeded catch-up job, if any.
Result<std::optional<int64_t>> LastCatchUpPosition(jobs::Queue& queue) {
  SIGNX_ASSIGN_OR_RETURN(auto page, queue.List({.state = jobs::JobState::kSucceeded,
                                                .type = std::string(kCatchUpJobType),
                                                .limit = 1}));
  if (page.jobs.empty() || !page.jobs[0].result_json) return std::optional<int64_t>();
  boost::system::error_code ec;
  json::value v = json::parse(*page.jobs[0].result_json, ec);
  if (ec || !v.is_object()) return std::optional<int64_t>();
  const json::value* p = v.get_object().if_contains("through_position");
  if (p == nullptr || !p->is_int64()) return std::optional<int64_t>();
  return std::optional<int64_t>(p->get_int64());
}

}  // namespace

Status RegisterWebhookJobs(jobs::Queue& queue, storage::Store& store, WebhookSettings settings,
                           const Clock& clock) {
  auto service = std::make_shared<WebhookService>(store, queue, settings, clock);
  queue.RegisterHandler(std::string(kCatchUpJobType),
                        [service, &queue, &store](jobs::JobContext& ctx) -> Status {
                          SIGNX_ASSIGN_OR_RETURN(auto last, LastCatchUpPosition(queue));
                          int64_t from = 0;
                          if (last) {
                            from = *last;
                          } else {
                            SIGNX_ASSIGN_OR_RETURN(from, events::LastPosition(store));
                          }
                          SIGNX_ASSIGN_OR_RETURN(int64_t through, service->CatchUp(from, 5000));
                          ctx.SetResult(json::serialize(json::object{
                              {"from_position", from}, {"through_position", through}}));
                          return Status::Ok();
                        },
                        {.max_concurrency = 1});
  SIGNX_RETURN_IF_ERROR(queue.ScheduleRecurring({.name = std::string(kCatchUpJobType),
                                                 .type = std::string(kCatchUpJobType),
                                                 .schedule = "@every 1m",
                                                 .max_attempts = 1}));

  const int max_concurrency = settings.max_concurrency;
  auto deliverer = std::make_shared<Deliverer>(store, std::move(settings), clock);
  queue.RegisterHandler(std::string(kDeliverJobType),
                        [deliverer](jobs::JobContext& ctx) -> Status {
                          boost::system::error_code ec;
                          json::value payload = json::parse(ctx.payload(), ec);
                          const json::string* id = nullptr;
                          if (!ec && payload.is_object()) {
                            if (const auto* v = payload.get_object().if_contains("delivery_id");
                                v && v->is_string()) {
                              id = &v->get_string();
                            }
                          }
                          if (id == nullptr)
                            return InvalidArgument("webhooks.deliver: payload needs a delivery_id");
                          return deliverer->Attempt(std::string_view(id->data(), id->size()),
                                                    ctx.attempt(), ctx.job().max_attempts,
                                                    ctx.id());
                        },
                        {.max_concurrency = max_concurrency});
  return Status::Ok();
}

}  // namespace signx::webhooks
