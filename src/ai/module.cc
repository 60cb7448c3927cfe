#include "ai/module.h"

#include <spdlog/spdlog.h>

#include "ai/routes.h"
#include "ai/runner.h"
#include "ai/service.h"
#include "base/check.h"
#include "events/outbox.h"
#include "jobs/queue.h"

namespace signx::ai {
namespace {

class AiModule final : public capability::Capability {
 public:
  explicit AiModule(const capability::Deps& deps) : deps_(deps) {
    if (deps_.outbox == nullptr) {  // signx worker: events go out through the dispatcher's poll
      owned_outbox_ = std::make_unique<events::Outbox>();
    }
  }

  std::string_view name() const override { return "ai"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    RegisterInferenceJobs(queue, deps_.blobs, outbox());
    return Status::Ok();
  }

  Status Start() override {
    // Not a reason to stop the start-up: without it, forecast jobs answer 503 (no model).
    if (Status st = EnsureForecastModel(deps_.models); !st.ok()) {
      spdlog::warn("ai: the forecast model is not registered: {}", st.ToString());
    }
    service_ =
        std::make_unique<AiService>(deps_.store, deps_.queue, deps_.models, deps_.blobs, outbox());
    return Status::Ok();
  }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    SIGNX_CHECK(service_ != nullptr, "ai: AddRoutes before Start");
    AddAiRoutes(router, schemas, *service_);
  }

  void AddPages(web::Shell&) override {}

  void Stop() override {}

 private:
  events::Outbox& outbox() { return owned_outbox_ ? *owned_outbox_ : *deps_.outbox; }

  const capability::Deps deps_;
  std::unique_ptr<events::Outbox> owned_outbox_;
  std::unique_ptr<AiService> service_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenAiModule(const capability::Deps& deps) {
  return std::make_unique<AiModule>(deps);
}

}  // namespace signx::ai
