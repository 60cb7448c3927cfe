// The planning routes of operations: forecast runs, an item's forecast and accuracy, alerts and
// alert rules (mounted by AddOperationsRoutes; listed in routes.h).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/idempotency_key.h"
#include "http/json.h"
#include "http/pagination.h"
#include "operations/routes.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;
using identity::TenantScope;

constexpr std::string_view kRunSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "fcr_<ulid>"},
  "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
  "horizon": {"type": "integer"}, "period": {"type": "integer"}, "level": {"type": "number"},
  "items": {"type": "integer", "description": "items forecast"},
  "skipped": {"type": "integer", "description": "items without demand history (or whose history could not be forecast)"},
  "job_id": {"type": ["string", "null"]}, "message": {"type": ["string", "null"]},
  "created_by": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"},
  "completed_at": {"type": ["string", "null"], "format": "date-time"}}})j";

constexpr std::string_view kRunInputSchema = R"j({"type": "object", "additionalProperties": false,
  "properties": {"horizon": {"type": "integer", "minimum": 1, "maximum": 366, "description": "days ahead (default 28; an item's lead time raises it)"},
  "period": {"type": "integer", "minimum": 1, "maximum": 366, "description": "seasonal period in days (default 7)"},
  "level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "description": "interval coverage (default 0.8)"}}})j";

constexpr std::string_view kItemForecastSchema = R"j({"type": "object", "properties": {
  "run_id": {"type": "string"}, "item_id": {"type": "string"},
  "model": {"type": "string", "description": "the method forecast::AutoForecast chose"},
  "version": {"type": "string"}, "level": {"type": "number"}, "notes": {"type": ["string", "null"]},
  "points": {"type": "array", "items": {"type": "object", "properties": {
    "step": {"type": "integer"}, "day": {"type": "string", "format": "date"},
    "point": {"type": "number"}, "lower": {"type": "number"}, "upper": {"type": "number"}}}}}})j";

constexpr std::string_view kAccuracySchema = R"j({"type": "object", "properties": {
  "item_id": {"type": "string"},
  "items": {"type": "array", "description": "newest run first", "items": {"type": "object", "properties": {
    "run_id": {"type": "string"}, "item_id": {"type": "string"}, "model": {"type": "string"},
    "points": {"type": "integer"}, "mape": {"type": ["number", "null"], "description": "percent"},
    "mase": {"type": ["number", "null"]}, "bias": {"type": "number", "description": "mean(forecast - actual)"},
    "computed_at": {"type": "string", "format": "date-time"}}}}}})j";

constexpr std::string_view kAlertSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "alr_<ulid>"}, "item_id": {"type": "string"}, "sku": {"type": "string"},
  "rule": {"type": "string", "enum": ["stockout", "accuracy_degraded", "demand_spike", "demand_drop"]},
  "severity": {"type": "string", "enum": ["warning", "critical"]},
  "status": {"type": "string", "enum": ["open", "acknowledged", "resolved"]},
  "message": {"type": "string"}, "details": {"type": "object"}, "run_id": {"type": ["string", "null"]},
  "opened_at": {"type": "string", "format": "date-time"},
  "acknowledged_by": {"type": ["string", "null"]}, "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
  "resolved_by": {"type": ["string", "null"]}, "resolved_at": {"type": ["string", "null"], "format": "date-time"},
  "version": {"type": "integer"}}})j";

constexpr std::string_view kRuleSchema = R"j({"type": "object", "properties": {
  "rule": {"type": "string", "enum": ["stockout", "accuracy_degraded", "demand_spike", "demand_drop"]},
  "enabled": {"type": "boolean"},
  "params": {"type": "object", "description": "accuracy_degraded: max_mase (1.5), min_points (7); demand_spike/drop: factor (1.0); stockout: none"}}})j";

constexpr std::string_view kRuleInputSchema = R"j({"type": "object", "additionalProperties": false,
  "properties": {"enabled": {"type": "boolean"}, "params": {"type": "object"}}})j";

json::object RuleJson(const RuleConfig& c) {
  return {{"rule", RuleName(c.rule)}, {"enabled", c.enabled}, {"params", ParamsJson(c)}};
}

Response RulesResponse(const std::vector<RuleConfig>& rules) {
  json::array items;
  for (const auto& r : rules) items.push_back(RuleJson(r));
  return http::JsonResponse(200, json::object{{"items", std::move(items)}});
}

}  // namespace

void AddPlanningRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       OperationsService& svc) {
  schemas.Add("ForecastRun", kRunSchema);
  schemas.Add("ForecastRunInput", kRunInputSchema);
  schemas.Add("ForecastRunList", http::ListSchema("ForecastRun"));
  schemas.Add("ItemForecast", kItemForecastSchema);
  schemas.Add("ItemAccuracy", kAccuracySchema);
  schemas.Add("ForecastAlert", kAlertSchema);
  schemas.Add("ForecastAlertList", http::ListSchema("ForecastAlert"));
  schemas.Add("ForecastAlertRule", kRuleSchema);
  schemas.Add("ForecastAlertRuleInput", kRuleInputSchema);
  schemas.Add("ForecastAlertRules", R"j({"type": "object", "properties": {"items": {"type": "array",
      "items": {"$ref": "#/components/schemas/ForecastAlertRule"}}}})j");
  const std::vector<http::ParamDoc> page_params = http::PageParams();

  router.Add("POST", "/v1/forecast-runs",
             {.summary = "Forecast every item of the org (a background job)",
              .description = "Queues operations.forecast_run: per item with consumption history, "
                             "the daily demand is forecast with forecast::AutoForecast, the "
                             "previous forecast is scored against the actuals (MAPE, MASE, bias) "
                             "and the alert rules are evaluated. 202 with the run; poll it. "
                             "Idempotency-Key: a repeat answers 200 with the first call's run.",
              .tags = {"operations"},
              .permission = "operations:write",
              .request_schema = "ForecastRunInput",
              .response_schema = "ForecastRun",
              .success_status = 202},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               json::object body;
               if (!Trim(req.body).empty()) {
                 SIGNX_ASSIGN_OR_RETURN(body, http::ParseJsonObject(req));
               }
               int horizon = 28, period = 7;
               double level = 0.8;
               std::vector<FieldError> bad;
               for (const auto& [k, v] : body) {
                 std::error_code ec;
                 if (k == "horizon" || k == "period") {
                   const int64_t n = v.is_number() ? v.to_number<int64_t>(ec) : 0;
                   if (!v.is_number() || ec) {
                     bad.push_back({std::string(k), "must be an integer"});
                   } else {
                     (k == "horizon" ? horizon : period) =
                         static_cast<int>(std::clamp<int64_t>(n, -1, 100000));
                   }
                 } else if (k == "level") {
                   if (!v.is_number()) {
                     bad.push_back({"level", "must be a number"});
                   } else {
                     level = v.to_number<double>();
                   }
                 } else {
                   bad.push_back({std::string(k), "unknown field"});
                 }
               }
               if (!bad.empty()) return ValidationFailed(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
               bool replayed = false;
               SIGNX_ASSIGN_OR_RETURN(ForecastRun run,
                                      svc.StartRun(scope, horizon, period, level, key, &replayed));
               Response r = http::JsonResponse(replayed ? 200 : 202, ToJson(run));
               r.headers.Set("Location", "/v1/forecast-runs/" + run.id);
               return r;
             }));

  router.Add("GET", "/v1/forecast-runs",
             {.summary = "Forecast runs, newest first",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ForecastRunList",
              .query_params = page_params},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("fcr"));
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListRuns(scope, {pq.limit, pq.cursor}));
               json::array items;
               for (const auto& r : page.items) items.push_back(ToJson(r));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("GET", "/v1/forecast-runs/{id}",
             {.summary = "One forecast run",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ForecastRun"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(ForecastRun r, svc.GetRun(scope, req.PathParam("id")));
               return http::JsonResponse(200, ToJson(r));
             }));

  router.Add("GET", "/v1/items/{id}/forecast",
             {.summary = "The item's latest forecast (daily point and interval)",
              .description = "404 when no run has forecast the item yet.",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ItemForecast"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               SIGNX_ASSIGN_OR_RETURN(auto f, svc.LatestForecast(scope, id));
               if (!f) return NotFound(fmt::format("no forecast of item {} yet", id));
               return http::JsonResponse(200, ToJson(*f));
             }));

  router.Add(
      "GET", "/v1/items/{id}/accuracy",
      {.summary = "The item's forecast accuracy per run and model (MAPE, MASE, bias)",
       .tags = {"operations"},
       .permission = "operations:read",
       .response_schema = "ItemAccuracy",
       .query_params = {{.name = "limit",
                         .type = "integer",
                         .description = "1..200 (default 50)"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        int limit = 50;
        if (auto v = req.Query("limit")) {
          auto n = ParseInt(*v);
          if (!n || *n < 1 || *n > 200) {
            return http::BadQuery({{"limit", "an integer from 1 to 200"}});
          }
          limit = static_cast<int>(*n);
        }
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(auto rows, svc.AccuracyHistory(scope, id, limit));
        json::array items;
        for (const auto& a : rows) items.push_back(ToJson(a));
        return http::JsonResponse(200, json::object{{"item_id", id}, {"items", std::move(items)}});
      }));

  router.Add("GET", "/v1/forecast-alerts",
             {.summary = "Alerts, newest first (open and acknowledged unless status= or all=true)",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ForecastAlertList",
              .query_params = {{.name = "status", .description = "open, acknowledged or resolved"},
                               {.name = "all", .type = "boolean", .description = "every status"},
                               {.name = "item_id", .description = "one item's alerts"},
                               page_params[0],
                               page_params[1]}},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               AlertQuery q;
               const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("alr"));
               q.limit = pq.limit;
               q.cursor = pq.cursor;
               if (auto s = req.Query("status")) {
                 if (*s != kAlertOpen && *s != kAlertAcknowledged && *s != kAlertResolved) {
                   bad.push_back({"status", "open, acknowledged or resolved"});
                 } else {
                   q.status = std::string(*s);
                 }
               }
               if (auto a = req.Query("all")) {
                 auto b = ParseBool(*a);
                 if (!b) {
                   bad.push_back({"all", "must be true or false"});
                 } else {
                   q.all = *b;
                 }
               }
               if (auto v = req.Query("item_id"); v && !v->empty()) q.item_id = std::string(*v);
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListAlerts(scope, q));
               json::array items;
               for (const auto& a : page.items) items.push_back(ToJson(a));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("GET", "/v1/forecast-alerts/{id}",
             {.summary = "One alert",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ForecastAlert"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(Alert a, svc.GetAlert(scope, req.PathParam("id")));
               return http::JsonResponse(200, ToJson(a));
             }));

  for (const bool ack : {true, false}) {
    router.Add("POST",
               ack ? "/v1/forecast-alerts/{id}/acknowledge" : "/v1/forecast-alerts/{id}/resolve",
               {.summary = ack ? "Acknowledge an open alert (records who and when)"
                               : "Resolve an open or acknowledged alert (records who and when)",
                .description = "409 when the alert is not in a state this step leaves from.",
                .tags = {"operations"},
                .permission = "operations:write",
                .response_schema = "ForecastAlert"},
               http::Handle([&svc, ack](Request& req) -> Result<Response> {
                 SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
                 const std::string id(req.PathParam("id"));
                 SIGNX_ASSIGN_OR_RETURN(
                     Alert a, ack ? svc.AcknowledgeAlert(scope, id) : svc.ResolveAlert(scope, id));
                 return http::JsonResponse(200, ToJson(a));
               }));
  }

  router.Add("GET", "/v1/forecast-alert-rules",
             {.summary = "The org's alert rules (stored settings over the defaults)",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ForecastAlertRules"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto rules, svc.AlertRules(scope));
               return RulesResponse(rules);
             }));

  router.Add("PUT", "/v1/forecast-alert-rules/{rule}",
             {.summary = "Enable, disable or tune one alert rule",
              .description = "rule: stockout, accuracy_degraded, demand_spike or demand_drop. "
                             "Answers every rule.",
              .tags = {"operations"},
              .permission = "operations:write",
              .request_schema = "ForecastAlertRuleInput",
              .response_schema = "ForecastAlertRules"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               auto rule = ParseRule(req.PathParam("rule"));
               if (!rule) {
                 return NotFound(fmt::format("no alert rule {}", req.PathParam("rule")));
               }
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               SIGNX_ASSIGN_OR_RETURN(auto current, svc.AlertRules(scope));
               RuleConfig base = DefaultRule(*rule);
               for (const auto& c : current) {
                 if (c.rule == *rule) base = c;
               }
               std::vector<FieldError> bad;
               bool enabled = base.enabled;
               json::object params = ParamsJson(base);
               for (const auto& [k, v] : body) {
                 if (k == "enabled") {
                   if (!v.is_bool()) {
                     bad.push_back({"enabled", "must be a boolean"});
                   } else {
                     enabled = v.get_bool();
                   }
                 } else if (k == "params") {
                   if (!v.is_object()) {
                     bad.push_back({"params", "must be an object"});
                   } else {
                     for (const auto& [pk, pv] : v.get_object()) params[pk] = pv;
                   }
                 } else {
                   bad.push_back({std::string(k), "unknown field"});
                 }
               }
               if (!bad.empty()) return ValidationFailed(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(RuleConfig c, RuleFromJson(*rule, enabled, params));
               SIGNX_ASSIGN_OR_RETURN(auto rules, svc.SaveAlertRule(scope, c));
               return RulesResponse(rules);
             }));
}

}  // namespace signx::operations
