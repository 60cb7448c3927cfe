// `signx migrate up|status`: apply or list the embedded schema migrations.
#pragma once

#include <CLI/CLI.hpp>

namespace signx::cli {
void AddMigrateCommand(CLI::App& app, int* exit_code);
}
