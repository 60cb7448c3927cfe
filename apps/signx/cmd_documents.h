// `signx train documents` (the document-type classifier: synthetic seed corpus + an org's
// corrections, registered in the model registry with its card) and `signx bench documents`
// (action-item F1 on email-intent, summary ROUGE and span recall on QMSum, ingest pages/hour).
#pragma once

#include <CLI/CLI.hpp>

namespace signx {

void AddDocumentsCommands(CLI::App& app, int* exit_code);

}  // namespace signx
