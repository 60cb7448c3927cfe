#include "app/job_handlers.h"

#include <fmt/format.h>

#include "blobs/blob_registry.h"
#include "events/outbox.h"
#include "storage/idempotency.h"
#include "webhooks/delivery.h"

namespace signx::app {

Status RegisterJobHandlers(jobs::Queue& queue, const Capabilities& capabilities,
                           std::shared_ptr<const blobs::BlobStore> blobs,
                           const config::Config& config) {
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
        const Timestamp now = SystemClock::Get().Now();
        SIGNX_ASSIGN_OR_RETURN(const int64_t n,
                               queue.DeleteFinishedBefore(now - std::chrono::hours(24 * days)));
        SIGNX_ASSIGN_OR_RETURN(
            const int64_t keys,
            storage::DeleteIdempotencyKeysBefore(queue.store(),
                                                 now - storage::kIdempotencyRetention));
        ctx.SetResult(fmt::format(
            R"({{"jobs_deleted":{},"retention_days":{},"idempotency_keys_deleted":{}}})", n,
            days, keys));
        return Status::Ok();
      },
      {.max_concurrency = 1});
  SIGNX_RETURN_IF_ERROR(queue.ScheduleRecurring(
      {.name = "jobs.retention", .type = "jobs.retention", .schedule = "45 3 * * *"}));

  SIGNX_ASSIGN_OR_RETURN(auto webhook_settings, webhooks::SettingsFrom(config.webhooks));
  SIGNX_RETURN_IF_ERROR(webhooks::RegisterWebhookJobs(queue, store, std::move(webhook_settings)));
  for (const auto& c : capabilities) SIGNX_RETURN_IF_ERROR(c->RegisterJobs(queue));
  return Status::Ok();
}

}  // namespace signx::app
