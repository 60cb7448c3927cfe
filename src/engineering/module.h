// EngineeringModule: the engineering capability (docs/engineering.md) behind the one interface
// the composition root drives (capability/capability.h): the /v1/engineering/* calculation
// routes over the pure `sign` module, with their answer cache. No tables, jobs or pages; studio
// calls engineering::CheckStructure (engineering/engineering.h) directly.
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::engineering {

// Opens the module on `deps` (cheap; starts nothing).
std::unique_ptr<capability::Capability> OpenEngineeringModule(const capability::Deps& deps);

}  // namespace signx::engineering
