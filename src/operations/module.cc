#include "operations/module.h"

#include <spdlog/spdlog.h>

#include "cache/cache.h"
#include "config/config.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "operations/forecast_run.h"
#include "operations/pages/operations_pages.h"
#include "operations/routes.h"
#include "operations/service.h"
#include "web/shell.h"

namespace signx::operations {
namespace {

class OperationsModule final : public capability::Capability {
 public:
  explicit OperationsModule(const capability::Deps& deps) : deps_(deps) {}

  std::string_view name() const override { return "operations"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    SIGNX_RETURN_IF_ERROR(Open());
    queue.RegisterHandler(
        std::string(kIngestJob),
        [svc = service_](jobs::JobContext& ctx) { return svc->RunIngestJob(ctx); },
        {.max_concurrency = 2});
    queue.RegisterHandler(
        std::string(kForecastRunJob),
        [svc = service_](jobs::JobContext& ctx) { return svc->RunForecastRunJob(ctx); },
        {.max_concurrency = 1});
    queue.RegisterHandler(
        std::string(kScheduleForecastsJob),
        [svc = service_](jobs::JobContext& ctx) { return svc->ScheduleForecastsJob(ctx); },
        {.max_concurrency = 1});
    return queue.ScheduleRecurring({.name = std::string(kScheduleForecastsJob),
                                    .type = std::string(kScheduleForecastsJob),
                                    .schedule = std::string(kForecastSchedule)});
  }

  Status Start() override { return Open(); }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddOperationsRoutes(router, schemas, *service_);
  }

  void AddPages(web::Shell& shell) override {
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddOperationsPages(shell, *service_);
  }

  void Stop() override {}

 private:
  // One service for the job handler and the routes (idempotent).
  Status Open() {
    if (service_) return Status::Ok();
    events::Outbox* outbox = deps_.outbox;
    if (outbox == nullptr) {  // signx worker: events go out through the dispatcher's poll
      owned_outbox_ = std::make_unique<events::Outbox>();
      outbox = owned_outbox_.get();
    }
    std::shared_ptr<cache::Cache> cache;
    auto opened = cache::OpenCache(deps_.config.redis, SystemClock::Get(),
                                   {.max_entries = 20'000, .max_bytes = 16 << 20});
    if (opened.ok()) {
      cache = std::move(*opened);
    } else {
      spdlog::warn("operations: item cache off: {}", opened.status().message());
    }
    service_ = std::make_shared<OperationsService>(deps_.store, *outbox, deps_.queue, deps_.blobs,
                                                   std::move(cache));
    return Status::Ok();
  }

  const capability::Deps deps_;
  std::unique_ptr<events::Outbox> owned_outbox_;
  std::shared_ptr<OperationsService> service_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenOperationsModule(const capability::Deps& deps) {
  return std::make_unique<OperationsModule>(deps);
}

}  // namespace signx::operations
