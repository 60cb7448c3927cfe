// HTTP routes of cost prediction and of the cost model's versions:
//   POST /v1/estimates/predict                    sign spec → cost, interval, drivers, similar
//                                                 jobs, anomaly score      (estimates:predict)
//   GET  /v1/estimates/models                     versions with state, and the one in use
//                                                                          (estimates:predict)
//   GET  /v1/estimates/models/{version}           one version with its model card
//                                                                          (estimates:predict)
//   POST /v1/estimates/models                     upload a bundle from `signx train cost` as
//                                                 staging                  (estimates:admin)
//   POST /v1/estimates/models/{version}/promote   make it production      (estimates:admin)
//   POST /v1/estimates/models/rollback            back to the previous production version
//                                                                          (estimates:admin)
// "estimates:admin" must be in identity's permission list (org_admin) for the last three.
// The model routes act on the caller's org's versions (`?owner=platform` for the platform default:
// super_admin only; ml/model_routes.h); predict uses the org's production model, else the
// platform default (predict_service.h: similar_projects only from the org's own model).
#pragma once

#include "estimating/predict_service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::estimating {

void AddCostRoutes(http::Router& router, http::SchemaRegistry& schemas, CostService& service);

}  // namespace signx::estimating
