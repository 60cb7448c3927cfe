#include "estimating/connector.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "estimating/learning.h"
#include "events/event_types.h"
#include "http/json.h"
#include "sign/spec.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Status HttpStatusError(const http::ClientResponse& r, std::string_view what) {
  const std::string msg = fmt::format("KeyedIn {}: HTTP {}: {}", what, r.status,
                                      r.body.substr(0, std::min<std::size_t>(r.body.size(), 200)));
  if (r.status >= 500 || r.status == 429) return Unavailable(msg);
  if (r.status == 401 || r.status == 403) return Status(ErrorCode::kPermissionDenied, msg);
  return FailedPrecondition(msg);
}

std::optional<std::string> OptStr(const json::object& o, std::string_view key,
                                  std::vector<FieldError>& errors, const std::string& prefix) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    errors.push_back({prefix + std::string(key), "must be a string"});
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::string ProjectStatusOf(std::string_view keyedin_status) {
  if (keyedin_status == "closed" || keyedin_status == "complete" ||
      keyedin_status == "completed") {
    return "closed";
  }
  if (keyedin_status == "cancelled" || keyedin_status == "canceled") return "cancelled";
  if (keyedin_status == "open" || keyedin_status == "in_progress") return "in_production";
  return "approved";
}

}  // namespace

KeyedInOptions KeyedInOptionsFrom(const config::ConnectorsConfig& c) {
  KeyedInOptions o;
  o.base_url = c.keyedin_base_url;
  o.api_token = c.keyedin_api_token;
  o.timeout = std::chrono::milliseconds(c.keyedin_timeout_ms);
  o.page_size = c.keyedin_page_size;
  return o;
}

KeyedInConnector::KeyedInConnector(const http::HttpClient& client, KeyedInOptions options)
    : client_(client), options_(std::move(options)) {}

Result<http::ClientResponse> KeyedInConnector::Send(std::string method, std::string target,
                                                    std::string body,
                                                    std::string_view idempotency_key) const {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  http::ClientRequest req;
  req.method = std::move(method);
  req.url = base + target;
  req.timeout = options_.timeout;
  req.headers = {{"Authorization", "Bearer " + options_.api_token},
                 {"Accept", "application/json"}};
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  if (!idempotency_key.empty()) req.headers.emplace_back("Idempotency-Key", idempotency_key);
  req.body = std::move(body);
  auto r = client_.Send(req);
  if (!r.ok()) {
    // Transport problems are worth retrying; a bad URL is not.
    if (r.status().code() == ErrorCode::kInvalidArgument) return r.status();
    return Unavailable(fmt::format("KeyedIn {} {}: {}", req.method, target, r.status().message()));
  }
  return r;
}

Result<ExternalOrder> ParseKeyedInOrder(const json::object& o, const std::string& prefix) {
  std::vector<FieldError> errors;
  ExternalOrder order;
  if (auto id = OptStr(o, "work_order", errors, prefix); id && !Trim(*id).empty()) {
    order.order_id = std::string(Trim(*id));
    if (order.order_id.size() > 100) errors.push_back({prefix + "work_order", "at most 100 characters"});
  } else {
    errors.push_back({prefix + "work_order", "is required: the order's id"});
  }
  if (auto u = OptStr(o, "updated_at", errors, prefix)) {
    auto t = ParseRfc3339(*u);
    if (!t.ok()) {
      errors.push_back({prefix + "updated_at", "must be an RFC 3339 timestamp"});
    } else {
      order.updated_at = FormatRfc3339(*t);
    }
  } else {
    errors.push_back({prefix + "updated_at", "is required: an RFC 3339 timestamp"});
  }
  order.name = OptStr(o, "name", errors, prefix).value_or("");
  order.customer = OptStr(o, "customer", errors, prefix).value_or("");
  order.location = OptStr(o, "location", errors, prefix).value_or("");
  order.status = OptStr(o, "status", errors, prefix).value_or("");
  for (auto [key, out] : {std::pair{"order_date", &order.order_date},
                          std::pair{"close_date", &order.close_date}}) {
    if (auto d = OptStr(o, key, errors, prefix)) {
      if (!YearOf(*d) || d->size() != 10) {
        errors.push_back({prefix + key, "must be a date YYYY-MM-DD"});
      } else {
        *out = *d;
      }
    }
  }
  if (const json::value* s = o.if_contains("sign"); s && !s->is_null()) {
    if (!s->is_object()) {
      errors.push_back({prefix + "sign", "must be an object (the sign spec)"});
    } else {
      auto spec = sign::ParseSignSpec(s->get_object(), {.reject_unknown_fields = false});
      if (!spec.ok()) {
        for (const auto& e : spec.status().details()) {
          errors.push_back({prefix + "sign." + e.field, e.message});
        }
        if (spec.status().details().empty()) {
          errors.push_back({prefix + "sign", std::string(spec.status().message())});
        }
      } else {
        order.sign = s->get_object();
        for (auto& kv : sign::ToDrivers(*spec)) order.sign[kv.key()] = kv.value();
      }
    }
  }
  if (const json::value* lines = o.if_contains("cost_summary"); lines && !lines->is_null()) {
    if (!lines->is_array()) {
      errors.push_back({prefix + "cost_summary", "must be an array of cost lines"});
    } else if (lines->get_array().size() > 1000) {
      errors.push_back({prefix + "cost_summary", "at most 1000 lines"});
    } else {
      const auto& arr = lines->get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string lp = fmt::format("{}cost_summary[{}].", prefix, i);
        if (!arr[i].is_object()) {
          errors.push_back({lp.substr(0, lp.size() - 1), "must be an object"});
          continue;
        }
        json::object line = arr[i].get_object();
        if (!line.contains("work_order")) line["work_order"] = order.order_id;
        auto parsed = ParseCostLineJson(line, lp);
        if (!parsed.ok()) {
          for (const auto& e : parsed.status().details()) errors.push_back(e);
          continue;
        }
        order.lines.push_back(std::move(*parsed));
      }
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid KeyedIn order");
  return order;
}

Result<std::vector<ExternalOrder>> KeyedInConnector::SyncOrders(std::string_view since) {
  std::vector<ExternalOrder> out;
  for (int page = 1; page <= options_.max_pages; ++page) {
    std::string target =
        fmt::format("/api/v1/orders?page={}&page_size={}", page, options_.page_size);
    if (!since.empty()) target += "&since=" + PercentEncode(since);
    SIGNX_ASSIGN_OR_RETURN(http::ClientResponse r, Send("GET", target, "", ""));
    if (r.status < 200 || r.status > 299) return HttpStatusError(r, "GET /api/v1/orders");
    boost::system::error_code ec;
    json::value doc = json::parse(r.body, ec);
    if (ec || !doc.is_object()) {
      return InvalidArgument(fmt::format("KeyedIn GET /api/v1/orders page {}: not a JSON object",
                                         page));
    }
    const json::value* orders = doc.get_object().if_contains("orders");
    if (!orders || !orders->is_array()) {
      return InvalidArgument(
          fmt::format("KeyedIn GET /api/v1/orders page {}: \"orders\" must be an array", page));
    }
    const auto& arr = orders->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_object()) {
        return InvalidArgument(fmt::format("KeyedIn page {} orders[{}] is not an object", page, i));
      }
      auto order = ParseKeyedInOrder(arr[i].get_object(), fmt::format("orders[{}].", i));
      if (!order.ok()) {
        std::string detail;
        for (const auto& e : order.status().details()) detail += " " + e.field + ": " + e.message;
        return InvalidArgument(fmt::format("KeyedIn page {}:{}", page, detail));
      }
      out.push_back(std::move(*order));
    }
    const json::value* next = doc.get_object().if_contains("next_page");
    if (!next || next->is_null()) return out;
    if (!next->is_int64() || next->get_int64() != page + 1) {
      return InvalidArgument(fmt::format("KeyedIn page {}: next_page must be {} or null", page,
                                         page + 1));
    }
  }
  return InvalidArgument(fmt::format("KeyedIn: more than {} pages of orders", options_.max_pages));
}

Status KeyedInConnector::PushEstimate(std::string_view order_id, const json::object& estimate,
                                      std::string_view idempotency_key) {
  const std::string target = fmt::format("/api/v1/orders/{}/estimates", PercentEncode(order_id));
  SIGNX_ASSIGN_OR_RETURN(http::ClientResponse r,
                         Send("POST", target, http::ToJsonText(estimate), idempotency_key));
  if (r.status < 200 || r.status > 299) return HttpStatusError(r, "POST " + target);
  return Status::Ok();
}

Result<SyncOutcome> SyncOrdersInto(storage::Store& store, events::Outbox& outbox,
                                   jobs::Queue* drift_queue, Connector& connector,
                                   const Scope& scope, const Clock& clock) {
  const std::string name(connector.name());
  SIGNX_ASSIGN_OR_RETURN(
      std::string since,
      store.WithTxnResult<std::string>(
          [&](storage::Txn& txn) -> Result<std::string> {
            SIGNX_ASSIGN_OR_RETURN(auto row, txn.QueryOne("SELECT synced_until FROM "
                                                          "connector_state WHERE org_id = $1 "
                                                          "AND connector = $2",
                                                          {scope.org_id, name}));
            return row ? row->OptText(0).value_or("") : std::string();
          },
          {.read_only = true}));
  SIGNX_ASSIGN_OR_RETURN(std::vector<ExternalOrder> orders, connector.SyncOrders(since));

  SyncOutcome outcome;
  outcome.fetched = static_cast<int64_t>(orders.size());
  bool notify = false;
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    outcome.imported = outcome.skipped = 0;
    outcome.synced_until = since;
    notify = false;
    Repository repo(txn, scope, clock);
    bool with_actual = false;
    for (const ExternalOrder& o : orders) {
      if (o.updated_at > outcome.synced_until) outcome.synced_until = o.updated_at;
      const std::string ref = std::string(kKeyedInRefPrefix) + o.order_id;
      SIGNX_ASSIGN_OR_RETURN(auto existing, repo.FindProjectByExternalRef(ref));
      if (existing) {
        ++outcome.skipped;
        continue;
      }
      ProjectFields pf;
      pf.name = o.name.empty() ? "Work order " + o.order_id : o.name;
      if (!o.customer.empty()) pf.customer = o.customer;
      if (!o.location.empty()) pf.location = o.location;
      pf.status = ProjectStatusOf(o.status);
      pf.project_date = o.order_date;
      pf.metadata = json::object{{"connector", name}, {"work_order", o.order_id},
                                 {"updated_at", o.updated_at}};
      SIGNX_ASSIGN_OR_RETURN(Project project, repo.CreateProject(pf, name, ref));
      json::value record_id = nullptr;
      if (!o.lines.empty()) {
        CostRecordData d;
        d.external_id = ref;
        d.drivers = o.sign;
        d.actual = CostTotals{0, 0, 0, 0, 0, 0, 0, 0.0};
        d.estimate.total_cost_cents = 0;
        d.estimate.labor_hours = 0.0;
        for (const CostLine& l : o.lines) {
          auto& a = d.actual;
          *a.labor_cost_cents += l.act_lab_cents;
          *a.overhead_cost_cents += l.act_bur_cents;
          *a.material_cost_cents += l.act_mat_cents + l.act_out_cents;
          *a.tax_cents += l.use_tax_cents;
          *a.total_cost_cents += l.job_cost_cents;
          if (l.cost_type == "Labor") {
            *a.labor_hours += l.act_hrs;
            *d.estimate.labor_hours += l.est_hrs;
          }
          *d.estimate.total_cost_cents += l.est_cost_cents;
          if (d.cost_date.value_or("") < l.date) d.cost_date = l.date;
        }
        if (o.close_date) d.cost_date = o.close_date;
        d.project_date = o.order_date;
        d.lines = o.lines;
        if (*d.actual.total_cost_cents < 0 || *d.estimate.total_cost_cents < 0) {
          return InvalidArgument(fmt::format(
              "KeyedIn order {}: cost lines sum to a negative amount", o.order_id));
        }
        SIGNX_ASSIGN_OR_RETURN(StoredCostRecord cr, repo.CreateCostRecord(project.id, d));
        record_id = cr.id;
        with_actual = with_actual || *d.actual.total_cost_cents > 0;
      }
      SIGNX_RETURN_IF_ERROR(outbox
                                .Append(txn, {.type = std::string(events::kOrderImported),
                                              .org_id = scope.org_id,
                                              .subject_id = project.id,
                                              .payload_json = http::ToJsonText(json::object{
                                                  {"connector", name},
                                                  {"order_id", o.order_id},
                                                  {"project_id", project.id},
                                                  {"cost_record_id", record_id},
                                                  {"updated_at", o.updated_at}})})
                                .status());
      ++outcome.imported;
      notify = true;
    }
    if (with_actual && drift_queue) {
      SIGNX_RETURN_IF_ERROR(
          EnqueueDriftEvaluation(*drift_queue, txn, scope.org_id, clock).status());
    }
    SIGNX_ASSIGN_OR_RETURN(
        int64_t changed,
        txn.Exec("UPDATE connector_state SET synced_until = $1, last_sync_at = $2, "
                 "orders_imported = orders_imported + $3 WHERE org_id = $4 AND connector = $5",
                 {outcome.synced_until, clock.Now(), outcome.imported, scope.org_id, name}));
    if (changed == 0) {
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO connector_state (org_id, connector, synced_until, last_sync_at, "
                   "orders_imported) VALUES ($1, $2, $3, $4, $5)",
                   {scope.org_id, name, outcome.synced_until, clock.Now(), outcome.imported})
              .status());
    }
    return Status::Ok();
  }));
  if (notify) outbox.Notify();
  return outcome;
}

json::object EstimateBody(const StoredQuote& q) {
  json::array lines;
  boost::system::error_code ec;
  json::value quote = json::parse(q.quote_json, ec);
  if (!ec && quote.is_object()) {
    if (const json::value* ls = quote.get_object().if_contains("lines"); ls && ls->is_array()) {
      for (const auto& l : ls->get_array()) {
        if (!l.is_object()) continue;
        const auto& lo = l.get_object();
        json::object line;
        for (std::string_view k : {"description", "unit", "cost_cents"}) {
          if (const json::value* v = lo.if_contains(k)) line[k] = *v;
        }
        lines.push_back(std::move(line));
      }
    }
  }
  return json::object{{"estimate_id", q.id},
                      {"source", "signx"},
                      {"price_list_version", q.price_list_version},
                      {"quantity", q.quantity},
                      {"total_cost_cents", q.total_cost_cents},
                      {"price_cents", q.price_cents},
                      {"lines", std::move(lines)},
                      {"created_at", FormatRfc3339(q.created_at)}};
}

Result<std::string> PushQuoteEstimate(storage::Store& store, Connector& connector,
                                      const Scope& scope, std::string_view quote_id,
                                      const Clock& clock) {
  const std::string name(connector.name());
  struct Loaded {
    StoredQuote quote;
    std::string order_id;
    bool pushed = false;
  };
  SIGNX_ASSIGN_OR_RETURN(
      Loaded loaded,
      store.WithTxnResult<Loaded>(
          [&](storage::Txn& txn) -> Result<Loaded> {
            Repository repo(txn, scope, clock);
            Loaded l;
            SIGNX_ASSIGN_OR_RETURN(l.quote, repo.GetQuote(quote_id));
            if (!l.quote.project_id) {
              return FailedPrecondition(fmt::format("quote {} has no project", quote_id));
            }
            SIGNX_ASSIGN_OR_RETURN(Project p, repo.GetProject(*l.quote.project_id));
            const std::string prefix = name + ":";
            if (!p.external_ref || p.external_ref->rfind(prefix, 0) != 0) {
              return FailedPrecondition(
                  fmt::format("project {} was not imported from {}", p.id, name));
            }
            l.order_id = p.external_ref->substr(prefix.size());
            SIGNX_ASSIGN_OR_RETURN(
                auto row, txn.QueryOne("SELECT 1 FROM connector_pushes WHERE org_id = $1 AND "
                                       "connector = $2 AND quote_id = $3",
                                       {scope.org_id, name, std::string(quote_id)}));
            l.pushed = row.has_value();
            return l;
          },
          {.read_only = true}));
  if (loaded.pushed) return loaded.order_id;
  SIGNX_RETURN_IF_ERROR(
      connector.PushEstimate(loaded.order_id, EstimateBody(loaded.quote), loaded.quote.id));
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(
        auto row, txn.QueryOne("SELECT 1 FROM connector_pushes WHERE org_id = $1 AND "
                               "connector = $2 AND quote_id = $3",
                               {scope.org_id, name, std::string(quote_id)}));
    if (row) return Status::Ok();
    return txn
        .Exec("INSERT INTO connector_pushes (org_id, connector, quote_id, order_id, status, "
              "response, pushed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              {scope.org_id, name, std::string(quote_id), loaded.order_id, int64_t{200},
               std::nullopt, clock.Now()})
        .status();
  }));
  return loaded.order_id;
}

Result<bool> OnQuoteCreated(storage::Txn& txn, jobs::Queue& queue, events::Outbox& outbox,
                            const Scope& scope, const StoredQuote& quote, const Clock& clock) {
  if (!quote.project_id) return false;
  Repository repo(txn, scope, clock);
  SIGNX_ASSIGN_OR_RETURN(Project p, repo.GetProject(*quote.project_id));
  if (!p.external_ref || p.external_ref->rfind(kKeyedInRefPrefix, 0) != 0) return false;
  const std::string order_id = p.external_ref->substr(kKeyedInRefPrefix.size());
  SIGNX_ASSIGN_OR_RETURN(
      jobs::EnqueueResult job,
      queue.Enqueue(txn, {.type = std::string(kKeyedInPushJob),
                          .payload_json = http::ToJsonText(json::object{{"quote_id", quote.id}}),
                          .org_id = scope.org_id,
                          .max_attempts = 8,
                          .dedupe_key = quote.id}));
  SIGNX_RETURN_IF_ERROR(outbox
                            .Append(txn, {.type = std::string(events::kEstimateCreated),
                                          .org_id = scope.org_id,
                                          .subject_id = quote.id,
                                          .payload_json = http::ToJsonText(json::object{
                                              {"quote_id", quote.id},
                                              {"project_id", p.id},
                                              {"connector", std::string(kKeyedInConnector)},
                                              {"order_id", order_id},
                                              {"push_job_id", job.id},
                                              {"total_cost_cents", quote.total_cost_cents},
                                              {"price_cents", quote.price_cents}})})
                            .status());
  return true;
}

namespace {
struct KeyedInRuntime {
  std::shared_ptr<const http::HttpClient> client;
  events::Outbox outbox;
  KeyedInConnector connector;
  KeyedInRuntime(std::shared_ptr<const http::HttpClient> c, KeyedInOptions o)
      : client(std::move(c)), connector(*client, std::move(o)) {}
};
}  // namespace

Status RegisterKeyedInJobs(jobs::Queue& queue, const config::ConnectorsConfig& config,
                           std::shared_ptr<const http::HttpClient> client) {
  const std::string schedule_name = std::string(kKeyedInSyncJob);
  if (config.keyedin_base_url.empty()) {
    Status st = queue.RemoveRecurring(schedule_name);
    return st.code() == ErrorCode::kNotFound ? Status::Ok() : st;
  }
  auto rt = std::make_shared<KeyedInRuntime>(std::move(client), KeyedInOptionsFrom(config));
  queue.RegisterHandler(
      std::string(kKeyedInSyncJob),
      [rt, &queue](jobs::JobContext& ctx) -> Status {
        if (!ctx.org_id()) return InvalidArgument("estimating.keyedin_sync needs the job's org_id");
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        SIGNX_ASSIGN_OR_RETURN(SyncOutcome o, SyncOrdersInto(queue.store(), rt->outbox, &queue,
                                                             rt->connector, scope));
        ctx.SetResult(http::ToJsonText(json::object{{"fetched", o.fetched},
                                                     {"imported", o.imported},
                                                     {"skipped", o.skipped},
                                                     {"synced_until", o.synced_until}}));
        return Status::Ok();
      },
      {.max_concurrency = 1});
  queue.RegisterHandler(
      std::string(kKeyedInPushJob), [rt, &queue](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        auto payload = json::parse(ctx.payload(), ec);
        if (ec || !payload.is_object() || !payload.as_object().contains("quote_id") ||
            !payload.as_object().at("quote_id").is_string()) {
          return InvalidArgument("estimating.keyedin_push_estimate payload needs {\"quote_id\"}");
        }
        if (!ctx.org_id()) return InvalidArgument("push_estimate needs the job's org_id");
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        const std::string quote_id(payload.as_object().at("quote_id").as_string());
        SIGNX_ASSIGN_OR_RETURN(std::string order_id,
                               PushQuoteEstimate(queue.store(), rt->connector, scope, quote_id));
        ctx.SetResult(http::ToJsonText(json::object{{"quote_id", quote_id}, {"order_id", order_id}}));
        return Status::Ok();
      });
  return queue.ScheduleRecurring({.name = schedule_name,
                                  .type = std::string(kKeyedInSyncJob),
                                  .schedule = config.keyedin_sync_schedule,
                                  .org_id = config.keyedin_org_id});
}

}  // namespace signx::estimating
