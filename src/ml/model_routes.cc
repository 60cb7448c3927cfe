#include "ml/model_routes.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <memory>

#include "http/json.h"

namespace signx::ml {
namespace {

namespace json = boost::json;
using http::ErrorResponse;
using http::Request;
using http::Response;

json::object VersionJson(const ModelVersion& v, bool with_card) {
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

void AddModelRoutes(http::Router& router, http::SchemaRegistry& schemas, ModelRegistry& registry,
                    ModelRoutesSpec spec_in) {
  if (!schemas.Has("ModelVersion")) {
    schemas.Add("ModelVersion", R"({"type": "object", "properties": {
        "name": {"type": "string"}, "version": {"type": "string"},
        "state": {"type": "string", "enum": ["staging", "production", "archived"]},
        "size_bytes": {"type": "integer"}, "created_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "promoted_at": {"type": ["string", "null"], "format": "date-time"},
        "card": {"type": "object"}}})");
    schemas.Add("ModelVersionList", R"({"type": "object", "properties": {
        "in_use": {"type": ["string", "null"]},
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/ModelVersion"}}}})");
  }
  auto spec = std::make_shared<const ModelRoutesSpec>(std::move(spec_in));
  const std::string& p = spec->prefix;

  router.Add("GET", p,
             {.summary = fmt::format("Versions of the {}, newest first, and the one in use",
                                     spec->title),
              .tags = {spec->tag},
              .permission = spec->read_permission,
              .response_schema = "ModelVersionList"},
             [&registry, spec](Request& req) -> Response {
               auto list = registry.List(spec->model_name);
               if (!list.ok()) return ErrorResponse(list.status(), req.request_id);
               json::array versions;
               for (const auto& v : *list) versions.push_back(VersionJson(v, false));
               auto cur = spec->in_use();
               return http::JsonResponse(
                   200, json::object{{"in_use", cur ? json::value(*cur) : json::value(nullptr)},
                                     {"versions", std::move(versions)}});
             });

  router.Add("GET", p + "/{version}",
             {.summary = fmt::format("One {} version with its model card", spec->title),
              .tags = {spec->tag},
              .permission = spec->read_permission,
              .response_schema = "ModelVersion"},
             [&registry, spec](Request& req) -> Response {
               auto v = registry.Get(spec->model_name, std::string(req.PathParam("version")));
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               return http::JsonResponse(200, VersionJson(*v, true));
             });

  router.Add("POST", p,
             {.summary = fmt::format("Upload a trained {} bundle (from `{}`) as staging",
                                     spec->title, spec->train_command),
              .tags = {spec->tag},
              .permission = spec->admin_permission,
              .max_body_bytes = 256 << 20,
              .response_schema = "ModelVersion",
              .success_status = 201},
             [spec](Request& req) -> Response {
               auto v = spec->register_bundle(req.body, Actor(req));
               if (!v.ok() && v.status().code() == ErrorCode::kDataLoss) {
                 // The parsers call a bundle that fails its integrity checks "data loss", which
                 // is right for a stored one; an uploaded one is the client's bad input.
                 return ErrorResponse(ValidationFailed({{"body", std::string(v.status().message())}},
                                                       "the uploaded bundle is not valid"),
                                      req.request_id);
               }
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               return http::JsonResponse(201, VersionJson(*v, false));
             });

  router.Add("POST", p + "/{version}/promote",
             {.summary = fmt::format("Make a {} version production (every replica switches to it)",
                                     spec->title),
              .tags = {spec->tag},
              .permission = spec->admin_permission,
              .response_schema = "ModelVersion"},
             [&registry, spec](Request& req) -> Response {
               auto v = registry.Promote(spec->model_name, std::string(req.PathParam("version")));
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               if (Status st = spec->reload(); !st.ok()) return ErrorResponse(st, req.request_id);
               return http::JsonResponse(200, VersionJson(*v, false));
             });

  router.Add("POST", p + "/rollback",
             {.summary = fmt::format("Return to the previous production {}", spec->title),
              .tags = {spec->tag},
              .permission = spec->admin_permission,
              .response_schema = "ModelVersion"},
             [&registry, spec](Request& req) -> Response {
               auto v = registry.Rollback(spec->model_name);
               if (!v.ok()) return ErrorResponse(v.status(), req.request_id);
               if (Status st = spec->reload(); !st.ok()) return ErrorResponse(st, req.request_id);
               return http::JsonResponse(200, VersionJson(*v, false));
             });
}

}  // namespace signx::ml
