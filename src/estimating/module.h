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

class CostService;

// What estimating shares with the capabilities built on it, handed to them at construction by
// app/capabilities.cc (studio's payload cost snapshots use cost()): one predictor per process, so
// one copy of the models in memory and one set of estimates_* metrics. The module's Start fills
// it (serve only); before that, and in `signx worker`, cost() is null.
//
// Thread-safety: set during start-up on one thread; read after it.
class EstimatingExports {
 public:
  // Estimating's production cost predictor (polling the registry, counted on /metrics), or null.
  std::shared_ptr<CostService> cost() const { return cost_; }
  void set_cost(std::shared_ptr<CostService> cost) { cost_ = std::move(cost); }

 private:
  std::shared_ptr<CostService> cost_;
};

// Opens the module on `deps` (cheap; starts nothing). Its Start publishes the predictor in
// `exports` when given.
std::unique_ptr<capability::Capability> OpenEstimatingModule(
    const capability::Deps& deps, std::shared_ptr<EstimatingExports> exports = nullptr);

}  // namespace signx::estimating
