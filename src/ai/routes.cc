#include "ai/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/idempotency_key.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/roles.h"

namespace signx::ai {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

// The kinds the principal may read (jobs, results, models).
std::set<Kind> ReadableKinds(const http::Principal& p) {
  std::set<Kind> out;
  for (Kind k : kAllKinds) {
    if (p.Can(ReadPermission(k))) out.insert(k);
  }
  return out;
}

// ?model= (or ?kind=) narrowed to what the principal may read.
Result<std::set<Kind>> KindsQuery(const Request& req, std::string_view param,
                                  std::vector<FieldError>& bad) {
  std::set<Kind> kinds = ReadableKinds(*req.principal);
  if (auto q = req.Query(param)) {
    auto k = ParseKind(*q);
    if (!k) {
      bad.push_back({std::string(param), "lead, cost or forecast"});
      return kinds;
    }
    std::set<Kind> one;
    if (kinds.contains(*k)) one.insert(*k);
    return one;
  }
  return kinds;
}

Status MayRead(const http::Principal& p, Kind kind) {
  if (p.Can(ReadPermission(kind))) return Status::Ok();
  return Status(ErrorCode::kPermissionDenied,
                fmt::format("reading {} inference jobs needs the permission '{}'", KindName(kind),
                            ReadPermission(kind)));
}

constexpr std::string_view kJobSchema = R"j({"type": "object",
  "required": ["id", "model", "model_version", "model_owner", "status", "progress", "attempts",
               "metrics", "errors", "job_id", "input", "created_at", "results_url"],
  "properties": {
    "id": {"type": "string", "description": "inf_<ulid>"},
    "model": {"type": "string", "enum": ["lead", "cost", "forecast"]},
    "model_version": {"type": "string", "description": "the registry version the job runs (resolved when it was submitted; every attempt uses it)"},
    "model_owner": {"type": "string", "enum": ["org", "platform"]},
    "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "attempts": {"type": "integer"},
    "explain": {"type": "boolean"},
    "metrics": {"type": "object", "properties": {
      "rows": {"type": "integer", "description": "input rows"},
      "rows_done": {"type": "integer", "description": "rows answered so far (or with an error)"},
      "rows_failed": {"type": "integer", "description": "rows answered with errors instead of a result"},
      "wall_ms": {"type": ["integer", "null"], "description": "wall time of the attempt that succeeded"},
      "rows_per_s": {"type": ["number", "null"]}}},
    "errors": {"type": "array", "description": "the first 50 row errors, in row order", "items": {
      "type": "object", "properties": {"row": {"type": "integer", "description": "0-based input row"},
      "field": {"type": "string"}, "message": {"type": "string"}}}},
    "error": {"type": ["string", "null"], "description": "why the last attempt failed"},
    "job_id": {"type": "string", "description": "the ai.run_inference job on the queue (GET /v1/jobs/{id})"},
    "input": {"type": "object", "properties": {"sha256": {"type": "string"}, "bytes": {"type": "integer"}}},
    "created_by": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "started_at": {"type": ["string", "null"], "format": "date-time"},
    "finished_at": {"type": ["string", "null"], "format": "date-time"},
    "results_url": {"type": "string"}}})j";

constexpr std::string_view kResultSchema = R"j({"type": "object", "required": ["row", "ok"],
  "properties": {
    "row": {"type": "integer", "description": "0-based position in the input"},
    "ok": {"type": "boolean"},
    "output": {"type": "object", "description": "lead: {lead_id, score, bucket, tier, model_version, reasons, unknown_categories}; cost: {cost_cents, method, spec_only_cost_cents, interval {p10_cents, p90_cents, coverage, method}, breakdown, confidence, anomaly_score, anomalous, requires_engineering_review, model_version}; forecast: {method, horizon, period, level, point[], lower[], upper[], notes[]}"},
    "errors": {"type": "array", "items": {"type": "object", "properties": {
      "field": {"type": "string"}, "message": {"type": "string"}}}}}})j";

constexpr std::string_view kModelSchema = R"j({"type": "object",
  "required": ["kind", "version", "owner", "status", "in_use", "card", "created_at"],
  "properties": {
    "kind": {"type": "string", "enum": ["lead", "cost", "forecast"]},
    "version": {"type": "string"},
    "owner": {"type": "string", "enum": ["org", "platform"]},
    "status": {"type": "string", "enum": ["staging", "production", "archived"]},
    "in_use": {"type": "boolean", "description": "the version a job runs when it names none"},
    "card": {"type": "object", "description": "the model card"},
    "created_at": {"type": "string", "format": "date-time"},
    "promoted_at": {"type": ["string", "null"], "format": "date-time"}}})j";

std::string RequestSchema(Kind kind) {
  std::string row;
  switch (kind) {
    case Kind::kLead:
      row =
          R"j({"type": "object", "description": "a lead: the fields of the lead model's schema (as POST /v1/leads/score takes them)", "additionalProperties": true})j";
      break;
    case Kind::kCost:
      row =
          R"j({"type": "object", "description": "a sign spec as POST /v1/estimates/predict takes it", "required": ["width_in", "height_in", "wind_speed_mph", "material"], "additionalProperties": true})j";
      break;
    case Kind::kForecast:
      row = fmt::format(
          R"j({{"type": "object", "required": ["series", "horizon"], "properties": {{
            "series": {{"type": "array", "minItems": 1, "maxItems": {}, "items": {{"type": "number"}}, "description": "equally spaced history, oldest first"}},
            "horizon": {{"type": "integer", "minimum": 1, "maximum": {}}},
            "period": {{"type": "integer", "minimum": 1, "maximum": {}, "description": "seasonal period (1 = none, 7 daily data, 12 monthly, 24 hourly, 52 weekly); default 1"}}}}}})j",
          kMaxSeriesLength, kMaxHorizon, kMaxPeriod);
      break;
  }
  std::string extra =
      kind == Kind::kLead
          ? R"j(, "explain": {"type": "boolean", "description": "add reasons (exact TreeSHAP) to every score; default false"})j"
          : "";
  return fmt::format(
      R"j({{"type": "object", "required": ["input"], "properties": {{
        "version": {{"type": "string", "description": "a version id the org may use (its own or the platform's); default: the one serving the org"}},
        "input": {{"type": "array", "minItems": 1, "maxItems": {}, "items": {}}}{}}}}})j",
      kMaxInputRows, row, extra);
}

std::string_view SchemaName(Kind kind) {
  switch (kind) {
    case Kind::kLead:
      return "LeadInferenceRequest";
    case Kind::kCost:
      return "CostInferenceRequest";
    case Kind::kForecast:
      return "ForecastInferenceRequest";
  }
  return "LeadInferenceRequest";
}

std::string_view KindSummary(Kind kind) {
  switch (kind) {
    case Kind::kLead:
      return "Score a batch of leads in the background (score, bucket, tier; reasons with "
             "explain)";
    case Kind::kCost:
      return "Predict the cost of a batch of sign specs in the background (cost and 80% interval)";
    case Kind::kForecast:
      return "Forecast a batch of series in the background (automatic method selection, "
             "intervals)";
  }
  return "";
}

}  // namespace

void AddAiRoutes(http::Router& router, http::SchemaRegistry& schemas, AiService& svc) {
  schemas.Add("InferenceJob", kJobSchema);
  schemas.Add("InferenceJobList", http::ListSchema("InferenceJob"));
  schemas.Add("InferenceResult", kResultSchema);
  schemas.Add("InferenceResultList", http::ListSchema("InferenceResult"));
  schemas.Add("AiModel", kModelSchema);
  schemas.Add("AiModelList", http::ListSchema("AiModel"));

  std::vector<http::ParamDoc> model_params = http::PageParams();
  model_params.push_back({.name = "kind", .description = "lead, cost or forecast"});
  model_params.push_back({.name = "status", .description = "staging, production or archived"});
  router.Add(
      "GET", "/v1/ai/models",
      {.summary = "The models the caller's org can run: its own versions and the platform's",
       .description =
           "A view of the one model registry (the same versions as /v1/leads/models and "
           "/v1/estimates/models, plus the forecast model), for the kinds the caller may read "
           "(lead: leads:read, cost: estimates:predict, forecast: operations:read). in_use marks "
           "the version a job runs when it names none: the org's production version, else the "
           "platform default.",
       .tags = {"ai"},
       .permission = std::string(identity::kAnyAuthenticated),
       .response_schema = "AiModelList",
       .query_params = model_params},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        const auto pq = http::ReadPageQuery(req, bad, {}, [](std::string_view c) {
          return Split(c, '|').size() == 3 && c.size() <= 400;
        });
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(std::set<Kind> kinds, KindsQuery(req, "kind", bad));
        std::optional<std::string> status;
        if (auto s = req.Query("status")) {
          if (*s != "staging" && *s != "production" && *s != "archived") {
            bad.push_back({"status", "staging, production or archived"});
          } else {
            status = std::string(*s);
          }
        }
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(auto page, svc.Models(scope, kinds, status, pq.cursor, pq.limit));
        json::array items;
        for (const auto& m : page.items) items.push_back(ToJson(m));
        return http::ListResponse(std::move(items), page.next_cursor);
      }));

  for (Kind kind : kAllKinds) {
    schemas.Add(std::string(SchemaName(kind)), RequestSchema(kind));
    router.Add(
        "POST", fmt::format("/v1/ai/models/{}/inference-jobs", KindName(kind)),
        {.summary = std::string(KindSummary(kind)),
         .description = fmt::format(
             "Queues one durable {} job (retried up to 3 attempts) that runs the {} model on "
             "every row of `input` and answers 202 with the job (Location: its URL). The model "
             "version is the one named (`version`: the org's own, else the platform's) or the "
             "one serving the org; every attempt runs that version. At most {} rows and {} MiB; "
             "a larger body is 413, a malformed body 422 naming the field (`input`, `input[i]`, "
             "`version`). A row whose fields are invalid is answered with its errors and counted "
             "in rows_failed; it does not fail the job. 503 when no {} model serves the org. "
             "Idempotency-Key: a repeat answers 200 with the earlier job.",
             kRunInferenceJob, KindName(kind), kMaxInputRows, kMaxBodyBytes >> 20, KindName(kind)),
         .tags = {"ai"},
         .permission = std::string(RunPermission(kind)),
         .max_body_bytes = kMaxBodyBytes,
         .request_schema = std::string(SchemaName(kind)),
         .response_schema = "InferenceJob",
         .success_status = 202},
        http::Handle([&svc, kind](Request& req) -> Result<Response> {
          SIGNX_RETURN_IF_ERROR(identity::OrgScope(req.principal).status());
          SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
          SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
          SIGNX_ASSIGN_OR_RETURN(SubmitRequest request, ParseSubmitRequest(kind, body));
          SIGNX_ASSIGN_OR_RETURN(Submitted out,
                                 svc.Submit(*req.principal, req.request_id, kind, request, key));
          Response r = http::JsonResponse(out.created ? 202 : 200, ToJson(out.job, {}));
          r.headers.Set("Location", "/v1/ai/inference-jobs/" + out.job.id);
          return r;
        }));
  }

  std::vector<http::ParamDoc> list_params = http::PageParams();
  list_params.push_back({.name = "model", .description = "lead, cost or forecast"});
  router.Add("GET", "/v1/ai/inference-jobs",
             {.summary = "The org's inference jobs, newest first",
              .description = "Only the kinds the caller may read (lead: leads:read, cost: "
                             "estimates:predict, forecast: operations:read).",
              .tags = {"ai"},
              .permission = "jobs:read",
              .response_schema = "InferenceJobList",
              .query_params = list_params},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("inf"));
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(std::set<Kind> kinds, KindsQuery(req, "model", bad));
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(auto page, svc.List(scope, kinds, pq.cursor, pq.limit));
               json::array items;
               for (const auto& j : page.items) items.push_back(ToJson(j, {}));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("GET", "/v1/ai/inference-jobs/{id}",
             {.summary = "One inference job: status, progress, execution metrics, row errors",
              .description = "status queued → running → succeeded | failed; metrics rows, "
                             "rows_done, rows_failed, wall_ms, rows_per_s; the first 50 row "
                             "errors (row, field, message); the model version it runs. Another "
                             "org's job is 404. Reading a kind needs its read permission too.",
              .tags = {"ai"},
              .permission = "jobs:read",
              .response_schema = "InferenceJob"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(JobView v, svc.Get(scope, req.PathParam("id")));
               SIGNX_RETURN_IF_ERROR(MayRead(*req.principal, v.job.kind));
               return http::JsonResponse(200, ToJson(v.job, v.errors));
             }));

  std::vector<http::ParamDoc> result_params =
      http::PageParams({.default_limit = 100, .max_limit = 1000});
  router.Add(
      "GET", "/v1/ai/inference-jobs/{id}/results",
      {.summary = "An inference job's answers, one per input row, in input order",
       .description = "Each item is {row, ok, output} or {row, ok: false, errors}. While the job "
                      "runs, the rows answered so far; a retried attempt replaces the rows of the "
                      "one before it (never twice the same row). cursor = the last row of the "
                      "previous page.",
       .tags = {"ai"},
       .permission = "jobs:read",
       .response_schema = "InferenceResultList",
       .query_params = result_params},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        const auto pq = http::ReadPageQuery(req, bad, {.default_limit = 100, .max_limit = 1000},
                                            [](std::string_view c) {
                                              auto n = ParseInt(c);
                                              return n && *n >= 0;
                                            });
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(JobView v, svc.Get(scope, id));
        SIGNX_RETURN_IF_ERROR(MayRead(*req.principal, v.job.kind));
        const int64_t after = pq.cursor.empty() ? -1 : static_cast<int64_t>(*ParseInt(pq.cursor));
        SIGNX_ASSIGN_OR_RETURN(auto page, svc.Results(scope, id, after, pq.limit));
        json::array items;
        items.reserve(page.items.size());
        for (const auto& r : page.items) items.push_back(ToJson(r));
        return http::ListResponse(std::move(items), page.next_cursor);
      }));
}

}  // namespace signx::ai
