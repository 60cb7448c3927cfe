// LeadsService: the production lead-scoring models of this process — the platform default and each
// org's own (ml/registry.h: tenancy; docs/adr/0008-tenant-models.md) — kept in step with the model
// registry by an ml::LiveModel (a promotion or rollback takes effect without dropping or blocking
// requests: in-flight requests finish on the model they started with). A lead of an org is scored
// by the org's own production model when it has one, else by the platform default.
//
// Remote mode (ServiceOptions::remote set, config leads.model_mode=remote): the registry's bundle
// still validates, encodes and buckets, but probabilities come from a KServe v2 server (remote.h);
// the routes score through ScoreJson/ScoreJsonBatch here, which pick the mode.
// Scored leads go to the lake and, with the caller's org, to the ScoreLog (`lead_scores`), which
// POST /v1/leads/{id}/outcome needs.
//
// Thread-safety: thread-safe. Current(org) is cheap (a shared-lock shared_ptr copy; an org's own
// model is read from the registry once, on its first use).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "lake/lake_writer.h"
#include "leads/remote.h"
#include "leads/score_log.h"
#include "leads/scorer.h"
#include "metrics/metrics.h"
#include "ml/live_model.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"

namespace signx::leads {

inline constexpr std::string_view kModelName = "leads";
// The model_version label of leads_predictions_total for an org's own model (never its version).
inline constexpr std::string_view kOrgModel = "org_model";

struct ServiceOptions {
  ScoreLog* score_log = nullptr;              // receives scored leads with an org; may be null
  std::shared_ptr<const RemoteModel> remote;  // set: remote model mode
  ml::LiveModelOptions models;                // how many org-owned lead models stay loaded
  // Threads that help the request's own thread score one large batch (ScoreBatch); -1 = one
  // fewer than the cores, 0 = none.
  int batch_threads = -1;
};

class LeadsService {
 public:
  // `lake` (optional) receives one `lead_scores` row per scored lead.
  LeadsService(ml::ModelRegistry& registry, metrics::Registry& metrics,
               lake::LakeWriter* lake = nullptr, ServiceOptions options = {});
  ~LeadsService();

  // Loads the registry's production versions (the platform's, and the loaded orgs') if they differ
  // from the ones in use. OK (and no model) when nothing is in production.
  Status Reload();
  // After a promotion or rollback of `owner`'s lead model in this process.
  Status Reload(const ml::Owner& owner);
  // Reloads every `interval` on a background thread until destruction.
  void StartPolling(std::chrono::milliseconds interval);

  // The model scoring `org_id`'s leads (its own, else the platform default; "" = the platform
  // default), or nullptr.
  std::shared_ptr<const Scorer> Current(std::string_view org_id);
  // The booster of Current(org_id) (for /v2 requests that send already-encoded rows), or nullptr.
  std::shared_ptr<const ml::Booster> CurrentBooster(std::string_view org_id);
  // Current(org_id)'s version and whether it is the platform default; nullopt when none.
  struct InUse {
    std::string version;
    bool platform_default = true;
  };
  std::optional<InUse> InUseFor(std::string_view org_id);

  // True in remote model mode.
  bool remote() const { return options_.remote != nullptr; }
  // Scores with `scorer` (from Current(org)) locally, or remotely with its bundle in remote mode
  // (no reasons remotely). Same validation errors either way.
  Result<LeadScore> ScoreJson(const Scorer& scorer, const boost::json::object& lead,
                              const ScoreOptions& options, std::string_view request_id) const;
  Result<std::vector<LeadScore>> ScoreJsonBatch(const Scorer& scorer,
                                                const boost::json::array& leads,
                                                const ScoreOptions& options,
                                                std::string_view request_id) const;

  // What the scoring metrics need of one request's scores (Record): leads per tier, unknown
  // categories and the model version.
  struct ScoreTally {
    std::string model_version;
    int by_tier[5] = {0, 0, 0, 0, 0};  // A..E
    int unknown_categories = 0;
    void Add(const LeadScore& score);
  };
  // A batch request's answer: {"model_version", "results": [LeadScore…]} as JSON text, and the
  // tally of its scores (for Record).
  struct BatchAnswer {
    std::string body;
    ScoreTally tally;
  };
  // Validates every lead first (errors name "leads[i].field"; nothing is scored or logged when
  // one is invalid), then scores them, renders the answer and logs each scored lead like
  // LogToLake. Locally the leads are validated and then scored in chunks of kBatchChunk on the
  // calling thread and the service's batch threads (parallel.h); each chunk appends its lake rows
  // as soon as it is scored, so a request never holds its rows all at once. Remote mode makes one
  // remote call.
  static constexpr std::size_t kBatchChunk = 32;
  Result<BatchAnswer> ScoreBatch(const Scorer& scorer, const boost::json::array& leads,
                                 const ScoreOptions& options, const http::Request& request);

  // Validates a bundle (parses it and builds a Scorer) and registers it as `owner`'s staging
  // version.
  Result<ml::ModelVersion> RegisterBundle(const ml::Owner& owner, std::string_view bundle_json,
                                          const std::string& created_by);

  ml::ModelRegistry& registry() { return registry_; }

  // Scoring metrics for one request's results, recorded by the routes.
  void Record(std::span<const LeadScore> scores, double seconds);
  void Record(const ScoreTally& tally, double seconds);
  // Appends the scored leads to the lake (never blocks; drops are counted by the lake). The
  // row's features are `lead_text` without whitespace (MinifiedJson) when given — the lead's own
  // JSON text, e.g. a request body that is the lead — else `lead` serialised.
  void LogToLake(std::string_view request_id, const boost::json::object& lead,
                 const LeadScore& score, std::string_view lead_text = {});
  // Same, and queues the score (with the lead's display fields under `schema`) for
  // `lead_scores` under the request's org (never blocks).
  void LogToLake(const http::Request& request, const Schema& schema,
                 const boost::json::object& lead, const LeadScore& score,
                 std::string_view lead_text = {});

 private:
  // The Scorer, and a second handle on the same trees for /v2 requests with encoded rows (the
  // Scorer keeps its booster private).
  struct LoadedModel {
    Scorer scorer;
    ml::Booster booster;
  };

  ml::ModelRegistry& registry_;
  lake::LakeWriter* lake_;
  const ServiceOptions options_;

  metrics::Family<metrics::Counter>& predictions_;
  metrics::Histogram& latency_;
  metrics::Counter& unknown_categories_;
  std::unique_ptr<runtime::BlockingPool> batch_pool_;  // null without batch threads

  ml::LiveModel<LoadedModel> live_;  // declared last: stops polling first on destruction
};

}  // namespace signx::leads
