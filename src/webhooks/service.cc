#include "webhooks/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/id.h"
#include "base/strings.h"
#include "events/outbox.h"
#include "http/json.h"
#include "identity/audit.h"
#include "webhooks/views.h"

namespace signx::webhooks {
namespace json = boost::json;
namespace {

constexpr std::string_view kEndpointCols =
    "id, org_id, url, event_types, description, active, created_by, created_at, updated_at, "
    "secret_rotated_at, previous_secret_expires_at";

constexpr std::string_view kDeliveryCols =
    "id, org_id, endpoint_id, event_id, event_type, state, attempts, max_attempts, "
    "last_status_code, last_error, response_excerpt, duration_ms, redelivery_of, job_id, "
    "created_at, updated_at, completed_at";

std::vector<std::string> SplitTypes(std::string_view text) {
  std::vector<std::string> out;
  for (auto part : Split(text, ' ')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

Endpoint EndpointFromRow(const storage::Row& r) {
  Endpoint e;
  e.id = r.Text(0);
  e.org_id = r.Text(1);
  e.url = r.Text(2);
  e.event_types = SplitTypes(r.Text(3));
  e.description = r.Text(4);
  e.active = r.Bool(5);
  e.created_by = r.OptText(6);
  e.created_at = r.Time(7);
  e.updated_at = r.Time(8);
  e.secret_rotated_at = r.OptTime(9);
  e.previous_secret_expires_at = r.OptTime(10);
  return e;
}

std::optional<int> OptInt32(const storage::Row& r, std::size_t i) {
  auto v = r.OptInt(i);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

Delivery DeliveryFromRow(const storage::Row& r) {
  Delivery d;
  d.id = r.Text(0);
  d.org_id = r.Text(1);
  d.endpoint_id = r.Text(2);
  d.event_id = r.Text(3);
  d.event_type = r.Text(4);
  d.state = r.Text(5);
  d.attempt_count = static_cast<int>(r.Int(6));
  d.max_attempts = static_cast<int>(r.Int(7));
  d.last_status_code = OptInt32(r, 8);
  d.last_error = r.OptText(9);
  d.response_excerpt = r.OptText(10);
  d.duration_ms = r.OptInt(11);
  d.redelivery_of = r.OptText(12);
  d.job_id = r.OptText(13);
  d.created_at = r.Time(14);
  d.updated_at = r.Time(15);
  d.completed_at = r.OptTime(16);
  return d;
}

Attempt AttemptFromRow(const storage::Row& r) {
  // Columns: attempt, started_at, duration_ms, status_code, error, response_excerpt.
  return {
      static_cast<int>(r.Int(0)), r.Time(1), r.Int(2), OptInt32(r, 3), r.OptText(4), r.OptText(5)};
}

Status CheckPage(int limit, std::string_view cursor, std::string_view prefix) {
  if (limit < 1 || limit > kMaxPage) {
    return Status(ErrorCode::kInvalidArgument,
                  "limit must be between 1 and " + std::to_string(kMaxPage),
                  {{"limit", "must be between 1 and " + std::to_string(kMaxPage)}});
  }
  if (!cursor.empty() && !IsValidId(cursor, prefix)) {
    return Status(ErrorCode::kInvalidArgument, "cursor is not valid", {{"cursor", "not valid"}});
  }
  return Status::Ok();
}

Status NotFoundEndpoint(std::string_view id) {
  return NotFound(fmt::format("webhook {} does not exist", id));
}

Result<Endpoint> LoadEndpoint(storage::Txn& txn, std::string_view org_id, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(auto row, txn.QueryOne(fmt::format("SELECT {} FROM webhook_endpoints "
                                                            "WHERE id = $1 AND org_id = $2",
                                                            kEndpointCols),
                                                {id, org_id}));
  if (!row) return NotFoundEndpoint(id);
  return EndpointFromRow(*row);
}

std::string AuditJson(const Endpoint& e) { return http::ToJsonText(EndpointJson(e)); }

Status Audit(storage::Txn& txn, const http::Principal& p, std::string_view request_id,
             std::string action, std::string subject_type, std::string subject_id,
             std::optional<std::string> before, std::optional<std::string> after,
             const Clock& clock) {
  return identity::AppendAudit(txn,
                               {.org_id = p.org_id,
                                .actor = identity::Actor::Of(p, request_id),
                                .action = std::move(action),
                                .subject_type = std::move(subject_type),
                                .subject_id = std::move(subject_id),
                                .before_json = std::move(before),
                                .after_json = std::move(after)},
                               clock)
      .status();
}

}  // namespace

WebhookService::WebhookService(storage::Store& store, jobs::Queue& queue, WebhookSettings settings,
                               const Clock& clock)
    : store_(store), queue_(queue), settings_(std::move(settings)), clock_(clock) {
  SIGNX_CHECK(settings_.max_attempts >= 1, "webhooks: max_attempts must be >= 1");
}

Result<EndpointWithSecret> WebhookService::CreateEndpoint(const http::Principal& p,
                                                          EndpointInput in,
                                                          std::string_view request_id) {
  if (in.url) in.url = NormalizeUrl(*in.url);
  std::vector<FieldError> errors;
  ValidateEndpointInput(in, /*creating=*/true, settings_.client.address_policy, errors);
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  EndpointWithSecret out;
  Endpoint& e = out.endpoint;
  e.id = NewId("whk", clock_);
  e.org_id = p.org_id;
  e.url = *in.url;
  e.event_types = *in.event_types;
  e.description = in.description.value_or("");
  e.active = in.active.value_or(true);
  e.created_by = p.subject_id;
  e.created_at = e.updated_at = clock_.Now();
  out.secret = NewSecret();
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(
        auto count,
        txn.QueryOne("SELECT COUNT(*) FROM webhook_endpoints WHERE org_id = $1", {e.org_id}));
    if (count && count->Int(0) >= settings_.max_endpoints_per_org) {
      return Status(
          ErrorCode::kConflict,
          fmt::format("this org already has {} webhook endpoints, the most it may have "
                      "(webhooks.max_endpoints_per_org); delete one before adding another",
                      count->Int(0)));
    }
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO webhook_endpoints (id, org_id, url, event_types, description, "
                 "active, secret, created_by, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                 {e.id, e.org_id, e.url, Join(e.event_types, " "), e.description, e.active,
                  out.secret, e.created_by, e.created_at})
            .status());
    return Audit(txn, p, request_id, "webhook.create", "webhook", e.id, std::nullopt, AuditJson(e),
                 clock_);
  }));
  return out;
}

Result<EndpointPage> WebhookService::ListEndpoints(const http::Principal& p, int limit,
                                                   std::string_view cursor) {
  SIGNX_RETURN_IF_ERROR(CheckPage(limit, cursor, "whk"));
  storage::ResultSet rs;
  if (cursor.empty()) {
    SIGNX_ASSIGN_OR_RETURN(
        rs, store_.Query(fmt::format("SELECT {} FROM webhook_endpoints WHERE org_id = $1 "
                                     "ORDER BY id DESC LIMIT $2",
                                     kEndpointCols),
                         {p.org_id, int64_t{limit} + 1}));
  } else {
    SIGNX_ASSIGN_OR_RETURN(
        rs, store_.Query(fmt::format("SELECT {} FROM webhook_endpoints WHERE org_id = $1 "
                                     "AND id < $2 ORDER BY id DESC LIMIT $3",
                                     kEndpointCols),
                         {p.org_id, cursor, int64_t{limit} + 1}));
  }
  EndpointPage page;
  for (const auto& row : rs.rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = page.items.back().id;
      break;
    }
    page.items.push_back(EndpointFromRow(row));
  }
  return page;
}

Result<Endpoint> WebhookService::GetEndpoint(const http::Principal& p, std::string_view id) {
  return store_.WithTxnResult<Endpoint>(
      [&](storage::Txn& txn) { return LoadEndpoint(txn, p.org_id, id); }, {.read_only = true});
}

Result<Endpoint> WebhookService::UpdateEndpoint(const http::Principal& p, std::string_view id,
                                                EndpointInput patch, std::string_view request_id) {
  if (patch.url) patch.url = NormalizeUrl(*patch.url);
  std::vector<FieldError> errors;
  ValidateEndpointInput(patch, /*creating=*/false, settings_.client.address_policy, errors);
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return store_.WithTxnResult<Endpoint>([&](storage::Txn& txn) -> Result<Endpoint> {
    SIGNX_ASSIGN_OR_RETURN(Endpoint e, LoadEndpoint(txn, p.org_id, id));
    const std::string before = AuditJson(e);
    if (patch.url) e.url = *patch.url;
    if (patch.event_types) e.event_types = *patch.event_types;
    if (patch.description) e.description = *patch.description;
    if (patch.active) e.active = *patch.active;
    e.updated_at = clock_.Now();
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("UPDATE webhook_endpoints SET url = $1, event_types = $2, description = $3, "
                 "active = $4, updated_at = $5 WHERE id = $6 AND org_id = $7",
                 {e.url, Join(e.event_types, " "), e.description, e.active, e.updated_at, e.id,
                  p.org_id})
            .status());
    SIGNX_RETURN_IF_ERROR(
        Audit(txn, p, request_id, "webhook.update", "webhook", e.id, before, AuditJson(e), clock_));
    return e;
  });
}

Status WebhookService::DeleteEndpoint(const http::Principal& p, std::string_view id,
                                      std::string_view request_id) {
  return store_.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(Endpoint e, LoadEndpoint(txn, p.org_id, id));
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM "
                 "webhook_deliveries WHERE endpoint_id = $1 AND org_id = $2)",
                 {e.id, p.org_id})
            .status());
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND org_id = $2",
                 {e.id, p.org_id})
            .status());
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2", {e.id, p.org_id})
            .status());
    return Audit(txn, p, request_id, "webhook.delete", "webhook", e.id, AuditJson(e), std::nullopt,
                 clock_);
  });
}

Result<EndpointWithSecret> WebhookService::RotateSecret(const http::Principal& p,
                                                        std::string_view id,
                                                        std::optional<std::chrono::seconds> grace,
                                                        std::string_view request_id) {
  const std::chrono::seconds g = grace.value_or(settings_.rotation_grace);
  if (g.count() < 0 || g > kMaxGrace) {
    return ValidationFailed(
        {{"grace_seconds", "must be between 0 and " + std::to_string(kMaxGrace.count())}});
  }
  return store_.WithTxnResult<EndpointWithSecret>(
      [&](storage::Txn& txn) -> Result<EndpointWithSecret> {
        SIGNX_ASSIGN_OR_RETURN(Endpoint e, LoadEndpoint(txn, p.org_id, id));
        const std::string before = AuditJson(e);
        SIGNX_ASSIGN_OR_RETURN(
            auto row, txn.QueryOne("SELECT secret FROM webhook_endpoints WHERE id = $1", {e.id}));
        if (!row) return NotFoundEndpoint(id);
        const std::string old_secret = row->Text(0);
        const Timestamp now = clock_.Now();
        EndpointWithSecret out;
        out.secret = NewSecret();
        std::optional<std::string> previous;
        std::optional<Timestamp> previous_expires;
        if (g.count() > 0) {
          previous = old_secret;
          previous_expires = now + std::chrono::duration_cast<std::chrono::microseconds>(g);
        }
        SIGNX_RETURN_IF_ERROR(
            txn.Exec("UPDATE webhook_endpoints SET secret = $1, previous_secret = $2, "
                     "previous_secret_expires_at = $3, secret_rotated_at = $4, updated_at = $4 "
                     "WHERE id = $5 AND org_id = $6",
                     {out.secret, previous, previous_expires, now, e.id, p.org_id})
                .status());
        e.secret_rotated_at = now;
        e.updated_at = now;
        e.previous_secret_expires_at = previous_expires;
        SIGNX_RETURN_IF_ERROR(Audit(txn, p, request_id, "webhook.rotate_secret", "webhook", e.id,
                                    before, AuditJson(e), clock_));
        out.endpoint = std::move(e);
        return out;
      });
}

Result<std::optional<std::string>> WebhookService::InsertDelivery(
    storage::Txn& txn, const Endpoint& endpoint, std::string_view event_id,
    std::string_view event_type, std::string_view body, std::string_view dedupe_key,
    std::optional<std::string> redelivery_of) {
  const std::string id = NewId("whd", clock_);
  const std::string key = dedupe_key.empty() ? id : std::string(dedupe_key);
  const Timestamp now = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(
      int64_t inserted,
      txn.Exec("INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_id, event_type, "
               "body, dedupe_key, redelivery_of, state, attempts, max_attempts, created_at, "
               "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10, $10) "
               "ON CONFLICT (dedupe_key) DO NOTHING",
               {id, endpoint.org_id, endpoint.id, event_id, event_type, body, key, redelivery_of,
                settings_.max_attempts, now}));
  if (inserted == 0) return std::optional<std::string>();
  SIGNX_ASSIGN_OR_RETURN(
      auto job,
      queue_.Enqueue(txn, {.type = std::string(kDeliverJobType),
                           .payload_json = json::serialize(json::object{{"delivery_id", id}}),
                           .org_id = endpoint.org_id,
                           .max_attempts = settings_.max_attempts,
                           .dedupe_key = "whd:" + key}));
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("UPDATE webhook_deliveries SET job_id = $1 WHERE id = $2", {job.id, id}).status());
  return std::optional<std::string>(id);
}

std::string WebhookService::WebhookBody(const events::Event& e) {
  json::value data;
  boost::system::error_code ec;
  data = json::parse(e.payload_json, ec);
  if (ec) data = json::value(e.payload_json);  // stored payloads are JSON; keep text otherwise
  return http::ToJsonText(json::object{{"id", e.id},
                                       {"type", e.type},
                                       {"org_id", e.org_id},
                                       {"subject_id", e.subject_id},
                                       {"created_at", FormatRfc3339(e.created_at)},
                                       {"data", std::move(data)}});
}

Result<std::vector<Endpoint>> WebhookService::SubscribedEndpoints(const std::string& org_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, store_.Query(fmt::format("SELECT {} FROM webhook_endpoints WHERE org_id = $1 "
                                        "AND active = $2 ORDER BY id",
                                        kEndpointCols),
                            {org_id, true}));
  std::vector<Endpoint> out;
  for (const auto& row : rs.rows) out.push_back(EndpointFromRow(row));
  return out;
}

Result<int> WebhookService::EnqueueFor(const events::Event& event,
                                       const std::vector<Endpoint>& endpoints) {
  std::vector<const Endpoint*> targets;
  for (const auto& e : endpoints) {
    // An endpoint gets the events from its creation on (a catch-up reaches back further).
    if (event.created_at < e.created_at) continue;
    if (MatchesEventType(e.event_types, event.type)) targets.push_back(&e);
  }
  if (targets.empty()) return 0;
  const std::string body = WebhookBody(event);
  return store_.WithTxnResult<int>([&](storage::Txn& txn) -> Result<int> {
    int created = 0;
    for (const Endpoint* e : targets) {
      SIGNX_ASSIGN_OR_RETURN(auto id, InsertDelivery(txn, *e, event.id, event.type, body,
                                                     e->id + ":" + event.id, std::nullopt));
      if (id) ++created;
    }
    return created;
  });
}

Result<int> WebhookService::EnqueueForEvent(const events::Event& event) {
  // A read first: most events have no subscribed endpoint, and then no write transaction is due.
  SIGNX_ASSIGN_OR_RETURN(auto endpoints, SubscribedEndpoints(event.org_id));
  return EnqueueFor(event, endpoints);
}

Result<int64_t> WebhookService::FirstCatchUpPosition() {
  SIGNX_ASSIGN_OR_RETURN(auto oldest,
                         store_.Query("SELECT MIN(created_at) FROM webhook_endpoints"));
  if (oldest.rows.empty() || oldest.rows[0].IsNull(0)) return events::LastPosition(store_);
  SIGNX_ASSIGN_OR_RETURN(auto before,
                         store_.Query("SELECT MAX(position) FROM events WHERE position > 0 AND "
                                      "created_at < $1",
                                      {oldest.rows[0].Time(0)}));
  if (before.rows.empty() || before.rows[0].IsNull(0)) return int64_t{0};
  return before.rows[0].Int(0);
}

Result<int64_t> WebhookService::CatchUp(int64_t after_position, int max_events) {
  std::map<std::string, std::vector<Endpoint>> by_org;  // one endpoint query per org per call
  int64_t through = after_position;
  int handled = 0;
  while (handled < max_events) {
    const int page = std::min(500, max_events - handled);
    SIGNX_ASSIGN_OR_RETURN(auto batch,
                           events::ReadSince(store_, {.after_position = through, .limit = page}));
    for (const auto& event : batch) {
      auto it = by_org.find(event.org_id);
      if (it == by_org.end()) {
        SIGNX_ASSIGN_OR_RETURN(auto endpoints, SubscribedEndpoints(event.org_id));
        it = by_org.emplace(event.org_id, std::move(endpoints)).first;
      }
      SIGNX_RETURN_IF_ERROR(EnqueueFor(event, it->second).status());
      through = event.position;
    }
    handled += static_cast<int>(batch.size());
    if (static_cast<int>(batch.size()) < page) break;
  }
  return through;
}

events::Subscription WebhookService::Subscribe(events::Dispatcher& dispatcher) {
  return dispatcher.Subscribe(events::EventFilter{}, [this](const events::Event& event) {
    auto created = EnqueueForEvent(event);
    if (!created.ok()) {
      spdlog::error("webhooks: could not create deliveries for event {} ({}): {}", event.id,
                    event.type, created.status().ToString());
    }
  });
}

Result<Delivery> WebhookService::LoadDelivery(storage::Txn& txn, std::string_view org_id,
                                              std::string_view delivery_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM webhook_deliveries WHERE id = $1 AND "
                                         "org_id = $2",
                                         kDeliveryCols),
                             {delivery_id, org_id}));
  if (!row) return NotFound(fmt::format("webhook delivery {} does not exist", delivery_id));
  Delivery d = DeliveryFromRow(*row);
  SIGNX_ASSIGN_OR_RETURN(auto rs,
                         txn.Query("SELECT attempt, started_at, duration_ms, status_code, error, "
                                   "response_excerpt FROM webhook_attempts WHERE delivery_id = $1 "
                                   "ORDER BY attempt",
                                   {d.id}));
  for (const auto& r : rs.rows) d.attempts.push_back(AttemptFromRow(r));
  return d;
}

void WebhookService::FillNextAttempt(Delivery& d) {
  if ((d.state != "pending" && d.state != "failed") || !d.job_id) return;
  auto job = queue_.Get(*d.job_id);
  if (job.ok() && job->state == jobs::JobState::kQueued) d.next_attempt_at = job->run_at;
}

Result<DeliveryPage> WebhookService::ListDeliveries(const http::Principal& p,
                                                    std::string_view endpoint_id, int limit,
                                                    std::string_view cursor,
                                                    std::optional<std::string> state) {
  SIGNX_RETURN_IF_ERROR(CheckPage(limit, cursor, "whd"));
  if (state && *state != "pending" && *state != "failed" && *state != "succeeded" &&
      *state != "dead") {
    return Status(ErrorCode::kInvalidArgument, "state is not valid",
                  {{"state", "must be one of pending, failed, succeeded, dead"}});
  }
  SIGNX_ASSIGN_OR_RETURN(
      DeliveryPage page,
      store_.WithTxnResult<DeliveryPage>(
          [&](storage::Txn& txn) -> Result<DeliveryPage> {
            SIGNX_RETURN_IF_ERROR(LoadEndpoint(txn, p.org_id, endpoint_id).status());
            std::string sql = fmt::format(
                "SELECT {} FROM webhook_deliveries WHERE endpoint_id = $1 AND org_id = $2",
                kDeliveryCols);
            storage::Params params{endpoint_id, p.org_id};
            if (state) {
              params.emplace_back(*state);
              sql += fmt::format(" AND state = ${}", params.size());
            }
            if (!cursor.empty()) {
              params.emplace_back(cursor);
              sql += fmt::format(" AND id < ${}", params.size());
            }
            params.emplace_back(int64_t{limit} + 1);
            sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());
            SIGNX_ASSIGN_OR_RETURN(auto rs, txn.Query(sql, params));
            DeliveryPage out;
            for (const auto& row : rs.rows) {
              if (static_cast<int>(out.items.size()) == limit) {
                out.next_cursor = out.items.back().id;
                break;
              }
              out.items.push_back(DeliveryFromRow(row));
            }
            if (out.items.empty()) return out;
            std::string in;
            storage::Params ids;
            for (const auto& d : out.items) {
              ids.emplace_back(d.id);
              in += (ids.size() == 1 ? "$" : ", $") + std::to_string(ids.size());
            }
            SIGNX_ASSIGN_OR_RETURN(
                auto attempts,
                txn.Query("SELECT attempt, started_at, duration_ms, status_code, error, "
                          "response_excerpt, delivery_id FROM webhook_attempts WHERE "
                          "delivery_id IN (" +
                              in + ") ORDER BY delivery_id, attempt",
                          ids));
            std::map<std::string, std::vector<Attempt>> by_delivery;
            for (const auto& r : attempts.rows) {
              by_delivery[r.Text(6)].push_back(AttemptFromRow(r));
            }
            for (auto& d : out.items) d.attempts = std::move(by_delivery[d.id]);
            return out;
          },
          {.read_only = true}));
  for (auto& d : page.items) FillNextAttempt(d);
  return page;
}

Result<Delivery> WebhookService::GetDelivery(const http::Principal& p,
                                             std::string_view delivery_id) {
  SIGNX_ASSIGN_OR_RETURN(
      Delivery d, store_.WithTxnResult<Delivery>(
                      [&](storage::Txn& txn) { return LoadDelivery(txn, p.org_id, delivery_id); },
                      {.read_only = true}));
  FillNextAttempt(d);
  return d;
}

Result<Delivery> WebhookService::Redeliver(const http::Principal& p, std::string_view delivery_id,
                                           std::string_view request_id) {
  SIGNX_ASSIGN_OR_RETURN(
      Delivery d, store_.WithTxnResult<Delivery>([&](storage::Txn& txn) -> Result<Delivery> {
        SIGNX_ASSIGN_OR_RETURN(
            auto row,
            txn.QueryOne("SELECT endpoint_id, event_id, event_type, body FROM webhook_deliveries "
                         "WHERE id = $1 AND org_id = $2",
                         {delivery_id, p.org_id}));
        if (!row) return NotFound(fmt::format("webhook delivery {} does not exist", delivery_id));
        SIGNX_ASSIGN_OR_RETURN(Endpoint e, LoadEndpoint(txn, p.org_id, row->Text(0)));
        if (!e.active) {
          return FailedPrecondition(fmt::format("webhook {} is disabled; enable it first", e.id));
        }
        SIGNX_ASSIGN_OR_RETURN(auto id, InsertDelivery(txn, e, row->Text(1), row->Text(2),
                                                       row->Text(3), "", std::string(delivery_id)));
        SIGNX_CHECK(id.has_value(), "a fresh delivery id collided");
        SIGNX_RETURN_IF_ERROR(Audit(
            txn, p, request_id, "webhook_delivery.redeliver", "webhook_delivery", *id, std::nullopt,
            http::ToJsonText(json::object{{"redelivery_of", delivery_id}, {"webhook_id", e.id}}),
            clock_));
        return LoadDelivery(txn, p.org_id, *id);
      }));
  FillNextAttempt(d);
  return d;
}

Result<Delivery> WebhookService::SendTest(const http::Principal& p, std::string_view endpoint_id,
                                          std::string_view request_id) {
  SIGNX_ASSIGN_OR_RETURN(
      Delivery d, store_.WithTxnResult<Delivery>([&](storage::Txn& txn) -> Result<Delivery> {
        SIGNX_ASSIGN_OR_RETURN(Endpoint e, LoadEndpoint(txn, p.org_id, endpoint_id));
        if (!e.active) {
          return FailedPrecondition(fmt::format("webhook {} is disabled; enable it first", e.id));
        }
        events::Event event;
        event.id = NewId("evt", clock_);
        event.type = std::string(kTestEventType);
        event.org_id = p.org_id;
        event.subject_id = e.id;
        event.created_at = clock_.Now();
        event.payload_json = http::ToJsonText(
            json::object{{"webhook_id", e.id}, {"message", "This is a test delivery from SignX."}});
        SIGNX_ASSIGN_OR_RETURN(auto id, InsertDelivery(txn, e, event.id, event.type,
                                                       WebhookBody(event), "", std::nullopt));
        SIGNX_CHECK(id.has_value(), "a fresh delivery id collided");
        SIGNX_RETURN_IF_ERROR(Audit(
            txn, p, request_id, "webhook.test", "webhook", e.id, std::nullopt,
            http::ToJsonText(json::object{{"delivery_id", *id}, {"event_id", event.id}}), clock_));
        return LoadDelivery(txn, p.org_id, *id);
      }));
  FillNextAttempt(d);
  return d;
}

}  // namespace signx::webhooks
