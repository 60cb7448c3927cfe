// DocumentService, personal data: the documents a user uploaded and the feedback they gave, for
// the personal-data export and account deletion (identity/personal_data.h; the module registers
// DocumentsPersonalData, personal_data.h).

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "blobs/blob_registry.h"
#include "documents/internal/rows.h"
#include "documents/service.h"
#include "events/event_types.h"
#include "http/json.h"
#include "llm/usage_store.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

constexpr int kMaxExportDocuments = 10000;
constexpr int kMaxExportFeedback = 100000;

json::value OptJson(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

Result<json::value> DocumentService::ExportUserData(storage::Txn& txn, const std::string& user_id) {
  json::array documents;
  SIGNX_ASSIGN_OR_RETURN(
      auto docs, txn.Query(std::string(internal::kCols) +
                               fmt::format("WHERE uploaded_by = $1 ORDER BY id DESC LIMIT {}",
                                           kMaxExportDocuments + 1),
                           {user_id}));
  const bool docs_truncated = docs.rows.size() > static_cast<std::size_t>(kMaxExportDocuments);
  for (std::size_t i = 0; i < docs.rows.size() && i < kMaxExportDocuments; ++i) {
    const Document d = internal::ReadDocument(docs.rows[i]);
    json::object o = ToJson(d);
    o["org_id"] = d.org_id;
    o["links"] = json::object{{"document", "/v1/documents/" + d.id},
                              {"file", "/v1/documents/" + d.id + "/file"},
                              {"text", "/v1/documents/" + d.id + "/text"},
                              {"analysis", "/v1/documents/" + d.id + "/analysis"}};
    documents.push_back(std::move(o));
  }
  json::array feedback;
  SIGNX_ASSIGN_OR_RETURN(
      auto fbs, txn.Query(fmt::format("SELECT id, org_id, document_id, target, item_index, rating, "
                                      "correction, created_by, created_at FROM document_feedback "
                                      "WHERE created_by = $1 ORDER BY id LIMIT {}",
                                      kMaxExportFeedback + 1),
                          {user_id}));
  const bool fb_truncated = fbs.rows.size() > static_cast<std::size_t>(kMaxExportFeedback);
  for (std::size_t i = 0; i < fbs.rows.size() && i < kMaxExportFeedback; ++i) {
    const auto& r = fbs.rows[i];
    Feedback f{.id = r.Text(0),
               .document_id = r.Text(2),
               .target = r.Text(3),
               .item_index = r.OptInt(4),
               .rating = r.OptInt(5),
               .correction_json = r.OptText(6),
               .created_by = r.OptText(7),
               .created_at = r.Time(8)};
    json::object o = ToJson(f);
    o["org_id"] = r.Text(1);
    feedback.push_back(std::move(o));
  }
  return json::value(json::object{{"documents", std::move(documents)},
                                  {"documents_truncated", docs_truncated},
                                  {"feedback", std::move(feedback)},
                                  {"feedback_truncated", fb_truncated}});
}

Result<std::function<void()>> DocumentService::EraseUserData(storage::Txn& txn,
                                                             const std::string& user_id) {
  blobs::BlobRegistry registry(*blobs_, clock_);
  struct Erased {
    Scope scope;
    std::string id;
    std::vector<int64_t> seqs;
  };
  std::vector<Erased> erased;
  std::vector<std::string> unreferenced;  // blobs no row references any more
  SIGNX_ASSIGN_OR_RETURN(
      auto docs,
      txn.Query(std::string(internal::kCols) + "WHERE uploaded_by = $1 ORDER BY id", {user_id}));
  for (const auto& row : docs.rows) {
    const Document d = internal::ReadDocument(row);
    Erased e{.scope = Scope{.org_id = d.org_id, .actor = user_id}, .id = d.id, .seqs = {}};
    SIGNX_ASSIGN_OR_RETURN(
        auto seq_rows, txn.Query("SELECT seq FROM document_chunks WHERE document_id = $1", {d.id}));
    for (const auto& r : seq_rows.rows) e.seqs.push_back(r.Int(0));
    SIGNX_RETURN_IF_ERROR(internal::DeleteDerived(txn, d.id));
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM document_feedback WHERE document_id = $1", {d.id}).status());
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM documents WHERE id = $1 AND org_id = $2", {d.id, d.org_id}).status());
    SIGNX_RETURN_IF_ERROR(llm::ForgetDocument(txn, d.org_id, d.sha256));  // its LLM answers
    SIGNX_RETURN_IF_ERROR(registry.Release(txn, d.sha256));
    // Erasure, not just release: a blob nobody else references goes now, not after the GC's
    // grace period. (Two orgs uploading the same bytes share a blob; the other's stays.)
    SIGNX_ASSIGN_OR_RETURN(
        int64_t gone,
        txn.Exec("DELETE FROM blobs WHERE sha256 = $1 AND ref_count = 0", {d.sha256}));
    if (gone > 0) unreferenced.push_back(d.sha256);
    SIGNX_RETURN_IF_ERROR(outbox_
                              .Append(txn, {.type = std::string(events::kDocumentDeleted),
                                            .org_id = d.org_id,
                                            .subject_id = d.id,
                                            .payload_json = http::ToJsonText(
                                                json::object{{"document_id", d.id},
                                                             {"project_id", OptJson(d.project_id)},
                                                             {"sha256", d.sha256},
                                                             {"reason", "personal_data_erasure"}})})
                              .status());
    erased.push_back(std::move(e));
  }
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("UPDATE document_feedback SET created_by = NULL WHERE created_by = $1", {user_id})
          .status());
  const Timestamp cutoff = clock_.Now();
  return std::function<void()>(
      [this, erased = std::move(erased), unreferenced = std::move(unreferenced), cutoff] {
        outbox_.Notify();
        if (indexer_ != nullptr) {
          for (const Erased& e : erased) indexer_->Removed(e.scope, e.id, e.seqs);
        }
        for (const std::string& sha : unreferenced) {
          // An upload of the same bytes since the erasure re-registered the blob: it keeps the file
          // (and BlobStore::Put refreshed it after the cutoff).
          auto row = store_.Query("SELECT 1 FROM blobs WHERE sha256 = $1", {sha});
          if (!row.ok() || !row->rows.empty()) continue;
          auto removed = blobs_->RemoveIfOlderThan(sha, cutoff);
          if (!removed.ok()) {
            spdlog::warn("documents: erasing blob {} failed: {} (the blob GC removes it)", sha,
                         removed.status().ToString());
          }
        }
      });
}

}  // namespace signx::documents
