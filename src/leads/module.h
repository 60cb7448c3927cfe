// LeadsModule: the leads capability behind the one interface the composition root drives
// (capability/capability.h). It owns the lead scoring service (local or remote model), the score
// log, the one model monitor (the leads.monitor job, the monitoring route and the gauges share it,
// with the process's outbox and metrics registry), the CSV scoring jobs, its API routes (scoring, KServe v2, outcomes,
// worklist, monitoring) and its web pages.
//
//   jobs    leads.score_csv, leads.monitor (every leads.monitor_schedule)
//   serve   loads the production model and polls for a new one every 10 s; refreshes the
//           monitoring gauges every 30 s
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::leads {

// Opens the module on `deps` (cheap; starts nothing).
std::unique_ptr<capability::Capability> OpenLeadsModule(const capability::Deps& deps);

}  // namespace signx::leads
