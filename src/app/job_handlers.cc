#include "app/job_handlers.h"

#include <fmt/format.h>

#include "blobs/blob_registry.h"
#include "estimating/connector.h"
#include "estimating/service.h"
#include "events/outbox.h"
#include "http/client.h"
#include "leads/csv_scoring.h"
#include "leads/monitoring.h"
#include "webhooks/delivery.h"

namespace signx::app {

Result<std::shared_ptr<lake::LakeWriter>> OpenLakeWriter(const config::Config& config,
                                                         metrics::Registry* metrics) {
  // Rows hold the scored lead (~1.5 KB): 20k queued rows bound the queue to ~30 MB.
  SIGNX_ASSIGN_OR_RETURN(
      std::unique_ptr<lake::LakeWriter> w,
      lake::LakeWriter::Open({.data_dir = config.data_dir,
                              .queue_capacity = static_cast<size_t>(config.lake.queue_rows),
                              .flush_rows = static_cast<size_t>(config.lake.flush_rows),
                              .duckdb_memory_mb = config.lake.duckdb_memory_mb},
                             metrics));
  return std::shared_ptr<lake::LakeWriter>(std::move(w));
}

Status RegisterJobHandlers(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> blobs,
                           std::shared_ptr<lake::LakeWriter> lake, const config::Config& config) {
  storage::Store& store = queue.store();
  queue.RegisterHandler(
      "blobs.gc",
      [&store, blobs](jobs::JobContext& ctx) -> Status {
        blobs::BlobRegistry registry(*blobs, SystemClock::Get());
        SIGNX_ASSIGN_OR_RETURN(auto stats, registry.CollectGarbage(store, std::chrono::hours(24)));
        ctx.SetResult(fmt::format(
            R"({{"rows_deleted":{},"files_deleted":{},"orphan_files_deleted":{},"temp_files_deleted":{}}})",
            stats.rows_deleted, stats.files_deleted, stats.orphan_files_deleted,
            stats.temp_files_deleted));
        return Status::Ok();
      },
      {.max_concurrency = 1});
  SIGNX_RETURN_IF_ERROR(
      queue.ScheduleRecurring({.name = "blobs.gc", .type = "blobs.gc", .schedule = "@hourly"}));

  queue.RegisterHandler("events.retention",
                        [&store](jobs::JobContext& ctx) -> Status {
                          SIGNX_ASSIGN_OR_RETURN(
                              int64_t n, events::DeleteDispatchedOlderThan(
                                             store, std::chrono::hours(24 * kEventRetentionDays)));
                          ctx.SetResult(fmt::format(R"({{"events_deleted":{}}})", n));
                          return Status::Ok();
                        },
                        {.max_concurrency = 1});
  SIGNX_RETURN_IF_ERROR(queue.ScheduleRecurring(
      {.name = "events.retention", .type = "events.retention", .schedule = "30 3 * * *"}));

  queue.RegisterHandler(
      "jobs.retention",
      [&queue, days = config.jobs.retention_days](jobs::JobContext& ctx) -> Status {
        SIGNX_ASSIGN_OR_RETURN(
            const int64_t n,
            queue.DeleteFinishedBefore(SystemClock::Get().Now() - std::chrono::hours(24 * days)));
        ctx.SetResult(fmt::format(R"({{"jobs_deleted":{},"retention_days":{}}})", n, days));
        return Status::Ok();
      },
      {.max_concurrency = 1});
  SIGNX_RETURN_IF_ERROR(queue.ScheduleRecurring(
      {.name = "jobs.retention", .type = "jobs.retention", .schedule = "45 3 * * *"}));

  SIGNX_RETURN_IF_ERROR(estimating::RegisterEstimatingJobs(queue, store, blobs));
  SIGNX_RETURN_IF_ERROR(webhooks::RegisterWebhookJobs(queue, store));
  SIGNX_RETURN_IF_ERROR(estimating::RegisterKeyedInJobs(
      queue, config.connectors, std::make_shared<const http::HttpClient>()));
  // The monitor appends its drift events through its own outbox (null here): the dispatcher's
  // poll delivers them.
  auto lead_monitor = std::make_shared<leads::LeadMonitor>(store, nullptr, nullptr,
                                                           leads::SettingsFrom(config.leads));
  SIGNX_RETURN_IF_ERROR(
      leads::RegisterMonitorJob(queue, std::move(lead_monitor), config.leads.monitor_schedule));
  SIGNX_RETURN_IF_ERROR(leads::RegisterLeadCsvJobs(queue, blobs, std::move(lake)));
  return Status::Ok();
}

}  // namespace signx::app
