// EstimatingService: the collaborators the estimating routes, the import CLI and the quote-PDF job
// share (store, outbox, job queue, blob store, clock), plus the quote workflow:
//
//   CreateQuote   prices a request (quote.h) against a price list — the inline one in the body,
//                 the stored version named by price_list_id, else the org's active version
//                 (price_lists.h) — stores the quote
//                 with the price-list snapshot, appends `quote.created` and enqueues
//                 `estimating.render_quote_pdf` (dedupe key = quote id) in the same transaction.
//   RenderQuotePdf (job)  renders the PDF (libharu), stores it as a blob, registers it and adds a
//                 reference, and records the sha256 on the quote — once: a re-run finds it set.
//
// Thread-safety: thread-safe (state lives in the database and the blob store). The collaborators
// must outlive the service. Every call blocks: use from blocking routes, jobs or the CLI.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "estimating/repository.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "storage/store.h"

namespace signx::estimating {

inline constexpr std::string_view kRenderQuotePdfJob = "estimating.render_quote_pdf";

class EstimatingService {
 public:
  EstimatingService(storage::Store& store, events::Outbox& outbox, jobs::Queue& queue,
                    std::shared_ptr<const blobs::BlobStore> blobs,
                    const Clock& clock = SystemClock::Get())
      : store_(store), outbox_(outbox), queue_(queue), blobs_(std::move(blobs)), clock_(clock) {}

  storage::Store& store() { return store_; }
  events::Outbox& outbox() { return outbox_; }
  jobs::Queue& queue() { return queue_; }
  const blobs::BlobStore& blobs() const { return *blobs_; }
  const Clock& clock() const { return clock_; }

  // Body: {"project_id"?, "price_list": {...} (quote.h ParsePriceList), and either
  //   "request": {...} (ParseQuoteRequest: parts × rates) or
  //   "from_prediction": {"cost_cents", "model_version"?, "description"?} with "quantity"? and
  //   "contingency_pct"? at the top level}.
  // With an Idempotency-Key seen before, returns the earlier quote and sets *replayed.
  // `in_txn`, when given, runs inside the quote's transaction after the quote row is written
  // (studio links the quote to the payloads it was made from); its error rolls the quote back.
  Result<StoredQuote> CreateQuote(
      const Scope& scope, const boost::json::object& body,
      const std::optional<std::string>& idempotency_key, bool* replayed,
      const std::function<Status(storage::Txn&, const StoredQuote&)>& in_txn = nullptr);

  // Reads for the pages and routes, each in one read-only transaction scoped to `scope`.
  Result<Page<Project>> ListProjects(const Scope& scope, const ProjectListOptions& options);
  Result<StoredQuote> GetQuote(const Scope& scope, std::string_view id);
  Result<ImportRecord> GetImport(const Scope& scope, std::string_view id);
  Result<Page<ImportRecord>> ListImports(const Scope& scope, std::string_view cursor, int limit);

 private:
  template <typename T, typename F>
  Result<T> Read(const Scope& scope, F&& read) {
    return store_.WithTxnResult<T>(
        [&](storage::Txn& txn) -> Result<T> {
          Repository repo(txn, scope, clock_);
          return read(repo);
        },
        {.read_only = true});
  }

  storage::Store& store_;
  events::Outbox& outbox_;
  jobs::Queue& queue_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  const Clock& clock_;
};

// The PDF of a stored quote (libharu): header, lines, contingency, totals, price list version.
// Deterministic apart from nothing: no timestamps are embedded beyond the quote's own.
Result<std::string> RenderQuotePdf(const StoredQuote& quote);

// The body of the estimating.render_quote_pdf job for one quote: renders, stores the blob, registers and
// references it, and sets quotes.pdf_blob_sha256. Idempotent. Returns the sha256.
Result<std::string> RenderAndStoreQuotePdf(storage::Store& store, const blobs::BlobStore& blobs,
                                           const Scope& scope, std::string_view quote_id,
                                           const Clock& clock = SystemClock::Get());

// Registers the `estimating.render_quote_pdf` handler (payload {"quote_id"}; the job's org_id scopes it)
// and the learning loop's jobs (learning.h: estimating.evaluate_drift with its daily schedule,
// estimating.retrain).
Status RegisterEstimatingJobs(jobs::Queue& queue, storage::Store& store,
                              std::shared_ptr<const blobs::BlobStore> blobs);

}  // namespace signx::estimating
