#include "notifications/module.h"

#include <spdlog/spdlog.h>

#include "config/config.h"
#include "events/outbox.h"
#include "events/sse.h"
#include "jobs/queue.h"
#include "notifications/pages/notification_pages.h"
#include "notifications/routes.h"
#include "notifications/service.h"
#include "web/shell.h"

namespace signx::notifications {
namespace {

class NotificationsModule final : public capability::Capability {
 public:
  explicit NotificationsModule(const capability::Deps& deps) : deps_(deps) {}

  std::string_view name() const override { return "notifications"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    SIGNX_ASSIGN_OR_RETURN(auto settings, SettingsFrom(deps_.config));
    events::Outbox* outbox = deps_.outbox;
    if (outbox == nullptr) {  // signx worker: the fan-out job appends through its own outbox
      own_outbox_ = std::make_unique<events::Outbox>();
      outbox = own_outbox_.get();
    }
    service_ =
        std::make_unique<NotificationService>(deps_.store, queue, *outbox, std::move(settings));
    return RegisterNotificationJobs(queue, *service_);
  }

  Status Start() override {
    if (deps_.dispatcher != nullptr) subscription_ = service_->Subscribe(*deps_.dispatcher);
    streams_ =
        std::make_unique<events::SseStreamLimits>(deps_.config.limits.sse_streams_per_principal);
    return Status::Ok();
  }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddNotificationRoutes(router, schemas, *service_, deps_.dispatcher, streams_.get());
  }

  void AddPages(web::Shell& shell) override {
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddNotificationPages(shell, *service_, deps_.dispatcher, streams_.get());
  }

  void Stop() override { subscription_.Reset(); }

 private:
  const capability::Deps deps_;
  std::unique_ptr<events::Outbox> own_outbox_;
  std::unique_ptr<NotificationService> service_;
  std::unique_ptr<events::SseStreamLimits> streams_;
  events::Subscription subscription_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenNotificationsModule(const capability::Deps& deps) {
  return std::make_unique<NotificationsModule>(deps);
}

}  // namespace signx::notifications
