// The learning loop of the cost model (issue 7 §7, seed 000's drift rule):
//
//   actual cost recorded ──(same txn)──► estimating.evaluate_drift (deduped per org and 10-minute
//   bucket, runs at the bucket's end; also a daily recurring run that fans out to every org with
//   actuals)
//     1. the "cost" version V that prices the org: the org's own production version, else the
//        platform default (ml/registry.h Effective);
//     2. the org's most recent cost records with an actual total that were created AFTER V was
//        registered (so V never saw them in training), newest `drift.window`; each record's
//        prediction by V is the stored one (cost_records.predicted_cost_cents with model_version
//        V) or, when the record has none, computed now from its drivers and stored on the record;
//     3. EvaluateDrift (cost_model_drift.h: rolling MAPE > 1.2 × the card's baseline);
//     4. stores the evaluation (model_evaluations, kind 'drift'); when drifted, enqueues
//        estimating.retrain (dedupe per org, version and day) and, when that job is new, appends
//        `model.drift_detected` {model, version, mape, baseline, threshold, window, pairs} — all
//        in one transaction.
//   estimating.retrain
//     1. the org's history (records with drivers that pass the spec rules and a positive actual),
//        ordered by project date; the newest `holdout_fraction` is the held-out window;
//     2. trains a candidate on the rest with TrainCostModel (the library function behind
//        `signx train cost`), registers it as the ORG's staging version;
//     3. MAPE of the candidate and of the model pricing the org (its own, else the platform
//        default) on the held-out window; promotes the candidate within the org only when its
//        MAPE is strictly lower (or when nothing prices the org);
//     4. records the comparison (model_evaluations, kind 'retrain'), appends `model.retrained`
//        and, when promoted, `model.promoted`; the job result holds the same comparison.
//   Rollback: POST /v1/estimates/models/rollback (ml/model_routes.h).
//
// Tenancy (docs/adr/0008-tenant-models.md): a retrain learns from one org's records and its
// candidate is that org's version — promoted, it prices that org only; the platform default and
// the other orgs never change, and the candidate's reference jobs (the org's own records) appear
// only in that org's similar_projects. The evaluations are per org as well.
//
// Thread-safety: LearningLoop is thread-safe (state lives in the database; the loaded predictor
// cache is mutex-guarded). Every call blocks: use from jobs or the CLI.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "estimating/cost_model.h"
#include "estimating/cost_model_drift.h"
#include "estimating/predict.h"
#include "estimating/repository.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "ml/registry.h"
#include "storage/store.h"

namespace signx::estimating {

inline constexpr std::string_view kEvaluateDriftJob = "estimating.evaluate_drift";
inline constexpr std::string_view kRetrainJob = "estimating.retrain";

struct LearningOptions {
  DriftOptions drift;              // window 200, min_pairs 30, factor 1.2 (seed 000)
  double holdout_fraction = 0.15;  // retrain: the newest share of the history held out
  std::size_t min_holdout = 20;    // retrain: at least this many held-out jobs
  CostTrainOptions train = [] {
    CostTrainOptions o;
    o.record_timing = false;  // same data → same bundle → same version (job re-runs)
    o.data_name = "org history";
    return o;
  }();
  std::chrono::minutes coalesce{10};   // actual-cost writes in one bucket share one evaluation
  std::string daily_schedule = "15 2 * * *";
};

// One stored evaluation (model_evaluations).
struct ModelEvaluation {
  std::string id;
  std::string org_id;
  std::string model_name;
  std::string kind;  // drift | retrain
  std::string model_version;
  int64_t pairs = 0;
  int64_t window_size = 0;
  std::optional<double> mape;
  std::optional<double> baseline_mape;
  std::optional<double> threshold_mape;
  bool drifted = false;
  bool enough_data = false;
  std::optional<std::string> candidate_version;
  std::optional<double> candidate_mape;
  bool promoted = false;
  std::string detail_json = "{}";
  std::optional<std::string> job_id;
  Timestamp created_at;
};
boost::json::object ToJson(const ModelEvaluation& e);

// Enqueues estimating.evaluate_drift for `org_id` in the caller's transaction: dedupe key
// "drift:<org>:<bucket start>", run at the end of the bucket, so a burst of actual-cost writes
// leads to one evaluation that sees all of them.
Result<jobs::EnqueueResult> EnqueueDriftEvaluation(jobs::Queue& queue, storage::Txn& txn,
                                                   std::string_view org_id, const Clock& clock,
                                                   std::chrono::minutes coalesce = std::chrono::minutes(10));

// MAPE of `predictor` on `jobs` (those with a positive actual); nullopt when none qualifies.
Result<std::optional<double>> MapeOn(const CostPredictor& predictor,
                                     const std::vector<HistoryJob>& jobs);

class LearningLoop {
 public:
  LearningLoop(storage::Store& store, ml::ModelRegistry& registry, events::Outbox& outbox,
               jobs::Queue& queue, LearningOptions options = {},
               const Clock& clock = SystemClock::Get());

  // Steps 1-4 of estimating.evaluate_drift for one org. nullopt when no cost model is in
  // production (nothing to evaluate, nothing stored).
  Result<std::optional<ModelEvaluation>> EvaluateDrift(const Scope& scope, std::string_view job_id);

  // estimating.retrain for one org. kFailedPrecondition when the org's history is too small to
  // train and hold out a window (nothing registered, nothing stored).
  Result<ModelEvaluation> Retrain(const Scope& scope, std::string_view job_id);

  // The org ids with at least one recorded actual (for the daily fan-out).
  Result<std::vector<std::string>> OrgsWithActuals();

  // The org's usable history (drivers pass the spec rules, actual > 0), ordered by project date.
  Result<std::vector<HistoryJob>> LoadHistory(const Scope& scope);

  const LearningOptions& options() const { return options_; }
  jobs::Queue& queue() { return queue_; }
  const Clock& clock() const { return clock_; }

 private:
  Result<std::shared_ptr<const CostPredictor>> LoadPredictor(const ml::ModelVersion& version);

  storage::Store& store_;
  ml::ModelRegistry& registry_;
  events::Outbox& outbox_;
  jobs::Queue& queue_;
  const LearningOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::shared_ptr<const CostPredictor> cached_;  // guarded by mu_: the last version loaded
};

// The org's evaluations, newest first; `cursor` = last id of the previous page; limit clamped to
// 1..kMaxPageSize.
Result<Page<ModelEvaluation>> ListModelEvaluations(storage::Store& store, const Scope& scope,
                                                   int limit, std::string_view cursor);

// Registers estimating.evaluate_drift (payload {}; the job's org_id scopes it; a job without an
// org fans out one deduped job per org with actuals) and estimating.retrain (max_concurrency 1),
// and schedules the daily evaluation. The handlers keep `loop` alive.
Status RegisterLearningJobs(jobs::Queue& queue, std::shared_ptr<LearningLoop> loop);

// A LearningLoop with its own ModelRegistry and Outbox (for RegisterEstimatingJobs, which runs
// in `signx serve` and `signx worker` alike): the outbox's dispatcher finds the events at its
// next poll.
std::shared_ptr<LearningLoop> MakeLearningLoop(jobs::Queue& queue,
                                               std::shared_ptr<const blobs::BlobStore> blobs,
                                               LearningOptions options = {});

}  // namespace signx::estimating
