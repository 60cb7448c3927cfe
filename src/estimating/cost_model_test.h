// The cost model tests' shared pieces: generated history, the training options, a request for a
// past job, and the CostModelTest fixture — one model trained on 5,000 generated jobs once for the
// whole suite, whichever file its tests are in.
//
// Files: cost_model_test.cc (training, bundle, card, grid; request and history parsing),
// cost_model_predict_test.cc (interval, SHAP drivers, anomaly, breakdown, estimate correction),
// cost_model_similar_test.cc (similar projects), cost_model_drift_test.cc (drift rule),
// cost_model_measure_test.cc (measurements run by hand, DISABLED_).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "estimating/cost_model.h"
#include "estimating/generator.h"
#include "estimating/predict.h"

namespace signx::estimating::cost_model_test {

inline std::vector<HistoryJob> History(int64_t n, uint64_t seed) {
  GeneratorOptions o;
  o.projects = n;
  o.seed = seed;
  std::vector<HistoryJob> jobs;
  jobs.reserve(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) jobs.push_back(JobFromRecord(GenerateProject(o, i)));
  return jobs;
}

inline CostTrainOptions TestOptions() {
  CostTrainOptions o;
  o.seed = 11;
  o.record_timing = false;
  return o;
}

inline CostRequest RequestFor(const HistoryJob& j, bool with_context = true) {
  CostRequest r;
  r.spec = j.spec;
  if (with_context) {
    r.context.region_index = j.region_index;
    r.context.project_date = j.project_date;
  }
  return r;
}

class CostModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    jobs_ = new std::vector<HistoryJob>(History(5000, 3));
    auto b = TrainCostModel(*jobs_, TestOptions());
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    bundle_ = new CostBundle(std::move(b).value());
    auto p = CostPredictor::Create(*bundle_);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    predictor_ = new std::shared_ptr<const CostPredictor>(std::move(p).value());
  }
  static void TearDownTestSuite() {
    delete predictor_;
    delete bundle_;
    delete jobs_;
  }
  const CostPredictor& predictor() { return **predictor_; }

  static inline std::vector<HistoryJob>* jobs_ = nullptr;
  static inline CostBundle* bundle_ = nullptr;
  static inline std::shared_ptr<const CostPredictor>* predictor_ = nullptr;
};

}  // namespace signx::estimating::cost_model_test
