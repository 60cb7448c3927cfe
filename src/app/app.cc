#include "app/app.h"

#include <spdlog/spdlog.h>

#include "http/openapi.h"
#include "http/router.h"
#include "http/server.h"
#include "logging/logging.h"
#include "metrics/metrics.h"
#include "metrics/process_metrics.h"
#include "runtime/blocking_pool.h"

namespace signx::app {

// Declared in dependency order: destroyed in reverse (server first, then the pool it uses).
struct App::Parts {
  metrics::Registry metrics;
  http::HealthChecks checks;
  http::SchemaRegistry schemas;
  http::Router router;
  std::unique_ptr<runtime::BlockingPool> pool;
  std::unique_ptr<http::Server> server;
};

App::App(config::Config config, http::BuildInfo build)
    : config_(std::move(config)), build_(std::move(build)), parts_(std::make_unique<Parts>()) {}

App::~App() = default;

Status App::Start() {
  Parts& p = *parts_;
  metrics::RegisterProcessMetrics(p.metrics, {.version = build_.version,
                                              .git_sha = build_.git_sha,
                                              .compiler = build_.compiler,
                                              .build_type = build_.build_type});
  http::AddOpsRoutes(p.router, p.checks, p.metrics, p.schemas, build_);

  const auto& s = config_.server;
  p.pool = std::make_unique<runtime::BlockingPool>(static_cast<std::size_t>(s.blocking_threads),
                                                   static_cast<std::size_t>(s.blocking_queue));
  p.server = std::make_unique<http::Server>(s, p.router, p.metrics, *p.pool, config_.log.access_log);
  SIGNX_RETURN_IF_ERROR(p.server->Start());
  p.server->ShutdownOnSignals();
  spdlog::info("signx {} listening on http://{}:{} ({} io threads, {} blocking threads)",
               build_.version, s.host, p.server->port(), s.io_threads, s.blocking_threads);
  return Status::Ok();
}

uint16_t App::port() const { return parts_->server ? parts_->server->port() : 0; }

void App::Wait() {
  if (!parts_->server) return;
  parts_->server->Wait();
  parts_->pool->Shutdown();
  spdlog::info("signx stopped");
}

void App::Shutdown() {
  if (parts_->server) parts_->server->Shutdown();
}

}  // namespace signx::app
