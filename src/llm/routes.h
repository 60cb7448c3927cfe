// The LLM usage route (org-scoped, documents:read):
//   GET /v1/llm/usage?days=N   the caller's org's LLM use over the last N UTC days (1..366,
//                              default 30, today included): per day and in total the tasks
//                              routed (calls), answers from the server, cache hits, offline
//                              fallbacks, tokens in/out and cost; fallbacks by reason; the
//                              monthly token budget with what is used of it.
// Thread-safety: the handlers are thread-safe; `store` and `settings` must outlive the router.
#pragma once

#include "base/clock.h"
#include "http/openapi.h"
#include "http/router.h"
#include "llm/settings.h"
#include "storage/store.h"

namespace signx::llm {

void AddLlmRoutes(http::Router& router, http::SchemaRegistry& schemas, storage::Store& store,
                  const Settings& settings, const Clock& clock = SystemClock::Get());

}  // namespace signx::llm
