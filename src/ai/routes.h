// The AI runtime's JSON routes (docs/ai-runtime.md) and their OpenAPI schemas:
//   GET  /v1/ai/models                                 the org's usable models of every kind
//   POST /v1/ai/models/{lead|cost|forecast}/inference-jobs   submit a batch (202)
//   GET  /v1/ai/inference-jobs                         the org's jobs, newest first
//   GET  /v1/ai/inference-jobs/{id}                    status, progress, execution metrics
//   GET  /v1/ai/inference-jobs/{id}/results            the answers, one per input row, in order
// The submit route is one per kind so that each declares the permission its kind needs (the
// scope names of the kind's own routes) and its own request schema.
// Thread-safety: handlers are thread-safe; `service` must outlive the router.
#pragma once

#include "ai/service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::ai {

void AddAiRoutes(http::Router& router, http::SchemaRegistry& schemas, AiService& service);

}  // namespace signx::ai
