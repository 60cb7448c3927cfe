// CsvJobs: the use cases behind "score a CSV of leads" — the web pages call these, never SQL.
//
//   Submit     checks an uploaded file against the production model's schema (CheckLeadCsv); an
//              accepted file is stored as a blob, and its registration, the leads.score_csv job
//              and the audit row are written in one transaction.
//   Recent     the org's latest CSV scoring jobs, newest first.
//   Get        one job of the caller's org (another org's job is kNotFound, like a missing one).
//   ReadOutput the scored CSV of a finished job (kNotFound once the blob has been collected).
//
// Thread-safety: thread-safe; every call blocks (database, blob files). The collaborators must
// outlive the object.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "blobs/blob_store.h"
#include "http/request.h"
#include "jobs/queue.h"
#include "leads/csv_scoring.h"
#include "leads/scorer.h"

namespace signx::leads {

// Largest CSV upload the pages accept.
inline constexpr int64_t kMaxCsvUploadBytes = 10 * 1024 * 1024;

class CsvJobs {
 public:
  CsvJobs(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> blobs)
      : queue_(queue), blobs_(std::move(blobs)) {}

  struct Submitted {
    CsvCheck check;      // what the check found (problems → nothing was queued)
    std::string job_id;  // set when the file was accepted and queued
  };
  // Checks `data` against `scorer`'s schema and, when it is accepted, queues it for `principal`'s
  // org (audited as lead_csv.upload). kUnauthenticated/kPermissionDenied without an org.
  Result<Submitted> Submit(const std::optional<http::Principal>& principal,
                           std::string_view request_id, const Scorer& scorer,
                           std::string_view filename, std::string_view data);

  Result<std::vector<jobs::Job>> Recent(const std::optional<http::Principal>& principal,
                                        int limit);
  Result<jobs::Job> Get(const std::optional<http::Principal>& principal, std::string_view id);
  Result<std::string> ReadOutput(const CsvJobResult& result) const;

 private:
  jobs::Queue& queue_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
};

}  // namespace signx::leads
