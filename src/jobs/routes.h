// HTTP routes of the job queue:
//   GET  /v1/jobs/{id}          one job: state, attempts, progress, result or error ("jobs:read")
//   GET  /v1/jobs?state=&type=&limit=&cursor=
//                               newest first, paginated with next_cursor ("jobs:read")
//   POST /v1/jobs/{id}/cancel   cancel a queued or running job ("jobs:manage")
// Tenant scope: a principal that is not super_admin sees only its own org's jobs (others, and
// system jobs without an org, answer 404). Requests without a principal are not scoped: the
// authentication middleware guarantees one on every non-public route.
// Registers the response schemas "Job" and "JobList" for the OpenAPI document.
// Thread-safety: call once at start-up; the Queue must outlive the router.
#pragma once

#include <boost/json/value.hpp>

#include "http/openapi.h"
#include "http/router.h"
#include "jobs/queue.h"

namespace signx::jobs {

void AddJobRoutes(http::Router& router, http::SchemaRegistry& schemas, Queue& queue);

// The public JSON representation of a job (also used by modules that embed job status).
boost::json::value JobToJson(const Job& job);

}  // namespace signx::jobs
