// `signx lake query "<SQL>" [--format table|json|csv] [--max-rows N]` and `signx lake datasets`:
// DuckDB SQL over the analytics lake under <data_dir>/lake/ (every dataset is a view named after
// it, with integer `year` and `month` partition columns). Read-only tooling for operators.
#pragma once

#include <CLI/CLI.hpp>

namespace signx::cli {
void AddLakeCommands(CLI::App& app, int* exit_code);
}
