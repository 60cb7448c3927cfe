// Studio's JSON routes (docs/studio.md). Every write needs If-Match with the resource's strong
// ETag from GET (428 without it, 412 when it is stale); the first version of a payload is created
// with If-None-Match: * instead.
//
//   GET    /v1/projects/{id}/lifecycle              status, held_from, next moves and the
//                                                   guard that would refuse each; ETag "v<N>"
//                                                   projects:read
//   POST   /v1/projects/{id}/transitions            {"to", "data"?}; If-Match "v<N>"; 409 names
//                                                   the failed guard projects:write
//                                                   (+ the row's own permission, e.g. quotes:write)
//   GET    /v1/projects/{id}/events                 the timeline, oldest first  projects:read
//   DELETE /v1/projects/{id}                        draft or cancelled only; If-Match "v<N>"
//                                                   projects:write
//   GET    /v1/projects/{id}/payloads               current version of every module + hash
//                                                   projects:read
//   GET    /v1/projects/{id}/payloads/{module}      latest (or ?version=N); ETag "p<N>"
//                                                   projects:read
//   PUT    /v1/projects/{id}/payloads/{module}      the config; If-Match "p<N>" / If-None-Match *
//                                                   projects:write
//   GET    /v1/projects/{id}/payloads/{module}/versions                     projects:read
//   GET    /v1/projects/{id}/payloads/{module}/diff?from=&to=   RFC 6902    projects:read
//   PUT    /v1/projects/{id}/payloads/{module}/files/{name}?sha256=   raw bytes; If-Match "p<N>"
//                                                   projects:write
//   GET    /v1/projects/{id}/payloads/{module}/files/{name}   the bytes, SHA-256 checked
//                                                   projects:read
//   POST   /v1/projects/{id}/quotes                 a quote tied to the current payloads
//                                                   quotes:write
//
// The project resource (project_routes.cc, mounted by AddStudioRoutes; the row is the `projects`
// table estimating's cost records, imports and quotes share):
//   POST   /v1/projects                             create (Idempotency-Key); ETag "v1"
//                                                   projects:write
//   GET    /v1/projects?status=&limit=&cursor=      list, newest first          projects:read
//   GET    /v1/projects/{id}                        one; ETag "v<N>", 304 on If-None-Match
//                                                   projects:read
//   PATCH  /v1/projects/{id}                        fields (not the status); If-Match "v<N>"
//                                                   (428 / 412)                 projects:write
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "studio/project_search.h"
#include "studio/service.h"

namespace signx::studio {

// Every route above, the project resource's included (AddProjectRoutes).
void AddStudioRoutes(http::Router& router, http::SchemaRegistry& schemas, StudioService& service);
void AddProjectRoutes(http::Router& router, http::SchemaRegistry& schemas, StudioService& service);

//   GET    /v1/projects/search?q=&status=&limit=&cursor=   projects:read (project_search.h)
void AddProjectSearchRoutes(http::Router& router, http::SchemaRegistry& schemas,
                            ProjectSearch& search);

// "\"v7\"" -> 7 for prefix 'v'; nullopt for anything else (weak tags are not accepted: If-Match
// uses the strong comparison, RFC 9110 §13.1.1).
std::optional<int64_t> ParseETag(std::string_view tag, char prefix);
std::string ETag(char prefix, int64_t version);

// The lifecycle JSON of a project (GET /lifecycle without the moves).
boost::json::object LifecycleJson(const ProjectState& p);
boost::json::object MoveJson(const NextMove& m);
boost::json::object PayloadViewJson(const PayloadView& v);

}  // namespace signx::studio
