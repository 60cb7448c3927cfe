// Every module's background job handlers and recurring schedules, registered in one place so
// `signx serve` (in-process workers) and `signx worker` run exactly the same jobs.
//
//   blobs.gc           hourly: deletes blobs unreferenced for longer than a day
//                      (see blobs/blob_registry.h)
//   events.retention   daily 03:30 UTC: deletes dispatched outbox events older than 30 days
//   jobs.retention     daily 03:45 UTC: deletes finished jobs older than jobs.retention_days and
//                      idempotency keys older than 30 days (storage/idempotency.h)
//   estimating.render_quote_pdf  renders a quote's PDF into a blob (enqueued with the quote)
//   leads.score_csv    scores an uploaded CSV of leads into a result CSV blob, with progress
//   leads.monitor      every leads.monitor_schedule: live AUC/Brier, calibration, tier PSI vs
//                      training per model version; model.drift_detected on crossing the alert
//   webhooks.deliver   one signed delivery attempt of an event to an endpoint (retried)
//   webhooks.catch_up  every minute: deliveries for events the live subscription missed
//   estimating.*       evaluate_drift / retrain (learning loop), see estimating/learning.h
//   estimating.keyedin_sync / push_estimate   when connectors.keyedin.base_url is set
#pragma once

#include <memory>

#include "app/capabilities.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "config/config.h"
#include "jobs/queue.h"
#include "lake/lake_writer.h"
#include "metrics/metrics.h"

namespace signx::app {

inline constexpr int kEventRetentionDays = 30;

// Registers the platform's jobs (blobs.gc, events.retention, jobs.retention, webhooks.*) and every
// capability's (Capability::RegisterJobs). The handlers keep `blobs` alive.
Status RegisterJobHandlers(jobs::Queue& queue, const Capabilities& capabilities,
                           std::shared_ptr<const blobs::BlobStore> blobs,
                           const config::Config& config);

}  // namespace signx::app
