// `signx worker`: run job-queue workers against the configured database, without the HTTP
// server. Start M of these next to N `signx serve` replicas on PostgreSQL to scale job throughput
// (SQLite: run workers in-process in serve instead; a second process works but shares one writer).
//
//   signx worker [--config f] [--set k=v] [--threads 4] [--types a.b,c.d] [--id name] [--migrate]
//                [--metrics-port 9464] [--metrics-host 127.0.0.1]
//
// With --metrics-port it serves its own /metrics (lake_*, jobs_*, leads_* monitoring gauges,
// process_*) and /health, /health/live, /health/ready (app/worker_ops.h).
//
// Refuses to start on a database whose schema is behind (run `signx migrate up`, or pass
// --migrate). Stops gracefully on SIGINT/SIGTERM: no new claims, running jobs get the stop grace
// to finish, then are released back to the queue.
#pragma once

#include <CLI/CLI.hpp>

#include "config/config.h"
#include "jobs/queue.h"

namespace signx::cli {

// Adds the `worker` subcommand to `app`. `exit_code` receives the process exit code.
CLI::App* AddWorkerCommand(CLI::App& app, int* exit_code);

}  // namespace signx::cli
