#include "studio/module.h"

#include <spdlog/spdlog.h>

#include "base/check.h"
#include "config/config.h"
#include "estimating/predict_service.h"
#include "estimating/service.h"
#include "events/dispatcher.h"
#include "metrics/metrics.h"
#include "studio/dispatch.h"
#include "studio/email.h"
#include "studio/pages/studio_pages.h"
#include "studio/project_search.h"
#include "studio/report.h"
#include "studio/routes.h"
#include "studio/service.h"
#include "web/shell.h"

namespace signx::studio {
namespace {

class StudioModule final : public capability::Capability {
 public:
  StudioModule(const capability::Deps& deps,
               std::shared_ptr<const estimating::EstimatingExports> estimating)
      : deps_(deps), estimating_exports_(std::move(estimating)) {}

  std::string_view name() const override { return "studio"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    SIGNX_RETURN_IF_ERROR(RegisterStudioJobs(queue, deps_.store, deps_.blobs));
    SIGNX_ASSIGN_OR_RETURN(mail::SmtpSettings smtp, mail::SettingsFrom(deps_.config.smtp));
    email_enabled_ = !smtp.url.empty();
    SIGNX_RETURN_IF_ERROR(RegisterEmailJobs(queue, deps_.store, deps_.blobs, std::move(smtp)));
    SIGNX_ASSIGN_OR_RETURN(search_,
                           ProjectSearch::Open(deps_.store, deps_.queue, deps_.config.data_dir));
    RegisterProjectSearchJobs(queue, *search_);
    SIGNX_ASSIGN_OR_RETURN(dispatch_, DispatchSettingsFrom(deps_.config));
    return RegisterDispatchJobs(queue, deps_.store, deps_.blobs, dispatch_);
  }

  Status Start() override {
    SIGNX_CHECK(deps_.metrics != nullptr && deps_.outbox != nullptr,
                "studio: serving needs the metrics registry and the outbox");
    // Cost snapshots come from estimating's one predictor (its models, cache and estimates_*
    // metrics), published by estimating's Start, which runs first.
    SIGNX_CHECK(estimating_exports_ != nullptr && estimating_exports_->cost() != nullptr,
                "studio: estimating must start first (app/capabilities.cc): its cost predictor "
                "takes the payload cost snapshots");
    cost_ = estimating_exports_->cost();
    estimating_ = std::make_unique<estimating::EstimatingService>(deps_.store, *deps_.outbox,
                                                                  deps_.queue, deps_.blobs);
    studio_ = std::make_unique<StudioService>(deps_.store, *deps_.outbox, deps_.queue, deps_.blobs,
                                              cost_.get(), *estimating_);
    studio_->SetDispatch(dispatch_);
    studio_->SetEmailEnabled(email_enabled_);
    // The projects index follows every committed project change: each event queues one
    // projects.index job (deduplicated across replicas by the event id), run by whichever
    // process runs jobs (project_search.h).
    if (deps_.dispatcher != nullptr) {
      subscription_ = deps_.dispatcher->Subscribe(
          events::EventFilter{.type_prefixes = {"project.", "order.imported", "import.completed"}},
          [search = search_.get()](const events::Event& e) {
            if (Status st = search->QueueIndex(e); !st.ok()) {
              spdlog::error("studio: could not queue {} for {}: {}", kProjectIndexJob, e.id,
                            st.ToString());
            }
          });
    }
    return Status::Ok();
  }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddStudioRoutes(router, schemas, *studio_);
    AddProjectSearchRoutes(router, schemas, *search_);
  }

  void AddPages(web::Shell& shell) override {
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddStudioPages(shell, *studio_, *search_);
  }

  void Stop() override { subscription_.Reset(); }

 private:
  const capability::Deps deps_;
  const std::shared_ptr<const estimating::EstimatingExports> estimating_exports_;
  DispatchSettings dispatch_;
  bool email_enabled_ = false;
  std::unique_ptr<ProjectSearch> search_;
  events::Subscription subscription_;
  std::shared_ptr<estimating::CostService> cost_;  // estimating's
  std::unique_ptr<estimating::EstimatingService> estimating_;
  std::unique_ptr<StudioService> studio_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenStudioModule(
    const capability::Deps& deps, std::shared_ptr<const estimating::EstimatingExports> estimating) {
  return std::make_unique<StudioModule>(deps, std::move(estimating));
}

}  // namespace signx::studio
