#include "estimating/predict_routes.h"

#include <boost/json/parse.hpp>

#include "base/clock.h"
#include "http/handler.h"
#include "http/json.h"
#include "identity/scope.h"
#include "ml/model_routes.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

}  // namespace

void AddCostRoutes(http::Router& router, http::SchemaRegistry& schemas, CostService& service) {
  schemas.Add("CostPredictRequest", R"({"type": "object",
      "description": "A sign specification (the SignSpec fields and rules of seed 000: width_in and height_in 0 < x <= 600, wind_speed_mph 90..200, material aluminum|acm|steel|hdpe, optional drivers) plus optional context fields: region_index (site cost level 0.5..2.0, training median when absent), project_date (YYYY-MM-DD, the model's as-of date when absent) and shop_estimate_cents (the shop's own estimate of the total, a positive integer; selects the estimate-corrected model when the org's model has one).",
      "required": ["width_in", "height_in", "wind_speed_mph", "material"],
      "properties": {
        "width_in": {"type": "number"}, "height_in": {"type": "number"},
        "wind_speed_mph": {"type": "number"},
        "material": {"type": "string", "enum": ["aluminum", "acm", "steel", "hdpe"]},
        "region_index": {"type": "number", "minimum": 0.5, "maximum": 2.0},
        "project_date": {"type": "string", "format": "date"},
        "shop_estimate_cents": {"type": "integer", "minimum": 1, "maximum": 100000000000},
        "estimator_id": {"type": "string", "minLength": 1, "maxLength": 64, "description": "who made the shop estimate (estimators differ in bias); used with shop_estimate_cents"}},
      "additionalProperties": true})");
  schemas.Add("CostPrediction", R"({"type": "object",
      "required": ["result", "drivers", "confidence", "anomaly_score", "similar_projects",
                   "assumptions", "requires_engineering_review", "model_version", "trace"],
      "properties": {
        "result": {"type": "object", "properties": {
          "cost_cents": {"type": "integer"},
          "method": {"type": "string", "enum": ["spec_only", "estimate_corrected"]},
          "spec_only_cost_cents": {"type": "integer"},
          "interval": {"type": "object", "properties": {
            "p10_cents": {"type": "integer"}, "p90_cents": {"type": "integer"},
            "coverage": {"type": "number"}, "method": {"type": "string"}}},
          "breakdown": {"type": "object", "properties": {
            "labor_cents": {"type": "integer"}, "material_cents": {"type": "integer"},
            "equipment_cents": {"type": "integer"}, "overhead_cents": {"type": "integer"},
            "other_cents": {"type": "integer"}}}}},
        "drivers": {"type": "array", "items": {"type": "object", "properties": {
          "driver": {"type": "string"}, "value": {"type": "string"},
          "contribution_cents": {"type": "integer"}, "log_contribution": {"type": "number"}}}},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "anomaly_score": {"type": "number", "minimum": 0},
        "similar_projects": {"type": "array", "maxItems": 5,
          "description": "past jobs of the caller's org only (from its own cost model); empty when the org is priced by the platform default",
          "items": {"type": "object",
          "properties": {"id": {"type": "string"}, "project_date": {"type": "string"},
            "sign_type": {"type": "string"}, "width_in": {"type": "number"},
            "height_in": {"type": "number"}, "actual_cost_cents": {"type": "integer"},
            "distance": {"type": "number"}}}},
        "assumptions": {"type": "array", "items": {"type": "string"}},
        "requires_engineering_review": {"type": "boolean"},
        "engineering_review": {"type": "object"},
        "model_version": {"type": "string"},
        "trace": {"type": "object"}}})");
  router.Add("POST", "/v1/estimates/predict",
             {.summary = "Predict the cost of a sign from its specification",
              .description = "Cost with an 80% split-conformal interval, a labor/material/"
                             "equipment/overhead breakdown, the drivers (SHAP, in cents), an "
                             "anomaly score, the 5 most similar past jobs with their actual cost, "
                             "assumptions and a trace. With shop_estimate_cents: the estimate "
                             "corrected by a model of past jobs' actual / estimate "
                             "(result.method estimate_corrected); else the spec-only model "
                             "(spec_only, an assumption says so). The caller's org is priced by "
                             "its own "
                             "production cost model, else by the platform default; similar past "
                             "jobs come only from the org's own model (its own records), so an "
                             "answer of the platform default has none. Same spec and model "
                             "version give the same bytes. 422 names every invalid field.",
              .tags = {"estimates"},
              .permission = "estimates:predict",
              .request_schema = "CostPredictRequest",
              .response_schema = "CostPrediction",
              // ~70 us of CPU and no I/O of its own (the answer cache is in memory, the model
              // is loaded; the API-key lookup is cached): on the event loop, like lead scoring,
              // which saves two thread hand-offs per request. An org's own model is loaded by
              // its first request (LiveModel), then on that request's event-loop thread.
              .execution = http::Execution::kInline,
              .rate_limit_group = "predict"},
             http::Handle([&service](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               SIGNX_ASSIGN_OR_RETURN(auto text, service.PredictJson(scope.org_id, body));
               return Response::Json(200, std::move(text));
             }));

  ml::AddModelRoutes(
      router, schemas, service.registry(),
      {.prefix = "/v1/estimates/models",
       .model_name = std::string(kCostModelName),
       .title = "cost model",
       .tag = "estimates",
       .read_permission = "estimates:predict",
       .admin_permission = "estimates:admin",
       .train_command = "signx train cost",
       .in_use = [&service](const ml::Owner& owner) -> std::optional<ml::ModelInUse> {
         auto cur = service.For(owner.org_id());
         if (!cur.model) return std::nullopt;
         return ml::ModelInUse{cur.version, cur.platform && !owner.is_platform()};
       },
       .register_bundle =
           [&service](const ml::Owner& owner, std::string_view bundle, const std::string& actor) {
             return service.RegisterBundle(owner, bundle, actor);
           },
       .reload = [&service](const ml::Owner& owner) { return service.Reload(owner); }});
}

}  // namespace signx::estimating
