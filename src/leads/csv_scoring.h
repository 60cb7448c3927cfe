// Scoring an uploaded CSV of leads as a durable background job (`leads.score_csv`).
//
//   1. The upload is checked before anything is queued (CheckLeadCsv): size, UTF-8, CSV syntax,
//      a header row that names every required column of the model's schema, and the row count.
//      Problems name the row (1-based data row; 0 = the file or its header) and the field.
//   2. The caller stores the file as a blob (BlobStore::Put + BlobRegistry Register/AddRef) and
//      enqueues the job with the payload from CsvJobPayloadJson in the same transaction.
//   3. The job (RunLeadCsvJob) loads the model version named in the payload from the registry, so
//      a re-run scores with the same model even after a promotion; scores the rows in chunks,
//      reporting progress; writes the result CSV (the input columns + score, tier, bucket, error)
//      as a blob referenced by the job; and returns a summary with the tier distribution (stored
//      as the job's result JSON, see CsvJobResult). Rows that fail validation are kept in the
//      output with the error text and counted, never dropped silently. A re-run after a crash
//      stores identical bytes (content-addressed), so it is idempotent.
//
// Layering: this file depends on storage, blobs and ml, not on the jobs module;
// RegisterLeadCsvJobs is inline so that only its caller (src/app/job_handlers.cc) links the queue.
//
// Thread-safety: the free functions are thread-safe; the registered handler may run on several
// worker threads at once (the loaded model is shared through a mutex-guarded cache).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "jobs/queue.h"
#include "lake/lake_writer.h"
#include "leads/lake_rows.h"
#include "leads/lead.h"
#include "leads/schema.h"
#include "leads/scorer.h"
#include "storage/store.h"

namespace signx::leads {

inline constexpr std::string_view kScoreCsvJob = "leads.score_csv";

struct CsvUploadLimits {
  int64_t max_bytes = 10 * 1024 * 1024;  // the upload
  std::size_t max_rows = 100000;         // data rows
  std::size_t max_problems = 50;         // problems listed (all are counted)
};

// One problem with an upload or a row. row 0 = the file or its header row.
struct CsvProblem {
  std::size_t row = 0;
  std::string field;  // schema field name or CSV column; "" = the whole row/file
  std::string message;
  bool operator==(const CsvProblem&) const = default;
};

// The result of checking an upload before it is queued.
struct CsvCheck {
  bool ok() const { return problems.empty(); }
  std::vector<CsvProblem> problems;  // empty = accepted
  std::size_t rows = 0;              // data rows
  char delimiter = ',';
  std::vector<std::string> ignored_columns;  // header names the schema does not have
  std::vector<std::string> missing_columns;  // optional feature columns: scored as "not given"
};

// Checks an upload against `schema`: size, UTF-8, CSV syntax (consistent field counts), the header
// (every required id/feature column present, by CSV column name or field name; at least one
// feature column), at least one and at most max_rows data rows. Cell values are not validated
// here: bad cells are reported per row in the result file. One streaming pass that keeps only the
// header; csv::Limits' defaults apply (at most 512 fields per record, 64 KiB per field).
CsvCheck CheckLeadCsv(const Schema& schema, std::string_view text,
                      const CsvUploadLimits& limits = {});

struct CsvScoreSummary {
  std::string model_version;
  int64_t rows = 0;
  int64_t scored = 0;
  int64_t invalid = 0;               // rows kept with an error and no score
  std::array<int64_t, 5> tiers{};    // A..E counts of scored rows
  std::vector<CsvProblem> problems;  // the first max_problems row problems
};

// Scores every row of `text` (already checked) with `scorer` and returns the result CSV: the
// input columns, then score (0-1, 4 decimals), tier, bucket and error. Cells that a spreadsheet
// would run as a formula (leading = + @ or - not starting a number) are prefixed with '.
// `progress(percent)` is called between chunks; returning false stops with kCancelled.
// `on_scored` (optional) is called with every scored row's lead and score, in row order.
// Memory: `text` is read twice (a counting pass, so that a malformed file fails before any row is
// scored, then the scoring pass) with 500 rows held at a time, plus the result.
Result<std::string> ScoreLeadCsv(
    const Scorer& scorer, std::string_view text, CsvScoreSummary* summary,
    const std::function<bool(int)>& progress = {}, const CsvUploadLimits& limits = {},
    const std::function<void(const Lead&, const LeadScore&)>& on_scored = {});

// The job's payload.
struct CsvJobPayload {
  std::string input_sha256;   // the uploaded file (a registered blob)
  std::string filename;       // as uploaded, for the download name
  std::string model_version;  // the lead model version to score with
  std::string uploaded_by;    // subject id
};
std::string CsvJobPayloadJson(const CsvJobPayload& payload);
Result<CsvJobPayload> ParseCsvJobPayload(std::string_view json);

// The job's result (stored as its result JSON).
struct CsvJobResult {
  std::string output_sha256;  // the result CSV (a registered blob)
  int64_t output_bytes = 0;
  std::string filename;  // suggested download name ("leads-scored.csv")
  CsvScoreSummary summary;
};
std::string CsvJobResultJson(const CsvJobResult& result);
Result<CsvJobResult> ParseCsvJobResult(std::string_view json);

// "leads.csv" → "leads-scored.csv"; anything unsafe in a Content-Disposition is replaced.
std::string ScoredFileName(std::string_view uploaded);

// Loads a lead model version from the registry (cached: the last few versions stay loaded): the
// org's own version of that id, else the platform's — never another org's.
class ScorerCache {
 public:
  ScorerCache(storage::Store& store, const blobs::BlobStore& blobs)
      : store_(store), blobs_(blobs) {}
  Result<std::shared_ptr<const Scorer>> Get(const std::string& org_id, const std::string& version);

 private:
  storage::Store& store_;
  const blobs::BlobStore& blobs_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::shared_ptr<const Scorer>>> loaded_;  // guarded by mu_
};

// Where a `leads.score_csv` job's scores go besides its result file.
struct CsvJobTargets {
  std::optional<std::string> org_id;  // lead_scores rows are written for this org
  std::string job_id;                 // their request_id, and the lake rows'
  lake::LakeWriter* lake = nullptr;   // with "lead_scores" declared (LeadScoresDataset)
};

// The body of one `leads.score_csv` job: reads the input blob, scores it with the payload's model,
// stores the output blob (registered, without a reference), and returns the result. With an org,
// every scored row that has a lead id is recorded in lead_scores (request_id = the job id; in
// transactions of 2,000 rows, idempotent), so the leads appear in the worklist and can be given
// outcomes. With a lake, every scored row is appended to it as it is scored, like the scoring
// API's (the job waits for the writer every 2,000 rows): rows of a job that fails or is cancelled
// midway stay there (they were scored), and a retried job appends its rows again — request_id
// tells the runs' rows apart from other scores, the job's state tells whether it finished.
Result<CsvJobResult> RunLeadCsvJob(storage::Store& store, const blobs::BlobStore& blobs,
                                   ScorerCache& scorers, std::string_view payload_json,
                                   const std::function<bool(int)>& progress,
                                   const CsvJobTargets& targets = {});

// Registers the `leads.score_csv` handler (at most 2 at once across workers). `lake` (may be
// null) receives the scored rows; the handler keeps it alive.
inline Status RegisterLeadCsvJobs(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> blobs,
                                  std::shared_ptr<lake::LakeWriter> lake) {
  storage::Store& store = queue.store();
  auto scorers = std::make_shared<ScorerCache>(store, *blobs);
  if (lake) SIGNX_RETURN_IF_ERROR(lake->Declare(LeadScoresDataset()));
  queue.RegisterHandler(
      std::string(kScoreCsvJob),
      [&store, blobs, scorers, lake](jobs::JobContext& ctx) -> Status {
        int last = -1;
        auto progress = [&ctx, &last](int percent) {
          if (percent != last) {
            last = percent;
            if (!ctx.SetProgress(percent).ok()) return false;
          }
          return !ctx.cancelled();
        };
        SIGNX_ASSIGN_OR_RETURN(
            CsvJobResult result,
            RunLeadCsvJob(store, *blobs, *scorers, ctx.payload(), progress,
                          {.org_id = ctx.org_id(), .job_id = ctx.id(), .lake = lake.get()}));
        ctx.SetResult(CsvJobResultJson(result));
        return Status::Ok();
      },
      {.max_concurrency = 2});
  return Status::Ok();
}

}  // namespace signx::leads
