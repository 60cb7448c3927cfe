#include "leads/module.h"

#include <spdlog/spdlog.h>

#include "base/check.h"
#include "config/config.h"
#include "http/client.h"
#include "jobs/queue.h"
#include "leads/csv_jobs.h"
#include "leads/csv_scoring.h"
#include "leads/kserve_routes.h"
#include "leads/monitoring.h"
#include "leads/outcome.h"
#include "leads/pages/lead_pages.h"
#include "leads/remote.h"
#include "leads/routes.h"
#include "leads/score_log.h"
#include "leads/service.h"
#include "leads/worklist.h"
#include "metrics/metrics.h"
#include "web/shell.h"

namespace signx::leads {
namespace {

class LeadsModule final : public capability::Capability {
 public:
  explicit LeadsModule(const capability::Deps& deps)
      : deps_(deps), config_(deps.config.leads), csv_jobs_(deps.queue, deps.blobs) {}
  ~LeadsModule() override { Stop(); }

  std::string_view name() const override { return "leads"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    SIGNX_RETURN_IF_ERROR(RegisterMonitorJob(queue, Monitor(), config_.monitor_schedule));
    return RegisterLeadCsvJobs(queue, deps_.blobs, deps_.lake);
  }

  Status Start() override {
    SIGNX_CHECK(deps_.metrics != nullptr, "leads: serving needs the metrics registry");
    score_log_ = std::make_unique<ScoreLog>(
        deps_.store, deps_.metrics,
        ScoreLogOptions{.capacity = static_cast<std::size_t>(config_.score_log_capacity)});
    ServiceOptions options{.score_log = score_log_.get()};
    if (config_.model_mode == "remote") {
      http_client_ = std::make_unique<http::HttpClient>();
      RemoteOptions remote{.base_url = config_.remote_url,
                           .model = config_.remote_model,
                           .input_name = config_.remote_input,
                           .timeout = std::chrono::milliseconds(config_.remote_timeout_ms)};
      auto missing = ParseMissingEncoding(config_.remote_missing);
      if (!missing.ok()) return missing.status();  // config validation already refuses it
      remote.missing = missing->first;
      remote.missing_value = missing->second;
      if (!config_.remote_api_key.empty()) {
        remote.headers.emplace_back("X-API-Key", config_.remote_api_key);
      }
      options.remote = std::make_shared<const RemoteModel>(*http_client_, std::move(remote));
      spdlog::info("leads: remote model mode, booster served by {}", config_.remote_url);
    }
    service_ = std::make_unique<LeadsService>(deps_.models, *deps_.metrics, deps_.lake.get(),
                                              std::move(options));
    if (Status st = service_->Reload(); !st.ok()) {
      spdlog::warn("{}", st.message());  // serve anyway; scoring answers 503 until a model loads
    }
    service_->StartPolling(std::chrono::seconds(10));
    // Another process (a `signx worker`) may run the job: copy its stored results every 30 s.
    Monitor()->StartGaugeRefresh(std::chrono::seconds(30));
    return Status::Ok();
  }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddLeadRoutes(router, schemas, *service_);
    AddKServeRoutes(router, *service_);
    AddOutcomeRoutes(router, schemas, deps_.store, SystemClock::Get(), score_log_.get());
    AddWorklistRoutes(router, schemas, deps_.store);
    AddMonitoringRoutes(router, schemas, *Monitor());
  }

  void AddPages(web::Shell& shell) override {
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddLeadPages(shell, *service_, deps_.store);
    AddLeadCsvPages(shell, *service_, csv_jobs_);
  }

  void Stop() override {
    if (monitor_) monitor_->StopGaugeRefresh();
    if (score_log_) score_log_->Shutdown();
  }

 private:
  // The module's one monitor: the leads.monitor job (in whichever process runs it), the
  // monitoring route and the gauge refresher share it, with the process's outbox and metrics
  // (a worker has no outbox: the monitor then appends drift events through one of its own, and
  // the dispatcher of a serving replica delivers them).
  const std::shared_ptr<LeadMonitor>& Monitor() {
    if (!monitor_) {
      monitor_ = std::make_shared<LeadMonitor>(deps_.store, deps_.outbox, deps_.metrics,
                                               SettingsFrom(config_));
    }
    return monitor_;
  }

  const capability::Deps deps_;
  const config::LeadsConfig& config_;
  CsvJobs csv_jobs_;
  std::unique_ptr<http::HttpClient> http_client_;  // remote model mode
  std::unique_ptr<ScoreLog> score_log_;
  std::unique_ptr<LeadsService> service_;  // after score_log_: destroyed (polling stopped) first
  std::shared_ptr<LeadMonitor> monitor_;   // also held by the leads.monitor handler
};

}  // namespace

std::unique_ptr<capability::Capability> OpenLeadsModule(const capability::Deps& deps) {
  return std::make_unique<LeadsModule>(deps);
}

}  // namespace signx::leads
