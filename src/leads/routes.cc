#include "leads/routes.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "ml/model_routes.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

Status NoModel() {
  return Status(ErrorCode::kUnavailable,
                "no lead-scoring model is in production yet: train one with `signx train leads "
                "--data <csv>`, then upload it (POST /v1/leads/models or `signx leads register "
                "--model <bundle> --promote`)");
}

Result<ScoreOptions> OptionsFrom(const Request& req) {
  ScoreOptions o;
  if (auto e = req.Query("explain")) {
    if (*e == "false" || *e == "0") {
      o.explain = false;
    } else if (*e != "true" && *e != "1") {
      return ValidationFailed({{"explain", "must be true or false"}});
    }
  }
  return o;
}

// What both scoring routes read first: the production scorer, ?explain and the JSON body.
struct ScoreInput {
  std::shared_ptr<const Scorer> scorer;
  ScoreOptions options;
  // The body in an arena of its own (one allocation, no per-value frees). Nothing keeps a
  // reference into it past the request: the lake rows get the body's text, the score log copies
  // the display values into objects of its own.
  http::ArenaJsonObject body;
};
Result<ScoreInput> ReadScoreInput(LeadsService& service, const Request& req) {
  // The caller's org's own lead model, else the platform default.
  auto scorer = service.Current(req.principal ? req.principal->org_id : "");
  if (!scorer) return NoModel();
  SIGNX_ASSIGN_OR_RETURN(const ScoreOptions options, OptionsFrom(req));
  // Constructed, not assigned: assigning an arena's object to one on the heap would copy it.
  SIGNX_ASSIGN_OR_RETURN(http::ArenaJsonObject body, http::ParseJsonObjectInArena(req));
  return ScoreInput{std::move(scorer), options, std::move(body)};
}

// Server-Timing header with the handler's time so far (parse, validate, score, serialize), in ms.
Response WithServerTiming(Response r, std::chrono::steady_clock::time_point started) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  r.headers.Set("Server-Timing", fmt::format("score;dur={:.3f}", ms));
  return r;
}

}  // namespace

void AddLeadRoutes(http::Router& router, http::SchemaRegistry& schemas, LeadsService& service) {
  schemas.Add("LeadScore", R"({"type": "object", "required": ["lead_id", "score", "bucket",
      "tier", "model_version"], "properties": {
      "lead_id": {"type": "string"},
      "score": {"type": "number", "minimum": 0, "maximum": 1},
      "bucket": {"type": "integer", "minimum": 1, "maximum": 5},
      "tier": {"type": "string", "enum": ["A", "B", "C", "D", "E"]},
      "model_version": {"type": "string"},
      "reasons": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string"}, "text": {"type": "string"},
        "contribution": {"type": "number"}}}},
      "unknown_categories": {"type": "integer"},
      "reasons_available": {"type": "boolean", "description": "present and false in the remote model mode (leads.model_mode=remote): the booster runs on another server, so no reasons"}}})");
  schemas.Add(
      "Lead",
      R"({"type": "object", "description": "One lead in the fields of the production model's schema (the shipped default: the X Education CRM export with snake_case names; GET /v1/leads/models/{version} shows the schema in use).",
      "required": ["lead_id"], "additionalProperties": true})");
  schemas.Add("LeadBatch", R"({"type": "object", "required": ["leads"], "properties": {
      "leads": {"type": "array", "maxItems": 10000, "items": {"$ref": "#/components/schemas/Lead"}}}})");
  schemas.Add("LeadScoreBatch", R"({"type": "object", "properties": {
      "model_version": {"type": "string"},
      "results": {"type": "array", "items": {"$ref": "#/components/schemas/LeadScore"}}}})");
  const std::vector<http::ParamDoc> explain_param = {
      {.name = "explain",
       .type = "boolean",
       .description = "include reasons (per-field SHAP contributions); default true"}};

  router.Add(
      "POST", "/v1/leads/score",
      {.summary = "Score one lead",
       .description = "Probability of conversion, bucket 1-5, tier A-E and the fields that "
                      "moved the score most (exact TreeSHAP values in log-odds, summed per "
                      "field). Same lead and model version give the same bytes.",
       .tags = {"leads"},
       .permission = "leads:score",
       .request_schema = "Lead",
       .response_schema = "LeadScore",
       .query_params = explain_param,
       // ~25 µs of CPU with reasons and no I/O of its own (the lake and the score log are
       // queues; the API-key lookup is cached): on the event loop, which saves two thread
       // hand-offs per request. A remote model is an HTTP call: remote mode scores on the
       // blocking pool.
       .execution = service.remote() ? http::Execution::kBlocking : http::Execution::kInline},
      http::Handle([&service](Request& req) -> Result<Response> {
        const auto started = std::chrono::steady_clock::now();
        SIGNX_ASSIGN_OR_RETURN(auto in, ReadScoreInput(service, req));
        SIGNX_ASSIGN_OR_RETURN(
            auto score, service.ScoreJson(*in.scorer, in.body.object, in.options, req.request_id));
        // The body is the lead: its text becomes the lake row's features as sent.
        service.LogToLake(req, in.scorer->bundle().schema, in.body.object, score, req.body);
        service.Record(
            {&score, 1},
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        std::string out;
        out.reserve(1024);
        AppendScoreJson(out, score, service.remote());
        return WithServerTiming(http::Response::Json(200, std::move(out)), started);
      }));

  router.Add(
      "POST", "/v1/leads/score/batch",
      {.summary = "Score up to 10,000 leads in one call",
       .description = "Every lead is validated first; errors name leads[i].field. "
                      "Nothing is scored when any lead is invalid. The Server-Timing "
                      "header gives the server time (score;dur=<ms>).",
       .tags = {"leads"},
       .permission = "leads:score",
       .max_body_bytes = 16 << 20,
       .request_schema = "LeadBatch",
       .response_schema = "LeadScoreBatch",
       .query_params = explain_param},
      http::Handle([&service](Request& req) -> Result<Response> {
        const auto started = std::chrono::steady_clock::now();
        SIGNX_ASSIGN_OR_RETURN(auto in, ReadScoreInput(service, req));
        const json::value* leads = in.body.object.if_contains("leads");
        if (!leads || !leads->is_array()) {
          return ValidationFailed({{"leads", "must be an array of leads"}});
        }
        const auto& arr = leads->as_array();
        if (arr.empty() || arr.size() > static_cast<std::size_t>(kMaxBatch)) {
          return ValidationFailed(
              {{"leads", fmt::format("must hold 1 to {} leads, got {}", kMaxBatch, arr.size())}});
        }
        SIGNX_ASSIGN_OR_RETURN(auto answer, service.ScoreBatch(*in.scorer, arr, in.options, req));
        service.Record(
            answer.tally,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        std::string out = std::move(answer.body);
        return WithServerTiming(http::Response::Json(200, std::move(out)), started);
      }));

  ml::AddModelRoutes(
      router, schemas, service.registry(),
      {.prefix = "/v1/leads/models",
       .model_name = std::string(kModelName),
       .title = "lead model",
       .tag = "leads",
       .read_permission = "leads:read",
       .admin_permission = "leads:admin",
       .train_command = "signx train leads",
       .in_use = [&service](const ml::Owner& owner) -> std::optional<ml::ModelInUse> {
         auto cur = service.InUseFor(owner.org_id());
         if (!cur) return std::nullopt;
         return ml::ModelInUse{cur->version, cur->platform_default && !owner.is_platform()};
       },
       .register_bundle =
           [&service](const ml::Owner& owner, std::string_view bundle, const std::string& actor) {
             return service.RegisterBundle(owner, bundle, actor);
           },
       .reload = [&service](const ml::Owner& owner) { return service.Reload(owner); }});
}

}  // namespace signx::leads
