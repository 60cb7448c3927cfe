// HTTP routes of estimating (all blocking, all scoped to the caller's org via Repository). The
// project resource (POST/GET/PATCH /v1/projects) is studio's (studio/routes.h); its rows stay in
// Repository, which the cost records, imports and quotes below use.
//   POST  /v1/projects/{id}/cost-records       add a cost record                 projects:write
//   GET   /v1/projects/{id}/cost-records       the project's records             projects:read
//   GET   /v1/cost-records?filter=&limit=&cursor=   driver filters (driver_filter.h), also as
//                                              `?foundation_type=drilled_pier` /
//                                              `?wind_speed_mph>140`
//                                                                                projects:read
//   GET   /v1/cost-records/{id}                one, with its cost lines          projects:read
//   GET   /v1/cost-records/stats?group_by=material[&filter=...]                  projects:read
//   POST  /v1/specs/validate                   ParseSignSpec → 200 or 422        estimates:predict
//   POST  /v1/imports?format=&partial=&filename=   CSV / NDJSON / KeyedIn body   projects:write
//   GET   /v1/imports/{id}                     status and report                 projects:read
//   POST  /v1/quotes                           price and store (Idempotency-Key) quotes:write
//   GET   /v1/quotes/{id}                      the quote                         projects:read
//   GET   /v1/quotes/{id}/pdf                  application/pdf, or 202 + job id  projects:read
// A cost record or import with actual costs enqueues estimating.evaluate_drift (learning.h) in
// the same transaction.
// Mutations append outbox events: cost_record.created, import.completed, quote.created.
#pragma once

#include "estimating/service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::estimating {

void AddEstimatingRoutes(http::Router& router, http::SchemaRegistry& schemas,
                         EstimatingService& service);

// Mounted by AddEstimatingRoutes (learning_routes.cc):
//   GET  /v1/estimates/model-evaluations       drift checks and retrain comparisons  projects:read
//   POST /v1/price-lists                       new version of a named list (422 per
//                                              field; audited)                        quotes:write
//   GET  /v1/price-lists?name=&limit=&cursor=  versions, newest first                projects:read
//   GET  /v1/price-lists/{id}                  one version                           projects:read
//   POST /v1/price-lists/{id}/activate         the org's active list (audited)       quotes:write
void AddLearningAndPriceListRoutes(http::Router& router, http::SchemaRegistry& schemas,
                                   EstimatingService& service);

}  // namespace signx::estimating
