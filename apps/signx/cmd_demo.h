// `signx demo ...` subcommands: demo data for the estimating capability.
//   signx demo generate --projects N --seed S [--format ndjson|csv|keyedin-csv] [--out FILE]
//                       [--first-year Y] [--last-year Y] [--summary]
// Writes the seeded synthetic cost history (estimating/generator.h) to FILE or stdout; --summary
// prints per-sign-type cost statistics and the shop-estimate MAPE to stderr.
// Thread-safety: registers callbacks on a CLI::App; call once from main before parsing.
#pragma once

#include <CLI/CLI.hpp>

namespace signx {

// Adds the `demo` subcommand tree to `app`. Failures exit through CLI::RuntimeError (code 1 for
// I/O errors, 2 for invalid options), which CLI11_PARSE turns into the process exit code.
void AddDemoCommands(CLI::App& app);

}  // namespace signx
