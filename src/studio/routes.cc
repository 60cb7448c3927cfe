#include "studio/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/idempotency_key.h"
#include "http/json.h"
#include "http/pagination.h"
#include "project/status.h"
#include "studio/payload.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

Response WithETag(Response r, const std::string& tag) {
  r.headers.Set("ETag", tag);
  return r;
}

// If-Match for a write: 428 without it, 412 when it cannot be a current tag of this resource.
Result<int64_t> RequireIfMatch(const Request& req, char prefix, std::string_view what) {
  auto h = req.Header("If-Match");
  if (!h) {
    return Status(ErrorCode::kPreconditionRequired,
                  fmt::format("{} needs If-Match: send the ETag from GET", what));
  }
  auto v = ParseETag(Trim(*h), prefix);
  if (!v) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("If-Match {} is not a current ETag of this resource", *h));
  }
  return *v;
}

Result<Precondition> PayloadPrecondition(const Request& req) {
  if (auto inm = req.Header("If-None-Match"); inm && Trim(*inm) == "*") {
    if (req.Header("If-Match")) {
      return Status(ErrorCode::kInvalidArgument, "send If-Match or If-None-Match, not both");
    }
    return Precondition{.must_not_exist = true};
  }
  SIGNX_ASSIGN_OR_RETURN(
      int64_t v, RequireIfMatch(req, 'p', "writing a payload (the first: If-None-Match: *)"));
  return Precondition{.version = v};
}

Result<std::string> Module(const Request& req) {
  std::string m(req.PathParam("module"));
  if (!IsModule(m)) return NotFound(fmt::format("no payload module {} ({})", m, ModuleRule()));
  return m;
}

constexpr std::string_view kLifecycleSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string"},
  "held_from": {"type": ["string", "null"]}, "version": {"type": "integer"},
  "updated_at": {"type": "string", "format": "date-time"},
  "next": {"type": "array", "items": {"type": "object", "properties": {
    "to": {"type": "string"}, "permission": {"type": "string"}, "allowed": {"type": "boolean"},
    "refused_by": {"type": ["string", "null"], "description": "the guard (or no_transition, permission)"},
    "message": {"type": ["string", "null"]}}}}}})j";

constexpr std::string_view kEventSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string"}, "project_id": {"type": "string"}, "actor": {"type": "string"},
  "from": {"type": ["string", "null"]}, "to": {"type": "string"}, "data": {"type": "object"},
  "at": {"type": "string", "format": "date-time"}}})j";

constexpr std::string_view kPayloadSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string"}, "project_id": {"type": "string"}, "module": {"type": "string"},
  "version": {"type": "integer"}, "sha256": {"type": "string", "description": "SHA-256 of the RFC 8785 form of {config, files, module}"},
  "config": {"type": "object"},
  "files": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "sha256": {"type": "string"}, "size_bytes": {"type": "integer"}, "content_type": {"type": "string"}}}},
  "cost_snapshot": {"type": "object", "description": "status ok (spec, prediction), unavailable (reason) or invalid (errors)"},
  "calculation": {"type": ["object", "null"], "description": "structure only: {passed, constants_version, result, assumptions, confidence, trace, failures}"},
  "created_by": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"}}})j";

}  // namespace

std::optional<int64_t> ParseETag(std::string_view tag, char prefix) {
  if (tag.size() < 4 || tag.front() != '"' || tag.back() != '"' || tag[1] != prefix) {
    return std::nullopt;
  }
  auto n = ParseInt(tag.substr(2, tag.size() - 3));
  if (!n || *n < 1) return std::nullopt;
  return *n;
}

std::string ETag(char prefix, int64_t version) { return fmt::format("\"{}{}\"", prefix, version); }

json::object LifecycleJson(const ProjectState& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"status", p.status},
          {"held_from", p.held_from ? json::value(*p.held_from) : json::value(nullptr)},
          {"version", p.version},
          {"updated_at", FormatRfc3339(p.updated_at)}};
}

json::object MoveJson(const NextMove& m) {
  return {{"to", m.to},
          {"permission", m.permission},
          {"allowed", !m.refusal.has_value()},
          {"refused_by", m.refusal ? json::value(m.refusal->reason) : json::value(nullptr)},
          {"message", m.refusal ? json::value(m.refusal->message) : json::value(nullptr)}};
}

json::object PayloadViewJson(const PayloadView& v) {
  json::object o = ToJson(v.payload, true);
  o["calculation"] = v.calculation ? json::parse(v.calculation->result_json) : json::value(nullptr);
  return o;
}

void AddStudioRoutes(http::Router& router, http::SchemaRegistry& schemas, StudioService& svc) {
  AddProjectRoutes(router, schemas, svc);
  schemas.Add("ProjectLifecycle", kLifecycleSchema);
  schemas.Add("ProjectTransitionInput", R"({"type": "object", "required": ["to"], "properties": {
    "to": )" + project::StatusSchema() + R"(,
    "data": {"type": "object", "description": "stored on the timeline; to closed: actual_cost_cents records the actual cost"}}})");
  schemas.Add("ProjectTransition", R"({"type": "object", "properties": {
    "project": {"$ref": "#/components/schemas/ProjectLifecycle"},
    "event": {"$ref": "#/components/schemas/ProjectEvent"}}})");
  schemas.Add("ProjectEvent", kEventSchema);
  schemas.Add("ProjectEventList", http::ListSchema("ProjectEvent"));
  schemas.Add("ProjectPayload", kPayloadSchema);
  schemas.Add("ProjectPayloadList", R"({"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/ProjectPayload"}},
    "payloads_sha256": {"type": ["string", "null"], "description": "SHA-256 over {module: payload sha256} of the current versions"}}})");
  schemas.Add("ProjectPayloadDiff", R"({"type": "object", "properties": {
    "from": {"type": "integer"}, "to": {"type": "integer"},
    "patch": {"type": "array", "description": "RFC 6902 JSON Patch over {config, files}", "items": {"type": "object"}}}})");
  std::string one_of;
  for (std::string_view m : kModules) {
    const std::string name =
        fmt::format("Studio{}{}Config", static_cast<char>(m[0] - 32), m.substr(1));
    schemas.Add(name, http::ToJsonText(ModuleSchema(m)));
    if (!one_of.empty()) one_of += ", ";
    one_of += fmt::format(R"({{"$ref": "#/components/schemas/{}"}})", name);
  }
  schemas.Add("ProjectPayloadConfig",
              R"({"description": "the module's config", "oneOf": [)" + one_of + "]}");

  router.Add("GET", "/v1/projects/{id}/lifecycle",
             {.summary = "A project's lifecycle: status, next moves and their guards",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectLifecycle"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               SIGNX_ASSIGN_OR_RETURN(ProjectState p, svc.GetProject(scope, id));
               SIGNX_ASSIGN_OR_RETURN(auto moves, svc.NextMoves(scope, *req.principal, id));
               json::object o = LifecycleJson(p);
               json::array next;
               for (const NextMove& m : moves) next.push_back(MoveJson(m));
               o["next"] = std::move(next);
               return WithETag(http::JsonResponse(200, o), ETag('v', p.version));
             }));

  router.Add(
      "POST", "/v1/projects/{id}/transitions",
      {.summary = "Move a project through its lifecycle",
       .description = "If-Match with the project's ETag (428 without, 412 stale). A move that is "
                      "not in the table or whose guard fails is 409; details[0] names the guard "
                      "(structure_check_passed, quote_current, approval_recorded, "
                      "actual_cost_recorded, resumes_to_held_status, no_transition). Each row "
                      "has its own permission (quoted and approved need quotes:write).",
       .tags = {"studio"},
       .permission = "projects:write",
       .request_schema = "ProjectTransitionInput",
       .response_schema = "ProjectTransition"},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(int64_t version, RequireIfMatch(req, 'v', "a transition"));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        std::vector<FieldError> bad;
        std::string to;
        json::object data;
        for (const auto& kv : body) {
          if (kv.key() != "to" && kv.key() != "data") {
            bad.push_back({std::string(kv.key()), "is not a known field"});
          }
        }
        if (auto* t = body.if_contains("to"); !t || !t->is_string()) {
          bad.push_back({"to", "is required: " + project::StatusRule()});
        } else {
          to = t->get_string();
          if (!project::IsStatus(to)) bad.push_back({"to", project::StatusRule()});
        }
        if (auto* d = body.if_contains("data")) {
          if (!d->is_object()) {
            bad.push_back({"data", "must be an object"});
          } else if (http::ToJsonText(*d).size() > 16 * 1024) {
            bad.push_back({"data", "must be at most 16384 bytes of JSON"});
          } else {
            data = d->get_object();
          }
        }
        if (!bad.empty()) return ValidationFailed(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(auto moved,
                               svc.Transition(scope, *req.principal, id, to, version, data));
        return WithETag(
            http::JsonResponse(200, json::object{{"project", LifecycleJson(moved.project)},
                                                 {"event", ToJson(moved.event)}}),
            ETag('v', moved.project.version));
      }));

  router.Add("GET", "/v1/projects/{id}/events",
             {.summary = "A project's timeline, oldest first",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectEventList",
              .query_params = http::PageParams()},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               std::vector<FieldError> bad;
               const http::PageQuery pq = http::ReadPageQuery(
                   req, bad, {}, [](std::string_view c) { return c.starts_with("pev_"); });
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(
                   auto page, svc.ListEvents(scope, req.PathParam("id"), pq.cursor, pq.limit));
               json::array items;
               for (const auto& e : page.items) items.push_back(ToJson(e));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("DELETE", "/v1/projects/{id}",
             {.summary = "Delete a draft or cancelled project",
              .description = "If-Match with the project's ETag (428 without, 412 stale); 409 "
                             "for a project in any other status.",
              .tags = {"studio"},
              .permission = "projects:write",
              .success_status = 204},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(int64_t version, RequireIfMatch(req, 'v', "DELETE"));
               SIGNX_RETURN_IF_ERROR(svc.DeleteProject(scope, req.PathParam("id"), version));
               return Response::NoContent();
             }));

  router.Add("GET", "/v1/projects/{id}/payloads",
             {.summary = "The current version of every payload of a project",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectPayloadList"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto current,
                                      svc.CurrentPayloads(scope, req.PathParam("id")));
               json::array items;
               std::map<std::string, std::string> shas;
               for (const auto& [m, p] : current) {
                 items.push_back(ToJson(p, true));
                 shas[m] = p.sha256;
               }
               json::value hash = nullptr;
               if (!shas.empty()) {
                 SIGNX_ASSIGN_OR_RETURN(std::string h, PayloadsSha256(shas));
                 hash = h;
               }
               return http::JsonResponse(
                   200, json::object{{"items", std::move(items)}, {"payloads_sha256", hash}});
             }));

  router.Add("GET", "/v1/projects/{id}/payloads/{module}",
             {.summary = "A payload: the latest version, or ?version=N",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectPayload",
              .query_params = {{.name = "version",
                                .type = "integer",
                                .description = "a stored version (default: the latest)"}}},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(std::string module, Module(req));
               std::optional<int64_t> version;
               if (auto v = req.Query("version")) {
                 auto n = ParseInt(*v);
                 if (!n || *n < 1) return http::BadQuery({{"version", "must be an integer >= 1"}});
                 version = *n;
               }
               SIGNX_ASSIGN_OR_RETURN(PayloadView v,
                                      svc.GetPayload(scope, req.PathParam("id"), module, version));
               Response r = http::JsonResponse(200, PayloadViewJson(v));
               if (!version) r = WithETag(std::move(r), ETag('p', v.payload.version));
               return r;
             }));

  router.Add(
      "PUT", "/v1/projects/{id}/payloads/{module}",
      {.summary = "Save a new version of a payload's config",
       .description = "The body is the module's config, validated by its schema (422 naming the "
                      "field and the limit). If-Match with the payload's ETag, or If-None-Match: "
                      "* for the first version (428 without either, 412 stale). Takes a cost "
                      "snapshot and, for structure, runs the structure calculation.",
       .tags = {"studio"},
       .permission = "projects:write",
       .request_schema = "ProjectPayloadConfig",
       .response_schema = "ProjectPayload"},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(std::string module, Module(req));
        SIGNX_ASSIGN_OR_RETURN(Precondition pre, PayloadPrecondition(req));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(PayloadView v,
                               svc.SavePayload(scope, req.PathParam("id"), module, pre, body));
        Response r = http::JsonResponse(v.payload.version == 1 ? 201 : 200, PayloadViewJson(v));
        return WithETag(std::move(r), ETag('p', v.payload.version));
      }));

  router.Add("GET", "/v1/projects/{id}/payloads/{module}/versions",
             {.summary = "Every version of a payload, oldest first (without configs)",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectPayloadList"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(std::string module, Module(req));
               SIGNX_ASSIGN_OR_RETURN(auto versions,
                                      svc.PayloadVersions(scope, req.PathParam("id"), module));
               json::array items;
               for (const auto& p : versions) items.push_back(ToJson(p, false));
               return http::JsonResponse(200, json::object{{"items", std::move(items)}});
             }));

  router.Add("GET", "/v1/projects/{id}/payloads/{module}/diff",
             {.summary = "RFC 6902 JSON Patch from one payload version to another",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectPayloadDiff",
              .query_params = {{.name = "from", .type = "integer", .required = true},
                               {.name = "to", .type = "integer", .required = true}}},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(std::string module, Module(req));
               std::vector<FieldError> bad;
               int64_t from = 0, to = 0;
               for (auto [name, out] : {std::pair<const char*, int64_t*>{"from", &from},
                                        std::pair<const char*, int64_t*>{"to", &to}}) {
                 auto v = req.Query(name);
                 auto n = v ? ParseInt(*v) : std::nullopt;
                 if (!n || *n < 1) {
                   bad.push_back({name, "is required: a version >= 1"});
                 } else {
                   *out = *n;
                 }
               }
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(
                   auto patch, svc.DiffPayload(scope, req.PathParam("id"), module, from, to));
               return http::JsonResponse(
                   200, json::object{{"from", from}, {"to", to}, {"patch", std::move(patch)}});
             }));

  router.Add(
      "PUT", "/v1/projects/{id}/payloads/{module}/files/{name}",
      {.summary = "Attach a file to a payload (a new payload version)",
       .description = "The raw bytes; ?sha256= is their SHA-256, checked on arrival (422 when "
                      "it differs). If-Match with the payload's ETag.",
       .tags = {"studio"},
       .permission = "projects:write",
       .max_body_bytes = 16 << 20,
       .response_schema = "ProjectPayload",
       .query_params = {{.name = "sha256",
                         .description = "hex SHA-256 of the body",
                         .required = true}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(std::string module, Module(req));
        SIGNX_ASSIGN_OR_RETURN(int64_t version, RequireIfMatch(req, 'p', "attaching a file"));
        const std::string sha(req.Query("sha256").value_or(""));
        const std::string ct(req.Header("Content-Type").value_or("application/octet-stream"));
        SIGNX_ASSIGN_OR_RETURN(
            PayloadView v, svc.AttachFile(scope, req.PathParam("id"), module, {.version = version},
                                          req.PathParam("name"), ct, sha, req.body));
        return WithETag(http::JsonResponse(200, PayloadViewJson(v)), ETag('p', v.payload.version));
      }));

  router.Add("GET", "/v1/projects/{id}/payloads/{module}/files/{name}",
             {.summary = "Download a payload's file (its SHA-256 checked before sending)",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_content_type = "application/octet-stream"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(std::string module, Module(req));
               SIGNX_ASSIGN_OR_RETURN(FileContent f, svc.ReadFile(scope, req.PathParam("id"),
                                                                  module, req.PathParam("name")));
               Response r;
               r.status = 200;
               r.content_type = f.file.content_type;
               r.body = std::move(f.bytes);
               r.headers.Set("ETag", "\"" + f.file.sha256 + "\"");
               r.headers.Set("X-Content-SHA256", f.file.sha256);
               return r;
             }));

  schemas.Add("ProjectReport", R"j({"type": "object", "properties": {
    "id": {"type": "string"}, "project_id": {"type": "string"},
    "inputs_sha256": {"type": "string", "description": "SHA-256 of the project fields and payload versions it renders"},
    "inputs": {"type": "object"}, "status": {"type": "string", "enum": ["pending", "ready", "failed"]},
    "job_id": {"type": ["string", "null"]}, "sha256": {"type": ["string", "null"]},
    "size_bytes": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
    "pdf_url": {"type": "string"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"}}})j");
  router.Add("POST", "/v1/projects/{id}/reports",
             {.summary = "Generate the project report (PDF) of the current payloads",
              .description = "202 with a pending report and its job (projects.report.generate); "
                             "the same inputs return the existing report (200 when ready).",
              .tags = {"studio"},
              .permission = "projects:write",
              .response_schema = "ProjectReport",
              .success_status = 202},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               bool created = false;
               SIGNX_ASSIGN_OR_RETURN(StoredReport r,
                                      svc.RequestReport(scope, req.PathParam("id"), &created));
               Response resp = http::JsonResponse(r.status == "ready" ? 200 : 202, ToJson(r));
               resp.headers.Set("Location",
                                fmt::format("/v1/projects/{}/reports/{}", r.project_id, r.id));
               return resp;
             }));
  router.Add("GET", "/v1/projects/{id}/reports/{report_id}",
             {.summary = "A project report's state",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectReport"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(StoredReport r, svc.GetReport(scope, req.PathParam("id"),
                                                                    req.PathParam("report_id")));
               return http::JsonResponse(200, ToJson(r));
             }));
  router.Add("GET", "/v1/projects/{id}/reports/{report_id}/pdf",
             {.summary = "Download a ready project report (SHA-256 checked); 409 while pending",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_content_type = "application/pdf"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               const std::string report_id(req.PathParam("report_id"));
               SIGNX_ASSIGN_OR_RETURN(std::string pdf,
                                      svc.ReportPdf(scope, req.PathParam("id"), report_id));
               Response r;
               r.status = 200;
               r.content_type = "application/pdf";
               r.headers.Set("Content-Disposition",
                             fmt::format("attachment; filename=\"{}.pdf\"", report_id));
               r.body = std::move(pdf);
               return r;
             }));

  schemas.Add("ProjectReportEmailInput", R"j({"type": "object", "required": ["to"], "properties": {
    "to": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 100, "description": "recipient addresses (addr@host or Name <addr@host>)"},
    "message": {"type": "string", "maxLength": 10000, "description": "text put above the standard body"}}})j");
  schemas.Add("ProjectReportEmail", R"j({"type": "object", "properties": {
    "job_id": {"type": "string"}, "report_id": {"type": "string"},
    "to": {"type": "array", "items": {"type": "string"}}, "job_url": {"type": "string"}}})j");
  router.Add(
      "POST", "/v1/projects/{id}/reports/{report_id}/email",
      {.summary = "E-mail a ready report's PDF as an attachment (projects.email.send)",
       .description = "202 with the queued job; the send is retried by the job queue and recorded "
                      "on the project's timeline (\"report e-mailed to ...\"). 422 naming to[i] "
                      "for a bad address; 409 when e-mail is off (smtp.url empty) or the report "
                      "is not ready.",
       .tags = {"studio"},
       .permission = "projects:write",
       .request_schema = "ProjectReportEmailInput",
       .response_schema = "ProjectReportEmail",
       .success_status = 202},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        // Another org's project or report is a 404 before the body is looked at.
        SIGNX_RETURN_IF_ERROR(
            svc.GetReport(scope, req.PathParam("id"), req.PathParam("report_id")).status());
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        EmailRequest er;
        std::vector<FieldError> errors;
        const json::value* to = body.if_contains("to");
        if (!to || !to->is_array()) {
          errors.push_back({"to", "an array of e-mail addresses is required"});
        } else {
          for (std::size_t i = 0; i < to->get_array().size(); ++i) {
            const json::value& a = to->get_array()[i];
            if (!a.is_string()) {
              errors.push_back({fmt::format("to[{}]", i), "must be a string"});
            } else {
              er.to.emplace_back(a.get_string());
            }
          }
        }
        if (const json::value* m = body.if_contains("message"); m && !m->is_null()) {
          if (!m->is_string()) {
            errors.push_back({"message", "must be a string"});
          } else {
            er.message = std::string(m->get_string());
          }
        }
        if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid e-mail request");
        SIGNX_ASSIGN_OR_RETURN(QueuedEmail q, svc.EmailReport(scope, req.PathParam("id"),
                                                              req.PathParam("report_id"), er));
        json::array recipients;
        for (const std::string& a : q.to) recipients.emplace_back(a);
        return http::JsonResponse(202, json::object{{"job_id", q.job_id},
                                                    {"report_id", q.report_id},
                                                    {"to", std::move(recipients)},
                                                    {"job_url", "/v1/jobs/" + q.job_id}});
      }));

  schemas.Add("ProjectDispatch", R"j({"type": "object", "properties": {
    "id": {"type": "string"}, "project_id": {"type": "string"}, "idempotency_key": {"type": "string"},
    "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
    "job_id": {"type": ["string", "null"]}, "attempts": {"type": "integer"},
    "last_status_code": {"type": ["integer", "null"]}, "last_error": {"type": ["string", "null"]},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "log": {"type": "array", "items": {"type": "object", "properties": {"attempt": {"type": "integer"}, "status_code": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]}, "duration_ms": {"type": "integer"}, "at": {"type": "string"}}}}}})j");
  router.Add(
      "POST", "/v1/projects/{id}/dispatch",
      {.summary = "Send an approved project to the PM system (projects.submit.dispatch)",
       .description = "202 with the pending dispatch; one per Idempotency-Key (default "
                      "<project>@v<version>), a repeat returns it. 409 naming the guard "
                      "approved for a project that is not approved, or when studio.pm_url "
                      "is not set.",
       .tags = {"studio"},
       .permission = "projects:write",
       .response_schema = "ProjectDispatch",
       .success_status = 202},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
        bool created = false;
        SIGNX_ASSIGN_OR_RETURN(StoredDispatch d,
                               svc.RequestDispatch(scope, req.PathParam("id"), key, &created));
        Response r = http::JsonResponse(created ? 202 : 200, ToJson(d));
        r.headers.Set("Location", fmt::format("/v1/projects/{}/dispatches/{}", d.project_id, d.id));
        return r;
      }));
  router.Add("GET", "/v1/projects/{id}/dispatches/{dispatch_id}",
             {.summary = "A dispatch with its delivery log",
              .tags = {"studio"},
              .permission = "projects:read",
              .response_schema = "ProjectDispatch"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
               std::vector<DispatchAttempt> attempts;
               SIGNX_ASSIGN_OR_RETURN(StoredDispatch d,
                                      svc.GetDispatch(scope, req.PathParam("id"),
                                                      req.PathParam("dispatch_id"), &attempts));
               json::object o = ToJson(d);
               json::array log;
               for (const auto& a : attempts) log.push_back(ToJson(a));
               o["log"] = std::move(log);
               return http::JsonResponse(200, o);
             }));

  router.Add(
      "POST", "/v1/projects/{id}/quotes",
      {.summary = "Price a quote for the project, tied to its current payloads",
       .description = "The body of POST /v1/quotes without project_id. The quote records the "
                      "project's payloads hash: `quoted` needs one made from the current payloads.",
       .tags = {"studio"},
       .permission = "quotes:write",
       .request_schema = "QuoteInput",
       .response_schema = "StoredQuote",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(auto key_or, http::IdempotencyKeyOf(req));
        bool replayed = false;
        SIGNX_ASSIGN_OR_RETURN(auto q, svc.CreateQuote(scope, req.PathParam("id"), std::move(body),
                                                       key_or, &replayed));
        Response r = http::JsonResponse(replayed ? 200 : 201, estimating::ToJson(q));
        r.headers.Set("Location", "/v1/quotes/" + q.id);
        return r;
      }));
}

}  // namespace signx::studio

namespace signx::studio {

void AddProjectSearchRoutes(http::Router& router, http::SchemaRegistry& schemas,
                            ProjectSearch& search) {
  schemas.Add("ProjectSearchResult", R"j({"type": "object", "properties": {
  "source": {"type": "string", "enum": ["index", "database"], "description": "database: the org's projects index is missing or corrupt and is being rebuilt (projects.reindex); the hits come from a LIKE match over name and customer"},
  "items": {"type": "array", "items": {"type": "object", "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "customer": {"type": ["string", "null"]},
    "site": {"type": ["string", "null"]}, "status": {"type": "string"}, "score": {"type": "number"},
    "snippet": {"type": "string", "description": "HTML-escaped text, matches in <mark>…</mark>"}}}},
  "next_cursor": {"type": ["string", "null"]}}})j");
  const http::PageLimits page_options{.default_limit = 20, .max_limit = 100};
  router.Add(
      "GET", "/v1/projects/search",
      {.summary = "Full-text search over the org's projects",
       .description = "BM25 over the org's projects index (name, customer, site, notes and "
                      "payload text) with highlighted snippets; status filters. When the index "
                      "is missing or corrupt the answer comes from the database (source "
                      "\"database\") and projects.reindex rebuilds it. The cursor is an offset.",
       .tags = {"studio"},
       .permission = "projects:read",
       .response_schema = "ProjectSearchResult",
       .query_params =
           [&] {
             std::vector<http::ParamDoc> p = {
                 {.name = "q", .description = "the query (required, 1..500 characters)"},
                 {.name = "status", .description = "only projects with this status"}};
             for (auto& x : http::PageParams(page_options)) p.push_back(std::move(x));
             return p;
           }()},
      http::Handle([&search, page_options](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        std::vector<FieldError> bad;
        auto valid_cursor = [](std::string_view c) {
          return !c.empty() && c.size() <= 9 &&
                 std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        };
        const http::PageQuery page = http::ReadPageQuery(req, bad, page_options, valid_cursor);
        ProjectSearchRequest sr;
        sr.limit = page.limit;
        if (!page.cursor.empty() && valid_cursor(page.cursor)) sr.offset = std::stoul(page.cursor);
        auto q = req.Query("q");
        if (!q || q->empty()) {
          bad.push_back({"q", "is required"});
        } else if (q->size() > 500) {
          bad.push_back({"q", "must be at most 500 characters"});
        } else {
          sr.q = std::string(*q);
        }
        if (auto s = req.Query("status"); s && !s->empty()) {
          if (!project::IsStatus(*s)) {
            bad.push_back({"status", "must be one of " + project::StatusList()});
          } else {
            sr.status = std::string(*s);
          }
        }
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(ProjectSearchResponse out, search.Search(scope, sr));
        json::array items;
        for (const auto& h : out.hits) {
          items.push_back(json::object{
              {"id", h.project_id},
              {"name", h.name},
              {"customer", h.customer ? json::value(*h.customer) : json::value(nullptr)},
              {"site", h.site ? json::value(*h.site) : json::value(nullptr)},
              {"status", h.status},
              {"score", h.score},
              {"snippet", h.snippet}});
        }
        Response r = http::ListResponse(std::move(items),
                                        out.next_offset ? std::to_string(*out.next_offset) : "");
        json::object body = json::parse(r.body).as_object();
        body["source"] = out.source;
        return http::JsonResponse(200, body);
      }));
}

}  // namespace signx::studio
