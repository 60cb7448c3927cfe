// DocumentService: the documents use cases, each a tenant-scoped transaction with its outbox
// event and job.
//
//   Upload     checks size (413) and sniffed type (415, sniff.h), streams the bytes into the
//              blob store, then in one transaction: a document of the same org with the same
//              SHA-256 is returned as a duplicate (nothing new stored); else the blob is
//              registered and referenced, the row inserted (status queued), `documents.process`
//              enqueued and documents.document_status_changed appended.
//   Process    (the job) queued → extracting → analysing → ready, one event per transition.
//              Extraction failures that are the file's fault (encrypted, corrupt, zip bomb)
//              end in `failed` with the reason and nothing stored; pages, chunks and analysis
//              are written in the same transaction that sets `ready`, so a document is never
//              half-indexed.
//   Feedback   stored for every output; a classification correction sets the type (source
//              user) and enqueues `documents.retrain` for the org.
//   Delete     removes pages, chunks, analysis, feedback and the row, releases the blob (the
//              blob GC deletes the file once nothing references it) and appends
//              documents.document_deleted — one transaction.
//   Train      trains the type classifier (classifier.h) on the synthetic seed corpus plus the
//              owner's corrections, registers it in the model registry with its model card and
//              (optionally) promotes it.
//
// Thread-safety: thread-safe; state lives in the database and the blob store. Blocking calls.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "blobs/blob_store.h"
#include "documents/action_model.h"
#include "documents/classifier.h"
#include "documents/document.h"
#include "documents/extract.h"
#include "events/outbox.h"
#include "identity/scope.h"
#include "jobs/queue.h"
#include "ml/registry.h"
#include "storage/store.h"

namespace signx::llm {
class LlmRouter;
}

namespace signx::documents {

using Scope = identity::TenantScope;

struct ServiceOptions {
  int64_t max_upload_bytes = kMaxUploadBytes;
  ExtractLimits extract;
  int seed_per_type = 40;  // synthetic seed documents per type for the classifier
};

struct UploadInput {
  std::string_view bytes;
  std::string filename;
  std::string content_type;  // as the client declared it ("" = none)
  std::optional<std::string> project_id;
};

struct UploadResult {
  Document document;
  bool duplicate = false;
};

struct DocumentText {
  std::vector<PageRow> pages;
  std::vector<ChunkRow> chunks;
};

// Told about a document's searchable content after the transaction that changed it commits
// (search.h keeps the org's search index with it). Calls must not throw; failures are the
// indexer's to handle (it schedules a rebuild).
class DocumentIndexer {
 public:
  virtual ~DocumentIndexer() = default;
  // The document became ready (or its type changed): (re)index its chunks.
  virtual void Indexed(const Scope& scope, const std::string& document_id) = 0;
  // The document and its chunks (with these seqs) were deleted.
  virtual void Removed(const Scope& scope, const std::string& document_id,
                       const std::vector<int64_t>& chunk_seqs) = 0;
};

struct TrainReport {
  ml::ModelVersion version;
  int seed_examples = 0;
  int corrections = 0;
  std::optional<double> cv_accuracy;
  bool promoted = false;
};

class DocumentService {
 public:
  DocumentService(storage::Store& store, events::Outbox& outbox, jobs::Queue& queue,
                  std::shared_ptr<const blobs::BlobStore> blobs, ml::ModelRegistry& models,
                  ServiceOptions options = {}, const Clock& clock = SystemClock::Get());

  Result<UploadResult> Upload(const Scope& scope, const UploadInput& input);
  Result<Page<Document>> List(const Scope& scope, const ListOptions& options);
  Result<Document> Get(const Scope& scope, std::string_view id);
  Result<DocumentText> Text(const Scope& scope, std::string_view id);
  // The uploaded bytes (from the blob store) with the document row.
  Result<std::pair<Document, std::string>> File(const Scope& scope, std::string_view id);
  // kFailedPrecondition while the document is not ready.
  Result<StoredAnalysis> Analysis(const Scope& scope, std::string_view id);
  Result<std::vector<Feedback>> ListFeedback(const Scope& scope, std::string_view id);
  // Body: {"target", "item_index"?, "rating"?: "up"|"down", "correction"?: {...}}; 422 naming
  // the field. A classification correction is {"doc_type": "<type>"}.
  Result<Feedback> AddFeedback(const Scope& scope, std::string_view id,
                               const boost::json::object& body);
  Status Delete(const Scope& scope, std::string_view id);

  // The documents.process job body.
  Status Process(const Scope& scope, std::string_view id, int attempt, int max_attempts);

  Result<TrainReport> Train(const ml::Owner& owner, const std::string& created_by, bool promote);
  // Trains the learned action-item detector on labelled sentences (`source` names them for the
  // model card), registers it as "documents-action-items" and optionally promotes it.
  Result<ml::ModelVersion> TrainActionModel(const ml::Owner& owner,
                                            const std::vector<ActionModel::Labeled>& data,
                                            const std::string& source,
                                            const std::string& created_by, bool promote);
  // The org's action model fine-tuned on its action-item feedback (thumbs up / "done" = an action
  // item, thumbs down = not one), starting from the platform's production model; registered for
  // the org and promoted. nullopt when there is no platform model or no such feedback.
  Result<std::optional<ml::ModelVersion>> RetrainActionModel(const std::string& org_id,
                                                             const std::string& created_by);
  // The org's (else the platform's) production action model and its version; a null model when
  // none is registered (the rules are used then).
  Result<std::pair<std::shared_ptr<const ActionModel>, std::string>> ActionModelFor(
      const std::string& org_id);
  // The classifier that types an org's documents: its production model, else the platform's,
  // else the built-in one trained on the seed corpus. Also returns its version.
  Result<std::pair<std::shared_ptr<const Classifier>, std::string>> ClassifierFor(
      const std::string& org_id);

  // --- Personal data (identity/personal_data.h; service_privacy.cc) ---------------------------
  // The documents `user_id` uploaded, in any org (metadata with links to the file and text, not
  // the bytes; newest 10,000, "truncated" says when there are more), and the feedback they gave.
  Result<boost::json::value> ExportUserData(storage::Txn& txn, const std::string& user_id);
  // Deletes every document `user_id` uploaded (rows, pages, chunks, analysis, all feedback on it,
  // the blob reference, with a documents.document_deleted event each) and unlinks the feedback
  // they gave on others' documents (created_by NULL: the org keeps the label, not the person).
  // The returned function, run after the commit, removes the documents' index entries and
  // cached search state, and deletes each blob file no other document references.
  Result<std::function<void()>> EraseUserData(storage::Txn& txn, const std::string& user_id);

  // Set once at start-up, before any job or request runs; null = no search index.
  void set_indexer(DocumentIndexer* indexer) { indexer_ = indexer; }
  // Set once at start-up; null = no LLM (the offline analysis only). See llm_hook.h.
  void set_llm(llm::LlmRouter* router) { llm_ = router; }

  storage::Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  const ServiceOptions& options() const { return options_; }

 private:
  Status SetStatus(const Scope& scope, const Document& doc, std::string_view status,
                   std::optional<std::string> reason);

  storage::Store& store_;
  events::Outbox& outbox_;
  jobs::Queue& queue_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  ml::ModelRegistry& models_;
  const ServiceOptions options_;
  const Clock& clock_;
  DocumentIndexer* indexer_ = nullptr;
  llm::LlmRouter* llm_ = nullptr;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Classifier>> classifiers_;     // by version
  std::map<std::string, std::shared_ptr<const ActionModel>> action_models_;  // by version
  std::shared_ptr<const Classifier> builtin_;
};

// Registers documents.process (payload {"document_id"}) and documents.retrain (payload {}; the
// job's org). `service` must outlive the queue's workers.
void RegisterDocumentJobs(jobs::Queue& queue, DocumentService& service);

}  // namespace signx::documents
