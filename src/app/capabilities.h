// The one list of capability modules and the jobs every signx process runs. `signx serve` and
// `signx worker` both open the capabilities here, so they cannot drift apart: adding a capability
// is one line in OpenCapabilities.
//
// Thread-safety: call during start-up on one thread.
#pragma once

#include <memory>
#include <vector>

#include "base/status.h"
#include "blobs/blob_store.h"
#include "capability/capability.h"
#include "config/config.h"
#include "jobs/queue.h"
#include "lake/lake_writer.h"
#include "metrics/metrics.h"
#include "ml/registry.h"

namespace signx::app {

using Capabilities = std::vector<std::unique_ptr<capability::Capability>>;

// Every capability module, opened on `deps` (cheap; nothing starts).
Capabilities OpenCapabilities(const capability::Deps& deps);

// The lake writer of this process, configured from lake.* (bounded queue, flush size, DuckDB
// memory; measured in bench/RESULTS.md, 2026-11-25 evening). `metrics` may be null.
Result<std::shared_ptr<lake::LakeWriter>> OpenLakeWriter(const config::Config& config,
                                                         metrics::Registry* metrics);

// What `signx worker` runs: the platform's jobs and every capability's, with the blob store, the
// lake writer, the model registry and the modules they need kept alive until destruction.
class WorkerJobs {
 public:
  // Opens what the jobs need next to `queue`'s store and registers every handler on `queue`.
  // `metrics` (may be null; must outlive the object): the worker's registry, which its lake
  // writer and the modules (the leads monitoring gauges) report to (app/worker_ops.h serves it).
  static Result<std::unique_ptr<WorkerJobs>> Open(jobs::Queue& queue,
                                                  const config::Config& config,
                                                  metrics::Registry* metrics = nullptr);
  ~WorkerJobs();

 private:
  WorkerJobs() = default;
  std::shared_ptr<blobs::BlobStore> blobs_;
  std::shared_ptr<lake::LakeWriter> lake_;
  std::unique_ptr<ml::ModelRegistry> models_;
  Capabilities capabilities_;
};

}  // namespace signx::app
