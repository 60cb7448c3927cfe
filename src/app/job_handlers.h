// Every module's background job handlers and recurring schedules, registered in one place so
// `signx serve` (in-process workers) and `signx worker` run exactly the same jobs.
//
//   blobs.gc           hourly: deletes blobs unreferenced for longer than a day
//                      (see blobs/blob_registry.h)
//   events.retention   daily 03:30 UTC: deletes dispatched outbox events older than 30 days
//   jobs.retention     daily 03:45 UTC: deletes finished jobs older than jobs.retention_days
//   quotes.render_pdf  renders a quote's PDF into a blob (enqueued with the quote)
//   leads.score_csv    scores an uploaded CSV of leads into a result CSV blob, with progress
//   leads.monitor      every leads.monitor_schedule: live AUC/Brier, calibration, tier PSI vs
//                      training per model version; model.drift_detected on crossing the alert
//   webhooks.deliver   one signed delivery attempt of an event to an endpoint (retried)
//   webhooks.catch_up  every minute: deliveries for events the live subscription missed
//   estimating.*       evaluate_drift / retrain (learning loop), see estimating/learning.h
//   connectors.keyedin.sync / push_estimate   when connectors.keyedin.base_url is set
#pragma once

#include <memory>

#include "base/status.h"
#include "blobs/blob_store.h"
#include "config/config.h"
#include "jobs/queue.h"
#include "lake/lake_writer.h"
#include "metrics/metrics.h"

namespace signx::app {

inline constexpr int kEventRetentionDays = 30;

// The handlers keep `blobs` and `lake` (may be null: scored CSV rows then go to no lake) alive.
Status RegisterJobHandlers(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> blobs,
                           std::shared_ptr<lake::LakeWriter> lake, const config::Config& config);

// The lake writer of this process, configured from lake.* (bounded queue, flush size, DuckDB
// memory; measured in bench/RESULTS.md, 2026-11-25 evening). `metrics` may be null.
Result<std::shared_ptr<lake::LakeWriter>> OpenLakeWriter(const config::Config& config,
                                                         metrics::Registry* metrics);

}  // namespace signx::app
