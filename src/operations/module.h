// OperationsModule: the operations capability (seed 002, issue 17) behind the one interface the
// composition root drives (capability/capability.h). It owns ingest batches (raw_data_batches,
// their row errors, prim_master_audits), the unified shop data (manufacturing_items,
// manufacturing_processes, inventory_snapshots and movements, external-id mappings), with their
// API routes (routes.h), forecast runs, accuracy and alerts (forecast_run.h, alerts.h), and the
// Operations pages (pages/operations_pages.h).
//
//   jobs    operations.ingest (validate + apply one stored batch; at most 2 at once),
//           operations.forecast_run (forecast every item of an org; one at a time),
//           operations.schedule_forecasts (daily 01:30 UTC: a run for every org with items)
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::operations {

// Opens the module on `deps` (cheap; starts nothing).
std::unique_ptr<capability::Capability> OpenOperationsModule(const capability::Deps& deps);

}  // namespace signx::operations
