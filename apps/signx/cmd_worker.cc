#include "cmd_worker.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "app/capabilities.h"
#include "app/worker_ops.h"
#include "build_info.h"
#include "cli_common.h"
#include "jobs/job_metrics.h"
#include "jobs/worker.h"
#include "metrics/metrics.h"
#include "metrics/process_metrics.h"
#include "storage/migrations.h"
#include "storage/store.h"

namespace signx::cli {

namespace {

struct WorkerFlags {
  ConfigFlags config;
  int threads = 2;
  std::vector<std::string> types;
  std::string id;
  bool migrate = false;
  int metrics_port = -1;  // -1: no /metrics and /health endpoint
  std::string metrics_host = "127.0.0.1";
};

int RunWorker(const WorkerFlags& f) {
  int exit_code = 0;
  auto cfg = LoadConfigAndLogging(f.config, &exit_code);
  if (!cfg) return exit_code;
  // One connection per handler thread, one for heartbeats/maintenance, one spare.
  config::DatabaseConfig db = cfg->database;
  db.pool_size = std::max(db.pool_size, f.threads + 2);
  auto store = storage::Store::Open(db);
  if (!store.ok()) return PrintError(store.status());
  const auto migrations = storage::MigrationsFor((*store)->dialect());
  if (f.migrate) {
    auto done = storage::MigrateUp(**store, migrations);
    if (!done.ok()) return PrintError(done.status());
  }
  if (auto st = storage::CheckSchemaCurrent(**store, migrations); !st.ok()) return PrintError(st);

  // Every thread started from here on (the handlers' own, such as the lake writer, and the
  // worker threads) inherits this mask, so only sigwait below sees SIGINT/SIGTERM.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The worker's own metrics (its lake writer's, its jobs', the leads monitoring gauges),
  // served with --metrics-port.
  metrics::Registry registry;
  metrics::RegisterProcessMetrics(registry,
                                  {SIGNX_VERSION, SIGNX_GIT_SHA, SIGNX_COMPILER, SIGNX_BUILD_TYPE});
  jobs::Queue queue(**store);
  // The same platform and capability jobs as `signx serve` (app/capabilities.h).
  auto handlers = app::WorkerJobs::Open(queue, *cfg, &registry);
  if (!handlers.ok()) return PrintError(handlers.status());
  if (queue.HandlerTypes().empty()) {
    return PrintError(FailedPrecondition("no job handlers are registered; nothing to run"));
  }
  jobs::JobMetrics job_metrics(registry, queue);
  std::unique_ptr<app::WorkerOps> ops;
  if (f.metrics_port >= 0) {
    auto started = app::WorkerOps::Start(
        **store, registry, {SIGNX_VERSION, SIGNX_GIT_SHA, SIGNX_COMPILER, SIGNX_BUILD_TYPE},
        {.host = f.metrics_host, .port = f.metrics_port});
    if (!started.ok()) return PrintError(started.status());
    ops = std::move(started).value();
    spdlog::info("signx worker: /metrics and /health on http://{}:{}", f.metrics_host, ops->port());
  }

  jobs::Worker worker(queue, {.threads = f.threads, .id = f.id, .types = f.types}, &job_metrics);
  worker.Start();
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signx worker: signal {} received, stopping", sig);
  worker.Stop();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  return 0;
}

}  // namespace

CLI::App* AddWorkerCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<WorkerFlags>();
  auto* cmd = app.add_subcommand("worker", "run background job workers (no HTTP server)");
  AddConfigFlags(cmd, flags->config);
  cmd->add_option("--threads", flags->threads, "handler threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--types", flags->types, "only these job types (comma-separated)")
      ->delimiter(',');
  cmd->add_option("--id", flags->id, "worker id used as lease owner (default host:pid:random)");
  cmd->add_flag("--migrate", flags->migrate, "apply pending migrations before starting");
  cmd->add_option("--metrics-port", flags->metrics_port,
                  "serve /metrics and /health* on this port (0: a free one, logged); off unless "
                  "given")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--metrics-host", flags->metrics_host, "address of the --metrics-port listener")
      ->capture_default_str();
  cmd->callback([flags, exit_code] { *exit_code = RunWorker(*flags); });
  return cmd;
}

}  // namespace signx::cli
