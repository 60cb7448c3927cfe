// Project reports (issue 16 item 5): job `projects.report.generate` renders a PDF with
// pdf::Document — cover (project, customer, site), inputs (every payload's config), results (the
// structure calculation with its trace and clauses), the sign elevation and its foundation drawn
// to scale with dimensions, the cost snapshots, and a revision block (payload versions and hashes,
// the payloads hash, the constants version) — and stores it in the blob store.
//
// A report row is keyed by the SHA-256 of its inputs (the project's fields and the payload
// versions it is rendered from): requesting a report for unchanged inputs returns the same row,
// and rendering the same inputs gives byte-identical PDFs (the PDF's CreationDate is the newest
// payload's save time, not the clock).
//
// Thread-safety: the functions are thread-safe; the job handler needs only the store and the
// blob store, so `signx worker` runs it too.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "blobs/blob_store.h"
#include "jobs/queue.h"
#include "storage/store.h"
#include "studio/store.h"

namespace signx::studio {

inline constexpr std::string_view kReportJob = "projects.report.generate";

struct ReportInputs {
  ProjectState project;
  std::map<std::string, StoredPayload> payloads;  // by module
  std::optional<StoredCalculation> calculation;   // of the structure payload, if any
  std::string payloads_sha256;
};

// {"project": {id, name, customer, location, status}, "payload_versions": {module: version}}
boost::json::object InputsJson(const ReportInputs& in);
// SHA-256 of the canonical InputsJson plus the report format.
std::string InputsSha256(const ReportInputs& in);

// The current inputs of a project, or those a report row names.
Result<ReportInputs> LoadCurrentInputs(StudioRepository& repo, std::string_view project_id);
Result<ReportInputs> LoadInputs(StudioRepository& repo, std::string_view project_id,
                                const boost::json::object& inputs_json);

// The PDF. Pure: same inputs → same bytes.
Result<std::string> RenderProjectReport(const ReportInputs& in);

struct StoredReport {
  std::string id;
  std::string project_id;
  std::string inputs_sha256;
  std::string inputs_json;
  std::string status;  // pending, ready, failed
  std::optional<std::string> job_id;
  std::optional<std::string> blob_sha256;
  std::optional<int64_t> size_bytes;
  std::optional<std::string> error;
  Timestamp created_at;
  Timestamp updated_at;
};
boost::json::object ToJson(const StoredReport& r);

Result<std::optional<StoredReport>> FindReport(storage::Txn& txn, const Scope& scope,
                                               std::string_view project_id,
                                               std::string_view report_id,
                                               std::string_view inputs_sha256 = "");

// Requests a report of the project's current payloads: the existing row for the same inputs, or a
// new pending one with its job enqueued in the same transaction. kConflict when the project has no
// payloads. *created says which.
Result<StoredReport> RequestReport(storage::Store& store, jobs::Queue& queue, const Scope& scope,
                                   std::string_view project_id, bool* created,
                                   const Clock& clock = SystemClock::Get());

// Renders and stores the report `report_id` (idempotent: a ready row is left as it is).
Result<StoredReport> GenerateReport(storage::Store& store, const blobs::BlobStore& blobs,
                                    const Scope& scope, std::string_view report_id,
                                    const Clock& clock = SystemClock::Get());

Status RegisterStudioJobs(jobs::Queue& queue, storage::Store& store,
                          std::shared_ptr<const blobs::BlobStore> blobs);

}  // namespace signx::studio
