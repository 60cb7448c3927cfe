// Operational endpoints every SignX process serves:
//   GET /health          summary: status, version, uptime, every readiness check's result
//   GET /health/live     200 while the process can answer (no dependencies checked)
//   GET /health/ready    200 when every registered readiness check passes, else 503
//   GET /metrics         Prometheus text exposition
//   GET /v1/openapi.json the API reference generated from the routes
//   GET /v1/version      build information
// Readiness checks (database reachable, migrations current, models loaded, ...) are added by the
// modules that own them. Thread-safety: add checks before the server starts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::metrics {
class Registry;
}

namespace signx::http {

class HealthChecks {
 public:
  // `check` returns OK when the dependency is usable; it runs on the blocking pool.
  void Add(std::string name, std::function<Status()> check);

  struct Outcome {
    std::string name;
    Status status;
    double duration_ms = 0;
  };
  std::vector<Outcome> RunAll() const;

 private:
  std::vector<std::pair<std::string, std::function<Status()>>> checks_;
};

struct BuildInfo {
  std::string version;
  std::string git_sha;
  std::string compiler;
  std::string build_type;
};

// Registers the operational routes. `router`, `checks`, `metrics` and `schemas` must outlive the
// server; the OpenAPI document is built on first request, after every module added its routes.
void AddOpsRoutes(Router& router, const HealthChecks& checks, metrics::Registry& metrics,
                  SchemaRegistry& schemas, const BuildInfo& build);

}  // namespace signx::http
