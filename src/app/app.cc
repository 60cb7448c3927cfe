#include "app/app.h"

#include <spdlog/spdlog.h>

#include "app/activity_pages.h"
#include "app/capabilities.h"
#include "app/event_routes.h"
#include "app/identity_settings.h"
#include "app/job_handlers.h"
#include "app/platform.h"
#include "app/rate_limits.h"
#include "cache/rate_limiter.h"
#include "events/dispatcher.h"
#include "events/event_types.h"
#include "events/outbox.h"
#include "events/sse.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/server.h"
#include "identity/auth_middleware.h"
#include "identity/identity_service.h"
#include "identity/routes.h"
#include "jobs/job_metrics.h"
#include "jobs/queue.h"
#include "jobs/routes.h"
#include "jobs/worker.h"
#include "lake/lake_writer.h"
#include "logging/logging.h"
#include "metrics/metrics.h"
#include "metrics/process_metrics.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"
#include "storage/migrations.h"
#include "storage/store.h"
#include "web/identity_backend.h"
#include "web/shell.h"
#include "webhooks/pages/webhook_pages.h"
#include "webhooks/routes.h"
#include "webhooks/service.h"

namespace signx::app {
namespace {

// With Redis configured: the redis_degraded gauge, the rate_limiter_fallback_total counter and a
// degradable readiness check (Redis down keeps replicas in rotation; see docs/operations.md).
void AddRedisHealth(cache::RateLimiter* limiter, metrics::Registry& metrics,
                    http::HealthChecks& checks) {
  if (!limiter->backend_state()) return;
  metrics.AddCollector([limiter](metrics::Writer& w) {
    const auto s = limiter->backend_state();
    w.Header("redis_degraded", "1 while Redis fails and rate limits run on the in-process fallback",
             metrics::Type::kGauge);
    w.Sample("redis_degraded", s->degraded ? 1 : 0);
    w.Header("rate_limiter_fallback_total",
             "Rate-limit checks answered by the in-process fallback because Redis failed",
             metrics::Type::kCounter);
    w.Sample("rate_limiter_fallback_total", static_cast<double>(s->fallback_total));
  });
  checks.AddDegradable(
      "redis", [limiter] { return limiter->Probe(); },
      "rate limits hold per replica (in-process fallback) and events reach other replicas by "
      "polling (about 1 s) until Redis answers again");
}

}  // namespace

// Declared in dependency order: destroyed in reverse (server first, then the pool it uses).
struct App::Parts {
  metrics::Registry metrics;
  std::unique_ptr<storage::Store> store;
  std::shared_ptr<blobs::BlobStore> blobs;
  std::unique_ptr<cache::RateLimiter> limiter;
  std::unique_ptr<events::SseStreamLimits> sse_streams;  // outlives the server's open streams
  std::shared_ptr<RateLimitMiddleware> rate_limits;      // API routes and the pages that share them
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<events::Outbox> outbox;
  std::unique_ptr<events::Dispatcher> dispatcher;
  std::shared_ptr<lake::LakeWriter> lake;  // shared with the CSV scoring job
  std::unique_ptr<jobs::Queue> queue;
  std::unique_ptr<jobs::JobMetrics> job_metrics;
  std::unique_ptr<jobs::Worker> worker;  // after queue: stopped and destroyed first
  std::unique_ptr<webhooks::WebhookService> webhooks;
  events::Subscription webhook_events;  // after `webhooks`: unsubscribed before it is destroyed
  std::unique_ptr<ml::ModelRegistry> models;
  Capabilities capabilities;  // leads, estimating, … (app/capabilities.h)
  http::HealthChecks checks;
  http::SchemaRegistry schemas;
  http::Router router;
  std::unique_ptr<runtime::BlockingPool> pool;
  std::unique_ptr<http::Server> server;
};

App::App(config::Config config, http::BuildInfo build, AppOptions options)
    : config_(std::move(config)),
      build_(std::move(build)),
      options_(options),
      parts_(std::make_unique<Parts>()) {}

App::~App() = default;

Status App::Start() {
  Parts& p = *parts_;
  metrics::RegisterProcessMetrics(p.metrics, {.version = build_.version,
                                              .git_sha = build_.git_sha,
                                              .compiler = build_.compiler,
                                              .build_type = build_.build_type});
  SIGNX_RETURN_IF_ERROR(OpenStore());
  for (const events::EventType& t : events::EventTypes()) {
    p.schemas.AddEvent(std::string(t.name), std::string(t.summary), t.payload_schema);
  }
  http::AddOpsRoutes(p.router, p.checks, p.metrics, p.schemas, build_);
  SIGNX_RETURN_IF_ERROR(AddCapabilities());

  const auto& s = config_.server;
  p.pool = std::make_unique<runtime::BlockingPool>(static_cast<std::size_t>(s.blocking_threads),
                                                   static_cast<std::size_t>(s.blocking_queue));
  p.server =
      std::make_unique<http::Server>(s, p.router, p.metrics, *p.pool, config_.log.access_log);
  p.server->Use(std::make_shared<identity::AuthMiddleware>(*p.identity));
  p.server->Use(p.rate_limits);
  SIGNX_RETURN_IF_ERROR(p.server->Start());
  p.server->ShutdownOnSignals();
  spdlog::info("signx {} listening on http://{}:{} ({} io threads, {} blocking threads)",
               build_.version, s.host, p.server->port(), s.io_threads, s.blocking_threads);
  return Status::Ok();
}

Status App::OpenStore() {
  Parts& p = *parts_;
  SIGNX_ASSIGN_OR_RETURN(auto platform, OpenPlatform(config_, options_.migrate));
  p.store = std::move(platform.store);
  p.blobs = std::move(platform.blobs);
  const auto migrations = storage::MigrationsFor(p.store->dialect());
  spdlog::info("database: {} ({} migrations current)", storage::DialectName(p.store->dialect()),
               migrations.size());

  storage::Store* store = p.store.get();
  p.checks.Add("database", [store] { return store->Ping(); });
  p.checks.Add("migrations",
               [store, migrations] { return storage::CheckSchemaCurrent(*store, migrations); });
  p.metrics.AddCollector([store](metrics::Writer& w) {
    const auto s = store->Stats();
    w.Header("db_pool_connections", "Database connections: pool size and in use",
             metrics::Type::kGauge);
    w.Sample("db_pool_connections", {{"state", "max"}}, s.pool_size);
    w.Sample("db_pool_connections", {{"state", "in_use"}}, s.in_use);
    w.Header("db_transactions_total", "Database transactions run", metrics::Type::kCounter);
    w.Sample("db_transactions_total", static_cast<double>(s.transactions));
    w.Header("db_transaction_retries_total", "Transactions retried (busy, serialization failure)",
             metrics::Type::kCounter);
    w.Sample("db_transaction_retries_total", static_cast<double>(s.retries));
  });
  return Status::Ok();
}

Status App::AddCapabilities() {
  Parts& p = *parts_;
  SIGNX_ASSIGN_OR_RETURN(p.limiter, cache::OpenRateLimiter(config_.redis, SystemClock::Get()));
  AddRedisHealth(p.limiter.get(), p.metrics, p.checks);
  SIGNX_ASSIGN_OR_RETURN(auto limits, ParseRateLimits(config_.limits.rate_limits));
  p.rate_limits = std::make_shared<RateLimitMiddleware>(*p.limiter, std::move(limits));
  SIGNX_ASSIGN_OR_RETURN(auto id_settings, IdentitySettingsFrom(config_.auth));
  if (id_settings.jwt_keys.empty()) {
    spdlog::warn(
        "auth.jwt_keys is not set: signing tokens with a random per-process key (tokens "
        "end with this process and are not valid on other replicas)");
  }
  p.identity =
      std::make_unique<identity::IdentityService>(*p.store, *p.limiter, std::move(id_settings));
  identity::AddIdentityRoutes(p.router, p.schemas, *p.identity);
  p.outbox = std::make_unique<events::Outbox>(&p.metrics);
  p.dispatcher = std::make_unique<events::Dispatcher>(
      *p.store, events::DispatcherOptions{.redis_url = config_.redis.url}, &p.metrics);

  SIGNX_ASSIGN_OR_RETURN(p.lake, OpenLakeWriter(config_, &p.metrics));

  p.queue = std::make_unique<jobs::Queue>(*p.store);
  p.models = std::make_unique<ml::ModelRegistry>(*p.store, *p.blobs, SystemClock::Get());
  p.capabilities = OpenCapabilities({.config = config_,
                                     .store = *p.store,
                                     .blobs = p.blobs,
                                     .queue = *p.queue,
                                     .models = *p.models,
                                     .outbox = p.outbox.get(),
                                     .dispatcher = p.dispatcher.get(),
                                     .metrics = &p.metrics,
                                     .lake = p.lake});
  for (auto& c : p.capabilities) {
    if (auto* personal = c->personal_data()) p.identity->AddPersonalDataProvider(personal);
  }
  SIGNX_RETURN_IF_ERROR(RegisterJobHandlers(*p.queue, p.capabilities, p.blobs, config_));
  // Webhooks subscribe before the dispatcher starts, so no event is left to the catch-up job.
  SIGNX_ASSIGN_OR_RETURN(auto webhook_settings, webhooks::SettingsFrom(config_.webhooks));
  p.webhooks = std::make_unique<webhooks::WebhookService>(*p.store, *p.queue, webhook_settings);
  p.webhook_events = p.webhooks->Subscribe(*p.dispatcher);
  webhooks::AddWebhookRoutes(p.router, p.schemas, *p.webhooks);
  SIGNX_RETURN_IF_ERROR(p.dispatcher->Start());
  p.outbox->SetNotifier([d = p.dispatcher.get()] { d->Notify(); });
  p.sse_streams =
      std::make_unique<events::SseStreamLimits>(config_.limits.sse_streams_per_principal);
  p.metrics.AddCollector([streams = p.sse_streams.get()](metrics::Writer& w) {
    w.Header("sse_streams_open", "Server-sent event streams open on this replica",
             metrics::Type::kGauge);
    w.Sample("sse_streams_open", static_cast<double>(streams->total()));
  });
  AddEventRoutes(p.router, *p.store, *p.dispatcher, p.sse_streams.get());
  p.job_metrics = std::make_unique<jobs::JobMetrics>(p.metrics, *p.queue);
  jobs::AddJobRoutes(p.router, p.schemas, *p.queue);
  storage::Store* store = p.store.get();
  p.checks.Add("queue", [store] { return jobs::CheckQueue(*store); });
  if (config_.jobs.workers > 0) {
    p.worker = std::make_unique<jobs::Worker>(
        *p.queue, jobs::WorkerOptions{.threads = config_.jobs.workers}, p.job_metrics.get());
    p.worker->Start();
  }

  for (auto& c : p.capabilities) {
    SIGNX_RETURN_IF_ERROR(c->Start());
    c->AddRoutes(p.router, p.schemas);
  }
  web::WebSettings web_settings{.secret = config_.web.secret,
                                .secure_cookies = config_.web.secure_cookies};
  web_settings.rate_limit =
      [limits = p.rate_limits](
          const http::Principal& who,
          std::string_view group) -> std::optional<web::WebSettings::RateLimitRefusal> {
    auto refusal = limits->Check(who, group);
    if (!refusal) return std::nullopt;
    return web::WebSettings::RateLimitRefusal{refusal->message, refusal->retry_after_s};
  };
  web::Shell shell =
      web::AddWebRoutes(p.router, web::MakeIdentityBackend(*p.identity), std::move(web_settings));
  for (auto& c : p.capabilities) c->AddPages(shell);
  AddActivityPages(shell, *p.store, p.dispatcher.get(), p.sse_streams.get());
  webhooks::AddWebhookPages(shell, *p.webhooks);
  return Status::Ok();
}

const http::Router& App::router() const { return parts_->router; }

uint16_t App::port() const { return parts_->server ? parts_->server->port() : 0; }

void App::Wait() {
  if (!parts_->server) return;
  parts_->server->Wait();
  if (parts_->worker) parts_->worker->Stop();
  if (parts_->outbox) parts_->outbox->SetNotifier({});
  if (parts_->dispatcher) parts_->dispatcher->Stop();
  if (parts_->lake) parts_->lake->Shutdown();
  for (auto& c : parts_->capabilities) c->Stop();
  parts_->pool->Shutdown();
  spdlog::info("signx stopped");
}

void App::Shutdown() {
  if (parts_->server) parts_->server->Shutdown();
}

}  // namespace signx::app
