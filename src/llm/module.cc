#include "llm/module.h"

#include <spdlog/spdlog.h>

#include "config/config.h"
#include "llm/routes.h"
#include "llm/settings.h"

namespace signx::llm {
namespace {

class LlmModule final : public capability::Capability {
 public:
  explicit LlmModule(const capability::Deps& deps) : deps_(deps) {
    auto settings = SettingsFrom(deps_.config.llm);
    if (settings.ok()) {
      settings_ = std::move(*settings);
    } else {
      settings_error_ = settings.status();
    }
  }

  std::string_view name() const override { return "llm"; }
  Status RegisterJobs(jobs::Queue&) override { return Status::Ok(); }
  // The config validation refuses what SettingsFrom refuses, so this only guards a Config built
  // in code.
  Status Start() override { return settings_error_; }
  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddLlmRoutes(router, schemas, deps_.store, settings_);
  }
  void AddPages(web::Shell&) override {}
  void Stop() override {}

 private:
  const capability::Deps deps_;
  Settings settings_;
  Status settings_error_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenLlmModule(const capability::Deps& deps) {
  return std::make_unique<LlmModule>(deps);
}

}  // namespace signx::llm
