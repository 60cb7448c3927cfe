#include "app/worker_ops.h"

#include "config/config.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/queue.h"
#include "runtime/blocking_pool.h"
#include "storage/migrations.h"

namespace signx::app {

// Declared in dependency order: destroyed in reverse (server first).
struct WorkerOps::Parts {
  http::HealthChecks checks;
  http::SchemaRegistry schemas;
  http::Router router;
  std::unique_ptr<runtime::BlockingPool> pool;
  std::unique_ptr<http::Server> server;
};

WorkerOps::WorkerOps(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

WorkerOps::~WorkerOps() {
  if (parts_ && parts_->server) {
    parts_->server->Shutdown();
    parts_->server->Wait();
  }
}

Result<std::unique_ptr<WorkerOps>> WorkerOps::Start(storage::Store& store,
                                                    metrics::Registry& metrics,
                                                    const http::BuildInfo& build,
                                                    const WorkerOpsOptions& options) {
  auto p = std::make_unique<Parts>();
  storage::Store* db = &store;
  const auto migrations = storage::MigrationsFor(store.dialect());
  p->checks.Add("database", [db] { return db->Ping(); });
  p->checks.Add("migrations",
                [db, migrations] { return storage::CheckSchemaCurrent(*db, migrations); });
  p->checks.Add("queue", [db] { return jobs::CheckQueue(*db); });
  http::AddOpsRoutes(p->router, p->checks, metrics, p->schemas, build);

  config::ServerConfig server;
  server.host = options.host;
  server.port = options.port;
  server.io_threads = 1;
  server.blocking_threads = 1;
  server.blocking_queue = 64;
  server.max_connections = 64;
  p->pool = std::make_unique<runtime::BlockingPool>(1, 64);
  p->server = std::make_unique<http::Server>(server, p->router, metrics, *p->pool,
                                             /*access_log=*/false);
  SIGNX_RETURN_IF_ERROR(p->server->Start());
  return std::unique_ptr<WorkerOps>(new WorkerOps(std::move(p)));
}

uint16_t WorkerOps::port() const { return parts_->server->port(); }

}  // namespace signx::app
