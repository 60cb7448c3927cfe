// HTTP routes of operations (all blocking, all scoped to the caller's org):
//   POST  /v1/ingest/batches?entity=&format=&source=&partial=&filename=
//                                            a batch (the body is the file; a JSON push may carry
//                                            entity/source/partial in the body) → 202 + job;
//                                            the same bytes again → 200 duplicate operations:write
//   GET   /v1/ingest/batches?status=&entity=  newest first                        operations:read
//   GET   /v1/ingest/batches/{id}             status, counts, job                 operations:read
//   GET   /v1/ingest/batches/{id}/errors      per-row errors (row, field, rule)   operations:read
//   GET   /v1/ingest/batches/{id}/changes     the audit rows the batch wrote      operations:read
//   POST  /v1/ingest/batches/{id}/replay      re-apply the stored batch → 202     operations:write
//   POST  /v1/items                           create (sku unique per org)         operations:write
//   GET   /v1/items?q=&category=              by sku, keyset pages                operations:read
//   GET   /v1/items/{id}                      item, stock now, external ids, ETag operations:read
//   PATCH /v1/items/{id}                      If-Match required (428), 412 stale  operations:write
//   GET   /v1/items/{id}/history              audit rows (before/after)           operations:read
//   GET   /v1/items/{id}/demand?days=&to=     daily consumption                   operations:read
//   POST  /v1/items/{id}/inventory-snapshots  a stock count                       operations:write
//   GET   /v1/items/{id}/inventory-snapshots  counts, newest first                operations:read
//   POST  /v1/processes                       create a routing                    operations:write
//   GET   /v1/processes?item_id=              newest first                        operations:read
//   GET   /v1/processes/{id}                  with ETag                           operations:read
//   PATCH /v1/processes/{id}                  If-Match required                   operations:write
// Planning (routes_planning.cc, mounted by AddOperationsRoutes):
//   POST  /v1/forecast-runs                   forecast every item → 202 + run     operations:write
//   GET   /v1/forecast-runs[/{id}]            runs, newest first / one            operations:read
//   GET   /v1/items/{id}/forecast             the latest forecast with its band   operations:read
//   GET   /v1/items/{id}/accuracy             MAPE, MASE, bias per run and model  operations:read
//   GET   /v1/forecast-alerts?status=&all=&item_id=   the inbox               operations:read
//   GET   /v1/forecast-alerts/{id}                                                operations:read
//   POST  /v1/forecast-alerts/{id}/acknowledge | /resolve   who and when      operations:write
//   GET   /v1/forecast-alert-rules            rules as data (defaults filled in)  operations:read
//   PUT   /v1/forecast-alert-rules/{rule}     enable/disable/tune one rule        operations:write
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "operations/service.h"

namespace signx::operations {

void AddOperationsRoutes(http::Router& router, http::SchemaRegistry& schemas,
                         OperationsService& service);

void AddPlanningRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       OperationsService& service);

}  // namespace signx::operations
