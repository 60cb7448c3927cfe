#include "estimating/module.h"

#include <spdlog/spdlog.h>

#include "base/check.h"
#include "config/config.h"
#include "estimating/connector.h"
#include "estimating/pages/estimating_pages.h"
#include "estimating/predict_routes.h"
#include "estimating/predict_service.h"
#include "estimating/routes.h"
#include "estimating/service.h"
#include "http/client.h"
#include "jobs/queue.h"
#include "web/shell.h"

namespace signx::estimating {
namespace {

class EstimatingModule final : public capability::Capability {
 public:
  EstimatingModule(const capability::Deps& deps, std::shared_ptr<EstimatingExports> exports)
      : deps_(deps), exports_(std::move(exports)) {}

  std::string_view name() const override { return "estimating"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    SIGNX_RETURN_IF_ERROR(RegisterEstimatingJobs(queue, deps_.store, deps_.blobs));
    return RegisterKeyedInJobs(queue, deps_.config.connectors,
                               std::make_shared<const http::HttpClient>());
  }

  Status Start() override {
    SIGNX_CHECK(deps_.metrics != nullptr && deps_.outbox != nullptr,
                "estimating: serving needs the metrics registry and the outbox");
    cost_ = std::make_shared<CostService>(deps_.models, *deps_.metrics);
    if (Status st = cost_->Reload(); !st.ok()) spdlog::warn("{}", st.message());
    cost_->StartPolling(std::chrono::seconds(10));
    if (exports_) exports_->set_cost(cost_);
    estimating_ = std::make_unique<EstimatingService>(deps_.store, *deps_.outbox, deps_.queue,
                                                      deps_.blobs);
    return Status::Ok();
  }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddCostRoutes(router, schemas, *cost_);
    AddEstimatingRoutes(router, schemas, *estimating_);
  }

  void AddPages(web::Shell& shell) override {
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddEstimatePages(shell, *cost_);
    AddQuotePages(shell, *estimating_);
    AddProjectPages(shell, *estimating_);
  }

  void Stop() override {}

 private:
  const capability::Deps deps_;
  const std::shared_ptr<EstimatingExports> exports_;
  std::shared_ptr<CostService> cost_;  // shared through exports_ (studio's cost snapshots)
  std::unique_ptr<EstimatingService> estimating_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenEstimatingModule(
    const capability::Deps& deps, std::shared_ptr<EstimatingExports> exports) {
  return std::make_unique<EstimatingModule>(deps, std::move(exports));
}

}  // namespace signx::estimating
