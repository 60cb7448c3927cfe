// The documents JSON API (/v1/documents) with its OpenAPI schemas:
//
//   POST   /v1/documents                 upload (the body is the file; ?filename=&project_id=)
//   GET    /v1/documents                 list (?status=&doc_type=&project_id=, keyset pages)
//   GET    /v1/documents/{id}            one document with its status
//   GET    /v1/documents/{id}/file       the uploaded file (as an attachment)
//   GET    /v1/documents/{id}/text       pages and chunks (?redact=true masks personal data)
//   GET    /v1/documents/{id}/analysis   summaries, action items, decisions, risks, entities, type
//   GET    /v1/documents/{id}/feedback   feedback given on the document
//   POST   /v1/documents/{id}/feedback   thumbs / corrections on any output
//   DELETE /v1/documents/{id}            the document, its blob reference, pages, chunks, analysis
//   GET    /v1/documents/search          full-text search with filters and snippets (search.h)
//   POST   /v1/documents/ask             an extractive answer with citations
//
// Thread-safety: handlers are thread-safe (DocumentService is).
#pragma once

#include "documents/search.h"
#include "documents/service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::documents {

// The uploaded bytes as a download: the sniffed media type, `attachment` with an ASCII-safe file
// name, nosniff and a sandboxing CSP (an uploaded HTML file never runs in SignX's origin).
http::Response FileResponse(const Document& doc, std::string bytes);

void AddDocumentRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       DocumentService& service);

// GET /v1/documents/search (?q=&type=&project_id=&owner=&from=&to=&limit=&cursor=) and
// POST /v1/documents/ask ({question, project_id?, type?}); search_routes.cc.
void AddSearchRoutes(http::Router& router, http::SchemaRegistry& schemas, DocumentSearch& search);
// The search filters of a request's query (type, project_id, owner, from, to); bad values are
// added to `bad`.
Result<SearchFilters> ReadSearchFilters(const http::Request& req, std::vector<FieldError>& bad);
boost::json::object ToJson(const AskResponse& a);

}  // namespace signx::documents
