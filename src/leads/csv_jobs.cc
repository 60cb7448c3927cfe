#include "leads/csv_jobs.h"

#include "base/clock.h"
#include "blobs/blob_registry.h"
#include "identity/audit.h"
#include "identity/scope.h"

namespace signx::leads {

Result<CsvJobs::Submitted> CsvJobs::Submit(const std::optional<http::Principal>& principal,
                                           std::string_view request_id, const Scorer& scorer,
                                           std::string_view filename, std::string_view data) {
  SIGNX_ASSIGN_OR_RETURN(const identity::TenantScope scope, identity::OrgScope(principal));
  Submitted out;
  out.check = CheckLeadCsv(scorer.bundle().schema, data, {.max_bytes = kMaxCsvUploadBytes});
  if (!out.check.ok()) return out;
  SIGNX_ASSIGN_OR_RETURN(auto put, blobs_->Put(data));
  const CsvJobPayload payload{put.info.sha256, std::string(filename),
                              scorer.bundle().model_version, principal->subject_id};
  const std::string payload_json = CsvJobPayloadJson(payload);
  blobs::BlobRegistry registry(*blobs_, SystemClock::Get());
  SIGNX_ASSIGN_OR_RETURN(
      out.job_id,
      queue_.store().WithTxnResult<std::string>([&](storage::Txn& txn) -> Result<std::string> {
        SIGNX_RETURN_IF_ERROR(registry.Register(txn, put.info, "text/csv"));
        SIGNX_ASSIGN_OR_RETURN(auto queued,
                               queue_.Enqueue(txn, {.type = std::string(kScoreCsvJob),
                                                    .payload_json = payload_json,
                                                    .org_id = scope.org_id,
                                                    .max_attempts = 3}));
        SIGNX_RETURN_IF_ERROR(
            identity::AppendAudit(txn,
                                  {.org_id = scope.org_id,
                                   .actor = identity::Actor::Of(*principal, request_id),
                                   .action = "lead_csv.upload",
                                   .subject_type = "job",
                                   .subject_id = queued.id,
                                   .after_json = payload_json},
                                  SystemClock::Get())
                .status());
        return queued.id;
      }));
  return out;
}

Result<std::vector<jobs::Job>> CsvJobs::Recent(const std::optional<http::Principal>& principal,
                                               int limit) {
  SIGNX_ASSIGN_OR_RETURN(const identity::TenantScope scope, identity::OrgScope(principal));
  jobs::ListOptions options;
  options.type = std::string(kScoreCsvJob);
  options.org_id = scope.org_id;
  options.limit = limit;
  SIGNX_ASSIGN_OR_RETURN(jobs::JobPage page, queue_.List(options));
  return std::move(page.jobs);
}

Result<jobs::Job> CsvJobs::Get(const std::optional<http::Principal>& principal,
                               std::string_view id) {
  if (!principal) return Status(ErrorCode::kUnauthenticated, "authentication required");
  SIGNX_ASSIGN_OR_RETURN(jobs::Job job, queue_.Get(id));
  if (job.type != kScoreCsvJob || !job.org_id || !identity::MaySeeOrg(*principal, *job.org_id)) {
    return NotFound("no such job");
  }
  return job;
}

Result<std::string> CsvJobs::ReadOutput(const CsvJobResult& result) const {
  return blobs_->Read(result.output_sha256);
}

}  // namespace signx::leads
