// AiService: the AI runtime's use cases — the routes call these, never SQL.
//
//   Submit  resolves the model version for the caller's org in the one model registry (the named
//           version — the org's own, else the platform's — or the one serving the org: its own
//           production version, else the platform default), stores the input rows as a blob, and
//           writes the inference_jobs row, the ai.run_inference job (one durable job on the one
//           queue, retried up to 3 attempts), the audit row, the ai.inference_job_created event
//           and the Idempotency-Key in ONE transaction. A repeat of the key answers the earlier
//           job.
//   Get     one job of the caller's org (another org's id is kNotFound) with its first row
//           errors; a job whose queue job ended without finishing it (dead, cancelled) reads as
//           failed with the queue's last error.
//   List / Results / Models   keyset pages.
//
// EnsureForecastModel registers the forecast model (src/forecast's automatic selection with its
// configuration) as a platform version of the registry, so forecasts have a version, a card and a
// lifecycle like every other model.
//
// Thread-safety: thread-safe; every call blocks (database, blob files).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "ai/inference.h"
#include "base/clock.h"
#include "base/page.h"
#include "blobs/blob_store.h"
#include "events/outbox.h"
#include "http/request.h"
#include "identity/scope.h"
#include "jobs/queue.h"
#include "ml/registry.h"
#include "storage/store.h"

namespace signx::ai {

// The forecast model version EnsureForecastModel registers.
inline constexpr std::string_view kForecastModelVersion = "forecast-auto-1";

// Registers kForecastModelVersion for the platform (idempotent) and promotes it when the platform
// has no production forecast version (an operator's choice is never overridden).
Status EnsureForecastModel(ml::ModelRegistry& registry);

struct Submitted {
  InferenceJob job;
  bool created = true;  // false: an earlier request with the same Idempotency-Key made it
};

struct JobView {
  InferenceJob job;
  std::vector<RowError> errors;  // the first kMaxErrorsShown row errors
};

class AiService {
 public:
  AiService(storage::Store& store, jobs::Queue& queue, ml::ModelRegistry& registry,
            std::shared_ptr<const blobs::BlobStore> blobs, events::Outbox& outbox,
            const Clock& clock = SystemClock::Get());

  // kValidationFailed naming "version" for a version the org may not use; kUnavailable when no
  // model of the kind serves the org.
  Result<Submitted> Submit(const http::Principal& principal, std::string_view request_id, Kind kind,
                           const SubmitRequest& request,
                           const std::optional<std::string>& idempotency_key);
  Result<JobView> Get(const identity::TenantScope& scope, std::string_view id);
  Result<Page<InferenceJob>> List(const identity::TenantScope& scope, const std::set<Kind>& kinds,
                                  std::string_view cursor, int limit);
  // after_row -1 = from the first row.
  Result<Page<ResultRow>> Results(const identity::TenantScope& scope, std::string_view id,
                                  int64_t after_row, int limit);
  // The org's and the platform's versions of `kinds`, with in_use set on the version that runs
  // for the org when none is named.
  Result<Page<AiModel>> Models(const identity::TenantScope& scope, const std::set<Kind>& kinds,
                               const std::optional<std::string>& status, std::string_view cursor,
                               int limit);

 private:
  Result<ml::ModelVersion> Resolve(const std::string& org_id, Kind kind,
                                   const std::optional<std::string>& version);

  storage::Store& store_;
  jobs::Queue& queue_;
  ml::ModelRegistry& registry_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox& outbox_;
  const Clock& clock_;
};

}  // namespace signx::ai
