// InferenceStore: the AI runtime's SQL (tables inference_jobs and inference_results, the view
// ai_models of migration 0021) on one transaction, scoped to one org: every statement filters by
// the org, so another org's job is kNotFound exactly like a missing one.
//
// Thread-safety: used on the thread of the transaction it wraps.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ai/inference.h"
#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "storage/store.h"

namespace signx::ai {

class InferenceStore {
 public:
  // `org_id` must not be empty.
  InferenceStore(storage::Txn& txn, std::string org_id, const Clock& clock);

  storage::Txn& txn() { return txn_; }
  const std::string& org_id() const { return org_; }

  Status Insert(const InferenceJob& job);
  // kNotFound for an id the org does not have.
  Result<InferenceJob> Get(std::string_view id);
  // Newest first, only `kinds`; cursor = the last id of the previous page.
  Result<Page<InferenceJob>> List(const std::set<Kind>& kinds, std::string_view cursor, int limit);

  // An attempt starts: status running, counters reset, the previous attempt's result rows
  // deleted (so a retry never holds a row twice).
  Status StartAttempt(std::string_view id, int attempt);
  // Inserts answered rows (one statement per call; callers pass at most a few hundred).
  Status AppendResults(std::string_view id, const std::vector<ResultRow>& rows);
  // The writes of an attempt are fenced by its number: once a later attempt has started (a
  // recovered lease), these fail with kFailedPrecondition and change nothing.
  Status SetProgress(std::string_view id, int attempt, int64_t rows_done, int64_t rows_failed,
                     int progress);
  // Terminal: succeeded (with wall time) or failed (with the error).
  Status Finish(std::string_view id, int attempt, std::string_view status,
                std::optional<int64_t> wall_ms, const std::optional<std::string>& error);
  // A failed attempt that the queue retries: back to queued with the error.
  Status MarkRetrying(std::string_view id, int attempt, const std::string& error);

  // Rows in input order after `after_row` (-1 = from the first).
  Result<Page<ResultRow>> Results(std::string_view id, int64_t after_row, int limit);
  // The first `limit` row errors, in row order.
  Result<std::vector<RowError>> FirstErrors(std::string_view id, std::size_t limit);

  // The ai_models rows the org may use (its own and the platform's versions) of `kinds`,
  // ordered by (kind, owner, version); cursor = "<registry name>|<owner>|<version>" of the last
  // row of the previous page. States: every state unless `status` is given.
  Result<Page<AiModel>> Models(const std::set<Kind>& kinds,
                               const std::optional<std::string>& status, std::string_view cursor,
                               int limit);

 private:
  storage::Txn& txn_;
  const std::string org_;
  const Clock& clock_;
};

}  // namespace signx::ai
