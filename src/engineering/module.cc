#include "engineering/module.h"

#include "engineering/engineering.h"
#include "engineering/routes.h"

namespace signx::engineering {
namespace {

class EngineeringModule final : public capability::Capability {
 public:
  explicit EngineeringModule(const capability::Deps&) {}

  std::string_view name() const override { return "engineering"; }
  Status RegisterJobs(jobs::Queue&) override { return Status::Ok(); }
  Status Start() override {
    service_ = std::make_unique<EngineeringService>();
    return Status::Ok();
  }
  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddEngineeringRoutes(router, schemas, *service_);
  }
  void AddPages(web::Shell&) override {}
  void Stop() override {}

 private:
  std::unique_ptr<EngineeringService> service_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenEngineeringModule(const capability::Deps& deps) {
  return std::make_unique<EngineeringModule>(deps);
}

}  // namespace signx::engineering
