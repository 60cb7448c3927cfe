#include "documents/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/id.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "blobs/blob_registry.h"
#include "documents/analysis.h"
#include "documents/chunk.h"
#include "documents/internal/rows.h"
#include "documents/llm_hook.h"
#include "documents/sniff.h"
#include "events/event_types.h"
#include "llm/usage_store.h"
#include "http/json.h"

namespace signx::documents {

namespace internal {

Document ReadDocument(const storage::Row& r) {
  Document d;
  d.id = r.Text(0);
  d.org_id = r.Text(1);
  d.project_id = r.OptText(2);
  d.filename = r.Text(3);
  d.media_type = r.Text(4);
  d.size_bytes = r.Int(5);
  d.sha256 = r.Text(6);
  d.status = r.Text(7);
  d.failure_reason = r.OptText(8);
  d.doc_type = r.OptText(9);
  d.doc_type_confidence = r.OptDouble(10);
  d.doc_type_source = r.OptText(11);
  d.model_version = r.OptText(12);
  d.language = r.OptText(13);
  d.page_count = r.OptInt(14);
  d.ocr_pages = r.OptInt(15);
  d.document_date = r.OptText(16);
  d.job_id = r.OptText(17);
  d.uploaded_by = r.OptText(18);
  d.created_at = r.Time(19);
  d.updated_at = r.Time(20);
  return d;
}

Status DeleteDerived(storage::Txn& txn, std::string_view id) {
  for (std::string_view table : {"document_pages", "document_chunks", "document_analyses"}) {
    SIGNX_RETURN_IF_ERROR(
        txn.Exec(fmt::format("DELETE FROM {} WHERE document_id = $1", table), {id}).status());
  }
  return Status::Ok();
}

}  // namespace internal

namespace {

namespace json = boost::json;

using internal::DeleteDerived;
using internal::kCols;
using internal::ReadDocument;

Result<Document> LoadDocument(storage::Txn& txn, const Scope& scope, std::string_view id,
                              bool for_update = false) {
  std::string sql = std::string(kCols) + "WHERE id = $1 AND org_id = $2";
  if (for_update && txn.dialect() == storage::Dialect::kPostgres) sql += " FOR UPDATE";
  SIGNX_ASSIGN_OR_RETURN(auto row, txn.QueryOne(sql, {id, scope.org_id}));
  if (!row) return NotFound(fmt::format("document {} does not exist", id));
  return ReadDocument(*row);
}

json::value OptJson(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

Status AppendStatusEvent(events::Outbox& outbox, storage::Txn& txn, const Document& d,
                         std::optional<std::string> previous, std::optional<int64_t> chunks) {
  json::object payload{{"document_id", d.id},
                       {"project_id", OptJson(d.project_id)},
                       {"status", d.status},
                       {"previous_status", OptJson(previous)},
                       {"failure_reason", OptJson(d.failure_reason)},
                       {"doc_type", OptJson(d.doc_type)},
                       {"page_count", d.page_count ? json::value(*d.page_count) : nullptr},
                       {"chunk_count", chunks ? json::value(*chunks) : nullptr}};
  return outbox
      .Append(txn, {.type = std::string(events::kDocumentStatusChanged),
                    .org_id = d.org_id,
                    .subject_id = d.id,
                    .payload_json = http::ToJsonText(payload)})
      .status();
}

std::string JoinedText(const std::vector<std::string>& pages, std::size_t max) {
  std::string out;
  for (const auto& p : pages) {
    if (!out.empty()) out += "\n\n";
    out += p;
    if (out.size() >= max) break;
  }
  if (out.size() > max) out.resize(max);
  return out;
}

// Multi-row INSERT in batches: (cols) VALUES ($1..$k), ($k+1..).
Status InsertRows(storage::Txn& txn, std::string_view head, int cols,
                  const std::vector<storage::Params>& rows) {
  constexpr std::size_t kBatch = 100;
  for (std::size_t at = 0; at < rows.size(); at += kBatch) {
    const std::size_t n = std::min(kBatch, rows.size() - at);
    std::string sql(head);
    sql += " VALUES ";
    storage::Params params;
    params.reserve(n * static_cast<std::size_t>(cols));
    for (std::size_t i = 0; i < n; ++i) {
      sql += i ? ", (" : "(";
      for (int c = 0; c < cols; ++c) {
        sql += fmt::format("{}${}", c ? ", " : "", params.size() + 1);
        params.push_back(rows[at + i][static_cast<std::size_t>(c)]);
      }
      sql += ")";
    }
    SIGNX_RETURN_IF_ERROR(txn.Exec(sql, params).status());
  }
  return Status::Ok();
}

}  // namespace

DocumentService::DocumentService(storage::Store& store, events::Outbox& outbox, jobs::Queue& queue,
                                 std::shared_ptr<const blobs::BlobStore> blobs,
                                 ml::ModelRegistry& models, ServiceOptions options,
                                 const Clock& clock)
    : store_(store),
      outbox_(outbox),
      queue_(queue),
      blobs_(std::move(blobs)),
      models_(models),
      options_(std::move(options)),
      clock_(clock) {}

Result<UploadResult> DocumentService::Upload(const Scope& scope, const UploadInput& in) {
  if (static_cast<int64_t>(in.bytes.size()) > options_.max_upload_bytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("the file is {} bytes; documents accepts at most {} MB",
                              in.bytes.size(), options_.max_upload_bytes >> 20));
  }
  std::string filename(Trim(in.filename));
  if (filename.empty()) filename = "document";
  if (filename.size() > 255 || !IsValidUtf8(filename)) {
    return ValidationFailed({{"filename", "must be valid UTF-8 of at most 255 bytes"}});
  }
  SIGNX_ASSIGN_OR_RETURN(Format format, CheckUpload(in.bytes, in.content_type, filename));
  if (in.project_id) {
    SIGNX_ASSIGN_OR_RETURN(auto found,
                           store_.Query("SELECT 1 FROM projects WHERE id = $1 AND org_id = $2",
                                        {*in.project_id, scope.org_id}));
    if (found.rows.empty()) {
      return ValidationFailed({{"project_id", "no project with this id in your organization"}});
    }
  }
  // Stream the bytes into the blob store in 1 MB pieces (hashing as it writes).
  SIGNX_ASSIGN_OR_RETURN(auto writer, blobs_->NewWriter());
  constexpr std::size_t kPiece = 1 << 20;
  for (std::size_t at = 0; at < in.bytes.size(); at += kPiece) {
    SIGNX_RETURN_IF_ERROR(writer->Write(in.bytes.substr(at, kPiece)));
  }
  SIGNX_ASSIGN_OR_RETURN(blobs::PutResult put, writer->Commit());
  blobs::BlobRegistry registry(*blobs_, clock_);
  bool duplicate = false;
  auto doc = store_.WithTxnResult<Document>([&](storage::Txn& txn) -> Result<Document> {
    duplicate = false;
    SIGNX_ASSIGN_OR_RETURN(auto existing,
                           txn.QueryOne(std::string(kCols) + "WHERE org_id = $1 AND sha256 = $2",
                                        {scope.org_id, put.info.sha256}));
    if (existing) {
      duplicate = true;
      return ReadDocument(*existing);
    }
    Document d;
    d.id = NewId("doc", clock_);
    d.org_id = scope.org_id;
    d.project_id = in.project_id;
    d.filename = filename;
    d.media_type = std::string(MediaType(format));
    d.size_bytes = put.info.size_bytes;
    d.sha256 = put.info.sha256;
    d.status = "queued";
    d.uploaded_by = scope.actor;
    d.created_at = clock_.Now();
    d.updated_at = d.created_at;
    SIGNX_RETURN_IF_ERROR(registry.Register(txn, put.info, d.media_type));
    SIGNX_RETURN_IF_ERROR(registry.AddRef(txn, put.info.sha256));
    SIGNX_ASSIGN_OR_RETURN(
        auto job,
        queue_.Enqueue(txn, {.type = std::string(kProcessJob),
                             .payload_json = http::ToJsonText(json::object{{"document_id", d.id}}),
                             .org_id = scope.org_id,
                             .max_attempts = 3,
                             .dedupe_key = d.id}));
    d.job_id = job.id;
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO documents (id, org_id, project_id, filename, media_type, size_bytes, "
                 "sha256, status, job_id, uploaded_by, created_at, updated_at) VALUES ($1, $2, $3, "
                 "$4, $5, $6, $7, $8, $9, $10, $11, $12)",
                 {d.id, d.org_id, d.project_id, d.filename, d.media_type, d.size_bytes, d.sha256,
                  d.status, d.job_id, d.uploaded_by, d.created_at, d.updated_at})
            .status());
    SIGNX_RETURN_IF_ERROR(AppendStatusEvent(outbox_, txn, d, std::nullopt, std::nullopt));
    return d;
  });
  if (!doc.ok()) return doc.status();
  if (!duplicate) outbox_.Notify();
  return UploadResult{std::move(*doc), duplicate};
}

Result<Page<Document>> DocumentService::List(const Scope& scope, const ListOptions& o) {
  std::string sql = std::string(kCols) + "WHERE org_id = $1";
  storage::Params params{scope.org_id};
  auto add = [&](std::string_view column, const std::optional<std::string>& v) {
    if (!v) return;
    params.emplace_back(*v);
    sql += fmt::format(" AND {} = ${}", column, params.size());
  };
  add("status", o.status);
  add("doc_type", o.doc_type);
  add("project_id", o.project_id);
  if (!o.cursor.empty()) {
    params.emplace_back(o.cursor);
    sql += fmt::format(" AND id < ${}", params.size());
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", o.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(sql, params));
  std::vector<Document> rows;
  for (const auto& r : rs.rows) rows.push_back(ReadDocument(r));
  return TrimPage(std::move(rows), o.limit, [](const Document& d) { return d.id; });
}

Result<Document> DocumentService::Get(const Scope& scope, std::string_view id) {
  return store_.WithTxnResult<Document>(
      [&](storage::Txn& txn) { return LoadDocument(txn, scope, id); }, {.read_only = true});
}

Result<DocumentText> DocumentService::Text(const Scope& scope, std::string_view id) {
  return store_.WithTxnResult<DocumentText>(
      [&](storage::Txn& txn) -> Result<DocumentText> {
        SIGNX_ASSIGN_OR_RETURN(Document d, LoadDocument(txn, scope, id));
        if (d.status != "ready") {
          return FailedPrecondition(fmt::format("document {} is {}, not ready", d.id, d.status));
        }
        DocumentText t;
        SIGNX_ASSIGN_OR_RETURN(
            auto pages, txn.Query("SELECT page, text, ocr FROM document_pages WHERE document_id = "
                                  "$1 AND org_id = $2 ORDER BY page",
                                  {id, scope.org_id}));
        for (const auto& r : pages.rows)
          t.pages.push_back({static_cast<int>(r.Int(0)), r.Text(1), r.Bool(2)});
        SIGNX_ASSIGN_OR_RETURN(
            auto chunks,
            txn.Query("SELECT seq, page, heading, text, start_offset, end_offset FROM "
                      "document_chunks WHERE document_id = $1 AND org_id = $2 ORDER BY seq",
                      {id, scope.org_id}));
        for (const auto& r : chunks.rows) {
          t.chunks.push_back({static_cast<int>(r.Int(0)), static_cast<int>(r.Int(1)),
                              r.OptText(2).value_or(""), r.Text(3), r.Int(4), r.Int(5)});
        }
        return t;
      },
      {.read_only = true});
}

Result<std::pair<Document, std::string>> DocumentService::File(const Scope& scope,
                                                               std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(Document d, Get(scope, id));
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, blobs_->Read(d.sha256));
  return std::make_pair(std::move(d), std::move(bytes));
}

Result<StoredAnalysis> DocumentService::Analysis(const Scope& scope, std::string_view id) {
  return store_.WithTxnResult<StoredAnalysis>(
      [&](storage::Txn& txn) -> Result<StoredAnalysis> {
        SIGNX_ASSIGN_OR_RETURN(Document d, LoadDocument(txn, scope, id));
        SIGNX_ASSIGN_OR_RETURN(
            auto row, txn.QueryOne("SELECT analysis, classification, created_at FROM "
                                   "document_analyses WHERE document_id = $1 AND org_id = $2",
                                   {id, scope.org_id}));
        if (!row) {
          return FailedPrecondition(
              fmt::format("document {} is {}: no analysis yet", d.id, d.status));
        }
        return StoredAnalysis{row->Text(0), row->Text(1), row->Time(2)};
      },
      {.read_only = true});
}

Result<std::vector<Feedback>> DocumentService::ListFeedback(const Scope& scope,
                                                            std::string_view id) {
  return store_.WithTxnResult<std::vector<Feedback>>(
      [&](storage::Txn& txn) -> Result<std::vector<Feedback>> {
        SIGNX_RETURN_IF_ERROR(LoadDocument(txn, scope, id).status());
        SIGNX_ASSIGN_OR_RETURN(
            auto rs, txn.Query("SELECT id, document_id, target, item_index, rating, correction, "
                               "created_by, created_at FROM document_feedback WHERE document_id = "
                               "$1 AND org_id = $2 ORDER BY id LIMIT 1000",
                               {id, scope.org_id}));
        std::vector<Feedback> out;
        for (const auto& r : rs.rows) {
          out.push_back({r.Text(0), r.Text(1), r.Text(2), r.OptInt(3), r.OptInt(4), r.OptText(5),
                         r.OptText(6), r.Time(7)});
        }
        return out;
      },
      {.read_only = true});
}

Result<Feedback> DocumentService::AddFeedback(const Scope& scope, std::string_view id,
                                              const json::object& body) {
  std::vector<FieldError> bad;
  for (const auto& kv : body) {
    if (kv.key() != "target" && kv.key() != "item_index" && kv.key() != "rating" &&
        kv.key() != "correction") {
      bad.push_back({std::string(kv.key()), "unknown field"});
    }
  }
  Feedback f;
  const json::value* target = body.if_contains("target");
  if (!target || !target->is_string() || !IsFeedbackTarget(target->as_string())) {
    bad.push_back({"target",
                   "must be one of classification, summary.short, summary.medium, "
                   "summary.detailed, action_items, decisions, risks, entities, text"});
  } else {
    f.target = std::string(target->as_string());
  }
  if (const json::value* i = body.if_contains("item_index"); i && !i->is_null()) {
    if (!i->is_int64() || i->as_int64() < 0 || i->as_int64() > 100000) {
      bad.push_back({"item_index", "must be an integer from 0 to 100000"});
    } else {
      f.item_index = i->as_int64();
    }
  }
  if (const json::value* r = body.if_contains("rating"); r && !r->is_null()) {
    if (r->is_string() && r->as_string() == "up") {
      f.rating = 1;
    } else if (r->is_string() && r->as_string() == "down") {
      f.rating = -1;
    } else {
      bad.push_back({"rating", "must be \"up\" or \"down\""});
    }
  }
  std::optional<std::string> corrected_type;
  if (const json::value* c = body.if_contains("correction"); c && !c->is_null()) {
    if (!c->is_object()) {
      bad.push_back({"correction", "must be an object"});
    } else {
      f.correction_json = http::ToJsonText(*c);
      if (f.correction_json->size() > 64 * 1024) bad.push_back({"correction", "at most 64 KB"});
      if (f.target == "classification") {
        const json::value* t = c->as_object().if_contains("doc_type");
        if (!t || !t->is_string() || !IsDocType(t->as_string())) {
          bad.push_back({"correction.doc_type",
                         "must be one of contract, proposal, rfp, change_order, permit, invoice, "
                         "meeting_notes, email, drawing_spec, other"});
        } else {
          corrected_type = std::string(t->as_string());
        }
      }
    }
  }
  if (!f.rating && !f.correction_json) {
    bad.push_back({"rating", "give a rating (up/down), a correction, or both"});
  }
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  f.id = NewId("dfb", clock_);
  f.document_id = std::string(id);
  f.created_by = scope.actor;
  f.created_at = clock_.Now();
  auto out = store_.WithTxnResult<Feedback>([&](storage::Txn& txn) -> Result<Feedback> {
    SIGNX_ASSIGN_OR_RETURN(Document d, LoadDocument(txn, scope, id, true));
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO document_feedback (id, org_id, document_id, target, item_index, "
                 "rating, correction, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                 "$8, $9)",
                 {f.id, scope.org_id, f.document_id, f.target, f.item_index, f.rating,
                  f.correction_json ? storage::Param(storage::Json{*f.correction_json})
                                    : storage::Param(),
                  f.created_by, f.created_at})
            .status());
    if (corrected_type) {
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("UPDATE documents SET doc_type = $1, doc_type_source = 'user', "
                   "doc_type_confidence = NULL, updated_at = $2 WHERE id = $3 AND org_id = $4",
                   {*corrected_type, clock_.Now(), d.id, scope.org_id})
              .status());
      SIGNX_RETURN_IF_ERROR(queue_
                                .Enqueue(txn, {.type = std::string(kRetrainJob),
                                               .org_id = scope.org_id,
                                               .max_attempts = 3,
                                               .dedupe_key = "retrain:" + f.id})
                                .status());
    }
    const bool action_feedback =
        f.target == "action_items" && f.item_index &&
        (f.rating ||
         (f.correction_json && f.correction_json->find("\"done\"") != std::string::npos));
    if (action_feedback) {
      SIGNX_RETURN_IF_ERROR(queue_
                                .Enqueue(txn, {.type = std::string(kRetrainJob),
                                               .payload_json = R"({"what": "action_items"})",
                                               .org_id = scope.org_id,
                                               .max_attempts = 3,
                                               .dedupe_key = "retrain-actions:" + f.id})
                                .status());
    }
    return f;
  });
  // The type is a search filter: re-index the document's chunks with the corrected type.
  if (out.ok() && corrected_type && indexer_ != nullptr) {
    indexer_->Indexed(scope, std::string(id));
  }
  return out;
}

Result<std::optional<ml::ModelVersion>> DocumentService::RetrainActionModel(
    const std::string& org_id, const std::string& created_by) {
  SIGNX_ASSIGN_OR_RETURN(auto base_version,
                         models_.Production(ml::Owner::Platform(), std::string(kActionModelName)));
  if (!base_version) return std::optional<ml::ModelVersion>();
  SIGNX_ASSIGN_OR_RETURN(std::string base_bytes, models_.ReadBytes(*base_version));
  SIGNX_ASSIGN_OR_RETURN(ActionModel base, ActionModel::Deserialize(base_bytes));
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, store_.Query("SELECT f.document_id, f.item_index, f.rating, f.correction, "
                            "a.analysis FROM document_feedback f JOIN document_analyses a ON "
                            "a.document_id = f.document_id WHERE f.org_id = $1 AND f.target = "
                            "'action_items' AND f.item_index IS NOT NULL ORDER BY f.id",
                            {org_id}));
  // The latest label per (document, item).
  std::map<std::pair<std::string, int64_t>, ActionModel::Labeled> latest;
  std::map<std::string, json::value> analyses;
  for (const auto& r : rs.rows) {
    const std::string doc = r.Text(0);
    const int64_t index = r.Int(1);
    std::optional<bool> yes;
    if (auto rating = r.OptInt(2)) yes = *rating > 0;
    if (auto c = r.OptText(3)) {
      boost::system::error_code ec;
      json::value v = json::parse(*c, ec);
      if (!ec && v.is_object() && v.as_object().contains("done")) yes = true;
    }
    if (!yes) continue;
    if (!analyses.contains(doc)) {
      boost::system::error_code ec;
      analyses[doc] = json::parse(r.Text(4), ec);
    }
    const json::value& a = analyses[doc];
    const json::value* items = a.is_object() ? a.as_object().if_contains("action_items") : nullptr;
    if (!items || !items->is_array() || index >= static_cast<int64_t>(items->as_array().size())) {
      continue;
    }
    const json::value& item = items->as_array()[static_cast<std::size_t>(index)];
    if (!item.is_object() || !item.as_object().contains("text")) continue;
    latest[{doc, index}] = {std::string(item.as_object().at("text").as_string()), *yes};
  }
  if (latest.empty()) return std::optional<ml::ModelVersion>();
  std::vector<ActionModel::Labeled> data;
  int yes = 0;
  for (auto& [key, x] : latest) {
    yes += x.yes;
    data.push_back(std::move(x));
  }
  SIGNX_ASSIGN_OR_RETURN(ActionModel tuned, ActionModel::FineTune(base, data));
  const std::string bytes = tuned.Serialize();
  const std::string version = "lr-" + Sha256Hex(bytes).substr(0, 12);
  const json::object card{
      {"name", std::string(kActionModelName)},
      {"kind", "the platform action-item model fine-tuned on this org's feedback"},
      {"base_version", base_version->version},
      {"training_data", json::object{{"source",
                                      "action-item feedback of this org's users "
                                      "(thumbs up / done = yes, thumbs down = no)"},
                                     {"sentences", static_cast<int64_t>(data.size())},
                                     {"yes", yes}}},
      {"threshold", tuned.threshold()},
      {"trained_at", FormatRfc3339(clock_.Now())}};
  const ml::Owner owner = ml::Owner::Org(org_id);
  SIGNX_ASSIGN_OR_RETURN(ml::ModelVersion v,
                         models_.Register(owner, std::string(kActionModelName), version, bytes,
                                          http::ToJsonText(card), created_by));
  SIGNX_ASSIGN_OR_RETURN(v, models_.Promote(owner, std::string(kActionModelName), version));
  return std::optional<ml::ModelVersion>(std::move(v));
}

Status DocumentService::Delete(const Scope& scope, std::string_view id) {
  blobs::BlobRegistry registry(*blobs_, clock_);
  std::vector<int64_t> seqs;
  std::string deleted_id;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(Document d, LoadDocument(txn, scope, id, true));
    seqs.clear();
    SIGNX_ASSIGN_OR_RETURN(
        auto seq_rows, txn.Query("SELECT seq FROM document_chunks WHERE document_id = $1", {d.id}));
    for (const auto& r : seq_rows.rows) seqs.push_back(r.Int(0));
    deleted_id = d.id;
    SIGNX_RETURN_IF_ERROR(DeleteDerived(txn, d.id));
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM document_feedback WHERE document_id = $1", {d.id}).status());
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM documents WHERE id = $1 AND org_id = $2", {d.id, scope.org_id})
            .status());
    SIGNX_RETURN_IF_ERROR(registry.Release(txn, d.sha256));
    SIGNX_RETURN_IF_ERROR(llm::ForgetDocument(txn, scope.org_id, d.sha256));  // its LLM answers
    return outbox_
        .Append(txn, {.type = std::string(events::kDocumentDeleted),
                      .org_id = scope.org_id,
                      .subject_id = d.id,
                      .payload_json =
                          http::ToJsonText(json::object{{"document_id", d.id},
                                                        {"project_id", OptJson(d.project_id)},
                                                        {"sha256", d.sha256}})})
        .status();
  }));
  outbox_.Notify();
  if (indexer_ != nullptr) indexer_->Removed(scope, deleted_id, seqs);
  return Status::Ok();
}

Status DocumentService::SetStatus(const Scope& scope, const Document& doc, std::string_view status,
                                  std::optional<std::string> reason) {
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(Document d, LoadDocument(txn, scope, doc.id, true));
    const std::string previous = d.status;
    d.status = std::string(status);
    d.failure_reason = reason;
    d.updated_at = clock_.Now();
    SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE documents SET status = $1, failure_reason = $2, "
                                   "updated_at = $3 WHERE id = $4 AND org_id = $5",
                                   {d.status, d.failure_reason, d.updated_at, d.id, scope.org_id})
                              .status());
    if (status == "failed") SIGNX_RETURN_IF_ERROR(DeleteDerived(txn, d.id));
    return AppendStatusEvent(outbox_, txn, d, previous, std::nullopt);
  }));
  outbox_.Notify();
  return Status::Ok();
}

Status DocumentService::Process(const Scope& scope, std::string_view id, int attempt,
                                int max_attempts) {
  auto loaded = Get(scope, id);
  if (!loaded.ok() && loaded.status().code() == ErrorCode::kNotFound) {
    return Status::Ok();  // deleted before it was processed: nothing to do
  }
  SIGNX_ASSIGN_OR_RETURN(Document doc, std::move(loaded));
  if (doc.status == "ready" || doc.status == "failed") return Status::Ok();
  // Errors that are not the file's fault are retried; on the last attempt they fail the document.
  auto give_up = [&](const Status& st) -> Status {
    if (attempt < max_attempts) return st;
    spdlog::error("documents: {} failed for good: {}", doc.id, st.ToString());
    SIGNX_RETURN_IF_ERROR(
        SetStatus(scope, doc, "failed", "processing failed: " + std::string(st.message())));
    return Status::Ok();
  };

  SIGNX_RETURN_IF_ERROR(SetStatus(scope, doc, "extracting", std::nullopt));
  auto format = FormatFromMediaType(doc.media_type);
  if (!format) return SetStatus(scope, doc, "failed", "unsupported media type " + doc.media_type);
  auto bytes = blobs_->Read(doc.sha256);
  if (!bytes.ok()) return give_up(bytes.status());
  auto extracted = Extract(*format, *bytes, options_.extract);
  if (!extracted.ok()) {
    if (extracted.status().code() == ErrorCode::kInvalidArgument) {
      return SetStatus(scope, doc, "failed", std::string(extracted.status().message()));
    }
    return give_up(extracted.status());
  }
  if (extracted->blocks.empty()) {
    return SetStatus(scope, doc, "failed",
                     extracted->ocr_pages.empty() ? "the document contains no text"
                                                  : "OCR found no text in the document");
  }
  SIGNX_RETURN_IF_ERROR(SetStatus(scope, doc, "analysing", std::nullopt));

  const PageText pages = PageTexts(*extracted);
  const std::vector<Chunk> chunks = MakeChunks(*extracted, pages);
  const auto upload_day = Day(std::chrono::floor<std::chrono::days>(doc.created_at));
  auto action_model = ActionModelFor(scope.org_id);
  if (!action_model.ok()) return give_up(action_model.status());
  struct Analysis analysis = Analyse(*extracted, pages, upload_day, action_model->first.get());
  auto classifier = ClassifierFor(scope.org_id);
  if (!classifier.ok()) return give_up(classifier.status());
  const Classifier::Prediction prediction =
      classifier->first->Predict(JoinedText(pages.pages, 20000));
  json::array scores;
  for (const auto& [label, p] : prediction.scores) {
    scores.push_back(json::object{{"label", label}, {"p", std::round(p * 1e4) / 1e4}});
  }
  const std::string classification =
      http::ToJsonText(json::object{{"label", prediction.label},
                                    {"confidence", std::round(prediction.confidence * 1e4) / 1e4},
                                    {"scores", scores},
                                    {"model_version", classifier->second}});
  json::object analysis_obj = ToJson(analysis);
  analysis_obj["action_model"] = action_model->second;
  ApplyLlm(llm_, scope.org_id, doc.sha256, pages, analysis_obj);  // optional LLM (llm_hook.h)
  const std::string analysis_json = http::ToJsonText(analysis_obj);

  bool indexed = false;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    indexed = false;
    SIGNX_ASSIGN_OR_RETURN(Document d, LoadDocument(txn, scope, doc.id, true));
    if (d.status != "analysing") return Status::Ok();  // deleted or finished by another run
    SIGNX_RETURN_IF_ERROR(DeleteDerived(txn, d.id));
    std::vector<storage::Params> page_rows;
    for (std::size_t p = 0; p < pages.pages.size(); ++p) {
      const bool ocr = std::find(extracted->ocr_pages.begin(), extracted->ocr_pages.end(),
                                 static_cast<int>(p + 1)) != extracted->ocr_pages.end();
      page_rows.push_back({d.id, scope.org_id, static_cast<int64_t>(p + 1), pages.pages[p], ocr});
    }
    SIGNX_RETURN_IF_ERROR(InsertRows(
        txn, "INSERT INTO document_pages (document_id, org_id, page, text, ocr)", 5, page_rows));
    std::vector<storage::Params> chunk_rows;
    for (const Chunk& c : chunks) {
      chunk_rows.push_back({d.id, scope.org_id, c.seq, c.page,
                            c.heading.empty() ? storage::Param() : storage::Param(c.heading),
                            c.text, c.start, c.end});
    }
    SIGNX_RETURN_IF_ERROR(InsertRows(txn,
                                     "INSERT INTO document_chunks (document_id, org_id, seq, page, "
                                     "heading, text, start_offset, end_offset)",
                                     8, chunk_rows));
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO document_analyses (document_id, org_id, analysis, classification, "
                 "created_at) VALUES ($1, $2, $3, $4, $5)",
                 {d.id, scope.org_id, storage::Json{analysis_json}, storage::Json{classification},
                  clock_.Now()})
            .status());
    const std::string previous = d.status;
    d.status = "ready";
    d.failure_reason.reset();
    if (d.doc_type_source != "user") {
      d.doc_type = prediction.label;
      d.doc_type_confidence = prediction.confidence;
      d.doc_type_source = "model";
      d.model_version = classifier->second;
    }
    d.language = analysis.language;
    d.page_count = extracted->page_count;
    d.ocr_pages = static_cast<int64_t>(extracted->ocr_pages.size());
    d.document_date = analysis.document_date;
    d.updated_at = clock_.Now();
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("UPDATE documents SET status = $1, failure_reason = NULL, doc_type = $2, "
                 "doc_type_confidence = $3, doc_type_source = $4, model_version = $5, language = "
                 "$6, page_count = $7, ocr_pages = $8, document_date = $9, updated_at = $10 WHERE "
                 "id = $11 AND org_id = $12",
                 {d.status, d.doc_type, d.doc_type_confidence, d.doc_type_source, d.model_version,
                  d.language, d.page_count, d.ocr_pages, d.document_date, d.updated_at, d.id,
                  scope.org_id})
            .status());
    indexed = true;
    return AppendStatusEvent(outbox_, txn, d, previous, static_cast<int64_t>(chunks.size()));
  }));
  outbox_.Notify();
  if (indexed && indexer_ != nullptr) indexer_->Indexed(scope, doc.id);
  return Status::Ok();
}

Result<std::pair<std::shared_ptr<const Classifier>, std::string>> DocumentService::ClassifierFor(
    const std::string& org_id) {
  SIGNX_ASSIGN_OR_RETURN(auto version, models_.Effective(org_id, std::string(kClassifierModel)));
  std::lock_guard lock(mu_);
  if (version) {
    const std::string key = version->org_id + "/" + version->version;
    if (auto it = classifiers_.find(key); it != classifiers_.end()) {
      return std::make_pair(it->second, version->version);
    }
    SIGNX_ASSIGN_OR_RETURN(std::string bytes, models_.ReadBytes(*version));
    SIGNX_ASSIGN_OR_RETURN(Classifier c, Classifier::Deserialize(bytes));
    auto shared = std::make_shared<const Classifier>(std::move(c));
    classifiers_[key] = shared;
    return std::make_pair(shared, version->version);
  }
  if (!builtin_) {
    SIGNX_ASSIGN_OR_RETURN(Classifier c, Classifier::Train(SeedCorpus(options_.seed_per_type, 18)));
    builtin_ = std::make_shared<const Classifier>(std::move(c));
  }
  return std::make_pair(builtin_, std::string("seed-builtin"));
}

Result<TrainReport> DocumentService::Train(const ml::Owner& owner, const std::string& created_by,
                                           bool promote) {
  std::vector<LabeledText> examples = SeedCorpus(options_.seed_per_type, 18);
  TrainReport report;
  report.seed_examples = static_cast<int>(examples.size());
  constexpr int kCorrectionWeight = 5;
  if (!owner.is_platform()) {
    // The org's latest classification correction per document, with the document's text.
    SIGNX_ASSIGN_OR_RETURN(
        auto rs, store_.Query("SELECT f.document_id, f.correction FROM document_feedback f WHERE "
                              "f.org_id = $1 AND f.target = 'classification' AND f.correction IS "
                              "NOT NULL ORDER BY f.id",
                              {owner.org_id()}));
    std::map<std::string, std::string> latest;
    for (const auto& r : rs.rows) {
      boost::system::error_code ec;
      json::value c = json::parse(r.Text(1), ec);
      if (ec || !c.is_object()) continue;
      const json::value* t = c.as_object().if_contains("doc_type");
      if (t && t->is_string() && IsDocType(t->as_string())) latest[r.Text(0)] = t->as_string();
    }
    for (const auto& [doc_id, label] : latest) {
      SIGNX_ASSIGN_OR_RETURN(
          auto pages, store_.Query("SELECT text FROM document_pages WHERE document_id = $1 AND "
                                   "org_id = $2 ORDER BY page",
                                   {doc_id, owner.org_id()}));
      std::vector<std::string> texts;
      for (const auto& p : pages.rows) texts.push_back(p.Text(0));
      const std::string text = JoinedText(texts, 20000);
      if (Trim(text).empty()) continue;
      for (int i = 0; i < kCorrectionWeight; ++i) examples.push_back({text, label});
      ++report.corrections;
    }
  }
  SIGNX_ASSIGN_OR_RETURN(Classifier model, Classifier::Train(examples));
  report.cv_accuracy = CrossValidatedAccuracy(examples, 5, 7);
  const std::string bytes = model.Serialize();
  const std::string version = "nb-" + Sha256Hex(bytes).substr(0, 12);
  json::array labels;
  for (const auto& l : model.labels()) labels.push_back(json::value(l));
  const json::object card{
      {"name", std::string(kClassifierModel)},
      {"kind", "multinomial naive Bayes over hashed word unigrams, bigrams and title words"},
      {"labels", labels},
      {"training_data",
       json::object{
           {"seed_documents", report.seed_examples},
           {"seed_source",
            "synthetic: generated from hand-written templates and phrase pools "
            "(src/documents/seed_corpus.cc); not customer documents"},
           {"corrections", report.corrections},
           {"correction_source", owner.is_platform()
                                     ? "none: the platform model never learns from an org's data"
                                     : "classification corrections of this org's users (feedback)"},
           {"correction_weight", kCorrectionWeight}}},
      {"evaluation",
       json::object{{"cv_accuracy_5fold",
                     report.cv_accuracy ? json::value(*report.cv_accuracy) : json::value(nullptr)},
                    {"note",
                     "5-fold cross-validation on the training mix; the seed part is "
                     "synthetic, so this overstates accuracy on real documents"}}},
      {"trained_at", FormatRfc3339(clock_.Now())}};
  SIGNX_ASSIGN_OR_RETURN(report.version,
                         models_.Register(owner, std::string(kClassifierModel), version, bytes,
                                          http::ToJsonText(card), created_by));
  if (promote) {
    SIGNX_ASSIGN_OR_RETURN(report.version,
                           models_.Promote(owner, std::string(kClassifierModel), version));
    report.promoted = true;
  }
  return report;
}

Result<std::pair<std::shared_ptr<const ActionModel>, std::string>> DocumentService::ActionModelFor(
    const std::string& org_id) {
  SIGNX_ASSIGN_OR_RETURN(auto version, models_.Effective(org_id, std::string(kActionModelName)));
  if (!version) return std::make_pair(std::shared_ptr<const ActionModel>(), std::string("rules"));
  std::lock_guard lock(mu_);
  const std::string key = version->org_id + "/" + version->version;
  if (auto it = action_models_.find(key); it != action_models_.end()) {
    return std::make_pair(it->second, version->version);
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, models_.ReadBytes(*version));
  SIGNX_ASSIGN_OR_RETURN(ActionModel m, ActionModel::Deserialize(bytes));
  auto shared = std::make_shared<const ActionModel>(std::move(m));
  action_models_[key] = shared;
  return std::make_pair(shared, version->version);
}

Result<ml::ModelVersion> DocumentService::TrainActionModel(
    const ml::Owner& owner, const std::vector<ActionModel::Labeled>& data,
    const std::string& source, const std::string& created_by, bool promote) {
  SIGNX_ASSIGN_OR_RETURN(ActionModel model, ActionModel::Train(data));
  const std::string bytes = model.Serialize();
  const std::string version = "lr-" + Sha256Hex(bytes).substr(0, 12);
  const auto yes = std::count_if(data.begin(), data.end(), [](const auto& x) { return x.yes; });
  const json::object card{
      {"name", std::string(kActionModelName)},
      {"kind",
       "logistic regression (SGD) over hashed word unigrams, bigrams, the first word, "
       "'?' and the rule score"},
      {"training_data", json::object{{"source", source},
                                     {"sentences", static_cast<int64_t>(data.size())},
                                     {"yes", static_cast<int64_t>(yes)}}},
      {"threshold", model.threshold()},
      {"evaluation", json::object{{"cv_f1_5fold", model.cv_f1()},
                                  {"note",
                                   "5-fold cross-validation on the training sentences; "
                                   "the threshold is the best F1 there"}}},
      {"trained_at", FormatRfc3339(clock_.Now())}};
  SIGNX_ASSIGN_OR_RETURN(ml::ModelVersion v,
                         models_.Register(owner, std::string(kActionModelName), version, bytes,
                                          http::ToJsonText(card), created_by));
  if (promote) {
    SIGNX_ASSIGN_OR_RETURN(v, models_.Promote(owner, std::string(kActionModelName), version));
  }
  return v;
}

void RegisterDocumentJobs(jobs::Queue& queue, DocumentService& service) {
  queue.RegisterHandler(
      std::string(kProcessJob),
      [&service](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        auto payload = json::parse(ctx.payload(), ec);
        if (ec || !payload.is_object() || !payload.as_object().contains("document_id") ||
            !payload.as_object().at("document_id").is_string()) {
          return InvalidArgument("documents.process payload needs {\"document_id\": \"doc_...\"}");
        }
        if (!ctx.org_id()) return InvalidArgument("documents.process needs the job's org_id");
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        const std::string id(payload.as_object().at("document_id").as_string());
        SIGNX_RETURN_IF_ERROR(service.Process(scope, id, ctx.attempt(), ctx.job().max_attempts));
        auto doc = service.Get(scope, id);
        if (doc.ok()) {
          ctx.SetResult(
              http::ToJsonText(json::object{{"document_id", id},
                                            {"status", doc->status},
                                            {"failure_reason", OptJson(doc->failure_reason)}}));
        }
        return Status::Ok();
      },
      {.max_concurrency = 2});
  queue.RegisterHandler(std::string(kRetrainJob), [&service](jobs::JobContext& ctx) -> Status {
    if (!ctx.org_id()) return InvalidArgument("documents.retrain needs the job's org_id");
    boost::system::error_code ec;
    const json::value payload = json::parse(ctx.payload(), ec);
    if (!ec && payload.is_object() && payload.as_object().contains("what") &&
        payload.as_object().at("what") == "action_items") {
      SIGNX_ASSIGN_OR_RETURN(auto v, service.RetrainActionModel(*ctx.org_id(), "job:" + ctx.id()));
      ctx.SetResult(http::ToJsonText(json::object{
          {"model", std::string(kActionModelName)},
          {"version", v ? json::value(v->version) : json::value(nullptr)},
          {"note", v ? "fine-tuned on the org's action-item feedback"
                     : "no platform action model to fine-tune, or no usable feedback"}}));
      return Status::Ok();
    }
    SIGNX_ASSIGN_OR_RETURN(TrainReport r,
                           service.Train(ml::Owner::Org(*ctx.org_id()), "job:" + ctx.id(), true));
    ctx.SetResult(http::ToJsonText(json::object{
        {"version", r.version.version}, {"corrections", r.corrections}, {"promoted", r.promoted}}));
    return Status::Ok();
  });
}

}  // namespace signx::documents
