#include "ml/model_routes.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <vector>

#include "http/handler.h"
#include "http/json.h"

namespace signx::ml {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

json::object VersionJson(const ModelVersion& v, bool with_card) {
  json::object o{{"owner", v.owner().Label()},
                 {"name", v.name},
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

const std::vector<http::ParamDoc> kOwnerParam = {
    {.name = "owner",
     .description = "whose versions: absent or the caller's org id = the caller's org; "
                    "\"platform\" = the platform default (super_admin only); another org id = "
                    "that org (super_admin only). Anything else is 404."}};

}  // namespace

Result<Owner> RequestedOwner(const http::Request& req) {
  if (!req.principal) return Status(ErrorCode::kUnauthenticated, "authentication required");
  const http::Principal& p = *req.principal;
  const bool super_admin = p.role == "super_admin";
  const std::string wanted(req.Query("owner").value_or(""));
  if (wanted.empty() || wanted == p.org_id) {
    if (!p.org_id.empty()) return Owner::Org(p.org_id);
    if (super_admin && wanted.empty()) return Owner::Platform();
  } else if (super_admin) {
    return wanted == "platform" ? Owner::Platform() : Owner::Org(wanted);
  }
  // The same answer as an owner that does not exist: no hint that it does.
  return NotFound(fmt::format("no models for owner {}", wanted.empty() ? "(none)" : wanted));
}

void AddModelRoutes(http::Router& router, http::SchemaRegistry& schemas, ModelRegistry& registry,
                    ModelRoutesSpec spec_in) {
  if (!schemas.Has("ModelVersion")) {
    schemas.Add("ModelVersion", R"({"type": "object", "properties": {
        "owner": {"type": "string", "description": "the owning org id, or \"platform\""},
        "name": {"type": "string"}, "version": {"type": "string"},
        "state": {"type": "string", "enum": ["staging", "production", "archived"]},
        "size_bytes": {"type": "integer"}, "created_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "promoted_at": {"type": ["string", "null"], "format": "date-time"},
        "card": {"type": "object"}}})");
    schemas.Add("ModelVersionList", R"({"type": "object", "properties": {
        "owner": {"type": "string", "description": "whose versions: an org id or \"platform\""},
        "in_use": {"type": ["string", "null"], "description": "the version serving the owner"},
        "in_use_owner": {"type": ["string", "null"],
                         "description": "the owner of in_use: the owner itself or \"platform\""},
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/ModelVersion"}}}})");
  }
  auto spec = std::make_shared<const ModelRoutesSpec>(std::move(spec_in));
  const std::string& p = spec->prefix;

  router.Add(
      "GET", p,
      {.summary = fmt::format("Versions of the {}, newest first, and the one in use", spec->title),
       .description = "The versions of one owner (`owner`: the caller's org by default). "
                      "in_use is the version serving that owner: its own production "
                      "version, else the platform default (in_use_owner \"platform\").",
       .tags = {spec->tag},
       .permission = spec->read_permission,
       .response_schema = "ModelVersionList",
       .query_params = kOwnerParam},
      http::Handle([&registry, spec](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto owner, RequestedOwner(req));
        SIGNX_ASSIGN_OR_RETURN(auto list, registry.List(owner, spec->model_name));
        json::array versions;
        for (const auto& v : list) versions.push_back(VersionJson(v, false));
        auto cur = spec->in_use(owner);
        json::value in_use_owner = nullptr;
        if (cur) in_use_owner = cur->platform_default ? "platform" : owner.Label();
        return http::JsonResponse(
            200, json::object{{"owner", owner.Label()},
                              {"in_use", cur ? json::value(cur->version) : json::value(nullptr)},
                              {"in_use_owner", std::move(in_use_owner)},
                              {"versions", std::move(versions)}});
      }));

  router.Add("GET", p + "/{version}",
             {.summary = fmt::format("One {} version with its model card", spec->title),
              .description = "404 for a version the owner does not have (another org's or the "
                             "platform's included).",
              .tags = {spec->tag},
              .permission = spec->read_permission,
              .response_schema = "ModelVersion",
              .query_params = kOwnerParam},
             http::Handle([&registry, spec](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto owner, RequestedOwner(req));
               SIGNX_ASSIGN_OR_RETURN(auto v, registry.Get(owner, spec->model_name,
                                                           std::string(req.PathParam("version"))));
               return http::JsonResponse(200, VersionJson(v, true));
             }));

  router.Add("POST", p,
             {.summary = fmt::format("Upload a trained {} bundle (from `{}`) as staging",
                                     spec->title, spec->train_command),
              .description = "Registered as the owner's version (`owner`: the caller's org by "
                             "default; the platform default only for a super_admin).",
              .tags = {spec->tag},
              .permission = spec->admin_permission,
              .max_body_bytes = 256 << 20,
              .response_schema = "ModelVersion",
              .success_status = 201,
              .query_params = kOwnerParam},
             http::Handle([spec](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto owner, RequestedOwner(req));
               auto v = spec->register_bundle(owner, req.body, Actor(req));
               if (!v.ok() && v.status().code() == ErrorCode::kDataLoss) {
                 // The parsers call a bundle that fails its integrity checks "data loss", which
                 // is right for a stored one; an uploaded one is the client's bad input.
                 return ValidationFailed({{"body", std::string(v.status().message())}},
                                         "the uploaded bundle is not valid");
               }
               if (!v.ok()) return v.status();
               return http::JsonResponse(201, VersionJson(*v, false));
             }));

  router.Add(
      "POST", p + "/{version}/promote",
      {.summary =
           fmt::format("Make a {} version production (every replica switches to it)", spec->title),
       .description = "Within the owner only (`owner`: the caller's org by default): other "
                      "orgs keep their own production version or the platform default. "
                      "404 for a version the owner does not have.",
       .tags = {spec->tag},
       .permission = spec->admin_permission,
       .response_schema = "ModelVersion",
       .query_params = kOwnerParam},
      http::Handle([&registry, spec](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto owner, RequestedOwner(req));
        SIGNX_ASSIGN_OR_RETURN(auto v, registry.Promote(owner, spec->model_name,
                                                        std::string(req.PathParam("version"))));
        SIGNX_RETURN_IF_ERROR(spec->reload(owner));
        return http::JsonResponse(200, VersionJson(v, false));
      }));

  router.Add("POST", p + "/rollback",
             {.summary = fmt::format("Return to the previous production {}", spec->title),
              .description = "Within the owner only (`owner`: the caller's org by default). An "
                             "org with no earlier version of its own goes back to the platform "
                             "default: the answer is its former production version, now "
                             "archived. 409 when there is nothing to roll back.",
              .tags = {spec->tag},
              .permission = spec->admin_permission,
              .response_schema = "ModelVersion",
              .query_params = kOwnerParam},
             http::Handle([&registry, spec](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto owner, RequestedOwner(req));
               SIGNX_ASSIGN_OR_RETURN(auto v, registry.Rollback(owner, spec->model_name));
               SIGNX_RETURN_IF_ERROR(spec->reload(owner));
               return http::JsonResponse(200, VersionJson(v, false));
             }));
}

}  // namespace signx::ml
