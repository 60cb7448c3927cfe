#include "ai/service.h"

#include <fmt/format.h>

#include "ai/store.h"
#include "base/id.h"
#include "blobs/blob_registry.h"
#include "events/event_types.h"
#include "http/json.h"
#include "identity/audit.h"
#include "storage/idempotency.h"

namespace signx::ai {
namespace {

namespace json = boost::json;

constexpr std::string_view kIdemCreate = "ai.inference_jobs.create";

// The forecast model's stored bytes (ParseForecastConfig reads them) and card.
constexpr std::string_view kForecastConfig = R"({"setup":"auto-1","level":0.8})";
constexpr std::string_view kForecastCard = R"j({"kind":"forecast",
 "description":"Automatic per-series selection (src/forecast AutoForecast): seasonal naive and Naive2, SES/Holt/damped, ETS by AICc, Theta (standard and optimised), Croston/SBA/TSB for intermittent series, multiple-seasonal decomposition for hourly data, and combinations of them, chosen per series by a rolling-origin backtest on the series itself; conformal prediction intervals from the backtest residuals.",
 "setup":"auto-1","interval_level":0.8,
 "input":{"series":"numbers, oldest first, equally spaced","horizon":"steps ahead","period":"seasonal period (1 = none)"},
 "trained_on":"nothing: each series is fitted on its own history when it is forecast"})j";

}  // namespace

Status EnsureForecastModel(ml::ModelRegistry& registry) {
  const std::string name(RegistryName(Kind::kForecast));
  const std::string version(kForecastModelVersion);
  SIGNX_RETURN_IF_ERROR(registry
                            .Register(ml::Owner::Platform(), name, version, kForecastConfig,
                                      std::string(kForecastCard), "signx")
                            .status());
  SIGNX_ASSIGN_OR_RETURN(auto production, registry.Production(ml::Owner::Platform(), name));
  if (production) return Status::Ok();
  Status promoted = registry.Promote(ml::Owner::Platform(), name, version).status();
  if (promoted.ok()) return promoted;
  // Another replica starting at the same time may have promoted it first.
  SIGNX_ASSIGN_OR_RETURN(production, registry.Production(ml::Owner::Platform(), name));
  return production ? Status::Ok() : promoted;
}

AiService::AiService(storage::Store& store, jobs::Queue& queue, ml::ModelRegistry& registry,
                     std::shared_ptr<const blobs::BlobStore> blobs, events::Outbox& outbox,
                     const Clock& clock)
    : store_(store),
      queue_(queue),
      registry_(registry),
      blobs_(std::move(blobs)),
      outbox_(outbox),
      clock_(clock) {}

Result<ml::ModelVersion> AiService::Resolve(const std::string& org_id, Kind kind,
                                            const std::optional<std::string>& version) {
  const std::string name(RegistryName(kind));
  if (version) {
    auto own = registry_.Get(ml::Owner::Org(org_id), name, *version);
    if (own.ok() || own.status().code() != ErrorCode::kNotFound) return own;
    auto platform = registry_.Get(ml::Owner::Platform(), name, *version);
    if (platform.ok() || platform.status().code() != ErrorCode::kNotFound) return platform;
    return ValidationFailed(
        {{"version", fmt::format("no {} model version '{}' is available to this org (see GET "
                                 "/v1/ai/models?kind={})",
                                 KindName(kind), *version, KindName(kind))}});
  }
  SIGNX_ASSIGN_OR_RETURN(auto effective, registry_.Effective(org_id, name));
  if (!effective) {
    return Status(ErrorCode::kUnavailable,
                  fmt::format("no {} model serves this org: neither the org nor the platform has "
                              "a production version",
                              KindName(kind)));
  }
  return *effective;
}

Result<Submitted> AiService::Submit(const http::Principal& principal, std::string_view request_id,
                                    Kind kind, const SubmitRequest& request,
                                    const std::optional<std::string>& idempotency_key) {
  SIGNX_ASSIGN_OR_RETURN(const identity::TenantScope scope, identity::OrgScope(principal));
  // A repeat of an Idempotency-Key answers the earlier job without storing anything.
  if (idempotency_key) {
    SIGNX_ASSIGN_OR_RETURN(
        auto earlier, store_.WithTxnResult<std::optional<InferenceJob>>(
                          [&](storage::Txn& txn) -> Result<std::optional<InferenceJob>> {
                            SIGNX_ASSIGN_OR_RETURN(
                                auto id, storage::FindIdempotent(txn, scope.org_id, kIdemCreate,
                                                                 *idempotency_key));
                            if (!id) return std::optional<InferenceJob>();
                            InferenceStore s(txn, scope.org_id, clock_);
                            SIGNX_ASSIGN_OR_RETURN(InferenceJob j, s.Get(*id));
                            return std::optional<InferenceJob>(std::move(j));
                          },
                          {.read_only = true}));
    if (earlier) return Submitted{std::move(*earlier), false};
  }
  SIGNX_ASSIGN_OR_RETURN(ml::ModelVersion model, Resolve(scope.org_id, kind, request.version));
  SIGNX_ASSIGN_OR_RETURN(auto put, blobs_->Put(request.input_json));
  blobs::BlobRegistry blob_registry(*blobs_, clock_);
  bool created = true;
  SIGNX_ASSIGN_OR_RETURN(
      InferenceJob job,
      store_.WithTxnResult<InferenceJob>([&](storage::Txn& txn) -> Result<InferenceJob> {
        created = true;
        InferenceStore s(txn, scope.org_id, clock_);
        if (idempotency_key) {  // a concurrent first request may have committed meanwhile
          SIGNX_ASSIGN_OR_RETURN(
              auto id, storage::FindIdempotent(txn, scope.org_id, kIdemCreate, *idempotency_key));
          if (id) {
            created = false;
            return s.Get(*id);
          }
        }
        InferenceJob j;
        j.id = NewId("inf", clock_);
        j.org_id = scope.org_id;
        j.kind = kind;
        j.model_owner = model.org_id;
        j.model_version = model.version;
        j.status = std::string(kQueued);
        j.input_sha256 = put.info.sha256;
        j.input_bytes = put.info.size_bytes;
        j.explain = request.explain;
        j.rows_total = static_cast<int64_t>(request.rows);
        j.created_by = principal.subject_id;
        j.created_at = clock_.Now();
        SIGNX_RETURN_IF_ERROR(blob_registry.Register(txn, put.info, "application/json"));
        SIGNX_RETURN_IF_ERROR(blob_registry.AddRef(txn, put.info.sha256));
        SIGNX_ASSIGN_OR_RETURN(
            auto queued,
            queue_.Enqueue(txn,
                           {.type = std::string(kRunInferenceJob),
                            .payload_json = http::ToJsonText(json::object{{"inference_id", j.id}}),
                            .org_id = scope.org_id,
                            .max_attempts = 3,
                            .dedupe_key = j.id}));
        j.job_id = queued.id;
        SIGNX_RETURN_IF_ERROR(s.Insert(j));
        const std::string summary = http::ToJsonText(
            json::object{{"inference_id", j.id},
                         {"model", KindName(kind)},
                         {"model_version", j.model_version},
                         {"model_owner", j.model_owner.empty() ? "platform" : "org"},
                         {"rows", j.rows_total},
                         {"input_sha256", j.input_sha256}});
        SIGNX_RETURN_IF_ERROR(
            identity::AppendAudit(txn,
                                  {.org_id = scope.org_id,
                                   .actor = identity::Actor::Of(principal, request_id),
                                   .action = "inference_job.create",
                                   .subject_type = "inference_job",
                                   .subject_id = j.id,
                                   .after_json = summary},
                                  clock_)
                .status());
        SIGNX_RETURN_IF_ERROR(outbox_
                                  .Append(txn, {.type = std::string(events::kAiInferenceJobCreated),
                                                .org_id = scope.org_id,
                                                .subject_id = j.id,
                                                .payload_json = http::ToJsonText(
                                                    json::object{{"inference_id", j.id},
                                                                 {"model", KindName(kind)},
                                                                 {"model_version", j.model_version},
                                                                 {"rows", j.rows_total}})})
                                  .status());
        if (idempotency_key) {
          SIGNX_RETURN_IF_ERROR(storage::RememberIdempotent(txn, scope.org_id, kIdemCreate,
                                                            *idempotency_key, j.id, clock_.Now()));
        }
        return j;
      }));
  if (created) outbox_.Notify();
  return Submitted{std::move(job), created};
}

Result<JobView> AiService::Get(const identity::TenantScope& scope, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(JobView view, store_.WithTxnResult<JobView>(
                                           [&](storage::Txn& txn) -> Result<JobView> {
                                             InferenceStore s(txn, scope.org_id, clock_);
                                             JobView v;
                                             SIGNX_ASSIGN_OR_RETURN(v.job, s.Get(id));
                                             if (v.job.rows_failed > 0) {
                                               SIGNX_ASSIGN_OR_RETURN(
                                                   v.errors, s.FirstErrors(id, kMaxErrorsShown));
                                             }
                                             return v;
                                           },
                                           {.read_only = true}));
  // A job whose queue job ended without finishing it (a crashed worker's last attempt: dead; a
  // cancelled job) reads as failed with the queue's error.
  if (view.job.status == kQueued || view.job.status == kRunning) {
    auto queued = queue_.Get(view.job.job_id);
    if (queued.ok() && jobs::IsTerminal(queued->state) &&
        queued->state != jobs::JobState::kSucceeded) {
      view.job.status = std::string(kFailed);
      view.job.error = queued->last_error.value_or(
          fmt::format("the job ended {}", jobs::JobStateName(queued->state)));
    }
  }
  return view;
}

Result<Page<InferenceJob>> AiService::List(const identity::TenantScope& scope,
                                           const std::set<Kind>& kinds, std::string_view cursor,
                                           int limit) {
  return store_.WithTxnResult<Page<InferenceJob>>(
      [&](storage::Txn& txn) {
        InferenceStore s(txn, scope.org_id, clock_);
        return s.List(kinds, cursor, limit);
      },
      {.read_only = true});
}

Result<Page<ResultRow>> AiService::Results(const identity::TenantScope& scope, std::string_view id,
                                           int64_t after_row, int limit) {
  return store_.WithTxnResult<Page<ResultRow>>(
      [&](storage::Txn& txn) {
        InferenceStore s(txn, scope.org_id, clock_);
        return s.Results(id, after_row, limit);
      },
      {.read_only = true});
}

Result<Page<AiModel>> AiService::Models(const identity::TenantScope& scope,
                                        const std::set<Kind>& kinds,
                                        const std::optional<std::string>& status,
                                        std::string_view cursor, int limit) {
  SIGNX_ASSIGN_OR_RETURN(Page<AiModel> page, store_.WithTxnResult<Page<AiModel>>(
                                                 [&](storage::Txn& txn) {
                                                   InferenceStore s(txn, scope.org_id, clock_);
                                                   return s.Models(kinds, status, cursor, limit);
                                                 },
                                                 {.read_only = true}));
  for (Kind k : kinds) {
    SIGNX_ASSIGN_OR_RETURN(auto in_use,
                           registry_.Effective(scope.org_id, std::string(RegistryName(k))));
    if (!in_use) continue;
    for (auto& m : page.items) {
      if (m.kind == k && m.owner == in_use->org_id && m.version == in_use->version) {
        m.in_use = true;
      }
    }
  }
  return page;
}

}  // namespace signx::ai
