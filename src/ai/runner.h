// The body of one `ai.run_inference` job: loads the model version the job was submitted with from
// the one model registry (so every attempt runs the same version, even after a promotion), reads
// the input rows from the blob store, answers them in chunks — each chunk's answers and the job's
// progress committed in one transaction — and finishes the job with its execution metrics (rows,
// rows_failed, wall time). A row that fails validation gets its errors instead of an answer and is
// counted; it never fails the job.
//
// Retries: an attempt starts by deleting the answers of the attempt before it (keyed by input
// row), so a job retried after a failure midway holds each row exactly once. Every write of an
// attempt is fenced by its number (inference_jobs.attempts): a worker that lost its lease while a
// later attempt runs cannot commit a chunk or a status over it. A job that already
// succeeded (its worker crashed after the commit, before the queue recorded it) is not run again.
//
// Thread-safety: ModelCache is thread-safe; RunInference may run on several worker threads.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ai/inference.h"
#include "base/clock.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "estimating/predict.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "leads/scorer.h"
#include "storage/store.h"

namespace signx::ai {

// The forecast model's stored configuration (the bytes of a "forecast" registry version).
struct ForecastConfig {
  std::string setup = "auto-1";  // the AutoForecast set-up (forecast/forecast.h)
  double level = 0.8;            // central coverage of the intervals
};
Result<ForecastConfig> ParseForecastConfig(std::string_view bytes);

// Loaded model versions by (kind, owner, version); the last few of each kind stay loaded.
class ModelCache {
 public:
  ModelCache(storage::Store& store, const blobs::BlobStore& blobs) : store_(store), blobs_(blobs) {}

  // `owner` "" = the platform. kNotFound when the owner has no such version.
  Result<std::shared_ptr<const leads::Scorer>> Lead(const std::string& owner,
                                                    const std::string& version);
  Result<std::shared_ptr<const estimating::CostPredictor>> Cost(const std::string& owner,
                                                                const std::string& version);
  Result<ForecastConfig> Forecast(const std::string& owner, const std::string& version);

 private:
  Result<std::string> Bytes(Kind kind, const std::string& owner, const std::string& version);

  storage::Store& store_;
  const blobs::BlobStore& blobs_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::shared_ptr<const leads::Scorer>>> leads_;  // guarded
  std::vector<std::pair<std::string, std::shared_ptr<const estimating::CostPredictor>>>
      costs_;  // guarded by mu_
};

// Answers rows [begin, end) of `rows` (pure apart from the model; row indexes are positions in
// `rows`).
std::vector<ResultRow> AnswerLeads(const leads::Scorer& scorer, const boost::json::array& rows,
                                   std::size_t begin, std::size_t end, bool explain);
std::vector<ResultRow> AnswerCosts(const estimating::CostPredictor& predictor,
                                   const boost::json::array& rows, std::size_t begin,
                                   std::size_t end);
std::vector<ResultRow> AnswerForecasts(const ForecastConfig& config, const boost::json::array& rows,
                                       std::size_t begin, std::size_t end);

struct RunOptions {
  std::size_t chunk_rows = 500;  // rows answered and committed together
  int threads = 2;               // forecast rows of a chunk are answered on this many threads
  // Test seam (fault injection): called after each committed chunk with the attempt number and
  // the rows answered so far; an error ends the attempt there, as a crash or a lost database
  // would.
  std::function<Status(int attempt, int64_t rows_done)> after_chunk;
};

struct RunOutcome {
  std::string status;  // succeeded
  int64_t rows = 0;
  int64_t rows_failed = 0;
  int64_t wall_ms = 0;
};

// Runs attempt `attempt` of inference job `inference_id` of `org_id`. `progress(percent)`
// returning false stops the run with kCancelled. On success the job is succeeded, with the
// ai.inference_job_completed event, in the last transaction.
Result<RunOutcome> RunInference(storage::Store& store, const blobs::BlobStore& blobs,
                                ModelCache& models, events::Outbox& outbox, const Clock& clock,
                                const std::string& org_id, const std::string& inference_id,
                                int attempt, const std::function<bool(int)>& progress,
                                const RunOptions& options = {});

// Records failed attempt `attempt` on the job row: failed (with the ai.inference_job_completed
// event) when the queue will not retry it (`final`), else queued again with the error. Nothing
// when a later attempt has started meanwhile (a recovered lease) or the job already finished.
Status RecordFailure(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                     const std::string& org_id, const std::string& inference_id, int attempt,
                     const Status& error, bool final);

// Registers the `ai.run_inference` handler (at most 2 at once across workers). `outbox` must
// outlive the queue's workers.
void RegisterInferenceJobs(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> blobs,
                           events::Outbox& outbox, RunOptions options = {});

}  // namespace signx::ai
