// LeadsService: the production lead-scoring model of this process, kept in step with the model
// registry. The model in use is an immutable Scorer behind a shared_ptr swapped atomically, so a
// promotion or rollback (from this or any other replica) takes effect without dropping or
// blocking requests: in-flight requests finish on the model they started with.
//
// Thread-safety: thread-safe. Current() is cheap (a mutex-guarded shared_ptr copy).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "lake/lake_writer.h"
#include "leads/scorer.h"
#include "metrics/metrics.h"
#include "ml/registry.h"

namespace signx::leads {

inline constexpr std::string_view kModelName = "leads";

class LeadsService {
 public:
  // `lake` (optional) receives one `lead_scores` row per scored lead.
  LeadsService(ml::ModelRegistry& registry, metrics::Registry& metrics,
               lake::LakeWriter* lake = nullptr);
  ~LeadsService();

  // Loads the registry's production version if it differs from the one in use. OK (and no model)
  // when nothing is in production.
  Status Reload();
  // Reloads every `interval` on a background thread until destruction.
  void StartPolling(std::chrono::milliseconds interval);

  // The model in use, or nullptr.
  std::shared_ptr<const Scorer> Current() const;

  // Validates a bundle (parses it and builds a Scorer) and registers it as staging.
  Result<ml::ModelVersion> RegisterBundle(std::string_view bundle_json,
                                          const std::string& created_by);

  ml::ModelRegistry& registry() { return registry_; }

  // Scoring metrics for one request's results, recorded by the routes.
  void Record(std::span<const LeadScore> scores, double seconds);
  // Appends the scored leads to the lake (never blocks; drops are counted by the lake).
  void LogToLake(std::string_view request_id, const boost::json::object& lead,
                 const LeadScore& score);

 private:
  ml::ModelRegistry& registry_;
  lake::LakeWriter* lake_;
  mutable std::mutex mu_;
  std::shared_ptr<const Scorer> current_;  // guarded by mu_

  metrics::Family<metrics::Counter>& predictions_;
  metrics::Histogram& latency_;
  metrics::Counter& unknown_categories_;
  metrics::Family<metrics::Counter>& reloads_;

  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;  // guarded by poll_mu_
  std::thread poller_;
};

}  // namespace signx::leads
