// Cost-history imports: one uploaded file (CSV, NDJSON or a KeyedIn cost-summary CSV) becomes
// cost records, validated row by row, in ONE transaction.
//
// Formats (the generator's writers in generator.h produce all three):
//   ndjson       one cost record object per line (ParseCostRecordJson shape) plus project_id
//                (the source system's project id), project_name, customer_name, location, status
//   csv          one row per record, drivers flattened into columns (generator kCsv header;
//                est_* columns are the shop's estimate); unknown columns are ignored and listed
//   keyedin-csv  KeyedIn "COST SUMMARY REPORT" rows (sign-domain.md §1.4), one per cost line,
//                grouped into one record per `Record Id` (else per `Work Order`). KeyedIn exports
//                carry no sign spec, so these records have empty drivers ({}) and are skipped by
//                training until their spec is known; actual totals are summed from the lines
//                (labor = Act Lab, overhead = Act Bur, material = Act Mat + Act Out,
//                tax = Use Tax) and the estimate total from Est Cost.
//
// All-or-nothing by default: any rejected row rejects the file (nothing is written except the
// import row with status `rejected` and its report). With `partial`, valid rows are written and
// the invalid ones reported. Rows are rejected for validation errors (spec rules of seed 000,
// money that does not add up, bad dates) and for an external id already present in the org or
// repeated in the file. Projects are found or created by their external ref (the file's
// project_id, or the KeyedIn work order).
//
// Re-upload: the same Idempotency-Key, or the same bytes (SHA-256) already imported completely
// (or rejected in the same mode), returns the earlier import with `replayed = true` and writes
// nothing.
//
// Thread-safety: RunImport is reentrant; it blocks on the database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "estimating/repository.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "storage/store.h"

namespace signx::estimating {

enum class ImportFormat { kCsv, kNdjson, kKeyedInCsv };
std::string_view Name(ImportFormat f);  // "csv", "ndjson", "keyedin-csv"
std::optional<ImportFormat> ParseImportFormat(std::string_view name);
// From the first bytes: '{' → ndjson, a "Work Order," header → keyedin-csv, else csv.
ImportFormat DetectImportFormat(std::string_view bytes);

inline constexpr int64_t kMaxImportBytes = int64_t{64} << 20;
inline constexpr int64_t kMaxImportRows = 200'000;
inline constexpr std::size_t kMaxReportEntries = 1000;

struct ImportOptions {
  std::string filename = "upload";
  std::optional<ImportFormat> format;  // nullopt = DetectImportFormat
  bool partial = false;
  std::optional<std::string> idempotency_key;
  // When set, an import that wrote records with actual costs enqueues the learning loop's
  // estimating.evaluate_drift (learning.h) in the import's transaction.
  jobs::Queue* drift_queue = nullptr;
};

struct ImportOutcome {
  ImportRecord record;
  bool replayed = false;  // an earlier import was returned
};

// Imports `bytes` for `scope.org_id`. `outbox` may be null (no event); otherwise appends
// `import.completed` ({import_id, status, accepted, rejected}) in the import's transaction and
// notifies after the commit. kInvalidArgument for an unreadable file (not CSV / JSON lines at
// all, too large, too many rows); row problems are reported, not returned as errors.
Result<ImportOutcome> RunImport(storage::Store& store, events::Outbox* outbox, const Scope& scope,
                                std::string_view bytes, const ImportOptions& options,
                                const Clock& clock = SystemClock::Get());

// The 422 status for a rejected import (details: the first rejected rows' errors).
Status RejectedImportStatus(const ImportRecord& record);

}  // namespace signx::estimating
