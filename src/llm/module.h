// LlmModule: the optional LLM's platform surface behind capability/capability.h — today the
// GET /v1/llm/usage route (routes.h). The router itself (router.h) is opened by the capability
// that uses it (documents' analysis step) from the same config::LlmConfig.
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::llm {

std::unique_ptr<capability::Capability> OpenLlmModule(const capability::Deps& deps);

}  // namespace signx::llm
