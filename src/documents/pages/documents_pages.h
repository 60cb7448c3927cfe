// The Documents pages of the web UI (registered by DocumentsModule::AddPages):
//
//   GET  /documents                  the org's documents (filters: status, type, project;
//                                    paginated) and the upload form            (documents:read)
//   POST /documents                  upload a file (multipart)                 (documents:write)
//   GET  /documents/{id}             status with live progress (htmx polling every second while
//                                    processing), type, summary tabs, action-item checklist with
//                                    owner, due date and (when the LLM contributed any item) each
//                                    item's source, decisions, risks, entities, the text
//                                                                              (documents:read)
//   GET  /documents/{id}/file        the uploaded file (attachment)          (documents:read)
//   POST /documents/{id}/feedback    thumbs / type correction                  (documents:write)
//   POST /documents/{id}/delete      delete the document                       (documents:write)
//
//   GET  /documents/search           search with filters and highlighted snippets (?q=&type=&
//                                    project_id=&from=&to=&cursor=) and the ask box (?question=)
//                                    with the cited answer                    (documents:read)
//
// A project's document list is /documents?project_id=<id>.
// Pages call DocumentService, never SQL. Thread-safety: register during start-up; handlers are
// thread-safe.
#pragma once

#include <vector>

#include "documents/search.h"
#include "documents/service.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::documents {

const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

// `search` (may be null) adds /documents/search.
void AddDocumentPages(web::Shell& shell, DocumentService& service,
                      DocumentSearch* search = nullptr);

// Views, exposed for the template tests.
web::View DocumentListView(const Page<Document>& page, const ListOptions& filters, bool can_upload);
// `feedback` (may be empty): the latest action_items feedback with {"done": true|false} marks an
// item of the checklist done or open again.
web::View DocumentView(const Document& doc, const StoredAnalysis* analysis,
                       const DocumentText* text, std::string_view summary_tab, bool can_write,
                       const std::vector<Feedback>& feedback = {});

// The search page: `search` / `ask` are null when nothing was searched / asked; `error` is shown.
web::View DocumentSearchView(const SearchRequest& request, const SearchResponse* search,
                             const std::string& question, const AskResponse* ask,
                             const std::string& error);

}  // namespace signx::documents
