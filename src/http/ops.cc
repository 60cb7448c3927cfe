#include "http/ops.h"

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <mutex>

#include "base/clock.h"
#include "http/json.h"
#include "metrics/metrics.h"

namespace signx::http {

namespace json = boost::json;

void HealthChecks::Add(std::string name, std::function<Status()> check) {
  checks_.push_back({std::move(name), std::move(check), false, {}});
}

void HealthChecks::AddDegradable(std::string name, std::function<Status()> check,
                                 std::string impact) {
  checks_.push_back({std::move(name), std::move(check), true, std::move(impact)});
}

std::vector<HealthChecks::Outcome> HealthChecks::RunAll() const {
  std::vector<Outcome> out;
  for (const auto& c : checks_) {
    const auto t0 = std::chrono::steady_clock::now();
    Status st;
    try {
      st = c.check();
    } catch (const std::exception& e) {
      st = Internal(e.what());
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    out.push_back({c.name, std::move(st), ms, c.degradable, c.degradable ? c.impact : ""});
  }
  return out;
}

namespace {

// The checks object; sets *all_ok (every required check passed) and *degraded (a degradable one
// failed).
json::object ChecksJson(const std::vector<HealthChecks::Outcome>& outcomes, bool* all_ok,
                        bool* degraded) {
  json::object checks;
  *all_ok = true;
  *degraded = false;
  for (const auto& o : outcomes) {
    const char* state = o.status.ok() ? "ok" : o.degradable ? "degraded" : "fail";
    json::object c{{"status", state}, {"duration_ms", o.duration_ms}};
    if (!o.status.ok()) {
      // Public endpoints: an error naming internal addresses is replaced (it is in the log).
      c["error"] = RevealsInternals(o.status.message())
                       ? std::string(Name(o.status.code())) + ": details in the server log"
                       : o.status.ToString();
      if (o.degradable) {
        c["impact"] = o.impact;
        *degraded = true;
      } else {
        *all_ok = false;
      }
    }
    checks[o.name] = std::move(c);
  }
  return checks;
}

const char* OverallStatus(bool ok, bool degraded) {
  return !ok ? "fail" : degraded ? "degraded" : "ok";
}

}  // namespace

void AddOpsRoutes(Router& router, const HealthChecks& checks, metrics::Registry& metrics,
                  SchemaRegistry& schemas, const BuildInfo& build) {
  schemas.Add("Health", R"({"type": "object", "required": ["status"], "properties": {
      "status": {"type": "string", "enum": ["ok", "degraded", "fail"]},
      "version": {"type": "string"},
      "uptime_seconds": {"type": "number"},
      "checks": {"type": "object", "additionalProperties": {"type": "object", "properties": {
        "status": {"type": "string"}, "duration_ms": {"type": "number"},
        "error": {"type": "string"}, "impact": {"type": "string"}}}}}})");
  schemas.Add("Version", R"({"type": "object", "properties": {
      "version": {"type": "string"}, "git_sha": {"type": "string"},
      "compiler": {"type": "string"}, "build_type": {"type": "string"}}})");

  const auto started = std::chrono::steady_clock::now();
  router.Add(
      "GET", "/health",
      {.summary = "Service health with every readiness check",
       .tags = {"ops"},
       .permission = std::string(kPublic),
       .response_schema = "Health"},
      [&checks, started, version = build.version](Request&) {
        bool ok = true, degraded = false;
        json::object body{{"checks", ChecksJson(checks.RunAll(), &ok, &degraded)}};
        body["status"] = OverallStatus(ok, degraded);
        body["version"] = version;
        body["uptime_seconds"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return JsonResponse(ok ? 200 : 503, body);
      });
  router.Add("GET", "/health/live",
             {.summary = "Liveness: the process answers",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_schema = "Health",
              .execution = Execution::kInline},
             [](Request&) { return Response::Json(200, R"({"status":"ok"})"); });
  router.Add("GET", "/health/ready",
             {.summary = "Readiness: every required dependency check passes (503 otherwise); "
                         "a degradable one (Redis) that fails only makes the status degraded",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_schema = "Health"},
             [&checks](Request&) {
               bool ok = true, degraded = false;
               json::object body{{"checks", ChecksJson(checks.RunAll(), &ok, &degraded)}};
               body["status"] = OverallStatus(ok, degraded);
               return JsonResponse(ok ? 200 : 503, body);
             });
  router.Add("GET", "/metrics",
             {.summary = "Prometheus metrics (text exposition format 0.0.4)",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_content_type = "text/plain; version=0.0.4",
              .execution = Execution::kInline},
             [&metrics](Request&) {
               return Response::Text(200, metrics.Render(),
                                     "text/plain; version=0.0.4; charset=utf-8");
             });
  const std::string version_body = json::serialize(json::object{{"version", build.version},
                                                                {"git_sha", build.git_sha},
                                                                {"compiler", build.compiler},
                                                                {"build_type", build.build_type}});
  router.Add("GET", "/v1/version",
             {.summary = "Build information of this server",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_schema = "Version",
              .execution = Execution::kInline},
             [version_body](Request&) { return Response::Json(200, version_body); });

  struct Cached {
    std::once_flag once;
    std::string doc;
  };
  auto cached = std::make_shared<Cached>();
  router.Add("GET", "/v1/openapi.json",
             {.summary = "This API's OpenAPI 3.1 document",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .execution = Execution::kInline},
             [&router, &schemas, cached, version = build.version](Request&) {
               std::call_once(cached->once, [&] {
                 cached->doc = BuildOpenApi(router, schemas,
                                            {.version = version,
                                             .description = "SignX: leads, estimating, "
                                                            "engineering and operations for "
                                                            "custom-sign manufacturers."});
               });
               return Response::Json(200, cached->doc);
             });
}

}  // namespace signx::http
