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
  checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<HealthChecks::Outcome> HealthChecks::RunAll() const {
  std::vector<Outcome> out;
  for (const auto& [name, check] : checks_) {
    const auto t0 = std::chrono::steady_clock::now();
    Status st;
    try {
      st = check();
    } catch (const std::exception& e) {
      st = Internal(e.what());
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    out.push_back({name, std::move(st), ms});
  }
  return out;
}

namespace {

json::object ChecksJson(const std::vector<HealthChecks::Outcome>& outcomes, bool* all_ok) {
  json::object checks;
  *all_ok = true;
  for (const auto& o : outcomes) {
    json::object c{{"status", o.status.ok() ? "ok" : "fail"}, {"duration_ms", o.duration_ms}};
    if (!o.status.ok()) {
      c["error"] = o.status.ToString();
      *all_ok = false;
    }
    checks[o.name] = std::move(c);
  }
  return checks;
}

}  // namespace

void AddOpsRoutes(Router& router, const HealthChecks& checks, metrics::Registry& metrics,
                  SchemaRegistry& schemas, const BuildInfo& build) {
  schemas.Add("Health", R"({"type": "object", "required": ["status"], "properties": {
      "status": {"type": "string", "enum": ["ok", "fail"]},
      "version": {"type": "string"},
      "uptime_seconds": {"type": "number"},
      "checks": {"type": "object", "additionalProperties": {"type": "object", "properties": {
        "status": {"type": "string"}, "duration_ms": {"type": "number"},
        "error": {"type": "string"}}}}}})");
  schemas.Add("Version", R"({"type": "object", "properties": {
      "version": {"type": "string"}, "git_sha": {"type": "string"},
      "compiler": {"type": "string"}, "build_type": {"type": "string"}}})");

  const auto started = std::chrono::steady_clock::now();
  router.Add("GET", "/health",
             {.summary = "Service health with every readiness check",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_schema = "Health"},
             [&checks, started, version = build.version](Request&) {
               bool ok = true;
               json::object body{{"checks", ChecksJson(checks.RunAll(), &ok)}};
               body["status"] = ok ? "ok" : "fail";
               body["version"] = version;
               body["uptime_seconds"] = std::chrono::duration<double>(
                                            std::chrono::steady_clock::now() - started)
                                            .count();
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
             {.summary = "Readiness: every dependency check passes (503 otherwise)",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_schema = "Health"},
             [&checks](Request&) {
               bool ok = true;
               json::object body{{"checks", ChecksJson(checks.RunAll(), &ok)}};
               body["status"] = ok ? "ok" : "fail";
               return JsonResponse(ok ? 200 : 503, body);
             });
  router.Add("GET", "/metrics",
             {.summary = "Prometheus metrics (text exposition format 0.0.4)",
              .tags = {"ops"},
              .permission = std::string(kPublic),
              .response_content_type = "text/plain; version=0.0.4",
              .execution = Execution::kInline},
             [&metrics](Request&) {
               return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
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
