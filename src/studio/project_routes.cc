// The project resource's routes (routes.h): POST/GET /v1/projects, GET/PATCH /v1/projects/{id},
// moved here from estimating with the same paths, JSON, ETags ("v<N>"), permissions and schemas.
// The row is the shared `projects` table (StudioService::CreateProject and friends).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/idempotency_key.h"
#include "http/json.h"
#include "http/pagination.h"
#include "project/status.h"
#include "studio/routes.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

Response WithVersion(Response r, int64_t version) {
  r.headers.Set("ETag", ETag('v', version));
  return r;
}

// The If-Match of PATCH /v1/projects/{id}: "v<N>" (a weak W/ prefix is tolerated, as it always
// was on this route); nullopt when it cannot be a version tag (the caller answers 412).
std::optional<int64_t> PatchVersion(std::string_view if_match) {
  std::string_view tag = Trim(if_match);
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() > 3 && tag.starts_with("\"v") && tag.ends_with("\"")) {
    if (auto n = ParseInt(tag.substr(2, tag.size() - 3))) return *n;
  }
  return std::nullopt;
}

const std::string& ProjectSchema() {
  static const std::string schema = R"({"type": "object", "properties": {
  "id": {"type": "string", "description": "prj_<ulid>"}, "name": {"type": "string"},
  "customer": {"type": ["string", "null"]}, "location": {"type": ["string", "null"]},
  "source": {"type": "string"},
  "status": )" + project::StatusSchema() +
                                    R"(,
  "external_ref": {"type": ["string", "null"]},
  "project_date": {"type": ["string", "null"], "format": "date"},
  "metadata": {"type": "object"}, "version": {"type": "integer"},
  "created_at": {"type": "string", "format": "date-time"},
  "updated_at": {"type": "string", "format": "date-time"}}})";
  return schema;
}

const std::string& ProjectInputSchema() {
  static const std::string schema = R"({"type": "object", "additionalProperties": false,
  "properties": {"name": {"type": "string", "maxLength": 500}, "customer": {"type": ["string", "null"]},
  "location": {"type": ["string", "null"]},
  "status": )" + project::StatusSchema() +
                                    R"(,
  "project_date": {"type": ["string", "null"], "format": "date"}, "metadata": {"type": "object"}}})";
  return schema;
}

}  // namespace

void AddProjectRoutes(http::Router& router, http::SchemaRegistry& schemas, StudioService& svc) {
  schemas.Add("Project", ProjectSchema());
  schemas.Add("ProjectInput", ProjectInputSchema());
  schemas.Add("ProjectList", http::ListSchema("Project"));
  const std::vector<http::ParamDoc> page_params = http::PageParams();

  router.Add(
      "POST", "/v1/projects",
      {.summary = "Create a project",
       .description = "Idempotency-Key: a repeat returns the project the first call created.",
       .tags = {"studio"},
       .permission = "projects:write",
       .request_schema = "ProjectInput",
       .response_schema = "Project",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(auto fields, estimating::ParseProjectFields(body, true));
        SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        bool replayed = false;
        SIGNX_ASSIGN_OR_RETURN(auto p, svc.CreateProject(scope, fields, key, &replayed));
        Response r =
            WithVersion(http::JsonResponse(replayed ? 200 : 201, estimating::ToJson(p)), p.version);
        r.headers.Set("Location", "/v1/projects/" + p.id);
        return r;
      }));

  router.Add("GET", "/v1/projects",
             {.summary = "List projects, newest first",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectList",
              .query_params = {{.name = "status", .description = project::StatusList()},
                               page_params[0],
                               page_params[1]}},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               estimating::ProjectListOptions o;
               const http::PageQuery pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("prj"));
               o.limit = pq.limit;
               o.cursor = pq.cursor;
               if (auto s = req.Query("status")) {
                 if (!project::IsStatus(*s)) {
                   bad.push_back({"status", project::StatusRule()});
                 } else {
                   o.status = std::string(*s);
                 }
               }
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListProjects(scope, o));
               json::array items;
               for (const auto& p : page.items) items.push_back(estimating::ToJson(p));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("GET", "/v1/projects/{id}",
             {.summary = "Get a project (ETag = its version)",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "Project"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto p, svc.ProjectRecord(scope, req.PathParam("id")));
               if (auto inm = req.Header("If-None-Match"); inm && *inm == ETag('v', p.version)) {
                 Response r;
                 r.status = 304;
                 r.content_type.clear();
                 return WithVersion(std::move(r), p.version);
               }
               return WithVersion(http::JsonResponse(200, estimating::ToJson(p)), p.version);
             }));

  router.Add(
      "PATCH", "/v1/projects/{id}",
      {.summary = "Update a project",
       .description = "Requires If-Match with the ETag from GET (428 without it, 412 when the "
                      "project changed since). Fields given replace; null clears optional ones.",
       .tags = {"studio"},
       .permission = "projects:write",
       .request_schema = "ProjectInput",
       .response_schema = "Project"},
      http::Handle([&svc](Request& req) -> Result<Response> {
        const std::string id(req.PathParam("id"));
        auto if_match = req.Header("If-Match");
        if (!if_match) {
          return Status(ErrorCode::kPreconditionRequired,
                        "PATCH needs If-Match: send the ETag from GET /v1/projects/" + id);
        }
        const std::optional<int64_t> version = PatchVersion(*if_match);
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(auto fields, estimating::ParseProjectFields(body, false));
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        if (!version) {
          // Unparseable tag: a mismatch, but a missing project is still a 404.
          SIGNX_RETURN_IF_ERROR(svc.ProjectRecord(scope, id).status());
          return Status(ErrorCode::kPreconditionFailed,
                        fmt::format("If-Match {} does not match the project's ETag", *if_match));
        }
        SIGNX_ASSIGN_OR_RETURN(auto p, svc.UpdateProject(scope, id, *version, fields));
        return WithVersion(http::JsonResponse(200, estimating::ToJson(p)), p.version);
      }));
}

}  // namespace signx::studio
