#include "estimating/testing/synthetic_cost_model.h"

#include <utility>
#include <vector>

#include "estimating/generator.h"

namespace signx::estimating::testing {

Result<CostBundle> TrainSyntheticCostModel(const SyntheticCostModel& spec) {
  GeneratorOptions o;
  o.projects = spec.projects;
  o.seed = spec.data_seed;
  std::vector<HistoryJob> jobs;
  jobs.reserve(static_cast<std::size_t>(spec.projects));
  for (int64_t i = 0; i < o.projects; ++i) jobs.push_back(JobFromRecord(GenerateProject(o, i)));
  CostTrainOptions t;
  t.seed = spec.train_seed;
  t.record_timing = false;
  t.num_rounds = spec.rounds;
  return TrainCostModel(std::move(jobs), t);
}

}  // namespace signx::estimating::testing
