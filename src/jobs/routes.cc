#include "jobs/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/scope.h"

namespace signx::jobs {
namespace {

namespace json = boost::json;

json::value TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::value StringOrNull(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

// Jobs outside the caller's org are invisible (404, not 403, so ids do not leak).
bool Visible(const http::Request& req, const Job& job) {
  if (!req.principal || identity::IsPlatformAdmin(*req.principal)) return true;
  return job.org_id && identity::MaySeeOrg(*req.principal, *job.org_id);
}

constexpr std::string_view kJobSchema = R"({
  "type": "object",
  "required": ["id", "type", "state", "attempts", "max_attempts", "progress", "created_at"],
  "properties": {
    "id": {"type": "string", "description": "job_<ulid>"},
    "type": {"type": "string"},
    "org_id": {"type": ["string", "null"]},
    "state": {"type": "string",
              "enum": ["queued", "running", "succeeded", "failed", "dead", "cancelled"]},
    "priority": {"type": "integer"},
    "attempts": {"type": "integer", "description": "attempts started so far"},
    "max_attempts": {"type": "integer"},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "cancel_requested": {"type": "boolean"},
    "result": {"description": "the handler's JSON result once succeeded, else null"},
    "error": {"type": ["string", "null"], "description": "the last attempt's error, if any"},
    "run_at": {"type": "string", "format": "date-time"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "started_at": {"type": ["string", "null"], "format": "date-time"},
    "finished_at": {"type": ["string", "null"], "format": "date-time"}
  }
})";

}  // namespace

json::value JobToJson(const Job& job) {
  json::object o;
  o["id"] = job.id;
  o["type"] = job.type;
  o["org_id"] = StringOrNull(job.org_id);
  o["state"] = std::string(JobStateName(job.state));
  o["priority"] = job.priority;
  o["attempts"] = job.attempts;
  o["max_attempts"] = job.max_attempts;
  o["progress"] = job.progress;
  o["cancel_requested"] = job.cancel_requested;
  json::value result = nullptr;
  if (job.result_json) {
    boost::system::error_code ec;
    result = json::parse(*job.result_json, ec);
    if (ec) result = nullptr;
  }
  o["result"] = std::move(result);
  o["error"] = StringOrNull(job.last_error);
  o["run_at"] = FormatRfc3339(job.run_at);
  o["created_at"] = FormatRfc3339(job.created_at);
  o["updated_at"] = FormatRfc3339(job.updated_at);
  o["started_at"] = TimeOrNull(job.started_at);
  o["finished_at"] = TimeOrNull(job.finished_at);
  return o;
}

void AddJobRoutes(http::Router& router, http::SchemaRegistry& schemas, Queue& queue) {
  if (!schemas.Has("Job")) schemas.Add("Job", kJobSchema);
  if (!schemas.Has("JobList")) schemas.Add("JobList", http::ListSchema("Job"));

  router.Add("GET", "/v1/jobs/{id}",
             {.summary = "Get a background job",
              .description = "State, attempts, progress 0-100, and the result (succeeded) or the "
                             "last error.",
              .tags = {"jobs"},
              .permission = "jobs:read",
              .response_schema = "Job",
              .execution = http::Execution::kBlocking},
             http::Handle([&queue](http::Request& req) -> Result<http::Response> {
               auto job = queue.Get(req.PathParam("id"));
               if (job.ok() && !Visible(req, *job)) {
                 job = NotFound(fmt::format("job {} does not exist", req.PathParam("id")));
               }
               if (!job.ok()) return job.status();
               return http::JsonResponse(200, JobToJson(*job));
             }));

  router.Add(
      "GET", "/v1/jobs",
      {.summary = "List background jobs",
       .description = "Newest first. Filter by state and type; page with limit and cursor.",
       .tags = {"jobs"},
       .permission = "jobs:read",
       .response_schema = "JobList",
       .query_params = {{.name = "state",
                         .description = "queued, running, succeeded, failed, dead or cancelled"},
                        {.name = "type", .description = "job type, e.g. estimating.retrain"},
                        http::PageParams()[0],
                        http::PageParams()[1]},
       .execution = http::Execution::kBlocking},
      http::Handle([&queue](http::Request& req) -> Result<http::Response> {
        ListOptions o;
        std::vector<FieldError> bad;
        if (auto s = req.Query("state")) {
          o.state = ParseJobState(*s);
          if (!o.state) {
            bad.push_back({"state", "must be queued, running, succeeded, failed, dead or "
                                    "cancelled"});
          }
        }
        if (auto t = req.Query("type"); t && !t->empty()) o.type = std::string(*t);
        const http::PageQuery page_query =
            http::ReadPageQuery(req, bad, {}, http::IdCursor("job"));
        o.limit = page_query.limit;
        o.cursor = page_query.cursor;
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        if (req.principal) o.org_id = identity::OrgFilter(*req.principal);
        SIGNX_ASSIGN_OR_RETURN(auto page, queue.List(o));
        json::array jobs;
        for (const Job& j : page.jobs) jobs.push_back(JobToJson(j));
        return http::ListResponse(std::move(jobs), page.next_cursor);
      }));

  router.Add("POST", "/v1/jobs/{id}/cancel",
             {.summary = "Cancel a background job",
              .description = "A queued job is cancelled at once; a running job is asked to stop "
                             "(its state stays running until the handler returns). 409 when the "
                             "job already finished.",
              .tags = {"jobs"},
              .permission = "jobs:manage",
              .response_schema = "Job",
              .execution = http::Execution::kBlocking},
             http::Handle([&queue](http::Request& req) -> Result<http::Response> {
               const std::string id(req.PathParam("id"));
               auto job = queue.Get(id);
               if (job.ok() && !Visible(req, *job)) {
                 job = NotFound(fmt::format("job {} does not exist", id));
               }
               if (!job.ok()) return job.status();
               if (auto st = queue.Cancel(id); !st.ok()) {
                 return st.status();
               }
               job = queue.Get(id);
               if (!job.ok()) return job.status();
               return http::JsonResponse(200, JobToJson(*job));
             }));
}

}  // namespace signx::jobs
