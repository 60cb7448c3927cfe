// CostService: the production cost model of this process, kept in step with the model registry
// (model name "cost") by an ml::LiveModel, and the prediction entry point of the HTTP route; a
// promotion or rollback takes effect without dropping or blocking requests.
//
// Answers are cached by (model version, spec hash) in a cache::Cache (an in-process MemoryCache
// unless one is given): the answer is a pure function of both, so a cached answer is byte-identical
// to a recomputed one and a new model version never sees old entries.
//
// Thread-safety: thread-safe. Current() is a mutex-guarded shared_ptr copy.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "cache/cache.h"
#include "estimating/predict.h"
#include "metrics/metrics.h"
#include "ml/live_model.h"
#include "ml/registry.h"

namespace signx::estimating {

class CostService {
 public:
  // `cache` may be null (then an in-process MemoryCache of 20,000 entries is used); it must
  // outlive the service.
  CostService(ml::ModelRegistry& registry, metrics::Registry& metrics,
              cache::Cache* cache = nullptr);
  ~CostService();
  CostService(const CostService&) = delete;
  CostService& operator=(const CostService&) = delete;

  // Loads the registry's production "cost" version if it differs from the one in use.
  Status Reload();
  // Reloads every `interval` on a background thread until destruction.
  void StartPolling(std::chrono::milliseconds interval);

  // The model in use, or nullptr.
  std::shared_ptr<const CostPredictor> Current() const;
  // Installs a model directly (tests, single-process tools).
  void SetCurrent(std::shared_ptr<const CostPredictor> predictor);

  // Validates a request body and returns the answer as JSON text (cached). kUnavailable when no
  // model is in production; ValidationFailed naming every bad field.
  Result<std::string> PredictJson(const boost::json::object& body);

  // Validates a bundle (parse + build a predictor) and registers it as staging.
  Result<ml::ModelVersion> RegisterBundle(std::string_view bundle_json,
                                          const std::string& created_by);

  ml::ModelRegistry& registry() { return registry_; }

 private:
  ml::ModelRegistry& registry_;
  std::unique_ptr<cache::Cache> owned_cache_;
  cache::Cache* cache_;

  metrics::Family<metrics::Counter>& predictions_;
  metrics::Histogram& latency_;

  ml::LiveModel<CostPredictor> live_;  // declared last: stops polling first on destruction
};

}  // namespace signx::estimating
