// `signx train leads`, `signx leads infer-schema` and `signx leads score`: the lead-scoring
// command-line entry points (training a model bundle from a CRM export, proposing a schema for a
// new export, scoring leads from a JSON file). Adds to existing "train"/"leads" subcommands when
// main() already created them. Errors are printed to stderr and end the program with a non-zero
// exit code through CLI11 (CLI::RuntimeError), so CLI11_PARSE returns it.
#pragma once

#include <CLI/CLI.hpp>

namespace signx {

void AddLeadsCommands(CLI::App& app);

}  // namespace signx
