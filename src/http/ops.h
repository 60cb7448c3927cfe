// Operational endpoints every SignX process serves:
//   GET /health          summary: status, version, uptime, every readiness check's result
//   GET /health/live     200 while the process can answer (no dependencies checked)
//   GET /health/ready    200 when every required readiness check passes, else 503
//   GET /metrics         Prometheus text exposition
//   GET /v1/openapi.json the API reference generated from the routes
//   GET /v1/version      build information
// Readiness checks (database reachable, migrations current, models loaded, ...) are added by the
// modules that own them. A check added with AddDegradable (Redis: limits and events have local
// fallbacks) reports "degraded" with its impact when it fails but keeps readiness at 200, so a
// shared dependency's outage does not take every replica out of rotation; the overall status is
// then "degraded". Error texts that may reveal internal addresses are withheld (json.h).
// Thread-safety: add checks before the server starts.
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
  // A dependency the process can run without: when `check` fails the outcome is "degraded" with
  // `impact` (what works differently meanwhile) and readiness is not failed.
  void AddDegradable(std::string name, std::function<Status()> check, std::string impact);

  struct Outcome {
    std::string name;
    Status status;
    double duration_ms = 0;
    bool degradable = false;
    std::string impact;  // degradable checks: what changes while it fails
  };
  std::vector<Outcome> RunAll() const;

 private:
  struct Check {
    std::string name;
    std::function<Status()> check;
    bool degradable = false;
    std::string impact;
  };
  std::vector<Check> checks_;
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
