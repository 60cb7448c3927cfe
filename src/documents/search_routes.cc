// GET /v1/documents/search and POST /v1/documents/ask (search.h).
#include <boost/json.hpp>

#include "documents/classifier.h"
#include "documents/routes.h"
#include "documents/search.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/scope.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::string_view kSearchSchema = R"j({"type": "object", "properties": {
  "ranking": {"type": "string", "description": "hybrid:<version>: the top 50 BM25 hits re-ordered by the learned re-ranker (model registry search-reranker); bm25: no re-ranker registered, or the org's LSA vectors are still being built; database: the fallback"},
  "source": {"type": "string", "enum": ["index", "database"], "description": "database: the org's search index is missing or corrupt and is being rebuilt (documents.reindex); the hits come from a term match over the stored chunks"},
  "items": {"type": "array", "items": {"type": "object", "properties": {
    "document_id": {"type": "string"}, "title": {"type": "string", "description": "the file name"},
    "page": {"type": "integer"}, "chunk": {"type": "integer", "description": "the chunk's seq (GET /v1/documents/{id}/text)"},
    "score": {"type": "number"},
    "snippet": {"type": "string", "description": "HTML-escaped text, matches in <mark>…</mark>"}}}},
  "next_cursor": {"type": ["string", "null"]}}})j";

constexpr std::string_view kAskInputSchema = R"j({"type": "object", "additionalProperties": false,
  "required": ["question"], "properties": {
  "question": {"type": "string", "minLength": 1, "maxLength": 1000},
  "project_id": {"type": "string"}, "type": {"type": "string"}}})j";

constexpr std::string_view kAskSchema = R"j({"type": "object", "properties": {
  "found": {"type": "boolean"},
  "answer": {"type": "string", "description": "sentences quoted from the documents, or \"No answer found in the documents.\""},
  "citations": {"type": "array", "items": {"type": "object", "properties": {
    "document_id": {"type": "string"}, "title": {"type": "string"}, "page": {"type": "integer"},
    "start": {"type": "integer", "description": "offset in the page's text (GET /v1/documents/{id}/text)"},
    "end": {"type": "integer"}, "text": {"type": "string"}}}},
  "source": {"type": "string", "enum": ["index", "database"]}}})j";

bool ValidCursor(std::string_view c) {
  if (c.empty() || c.size() > 9) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

}  // namespace

Result<SearchFilters> ReadSearchFilters(const Request& req, std::vector<FieldError>& bad) {
  SearchFilters f;
  if (auto t = req.Query("type"); t && !t->empty()) {
    if (!IsDocType(*t)) {
      bad.push_back({"type",
                     "must be contract, proposal, rfp, change_order, permit, invoice, "
                     "meeting_notes, email, drawing_spec or other"});
    } else {
      f.doc_type = std::string(*t);
    }
  }
  if (auto p = req.Query("project_id"); p && !p->empty()) f.project_id = std::string(*p);
  if (auto o = req.Query("owner"); o && !o->empty()) f.owner = std::string(*o);
  for (const char* key : {"from", "to"}) {
    if (auto d = req.Query(key); d && !d->empty()) {
      if (!DayToUnix(*d)) {
        bad.push_back({key, "must be a date YYYY-MM-DD"});
      } else {
        (std::string_view(key) == "from" ? f.from : f.to) = std::string(*d);
      }
    }
  }
  return f;
}

json::object ToJson(const SearchHit& h) {
  return json::object{{"document_id", h.document_id},
                      {"title", h.title},
                      {"page", h.page},
                      {"chunk", h.chunk},
                      {"score", std::round(h.score * 1e4) / 1e4},
                      {"snippet", h.snippet}};
}

json::object ToJson(const AskResponse& a) {
  json::array cites;
  for (const auto& c : a.citations) {
    cites.push_back(json::object{{"document_id", c.document_id},
                                 {"title", c.title},
                                 {"page", c.page},
                                 {"start", c.start},
                                 {"end", c.end},
                                 {"text", c.text}});
  }
  return json::object{
      {"found", a.found}, {"answer", a.answer}, {"citations", cites}, {"source", a.source}};
}

void AddSearchRoutes(http::Router& router, http::SchemaRegistry& schemas, DocumentSearch& search) {
  schemas.Add("DocumentSearchResult", kSearchSchema);
  schemas.Add("DocumentAskInput", kAskInputSchema);
  schemas.Add("DocumentAnswer", kAskSchema);

  router.Add(
      "GET", "/v1/documents/search",
      {.summary = "Full-text search over the org's document chunks",
       .description =
           "BM25 over the chunks of the org's ready documents (file name and heading weighted "
           "above the text), with filters and highlighted snippets. When the org's index is "
           "missing or corrupt, the answer comes from the database (source \"database\") and "
           "documents.reindex rebuilds the index. The cursor is an offset.",
       .tags = {"documents"},
       .permission = "documents:read",
       .response_schema = "DocumentSearchResult",
       .query_params =
           [] {
             std::vector<http::ParamDoc> p = {
                 {.name = "q", .description = "the query (required, 1..500 characters)"},
                 {.name = "type", .description = "only documents of this type"},
                 {.name = "project_id", .description = "only this project's documents"},
                 {.name = "owner", .description = "only documents uploaded by this user id"},
                 {.name = "from", .description = "document date (else upload day) >= YYYY-MM-DD"},
                 {.name = "to", .description = "document date (else upload day) <= YYYY-MM-DD"}};
             for (auto& x : http::PageParams({.default_limit = 10, .max_limit = 50})) {
               p.push_back(std::move(x));
             }
             return p;
           }()},
      http::Handle([&search](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        std::vector<FieldError> bad;
        const http::PageQuery page =
            http::ReadPageQuery(req, bad, {.default_limit = 10, .max_limit = 50}, ValidCursor);
        SearchRequest sr;
        sr.limit = page.limit;
        if (!page.cursor.empty() && ValidCursor(page.cursor)) sr.offset = std::stoul(page.cursor);
        auto q = req.Query("q");
        if (!q || q->empty()) {
          bad.push_back({"q", "is required"});
        } else if (q->size() > 500) {
          bad.push_back({"q", "must be at most 500 characters"});
        } else {
          sr.q = std::string(*q);
        }
        SIGNX_ASSIGN_OR_RETURN(sr.filters, ReadSearchFilters(req, bad));
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(SearchResponse out, search.Search(scope, sr));
        json::array items;
        items.reserve(out.hits.size());
        for (const auto& h : out.hits) items.push_back(ToJson(h));
        // The list shape of http::ListResponse plus source and ranking, serialised once.
        json::object body;
        body["items"] = std::move(items);
        body["next_cursor"] =
            out.next_offset ? json::value(std::to_string(*out.next_offset)) : json::value(nullptr);
        body["source"] = out.source;
        body["ranking"] = out.ranking;
        return http::JsonResponse(200, body);
      }));

  router.Add(
      "POST", "/v1/documents/ask",
      {.summary = "An extractive answer with citations from the org's documents",
       .description =
           "Retrieves the question's top chunks and quotes the one or two sentences that share "
           "the most (IDF-weighted) query terms, each cited with its document, page and offsets "
           "in the page text. found=false with \"No answer found in the documents.\" when no "
           "sentence shares a query term.",
       .tags = {"documents"},
       .permission = "documents:read",
       .max_body_bytes = 16 * 1024,
       .request_schema = "DocumentAskInput",
       .response_schema = "DocumentAnswer"},
      http::Handle([&search](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        std::vector<FieldError> bad;
        std::string question;
        SearchFilters f;
        const json::value* qv = body.if_contains("question");
        if (qv == nullptr || !qv->is_string() || qv->as_string().empty()) {
          bad.push_back({"question", "is required (a non-empty string)"});
        } else if (qv->as_string().size() > 1000) {
          bad.push_back({"question", "must be at most 1000 characters"});
        } else {
          question = std::string(qv->as_string());
        }
        if (const json::value* p = body.if_contains("project_id"); p && !p->is_null()) {
          if (!p->is_string()) {
            bad.push_back({"project_id", "must be a string"});
          } else if (!p->as_string().empty()) {
            f.project_id = std::string(p->as_string());
          }
        }
        if (const json::value* t = body.if_contains("type"); t && !t->is_null()) {
          if (!t->is_string() || !IsDocType(t->as_string())) {
            bad.push_back({"type", "must be a document type (contract, rfp, …)"});
          } else {
            f.doc_type = std::string(t->as_string());
          }
        }
        if (!bad.empty()) return ValidationFailed(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(AskResponse a, search.Ask(scope, question, f));
        return http::JsonResponse(200, ToJson(a));
      }));
}

}  // namespace signx::documents
