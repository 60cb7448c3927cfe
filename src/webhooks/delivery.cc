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
                          "e.secret, e.previous_secret, e.previous_secret_expires_at, d.job_id "
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
  if (const auto owner = row->OptText(10); owner && *owner != job_id) {
    return Status::Ok();  // a stale run: the delivery was deferred to job `owner`
  }

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
    if (settings_.response_excerpt_bytes > 0) {
      out.excerpt = SafeExcerpt(response->body, settings_.response_excerpt_bytes);
    }
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

OrgSlots::OrgSlots(int per_org) : per_org_(per_org) {
  SIGNX_CHECK(per_org >= 1, "webhooks: max_in_flight_per_org must be >= 1");
}

bool OrgSlots::TryAcquire(const std::string& org) {
  std::lock_guard lock(mu_);
  Org& o = orgs_[org];
  if (o.in_flight >= per_org_) return false;
  ++o.in_flight;
  return true;
}

void OrgSlots::Release(const std::string& org, std::chrono::milliseconds took) {
  std::lock_guard lock(mu_);
  auto it = orgs_.find(org);
  if (it == orgs_.end() || it->second.in_flight == 0) return;
  Org& o = it->second;
  --o.in_flight;
  const auto sample = std::chrono::duration_cast<std::chrono::microseconds>(
      std::max(took, std::chrono::milliseconds(0)));
  o.average = (o.average * 4 + sample) / 5;  // exponential moving average, weight 1/5
}

Timestamp OrgSlots::NextDeferral(const std::string& org, Timestamp now) {
  std::lock_guard lock(mu_);
  Org& o = orgs_[org];
  const auto step = std::max<std::chrono::microseconds>(kMinStep, o.average / per_org_);
  o.next_deferral = std::max(o.next_deferral, now) + step;
  return o.next_deferral;
}

int OrgSlots::InFlight(const std::string& org) const {
  std::lock_guard lock(mu_);
  auto it = orgs_.find(org);
  return it == orgs_.end() ? 0 : it->second.in_flight;
}

namespace {

// Hands delivery `delivery_id` over to a new job at `run_at` (header comment: deferral). Returns
// the new job's id, or nullopt when the delivery no longer belongs to this job (finished, or
// deferred already by an earlier run of it).
Result<std::optional<std::string>> Defer(jobs::Queue& queue, storage::Store& store,
                                         const jobs::JobContext& ctx, std::string_view delivery_id,
                                         int attempts_before, Timestamp run_at,
                                         const Clock& clock) {
  const int used = ctx.attempt() - 1;  // this run is not an attempt
  const std::string stale = "the delivery is not this job's any more";
  auto moved = store.WithTxnResult<std::string>([&](storage::Txn& txn) -> Result<std::string> {
    SIGNX_ASSIGN_OR_RETURN(
        auto job,
        queue.Enqueue(
            txn, {.type = std::string(kDeliverJobType),
                  .payload_json = json::serialize(json::object{
                      {"delivery_id", delivery_id}, {"attempts_before", attempts_before + used}}),
                  .org_id = ctx.org_id(),
                  .priority = ctx.job().priority,
                  .max_attempts = std::max(1, ctx.job().max_attempts - used),
                  .run_at = run_at,
                  .dedupe_key = fmt::format("whd:{}:after:{}", delivery_id, ctx.id())}));
    SIGNX_ASSIGN_OR_RETURN(
        int64_t n, txn.Exec("UPDATE webhook_deliveries SET job_id = $1, updated_at = $2 "
                            "WHERE id = $3 AND job_id = $4 AND state IN ('pending', 'failed')",
                            {job.id, clock.Now(), delivery_id, ctx.id()}));
    if (n == 0) return Status(ErrorCode::kAborted, stale);  // rolls the new job back
    return job.id;
  });
  if (!moved.ok() && moved.status().code() == ErrorCode::kAborted &&
      moved.status().message() == stale) {
    return std::optional<std::string>();
  }
  SIGNX_RETURN_IF_ERROR(moved.status());
  return std::optional<std::string>(std::move(*moved));
}

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
                            SIGNX_ASSIGN_OR_RETURN(from, service->FirstCatchUpPosition());
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
  auto slots = std::make_shared<OrgSlots>(settings.max_in_flight_per_org);
  auto deliverer = std::make_shared<Deliverer>(store, std::move(settings), clock);
  queue.RegisterHandler(
      std::string(kDeliverJobType),
      [deliverer, slots, &queue, &store, &clock](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        json::value payload = json::parse(ctx.payload(), ec);
        std::string id;
        int64_t attempts_before = 0;
        if (!ec && payload.is_object()) {
          const json::object& o = payload.get_object();
          if (const auto* v = o.if_contains("delivery_id"); v && v->is_string()) {
            id = std::string(v->get_string());
          }
          if (const auto* v = o.if_contains("attempts_before"); v && v->is_int64()) {
            attempts_before = v->get_int64();
          }
        }
        if (id.empty() || attempts_before < 0 || attempts_before > 1'000'000) {
          return InvalidArgument("webhooks.deliver: payload needs a delivery_id");
        }
        const int before = static_cast<int>(attempts_before);
        const std::string org = ctx.org_id().value_or("");
        if (!slots->TryAcquire(org)) {
          SIGNX_ASSIGN_OR_RETURN(auto to, Defer(queue, store, ctx, id, before,
                                                slots->NextDeferral(org, clock.Now()), clock));
          ctx.SetResult(json::serialize(
              json::object{{"deferred_to", to ? json::value(*to) : json::value(nullptr)}}));
          return Status::Ok();
        }
        struct Held {  // gives the slot back however the attempt ends
          OrgSlots& slots;
          const std::string& org;
          const Clock& clock;
          const std::chrono::steady_clock::time_point started;
          ~Held() {
            slots.Release(org, std::chrono::duration_cast<std::chrono::milliseconds>(
                                   clock.Monotonic() - started));
          }
        } held{*slots, org, clock, clock.Monotonic()};
        return deliverer->Attempt(id, before + ctx.attempt(), before + ctx.job().max_attempts,
                                  ctx.id());
      },
      {.max_concurrency = max_concurrency});
  return Status::Ok();
}

}  // namespace signx::webhooks
