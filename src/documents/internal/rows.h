// The documents row's column list and reader, and the delete of a document's derived rows —
// shared by service.cc and service_privacy.cc (internal to the module).
#pragma once

#include <string_view>

#include "base/status.h"
#include "documents/document.h"
#include "storage/store.h"

namespace signx::documents::internal {

inline constexpr std::string_view kCols =
    "SELECT id, org_id, project_id, filename, media_type, size_bytes, sha256, status, "
    "failure_reason, doc_type, doc_type_confidence, doc_type_source, model_version, language, "
    "page_count, ocr_pages, document_date, job_id, uploaded_by, created_at, updated_at "
    "FROM documents ";

// A row of kCols.
Document ReadDocument(const storage::Row& r);
// Deletes the document's pages, chunks and analysis.
Status DeleteDerived(storage::Txn& txn, std::string_view id);

}  // namespace signx::documents::internal
