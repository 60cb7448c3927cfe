#include "estimating/predict_routes.h"

#include <boost/json/parse.hpp>

#include "base/clock.h"
#include "http/json.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using http::ErrorResponse;
using http::Request;
using http::Response;

json::object VersionJson(const ml::ModelVersion& v, bool with_card) {
  json::object o{{"name", v.name},
                 {"version", v.version},
                 {"state", v.state},
                 {"size_bytes", v.size_bytes},
                 {"created_by", v.created_by},
                 {"created_at", FormatRfc3339(v.created_at)},
                 {"promoted_at", v.promoted_at ? json::value(FormatRfc3339(*v.promoted_at))
                                               : json::value(nullptr)}};
  if (with_card) {
    boost::system::error_code ec;
    auto card = json::parse(v.card_json, ec);
    o["card"] = ec ? json::value(nullptr) : std::move(card);
  }
  return o;
}

std::string Actor(const Request& req) {
  return req.principal ? req.principal->subject_id : std::string("anonymous");
}

}  // namespace

void AddCostRoutes(http::Router& router, http::SchemaRegistry& schemas, CostService& service) {
  schemas.Add("CostPredictRequest", R"({"type": "object",
      "description": "A sign specification (the SignSpec fields and rules of seed 000: width_in and height_in 0 < x <= 600, wind_speed_mph 90..200, material aluminum|acm|steel|hdpe, optional drivers) plus two optional context fields: region_index (site cost level 0.5..2.0, training median when absent) and project_date (YYYY-MM-DD, the model's as-of date when absent).",
      "required": ["width_in", "height_in", "wind_speed_mph", "material"],
      "properties": {
        "width_in": {"type": "number"}, "height_in": {"type": "number"},
        "wind_speed_mph": {"type": "number"},
        "material": {"type": "string", "enum": ["aluminum", "acm", "steel", "hdpe"]},
        "region_index": {"type": "number", "minimum": 0.5, "maximum": 2.0},
        "project_date": {"type": "string", "format": "date"}},
      "additionalProperties": true})");
  schemas.Add("CostPrediction", R"({"type": "object",
      "required": ["result", "drivers", "confidence", "anomaly_score", "similar_projects",
                   "assumptions", "requires_engineering_review", "model_version", "trace"],
      "properties": {
        "result": {"type": "object", "properties": {
          "cost_cents": {"type": "integer"},
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
        "similar_projects": {"type": "array", "maxItems": 5, "items": {"type": "object",
          "properties": {"id": {"type": "string"}, "project_date": {"type": "string"},
            "sign_type": {"type": "string"}, "width_in": {"type": "number"},
            "height_in": {"type": "number"}, "actual_cost_cents": {"type": "integer"},
            "distance": {"type": "number"}}}},
        "assumptions": {"type": "array", "items": {"type": "string"}},
        "requires_engineering_review": {"type": "boolean"},
        "engineering_review": {"type": "object"},
        "model_version": {"type": "string"},
        "trace": {"type": "object"}}})");
  schemas.Add("CostModelVersion", R"({"type": "object", "properties": {
      "name": {"type": "string"}, "version": {"type": "string"},
      "state": {"type": "string", "enum": ["staging", "production", "archived"]},
      "size_bytes": {"type": "integer"}, "created_by": {"type": "string"},
      "created_at": {"type": "string", "format": "date-time"},
      "promoted_at": {"type": ["string", "null"], "format": "date-time"},
      "card": {"type": "object"}}})");
  schemas.Add("CostModelVersionList", R"({"type": "object", "properties": {
      "in_use": {"type": ["string", "null"]},
      "versions": {"type": "array", "items": {"$ref": "#/components/schemas/CostModelVersion"}}}})");

  router.Add("POST", "/v1/estimates/predict",
             {.summary = "Predict the cost of a sign from its specification",
              .description = "Cost with an 80% split-conformal interval, a labor/material/"
                             "equipment/overhead breakdown, the drivers (SHAP, in cents), an "
                             "anomaly score, the 5 most similar past jobs with their actual cost, "
                             "assumptions and a trace. Same spec and model version give the same "
                             "bytes. 422 names every invalid field.",
              .tags = {"estimates"},
              .permission = "estimates:predict",
              .request_schema = "CostPredictRequest",
              .response_schema = "CostPrediction"},
             [&service](Request& req) -> Response {
               auto body = http::ParseJsonObject(req);
               if (!body.ok()) return ErrorResponse(body.status(), req.request_id);
               auto text = service.PredictJson(*body);
               if (!text.ok()) return ErrorResponse(text.status(), req.request_id);
               return Response::Json(200, std::move(text).value());
             });

  router.Add("GET", "/v1/estimates/models",
             {.summary = "Cost model versions, newest first, and the one in use",
              .tags = {"estimates"},
              .permission = "estimates:predict",
              .response_schema = "CostModelVersionList"},
             [&service](Request& req) -> Response {
               auto list = service.registry().List(std::string(kCostModelName));
               if (!list.ok()) return ErrorResponse(list.status(), req.request_id);
               json::array versions;
               for (const auto& v : *list) versions.push_back(VersionJson(v, false));
               auto cur = service.Current();
               return http::JsonResponse(
                   200, json::object{{"in_use", cur ? json::value(cur->bundle().model_version)
                                                    : json::value(nullptr)},
                                     {"versions", std::move(versions)}});
             });

  router.Add("GET", "/v1/estimates/models/{version}",
             {.summary = "One cost model version with its model card",
              .tags = {"estimates"},
              .permission = "estimates:predict",
              .response_schema = "CostModelVersion"},
             [&service](Request& req) -> Response {
               auto v = service.registry().Get(std::string(kCostModelName),
                                               std::string(req.PathParam("version")));
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               return http::JsonResponse(200, VersionJson(*v, true));
             });

  router.Add("POST", "/v1/estimates/models",
             {.summary = "Upload a cost model bundle (from `signx train cost`) as staging",
              .tags = {"estimates"},
              .permission = "estimates:admin",
              .max_body_bytes = 256 << 20,
              .response_schema = "CostModelVersion",
              .success_status = 201},
             [&service](Request& req) -> Response {
               auto v = service.RegisterBundle(req.body, Actor(req));
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               return http::JsonResponse(201, VersionJson(*v, false));
             });

  router.Add("POST", "/v1/estimates/models/{version}/promote",
             {.summary = "Make a cost model version production (every replica switches to it)",
              .tags = {"estimates"},
              .permission = "estimates:admin",
              .response_schema = "CostModelVersion"},
             [&service](Request& req) -> Response {
               auto v = service.registry().Promote(std::string(kCostModelName),
                                                   std::string(req.PathParam("version")));
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               if (Status st = service.Reload(); !st.ok()) {
                 return ErrorResponse(st, req.request_id);
               }
               return http::JsonResponse(200, VersionJson(*v, false));
             });

  router.Add("POST", "/v1/estimates/models/rollback",
             {.summary = "Return to the previous production cost model",
              .tags = {"estimates"},
              .permission = "estimates:admin",
              .response_schema = "CostModelVersion"},
             [&service](Request& req) -> Response {
               auto v = service.registry().Rollback(std::string(kCostModelName));
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               if (Status st = service.Reload(); !st.ok()) {
                 return ErrorResponse(st, req.request_id);
               }
               return http::JsonResponse(200, VersionJson(*v, false));
             });
}

}  // namespace signx::estimating
