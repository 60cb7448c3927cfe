// HTTP routes of lead scoring:
//   POST /v1/leads/score                 one lead → score, bucket, tier, reasons  (leads:score)
//   POST /v1/leads/score/batch           {"leads": [...]} up to 10,000             (leads:score)
//   GET  /v1/leads/models                versions with state and card              (leads:read)
//   GET  /v1/leads/models/{version}      one version with its model card           (leads:read)
//   POST /v1/leads/models                upload a trained bundle (staging)         (leads:admin)
//   POST /v1/leads/models/{version}/promote                                        (leads:admin)
//   POST /v1/leads/models/rollback       back to the previous production version   (leads:admin)
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "leads/service.h"

namespace signx::leads {

inline constexpr int kMaxBatch = 10000;

void AddLeadRoutes(http::Router& router, http::SchemaRegistry& schemas, LeadsService& service);

}  // namespace signx::leads
