#include "app/capabilities.h"

#include <filesystem>

#include "ai/module.h"
#include "app/job_handlers.h"
#include "app/platform.h"
#include "documents/module.h"
#include "engineering/module.h"
#include "estimating/module.h"
#include "leads/module.h"
#include "llm/module.h"
#include "notifications/module.h"
#include "operations/module.h"
#include "studio/module.h"

namespace signx::app {

Capabilities OpenCapabilities(const capability::Deps& deps) {
  Capabilities out;
  out.push_back(leads::OpenLeadsModule(deps));
  // Estimating's services other capabilities use (studio's cost snapshots); estimating starts
  // before studio, so they are set when studio starts.
  auto estimating_exports = std::make_shared<estimating::EstimatingExports>();
  out.push_back(estimating::OpenEstimatingModule(deps, estimating_exports));
  out.push_back(engineering::OpenEngineeringModule(deps));
  out.push_back(notifications::OpenNotificationsModule(deps));
  out.push_back(documents::OpenDocumentsModule(deps));
  out.push_back(operations::OpenOperationsModule(deps));
  out.push_back(studio::OpenStudioModule(deps, estimating_exports));
  out.push_back(ai::OpenAiModule(deps));
  out.push_back(llm::OpenLlmModule(deps));
  return out;
}

Result<std::shared_ptr<lake::LakeWriter>> OpenLakeWriter(const config::Config& config,
                                                         metrics::Registry* metrics) {
  // Rows hold the scored lead (~1.5 KB): 20k queued rows bound the queue to ~30 MB.
  SIGNX_ASSIGN_OR_RETURN(
      std::unique_ptr<lake::LakeWriter> w,
      lake::LakeWriter::Open({.data_dir = config.data_dir,
                              .queue_capacity = static_cast<size_t>(config.lake.queue_rows),
                              .flush_rows = static_cast<size_t>(config.lake.flush_rows),
                              .sync_interval = std::chrono::milliseconds(
                                  config.lake.sync_interval_ms),
                              .sync_rows = static_cast<size_t>(config.lake.sync_rows),
                              .segment_max_bytes =
                                  static_cast<size_t>(config.lake.segment_max_mb) << 20,
                              .row_group_rows = static_cast<size_t>(config.lake.row_group_rows),
                              .duckdb_memory_mb = config.lake.duckdb_memory_mb},
                             metrics));
  return std::shared_ptr<lake::LakeWriter>(std::move(w));
}

Result<std::unique_ptr<WorkerJobs>> WorkerJobs::Open(jobs::Queue& queue,
                                                     const config::Config& config,
                                                     metrics::Registry* metrics) {
  std::unique_ptr<WorkerJobs> w(new WorkerJobs());
  SIGNX_ASSIGN_OR_RETURN(
      w->blobs_, blobs::BlobStore::Open(std::filesystem::path(config.data_dir) / "blobs",
                                       kMaxBlobBytes));
  // The worker appends CSV-scored leads to the lake as `serve` does.
  SIGNX_ASSIGN_OR_RETURN(w->lake_, OpenLakeWriter(config, metrics));
  w->models_ = std::make_unique<ml::ModelRegistry>(queue.store(), *w->blobs_, SystemClock::Get());
  w->capabilities_ = OpenCapabilities({.config = config,
                                       .store = queue.store(),
                                       .blobs = w->blobs_,
                                       .queue = queue,
                                       .models = *w->models_,
                                       .metrics = metrics,
                                       .lake = w->lake_});
  SIGNX_RETURN_IF_ERROR(RegisterJobHandlers(queue, w->capabilities_, w->blobs_, config));
  return w;
}

WorkerJobs::~WorkerJobs() {
  for (auto& c : capabilities_) c->Stop();
  if (lake_) lake_->Shutdown();
}

}  // namespace signx::app
