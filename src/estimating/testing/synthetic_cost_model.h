// A cost model trained on generated jobs, for tests of other modules that need one loaded (studio's
// cost snapshot, the AI runtime's cost inference). Training takes a while: keep the result in a
// static when several tests of a file use it.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "estimating/cost_model.h"

namespace signx::estimating::testing {

struct SyntheticCostModel {
  int64_t projects = 300;  // generated jobs (GenerateProject with data_seed)
  uint64_t data_seed = 5;
  int rounds = 30;           // boosting rounds
  uint64_t train_seed = 42;  // CostTrainOptions::seed
};

// Trains on `spec.projects` generated jobs without timing (the bundle is deterministic).
Result<CostBundle> TrainSyntheticCostModel(const SyntheticCostModel& spec);

}  // namespace signx::estimating::testing
