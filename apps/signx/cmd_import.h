// `signx import cost-records <file> --org <org_id> [--format csv|ndjson|keyedin-csv] [--partial]
//  [--filename NAME]`: imports a shop's cost history into an org (estimating/importer.h), the same
// path as POST /v1/imports — validated row by row in one transaction, all-or-nothing unless
// --partial, and a file already imported (same SHA-256) is reported instead of imported twice.
// Prints the import report as JSON on stdout; exit 0 when the import completed, 2 when it was
// rejected or the input is invalid, 1 on other errors.
// Thread-safety: registers callbacks on a CLI::App; call once from main before parsing.
#pragma once

#include <CLI/CLI.hpp>

namespace signx::cli {

void AddImportCommands(CLI::App& app, int* exit_code);

}  // namespace signx::cli
