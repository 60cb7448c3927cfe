// CostService: the production cost models of this process — the platform default and each org's
// own (ml/registry.h: tenancy; docs/adr/0008-tenant-models.md) — kept in step with the model
// registry (model name "cost") by an ml::LiveModel, and the prediction entry point of the HTTP
// route; a promotion or rollback takes effect without dropping or blocking requests.
//
// An org is priced by its own production cost model when it has one, else by the platform
// default. similar_projects (past jobs with their actual cost) come only from the org's own model,
// whose reference jobs are the org's own records: an answer from the platform default has none
// (and an assumption says so), so no org ever sees jobs that another org's data put into a model.
//
// Answers are cached by (platform default or org's own, model version, spec hash) in a
// cache::Cache (an in-process MemoryCache unless one is given): the answer is a pure function of
// the three, so a cached answer is byte-identical to a recomputed one and a new model version
// never sees old entries.
//
// Thread-safety: thread-safe. For() is a shared-lock shared_ptr copy (no database query once the
// org's model is loaded).
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
              cache::Cache* cache = nullptr, ml::LiveModelOptions live_options = {});
  ~CostService();
  CostService(const CostService&) = delete;
  CostService& operator=(const CostService&) = delete;

  // Loads the registry's production "cost" versions (the platform's, and the loaded orgs') if they
  // differ from the ones in use.
  Status Reload();
  // After a promotion or rollback of `owner`'s cost model in this process.
  Status Reload(const ml::Owner& owner);
  // Reloads every `interval` on a background thread until destruction.
  void StartPolling(std::chrono::milliseconds interval);

  // The model serving `org_id` ("" = the platform default): the org's own, else the platform's.
  ml::LiveModel<CostPredictor>::Resolved For(std::string_view org_id);
  // For(org_id).model: the predictor serving the org, or nullptr.
  std::shared_ptr<const CostPredictor> Current(std::string_view org_id);
  // Installs a platform default directly (tests, single-process tools).
  void SetCurrent(std::shared_ptr<const CostPredictor> predictor);

  // Predicts for `org_id` with the model serving it (the tenant rules above applied).
  // kUnavailable when no model serves the org.
  Result<CostPrediction> Predict(std::string_view org_id, const CostRequest& request);

  // Validates a request body and returns the answer for `org_id` as JSON text (cached).
  // kUnavailable when no model serves the org; ValidationFailed naming every bad field.
  Result<std::string> PredictJson(std::string_view org_id, const boost::json::object& body);

  // Validates a bundle (parse + build a predictor) and registers it as `owner`'s staging version.
  Result<ml::ModelVersion> RegisterBundle(const ml::Owner& owner, std::string_view bundle_json,
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
