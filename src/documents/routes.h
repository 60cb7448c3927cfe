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
//
// Thread-safety: handlers are thread-safe (DocumentService is).
#pragma once

#include "documents/service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::documents {

// The uploaded bytes as a download: the sniffed media type, `attachment` with an ASCII-safe file
// name, nosniff and a sandboxing CSP (an uploaded HTML file never runs in SignX's origin).
http::Response FileResponse(const Document& doc, std::string bytes);

void AddDocumentRoutes(http::Router& router, http::SchemaRegistry& schemas,
                       DocumentService& service);

}  // namespace signx::documents
