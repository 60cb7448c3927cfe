// StudioModule: the studio capability (issue 16, docs/studio.md) — the project lifecycle on the
// shared `projects` table (guarded transitions, timeline, ETags), design payloads per module
// (schemas as data, canonical hashes, versions and diffs, files in the blob store, cost
// snapshots, the structure check), quotes tied to payloads, with their API routes.
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"
#include "estimating/module.h"

namespace signx::studio {

// Opens the module on `deps` (cheap; starts nothing). Cost snapshots use estimating's predictor
// from `estimating` (its module starts first in app/capabilities.cc; Start checks that).
std::unique_ptr<capability::Capability> OpenStudioModule(
    const capability::Deps& deps, std::shared_ptr<const estimating::EstimatingExports> estimating);

}  // namespace signx::studio
