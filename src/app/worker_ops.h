// The operational endpoints of a `signx worker` process, so an operator can scrape and probe it
// like a serving replica:
//   GET /metrics        the worker's own registry: lake_* of its lake writer (CSV-scored leads),
//                       jobs_* of its handlers and the queue, leads_* monitoring gauges (when it
//                       runs leads.monitor), process_* and signx_build_info
//   GET /health, /health/live, /health/ready   (database, migrations, queue)
//   GET /v1/version, /v1/openapi.json          (the ops routes' own document)
// on a small HTTP server of its own (one io thread, one blocking thread, 64 connections): no API
// routes and no authentication, like serve's /metrics — bind it where only the scraper reaches
// (127.0.0.1 by default). Started by `signx worker --metrics-port N`.
//
// Thread-safety: Start and the destructor on one thread; the server answers from its own threads.
// `store` and `metrics` must outlive the object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/ops.h"
#include "metrics/metrics.h"
#include "storage/store.h"

namespace signx::app {

struct WorkerOpsOptions {
  std::string host = "127.0.0.1";  // address to listen on
  int port = 0;                    // 0: a free port (see port())
};

class WorkerOps {
 public:
  // Binds and starts answering. kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<WorkerOps>> Start(storage::Store& store, metrics::Registry& metrics,
                                                  const http::BuildInfo& build,
                                                  const WorkerOpsOptions& options);
  ~WorkerOps();  // stops the server (requests in flight finish first)
  WorkerOps(const WorkerOps&) = delete;
  WorkerOps& operator=(const WorkerOps&) = delete;

  uint16_t port() const;

 private:
  struct Parts;
  explicit WorkerOps(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace signx::app
