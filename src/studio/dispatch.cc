#include "studio/dispatch.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/id.h"
#include "http/json.h"
#include "studio/report.h"
#include "webhooks/webhook.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

constexpr const char* kCols =
    "id, project_id, idempotency_key, url, status, job_id, attempts, last_status_code, "
    "last_error, created_at, updated_at";

StoredDispatch FromRow(const storage::Row& r) {
  return StoredDispatch{.id = r.Text(0),
                        .project_id = r.Text(1),
                        .idempotency_key = r.Text(2),
                        .url = r.Text(3),
                        .status = r.Text(4),
                        .job_id = r.OptText(5),
                        .attempts = r.Int(6),
                        .last_status_code = r.OptInt(7),
                        .last_error = r.OptText(8),
                        .created_at = r.Time(9),
                        .updated_at = r.Time(10)};
}

Result<std::optional<StoredDispatch>> Find(storage::Txn& txn, const Scope& scope,
                                           std::string_view where, std::string_view value) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM project_dispatches WHERE org_id = $1 AND "
                                         "{} = $2",
                                         kCols, where),
                             {scope.org_id, value}));
  if (!row) return std::optional<StoredDispatch>();
  return std::optional<StoredDispatch>(FromRow(*row));
}

bool Retryable(int status) { return status >= 500 || status == 408 || status == 429; }

// The body sent to the PM system.
Result<std::string> Body(storage::Store& store, const blobs::BlobStore& blobs, const Scope& scope,
                         const StoredDispatch& d) {
  // The report of the current payloads (rendered now when it is not ready yet).
  std::optional<StoredReport> report;
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    StudioRepository repo(txn, scope);
    SIGNX_ASSIGN_OR_RETURN(ReportInputs in, LoadCurrentInputs(repo, d.project_id));
    if (in.payloads.empty()) return Status::Ok();
    SIGNX_ASSIGN_OR_RETURN(report, FindReport(txn, scope, d.project_id, "", InputsSha256(in)));
    if (!report) {
      // A row for the job-less render below.
      StoredReport r{.id = NewId("prp"),
                     .project_id = d.project_id,
                     .inputs_sha256 = InputsSha256(in),
                     .inputs_json = http::ToJsonText(InputsJson(in)),
                     .status = "pending",
                     .created_at = SystemClock::Get().Now(),
                     .updated_at = SystemClock::Get().Now()};
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO project_reports (id, org_id, project_id, inputs_sha256, inputs, "
                   "status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)",
                   {r.id, scope.org_id, r.project_id, r.inputs_sha256, storage::Json{r.inputs_json},
                    r.created_at})
              .status());
      report = r;
    }
    return Status::Ok();
  }));
  if (report && report->status != "ready") {
    SIGNX_ASSIGN_OR_RETURN(report, GenerateReport(store, blobs, scope, report->id));
  }
  json::object body;
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) -> Status {
        StudioRepository repo(txn, scope);
        SIGNX_ASSIGN_OR_RETURN(ProjectState p, repo.GetProject(d.project_id));
        SIGNX_ASSIGN_OR_RETURN(auto current, repo.CurrentPayloads(d.project_id));
        json::array payloads;
        std::map<std::string, std::string> shas;
        for (const auto& [m, pl] : current) {
          payloads.push_back(ToJson(pl, true));
          shas[m] = pl.sha256;
        }
        json::value payloads_sha = nullptr;
        if (!shas.empty()) {
          SIGNX_ASSIGN_OR_RETURN(std::string h, PayloadsSha256(shas));
          payloads_sha = h;
        }
        body = json::object{
            {"event", "project.submitted"},
            {"dispatch_id", d.id},
            {"idempotency_key", d.idempotency_key},
            {"project",
             json::object{
                 {"id", p.id},
                 {"name", p.name},
                 {"customer", p.customer ? json::value(*p.customer) : json::value(nullptr)},
                 {"location", p.location ? json::value(*p.location) : json::value(nullptr)},
                 {"status", p.status},
                 {"version", p.version}}},
            {"payloads", std::move(payloads)},
            {"payloads_sha256", payloads_sha},
            {"report", report
                           ? json::value(json::object{
                                 {"id", report->id},
                                 {"sha256", report->blob_sha256 ? json::value(*report->blob_sha256)
                                                                : json::value(nullptr)},
                                 {"url", fmt::format("/v1/projects/{}/reports/{}/pdf", d.project_id,
                                                     report->id)}})
                           : json::value(nullptr)}};
        return Status::Ok();
      },
      {.read_only = true}));
  return http::ToJsonText(body);
}

Status Attempt(storage::Store& store, const blobs::BlobStore& blobs,
               const DispatchSettings& settings, const http::HttpClient& client,
               jobs::JobContext& ctx, const Scope& scope, std::string_view dispatch_id) {
  std::optional<StoredDispatch> d;
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(d, Find(txn, scope, "id", dispatch_id));
        return d ? Status::Ok() : NotFound(fmt::format("dispatch {} does not exist", dispatch_id));
      },
      {.read_only = true}));
  if (d->status != "pending") return Status::Ok();  // delivered or failed already
  SIGNX_ASSIGN_OR_RETURN(std::string body, Body(store, blobs, scope, *d));
  const Timestamp started = SystemClock::Get().Now();
  const int64_t unix_seconds = UnixMicros(started) / 1'000'000;
  auto resp = client.Send({.method = "POST",
                           .url = d->url,
                           .headers = {{"Content-Type", "application/json"},
                                       {"X-Signature", webhooks::SignatureHeader(
                                                           unix_seconds, body, {settings.secret})},
                                       {"X-SignX-Event", "project.submitted"},
                                       {"X-SignX-Delivery", d->id},
                                       {"Idempotency-Key", d->idempotency_key}},
                           .body = body,
                           .timeout = settings.timeout});
  const int64_t ms = (UnixMicros(SystemClock::Get().Now()) - UnixMicros(started)) / 1000;
  std::optional<int64_t> code;
  std::optional<std::string> error;
  if (resp.ok()) {
    code = resp->status;
    if (resp->status < 200 || resp->status > 299) {
      error = fmt::format("HTTP {}", resp->status);
    }
  } else {
    error = std::string(resp.status().message());
  }
  const bool delivered = resp.ok() && resp->status >= 200 && resp->status <= 299;
  const bool permanent = resp.ok() && !delivered && !Retryable(resp->status);
  const bool last = ctx.attempt() >= settings.max_attempts;
  const std::string status = delivered ? "delivered" : (permanent || last) ? "failed" : "pending";
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO project_dispatch_attempts (dispatch_id, attempt, org_id, "
                 "status_code, error, duration_ms, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 {d->id, d->attempts + 1, scope.org_id, code, error, ms, started})
            .status());
    return txn
        .Exec(
            "UPDATE project_dispatches SET status = $1, attempts = attempts + 1, "
            "last_status_code = $2, last_error = $3, updated_at = $4 WHERE org_id = $5 AND "
            "id = $6",
            {status, code, error, SystemClock::Get().Now(), scope.org_id, d->id})
        .status();
  }));
  if (delivered || permanent) return Status::Ok();  // the log says which
  return Unavailable(
      fmt::format("dispatch {} attempt {}: {}", d->id, d->attempts + 1, error.value_or("failed")));
}

}  // namespace

Result<DispatchSettings> DispatchSettingsFrom(const config::Config& config) {
  DispatchSettings s;
  s.url = config.studio.pm_url;
  s.secret = config.studio.pm_secret;
  s.timeout = std::chrono::milliseconds(config.studio.pm_timeout_ms);
  s.max_attempts = config.studio.pm_max_attempts;
  SIGNX_ASSIGN_OR_RETURN(webhooks::WebhookSettings wh, webhooks::SettingsFrom(config.webhooks));
  s.client = wh.client;
  s.client.user_agent = "signx-studio";
  return s;
}

json::object ToJson(const StoredDispatch& d) {
  return {{"id", d.id},
          {"project_id", d.project_id},
          {"idempotency_key", d.idempotency_key},
          {"status", d.status},
          {"job_id", d.job_id ? json::value(*d.job_id) : json::value(nullptr)},
          {"attempts", d.attempts},
          {"last_status_code",
           d.last_status_code ? json::value(*d.last_status_code) : json::value(nullptr)},
          {"last_error", d.last_error ? json::value(*d.last_error) : json::value(nullptr)},
          {"created_at", FormatRfc3339(d.created_at)},
          {"updated_at", FormatRfc3339(d.updated_at)}};
}

json::object ToJson(const DispatchAttempt& a) {
  return {{"attempt", a.attempt},
          {"status_code", a.status_code ? json::value(*a.status_code) : json::value(nullptr)},
          {"error", a.error ? json::value(*a.error) : json::value(nullptr)},
          {"duration_ms", a.duration_ms},
          {"at", FormatRfc3339(a.at)}};
}

Result<StoredDispatch> RequestDispatch(storage::Store& store, jobs::Queue& queue,
                                       const DispatchSettings& settings, const Scope& scope,
                                       std::string_view project_id,
                                       std::optional<std::string> idempotency_key, bool* created,
                                       const Clock& clock) {
  return store.WithTxnResult<StoredDispatch>([&](storage::Txn& txn) -> Result<StoredDispatch> {
    *created = false;
    StudioRepository repo(txn, scope, clock);
    SIGNX_ASSIGN_OR_RETURN(ProjectState p, repo.GetProject(project_id, true));
    if (settings.url.empty()) {
      return Status(ErrorCode::kFailedPrecondition,
                    "dispatch to a PM system is off: set studio.pm_url and studio.pm_secret");
    }
    const std::string key = idempotency_key.value_or(fmt::format("{}@v{}", p.id, p.version));
    SIGNX_ASSIGN_OR_RETURN(auto existing, Find(txn, scope, "idempotency_key", key));
    if (existing) {
      if (existing->project_id != p.id) {
        return Status(ErrorCode::kConflict, "this Idempotency-Key was used for another project");
      }
      return *existing;
    }
    if (p.status != "approved") {
      return Status(ErrorCode::kConflict,
                    fmt::format("guard approved failed: only an approved project is dispatched "
                                "(project {} is {})",
                                p.id, p.status),
                    {{"guard", "approved"}});
    }
    StoredDispatch d{.id = NewId("pdx", clock),
                     .project_id = p.id,
                     .idempotency_key = key,
                     .url = settings.url,
                     .status = "pending",
                     .created_at = clock.Now(),
                     .updated_at = clock.Now()};
    SIGNX_ASSIGN_OR_RETURN(
        auto job,
        queue.Enqueue(txn, {.type = std::string(kDispatchJob),
                            .payload_json = http::ToJsonText(json::object{{"dispatch_id", d.id}}),
                            .org_id = scope.org_id,
                            .max_attempts = settings.max_attempts,
                            .dedupe_key = d.id}));
    d.job_id = job.id;
    SIGNX_RETURN_IF_ERROR(
        txn.Exec(
               "INSERT INTO project_dispatches (id, org_id, project_id, idempotency_key, url, "
               "status, job_id, attempts, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
               "'pending', $6, 0, $7, $7)",
               {d.id, scope.org_id, d.project_id, d.idempotency_key, d.url, d.job_id, d.created_at})
            .status());
    *created = true;
    return d;
  });
}

Result<StoredDispatch> GetDispatch(storage::Store& store, const Scope& scope,
                                   std::string_view project_id, std::string_view dispatch_id,
                                   std::vector<DispatchAttempt>* attempts) {
  return store.WithTxnResult<StoredDispatch>(
      [&](storage::Txn& txn) -> Result<StoredDispatch> {
        SIGNX_ASSIGN_OR_RETURN(auto d, Find(txn, scope, "id", dispatch_id));
        if (!d || d->project_id != project_id) {
          return NotFound(fmt::format("dispatch {} does not exist", dispatch_id));
        }
        if (attempts) {
          attempts->clear();
          SIGNX_ASSIGN_OR_RETURN(
              auto rs, txn.Query("SELECT attempt, status_code, error, duration_ms, at FROM "
                                 "project_dispatch_attempts WHERE org_id = $1 AND dispatch_id = "
                                 "$2 ORDER BY attempt LIMIT 1000",
                                 {scope.org_id, dispatch_id}));
          for (const auto& r : rs.rows) {
            attempts->push_back({.attempt = r.Int(0),
                                 .status_code = r.OptInt(1),
                                 .error = r.OptText(2),
                                 .duration_ms = r.Int(3),
                                 .at = r.Time(4)});
          }
        }
        return *d;
      },
      {.read_only = true});
}

Status RegisterDispatchJobs(jobs::Queue& queue, storage::Store& store,
                            std::shared_ptr<const blobs::BlobStore> blobs,
                            DispatchSettings settings) {
  auto client = std::make_shared<const http::HttpClient>(settings.client);
  queue.RegisterHandler(
      std::string(kDispatchJob),
      [&store, blobs, settings, client](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        json::value payload = json::parse(ctx.payload(), ec);
        if (ec || !payload.is_object() || !payload.as_object().contains("dispatch_id") ||
            !payload.as_object().at("dispatch_id").is_string()) {
          return InvalidArgument(
              "projects.submit.dispatch payload needs {\"dispatch_id\": \"pdx_...\"}");
        }
        if (!ctx.org_id())
          return InvalidArgument("projects.submit.dispatch needs the job's org_id");
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        const std::string id(payload.as_object().at("dispatch_id").as_string());
        return Attempt(store, *blobs, settings, *client, ctx, scope, id);
      });
  return Status::Ok();
}

}  // namespace signx::studio
