#include "documents/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>

#include "base/id.h"
#include "base/strings.h"
#include "documents/pii.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/scope.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::string_view kDocumentSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "doc_<ulid>"},
  "project_id": {"type": ["string", "null"]}, "filename": {"type": "string"},
  "media_type": {"type": "string", "description": "sniffed from the content"},
  "size_bytes": {"type": "integer"}, "sha256": {"type": "string"},
  "status": {"type": "string", "enum": ["queued", "extracting", "analysing", "ready", "failed"]},
  "failure_reason": {"type": ["string", "null"]},
  "doc_type": {"type": ["string", "null"], "enum": ["contract", "proposal", "rfp", "change_order", "permit", "invoice", "meeting_notes", "email", "drawing_spec", "other", null]},
  "doc_type_confidence": {"type": ["number", "null"]},
  "doc_type_source": {"type": ["string", "null"], "enum": ["model", "user", null]},
  "model_version": {"type": ["string", "null"]}, "language": {"type": ["string", "null"]},
  "page_count": {"type": ["integer", "null"]}, "ocr_pages": {"type": ["integer", "null"]},
  "document_date": {"type": ["string", "null"], "format": "date"},
  "job_id": {"type": ["string", "null"]}, "uploaded_by": {"type": ["string", "null"]},
  "duplicate": {"type": "boolean", "description": "upload only: the org already had these bytes"},
  "created_at": {"type": "string", "format": "date-time"},
  "updated_at": {"type": "string", "format": "date-time"}}})j";

constexpr std::string_view kTextSchema = R"j({"type": "object", "properties": {
  "document_id": {"type": "string"}, "redacted": {"type": "boolean"},
  "pages": {"type": "array", "items": {"type": "object", "properties": {
    "page": {"type": "integer"}, "text": {"type": "string"}, "ocr": {"type": "boolean"}}}},
  "chunks": {"type": "array", "items": {"type": "object", "description": "text = pages[page].text[start, end)", "properties": {
    "seq": {"type": "integer"}, "page": {"type": "integer"}, "heading": {"type": ["string", "null"]},
    "text": {"type": "string"}, "start": {"type": "integer"}, "end": {"type": "integer"}}}}}})j";

constexpr std::string_view kAnalysisSchema = R"j({"type": "object", "properties": {
  "document_id": {"type": "string"},
  "classification": {"type": "object", "properties": {"label": {"type": "string"}, "confidence": {"type": "number"},
    "scores": {"type": "array", "items": {"type": "object", "properties": {"label": {"type": "string"}, "p": {"type": "number"}}}},
    "model_version": {"type": "string"}}},
  "doc_type": {"type": ["string", "null"]}, "doc_type_source": {"type": ["string", "null"]},
  "document_date": {"type": "string", "format": "date"}, "document_date_source": {"type": "string", "enum": ["text", "upload"]},
  "language": {"type": "string"}, "sentence_count": {"type": "integer"},
  "summaries": {"type": "object", "description": "short, medium, detailed: {source: offline|llm, text, sentences: [{text, page}]}; source llm (the optional LLM, docs/documents.md) adds model, tier, cached and offline: {text, sentences}; an offline summary the LLM failed to improve adds llm_outcome and reason"},
  "action_items": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"},
    "owner": {"type": ["string", "null"]}, "due": {"type": ["string", "null"], "format": "date"},
    "due_text": {"type": ["string", "null"]}, "page": {"type": ["integer", "null"]}, "score": {"type": "number"},
    "source": {"type": "string", "enum": ["offline", "llm"]}}}},
  "action_items_llm": {"type": "object", "description": "present when the optional LLM was asked for action items: outcome, and model, tier, cached, llm_items, offline_items_kept when it answered, else reason (the offline items stand)"},
  "decisions": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"}, "page": {"type": "integer"}}}},
  "risks": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"},
    "severity": {"type": "string", "enum": ["high", "medium", "low"]}, "cues": {"type": "array", "items": {"type": "string"}}, "page": {"type": "integer"}}}},
  "entities": {"type": "array", "items": {"type": "object", "properties": {"kind": {"type": "string",
    "enum": ["person", "company", "amount", "date", "address", "email", "phone"]}, "text": {"type": "string"},
    "value": {"type": "string", "description": "amounts in cents, dates YYYY-MM-DD"}, "count": {"type": "integer"}, "page": {"type": "integer"}}}}}})j";

constexpr std::string_view kFeedbackInputSchema =
    R"j({"type": "object", "additionalProperties": false,
  "required": ["target"], "properties": {
  "target": {"type": "string", "enum": ["classification", "summary.short", "summary.medium", "summary.detailed", "action_items", "decisions", "risks", "entities", "text"]},
  "item_index": {"type": "integer", "minimum": 0, "description": "which item of a list output"},
  "rating": {"type": "string", "enum": ["up", "down"]},
  "correction": {"type": "object", "description": "classification: {\"doc_type\": \"invoice\"}; others: free-form (e.g. {\"owner\": \"Dana\", \"due\": \"2026-12-15\"})"}}})j";

constexpr std::string_view kFeedbackSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string"}, "document_id": {"type": "string"}, "target": {"type": "string"},
  "item_index": {"type": ["integer", "null"]}, "rating": {"type": ["string", "null"], "enum": ["up", "down", null]},
  "correction": {"type": ["object", "null"]}, "created_by": {"type": ["string", "null"]},
  "created_at": {"type": "string", "format": "date-time"}}})j";

bool Contains(std::span<const std::string_view> set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace

http::Response FileResponse(const Document& doc, std::string bytes) {
  std::string name;
  for (char c : doc.filename) {
    const bool safe =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    name += safe ? c : '_';
    if (name.size() >= 100) break;
  }
  if (name.empty() || name.find_first_not_of("._") == std::string::npos) name = doc.id;
  http::Response r;
  r.status = 200;
  r.body = std::move(bytes);
  r.content_type = doc.media_type;
  r.headers.Set("Content-Disposition", "attachment; filename=\"" + name + "\"");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.headers.Set("Content-Security-Policy", "sandbox; default-src 'none'");
  r.headers.Set("Cache-Control", "private, no-store");
  r.headers.Set("ETag", "\"" + doc.sha256 + "\"");
  return r;
}

void AddDocumentRoutes(http::Router& router, http::SchemaRegistry& schemas, DocumentService& svc) {
  schemas.Add("Document", kDocumentSchema);
  schemas.Add("DocumentList", http::ListSchema("Document"));
  schemas.Add("DocumentText", kTextSchema);
  schemas.Add("DocumentAnalysis", kAnalysisSchema);
  schemas.Add("DocumentFeedbackInput", kFeedbackInputSchema);
  schemas.Add("DocumentFeedback", kFeedbackSchema);
  schemas.Add("DocumentFeedbackList", http::ListSchema("DocumentFeedback"));

  router.Add(
      "POST", "/v1/documents",
      {.summary = "Upload a document (PDF, DOCX, TXT, Markdown, HTML, PNG, JPEG, TIFF)",
       .description =
           "The body is the file (at most 50 MB; 413 above). Its type is sniffed from the bytes: "
           "an unsupported type, or a Content-Type / filename extension that contradicts the "
           "content, is refused with 415 naming what was found. The same bytes uploaded again "
           "to the same org return the existing document (200, duplicate=true). Otherwise 202: "
           "the document is queued for the documents.process job; follow its status with GET "
           "or the documents.document_status_changed events.",
       .tags = {"documents"},
       .permission = "documents:write",
       .max_body_bytes = kMaxUploadBytes,
       .response_schema = "Document",
       .success_status = 202,
       .query_params =
           {{.name = "filename",
             .description =
                 "the original file name (recorded; the type is never taken from it alone)"},
            {.name = "project_id", .description = "the project the document belongs to"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        UploadInput in;
        in.bytes = req.body;
        if (auto f = req.Query("filename")) in.filename = std::string(*f);
        if (auto ct = req.Header("Content-Type")) in.content_type = std::string(*ct);
        if (auto p = req.Query("project_id"); p && !p->empty()) in.project_id = std::string(*p);
        SIGNX_ASSIGN_OR_RETURN(UploadResult out, svc.Upload(scope, in));
        json::object body = ToJson(out.document);
        body["duplicate"] = out.duplicate;
        Response r = http::JsonResponse(out.duplicate ? 200 : 202, body);
        r.headers.Set("Location", "/v1/documents/" + out.document.id);
        return r;
      }));

  router.Add(
      "GET", "/v1/documents",
      {.summary = "List the org's documents, newest first",
       .tags = {"documents"},
       .permission = "documents:read",
       .response_schema = "DocumentList",
       .query_params =
           [] {
             auto p = http::PageParams();
             p.push_back({.name = "status",
                          .description = "queued, extracting, analysing, ready or failed"});
             p.push_back({.name = "doc_type",
                          .description = "contract, proposal, rfp, change_order, permit, invoice, "
                                         "meeting_notes, email, drawing_spec or other"});
             p.push_back({.name = "project_id", .description = "only this project's documents"});
             return p;
           }()},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        std::vector<FieldError> bad;
        const http::PageQuery page = http::ReadPageQuery(req, bad, {}, http::IdCursor("doc"));
        ListOptions o{.limit = page.limit, .cursor = page.cursor};
        if (auto s = req.Query("status")) {
          if (!Contains(kStatuses, *s)) {
            bad.push_back({"status", "must be queued, extracting, analysing, ready or failed"});
          } else {
            o.status = std::string(*s);
          }
        }
        if (auto t = req.Query("doc_type")) {
          if (!IsDocType(*t)) {
            bad.push_back({"doc_type",
                           "must be contract, proposal, rfp, change_order, permit, "
                           "invoice, meeting_notes, email, drawing_spec or other"});
          } else {
            o.doc_type = std::string(*t);
          }
        }
        if (auto p = req.Query("project_id"); p && !p->empty()) o.project_id = std::string(*p);
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(auto result, svc.List(scope, o));
        json::array items;
        for (const auto& d : result.items) items.push_back(ToJson(d));
        return http::ListResponse(std::move(items), result.next_cursor);
      }));

  router.Add("GET", "/v1/documents/{id}",
             {.summary = "A document with its processing status",
              .tags = {"documents"},
              .permission = "documents:read",
              .response_schema = "Document"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto d, svc.Get(scope, req.PathParam("id")));
               return http::JsonResponse(200, ToJson(d));
             }));

  router.Add("GET", "/v1/documents/{id}/file",
             {.summary = "The uploaded file, as an attachment with its sniffed media type",
              .tags = {"documents"},
              .permission = "documents:read",
              .response_content_type = "application/octet-stream"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto file, svc.File(scope, req.PathParam("id")));
               return FileResponse(file.first, std::move(file.second));
             }));

  router.Add(
      "GET", "/v1/documents/{id}/text",
      {.summary = "The extracted text: pages and chunks (409 until the document is ready)",
       .description = "Chunks are page- and heading-aware; each chunk's text is its page's text "
                      "between start and end. With redact=true e-mail addresses, phone numbers, "
                      "SSNs, card numbers (Luhn) and street addresses are replaced by tags "
                      "(offsets then refer to the unredacted text).",
       .tags = {"documents"},
       .permission = "documents:read",
       .response_schema = "DocumentText",
       .query_params = {{.name = "redact",
                         .type = "boolean",
                         .description = "mask personal data"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        bool redact = false;
        if (auto r = req.Query("redact")) {
          auto b = ParseBool(*r);
          if (!b) return http::BadQuery({{"redact", "must be true or false"}});
          redact = *b;
        }
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(DocumentText t, svc.Text(scope, id));
        auto mask = [&](const std::string& s) { return redact ? Redact(s).text : s; };
        json::array pages, chunks;
        for (const auto& p : t.pages) {
          pages.push_back(json::object{{"page", p.page}, {"text", mask(p.text)}, {"ocr", p.ocr}});
        }
        for (const auto& c : t.chunks) {
          chunks.push_back(json::object{
              {"seq", c.seq},
              {"page", c.page},
              {"heading", c.heading.empty() ? json::value(nullptr) : json::value(mask(c.heading))},
              {"text", mask(c.text)},
              {"start", c.start},
              {"end", c.end}});
        }
        return http::JsonResponse(
            200,
            json::object{
                {"document_id", id}, {"redacted", redact}, {"pages", pages}, {"chunks", chunks}});
      }));

  router.Add(
      "GET", "/v1/documents/{id}/analysis",
      {.summary = "The offline analysis: type, summaries, action items, decisions, risks, entities",
       .description = "409 until the document is ready.",
       .tags = {"documents"},
       .permission = "documents:read",
       .response_schema = "DocumentAnalysis"},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(Document d, svc.Get(scope, id));
        SIGNX_ASSIGN_OR_RETURN(StoredAnalysis a, svc.Analysis(scope, id));
        json::object body = json::parse(a.analysis_json).as_object();
        body["document_id"] = id;
        body["classification"] = json::parse(a.classification_json);
        body["doc_type"] = d.doc_type ? json::value(*d.doc_type) : json::value(nullptr);
        body["doc_type_source"] =
            d.doc_type_source ? json::value(*d.doc_type_source) : json::value(nullptr);
        return http::JsonResponse(200, body);
      }));

  router.Add("GET", "/v1/documents/{id}/feedback",
             {.summary = "Feedback given on a document's outputs",
              .tags = {"documents"},
              .permission = "documents:read",
              .response_schema = "DocumentFeedbackList"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto list, svc.ListFeedback(scope, req.PathParam("id")));
               json::array items;
               for (const auto& f : list) items.push_back(ToJson(f));
               return http::ListResponse(std::move(items), "");
             }));

  router.Add(
      "POST", "/v1/documents/{id}/feedback",
      {.summary = "Thumbs up/down or a correction on any output of a document",
       .description = "A classification correction ({\"target\": \"classification\", "
                      "\"correction\": {\"doc_type\": \"invoice\"}}) sets the document's type and "
                      "queues documents.retrain, which retrains the org's classifier with it.",
       .tags = {"documents"},
       .permission = "documents:write",
       .max_body_bytes = 128 * 1024,
       .request_schema = "DocumentFeedbackInput",
       .response_schema = "DocumentFeedback",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(auto f, svc.AddFeedback(scope, req.PathParam("id"), body));
        return http::JsonResponse(201, ToJson(f));
      }));

  router.Add("DELETE", "/v1/documents/{id}",
             {.summary = "Delete a document with its blob reference, pages, chunks, analysis and "
                         "feedback",
              .tags = {"documents"},
              .permission = "documents:write",
              .success_status = 204},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_RETURN_IF_ERROR(svc.Delete(scope, req.PathParam("id")));
               return Response::NoContent();
             }));
}

}  // namespace signx::documents
