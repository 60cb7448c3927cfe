// Multi-document view of a project (issue 18 item 5): every open action item and every risk of the
// project's ready documents, each with its document and page.
//
//   GET /v1/projects/{id}/documents/summary   (documents:read; 404 for a project of another org)
//
// "Open" = not marked done: the latest action_items feedback with {"done": true} on an item closes
// it (the document page's checklist writes that feedback). Risks are ordered high → low severity,
// action items by due date (undated last). At most 500 documents are read (`truncated` says so).
//
// Thread-safety: as DocumentService.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "documents/service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::documents {

// {project_id, document_count, truncated, action_items: [...], risks: [...]}.
Result<boost::json::object> ProjectDocumentsSummary(DocumentService& svc, const Scope& scope,
                                                    const std::string& project_id);

void AddProjectSummaryRoute(http::Router& router, http::SchemaRegistry& schemas,
                            DocumentService& svc);

}  // namespace signx::documents
