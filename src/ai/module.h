// AiModule: the AI runtime capability (issue 17 item 7, docs/ai-runtime.md) behind the one
// interface the composition root drives (capability/capability.h). Any registered model — lead,
// cost, forecast — runs asynchronously on a batch input through the one job queue, with status,
// results and execution metrics. It owns no registry and no queue of its own: models are the
// versions of ml::ModelRegistry (the ai_models view), jobs are `ai.run_inference` jobs.
//
//   jobs    ai.run_inference
//   routes  /v1/ai/models, /v1/ai/models/{kind}/inference-jobs,
//   /v1/ai/inference-jobs[/{id}[/results]]
//
// Start registers the forecast model (src/forecast's automatic selection) as a platform version of
// the registry when it is missing.
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::ai {

// Opens the module on `deps` (cheap; starts nothing).
std::unique_ptr<capability::Capability> OpenAiModule(const capability::Deps& deps);

}  // namespace signx::ai
