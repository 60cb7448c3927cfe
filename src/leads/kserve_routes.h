// The Open Inference Protocol (KServe v2 REST) for the production lead model, so tools that speak
// it (Triton and KServe clients, MLflow, Seldon) can call SignX:
//   GET  /v2/health/live, /v2/health/ready                      (public)
//   GET  /v2/models/leads                model metadata: inputs (one tensor per schema field:
//                                        BYTES, FP64 or BOOL, shape [-1]) and outputs   (leads:read)
//   GET  /v2/models/leads/ready          200 when a model is loaded, 503 otherwise  (leads:read)
//   POST /v2/models/leads/infer          columnar inputs → outputs score (FP64), bucket (INT32),
//                                        tier (BYTES), lead_id (BYTES)               (leads:score)
// Tensors are checked first (errors name inputs[i]); rows are the tensors' positions and are
// validated like POST /v1/leads/score/batch (errors name leads[row].field). Reasons are not part of the v2 answer (use /v1).
// The infer route also takes rows already encoded with the model's encoder — one FP32 tensor of
// shape [N, width], null for a missing value — and answers probability (FP32, the booster's
// uncalibrated output, as generic XGBoost servers give), score, bucket and tier: this is what a
// SignX in remote model mode (remote.h) sends, so one SignX can serve another.
#pragma once

#include "http/openapi.h"
#include "http/router.h"
#include "leads/service.h"

namespace signx::leads {

void AddKServeRoutes(http::Router& router, LeadsService& service);

}  // namespace signx::leads
