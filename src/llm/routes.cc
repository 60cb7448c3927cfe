#include "llm/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/scope.h"
#include "llm/usage_store.h"

namespace signx::llm {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 366;

constexpr std::string_view kUsageSchema = R"j({"type": "object", "properties": {
  "org_id": {"type": "string"},
  "enabled": {"type": "boolean", "description": "an LLM is configured (llm.url); false = offline only"},
  "from": {"type": "string", "format": "date", "description": "first UTC day counted"},
  "to": {"type": "string", "format": "date", "description": "last UTC day counted (today)"},
  "totals": {"$ref": "#/components/schemas/LlmUsageCounts"},
  "fallbacks_by_reason": {"type": "object", "additionalProperties": {"type": "integer"},
    "description": "offline answers by outcome: timeout, server_error, client_error, unavailable, refused, invalid_answer, budget_exceeded, too_large, error"},
  "budget": {"type": "object", "properties": {
    "monthly_tokens": {"type": ["integer", "null"], "description": "llm.monthly_token_budget_per_org; null = none"},
    "used_this_month": {"type": "integer"},
    "remaining": {"type": ["integer", "null"]}}},
  "days": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/LlmUsageCounts"},
    {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}]}}}})j";

constexpr std::string_view kCountsSchema = R"j({"type": "object", "properties": {
  "calls": {"type": "integer", "description": "tasks routed to the LLM router"},
  "llm_answers": {"type": "integer", "description": "answered by the LLM server"},
  "cache_hits": {"type": "integer", "description": "answered from the org's LLM cache (no call, no tokens)"},
  "fallbacks": {"type": "integer", "description": "answered by the offline path"},
  "tokens_in": {"type": "integer"}, "tokens_out": {"type": "integer"},
  "cost_micro_usd": {"type": "integer", "description": "millionths of a US dollar"},
  "cost_usd": {"type": "number"}}})j";

json::object Counts(const DayUsage& d) {
  return {{"calls", d.calls},
          {"llm_answers", d.llm_answers},
          {"cache_hits", d.cache_hits},
          {"fallbacks", d.fallbacks},
          {"tokens_in", d.tokens_in},
          {"tokens_out", d.tokens_out},
          {"cost_micro_usd", d.cost_micro_usd},
          {"cost_usd", static_cast<double>(d.cost_micro_usd) / 1e6}};
}

std::string DayOf(Timestamp t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

}  // namespace

void AddLlmRoutes(http::Router& router, http::SchemaRegistry& schemas, storage::Store& store,
                  const Settings& settings, const Clock& clock) {
  schemas.Add("LlmUsageCounts", kCountsSchema);
  schemas.Add("LlmUsage", kUsageSchema);
  router.Add(
      "GET", "/v1/llm/usage",
      {.summary = "The org's use of the optional LLM by day: calls, cache hits, fallbacks, "
                  "tokens, cost",
       .description = "Counts every task the LLM router handled for the caller's org (documents "
                      "analysis): LLM answers, cache hits and offline fallbacks with their "
                      "reasons, tokens billed and their cost from the configured per-tier prices, "
                      "and the monthly token budget.",
       .tags = {"llm"},
       .permission = "documents:read",
       .response_schema = "LlmUsage",
       .query_params = {{.name = "days",
                         .type = "integer",
                         .description = "UTC days back, today included (1..366, default 30)"}}},
      http::Handle([&store, &settings, &clock](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        int days = kDefaultDays;
        if (auto v = req.Query("days")) {
          auto n = ParseInt(*v);
          if (!n || *n < 1 || *n > kMaxDays) {
            return http::BadQuery(
                {{"days", fmt::format("must be an integer between 1 and {}", kMaxDays)}});
          }
          days = static_cast<int>(*n);
        }
        const Timestamp now = clock.Now();
        const auto today = std::chrono::floor<std::chrono::days>(now);
        const Timestamp from = std::chrono::time_point_cast<std::chrono::microseconds>(
            today - std::chrono::days(days - 1));
        const Timestamp to =
            std::chrono::time_point_cast<std::chrono::microseconds>(today + std::chrono::days(1));
        std::vector<DayUsage> by_day;
        std::vector<std::pair<std::string, int64_t>> fallbacks;
        int64_t used = 0;
        SIGNX_RETURN_IF_ERROR(store.WithTxn(
            [&](storage::Txn& txn) -> Status {
              SIGNX_ASSIGN_OR_RETURN(by_day, UsageByDay(txn, scope.org_id, from, to));
              SIGNX_ASSIGN_OR_RETURN(fallbacks, FallbacksByOutcome(txn, scope.org_id, from, to));
              SIGNX_ASSIGN_OR_RETURN(used, TokensSince(txn, scope.org_id, MonthStart(now)));
              return Status::Ok();
            },
            {.read_only = true}));
        DayUsage total;
        json::array day_list;
        for (const auto& d : by_day) {
          total.calls += d.calls;
          total.llm_answers += d.llm_answers;
          total.cache_hits += d.cache_hits;
          total.fallbacks += d.fallbacks;
          total.tokens_in += d.tokens_in;
          total.tokens_out += d.tokens_out;
          total.cost_micro_usd += d.cost_micro_usd;
          json::object o = Counts(d);
          o["day"] = d.day;
          day_list.push_back(std::move(o));
        }
        json::object by_reason;
        for (const auto& [outcome, n] : fallbacks) by_reason[outcome] = n;
        const int64_t budget = settings.monthly_token_budget_per_org;
        json::object budget_obj{
            {"monthly_tokens", budget > 0 ? json::value(budget) : json::value(nullptr)},
            {"used_this_month", used},
            {"remaining",
             budget > 0 ? json::value(std::max<int64_t>(0, budget - used)) : json::value(nullptr)}};
        return http::JsonResponse(200, json::object{{"org_id", scope.org_id},
                                                    {"enabled", settings.enabled()},
                                                    {"from", DayOf(from)},
                                                    {"to", DayOf(now)},
                                                    {"totals", Counts(total)},
                                                    {"fallbacks_by_reason", by_reason},
                                                    {"budget", budget_obj},
                                                    {"days", day_list}});
      }));
}

}  // namespace signx::llm
