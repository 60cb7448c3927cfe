// EstimatingModule: the estimating capability behind the one interface the composition root
// drives (capability/capability.h). It owns cost prediction (CostService: the production cost
// model, polled for a new version every 10 s), projects, cost records, imports, price lists,
// quotes and their PDFs, the learning loop and the KeyedIn connector, with their API routes and
// web pages.
//
//   jobs    estimating.render_quote_pdf, estimating.evaluate_drift / estimating.retrain (learning.h),
//           estimating.keyedin_* when connectors.keyedin.base_url is set
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::estimating {

// Opens the module on `deps` (cheap; starts nothing).
std::unique_ptr<capability::Capability> OpenEstimatingModule(const capability::Deps& deps);

}  // namespace signx::estimating
