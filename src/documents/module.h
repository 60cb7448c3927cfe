// DocumentsModule: the documents capability (issue 18) behind capability/capability.h — upload,
// extraction, offline analysis, classification, feedback, the /v1/documents routes and the
// /documents pages. Search and Q&A are src/search's.
//
//   jobs    documents.process (one uploaded document: extract → analyse → ready | failed),
//           documents.retrain (an org's classifier after a classification correction)
//
// Thread-safety: see capability/capability.h.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::documents {

std::unique_ptr<capability::Capability> OpenDocumentsModule(const capability::Deps& deps);

}  // namespace signx::documents
