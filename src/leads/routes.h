// HTTP routes of lead scoring:
//   POST /v1/leads/score                 one lead → score, bucket, tier, reasons  (leads:score)
//   POST /v1/leads/score/batch           {"leads": [...]} up to 10,000             (leads:score)
//   /v1/leads/models...                  the model lifecycle (ml/model_routes.h):
//                                        list and read with leads:read, upload, promote and
//                                        rollback with leads:admin
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "leads/service.h"

namespace signx::leads {

inline constexpr int kMaxBatch = 10000;

void AddLeadRoutes(http::Router& router, http::SchemaRegistry& schemas, LeadsService& service);

}  // namespace signx::leads
