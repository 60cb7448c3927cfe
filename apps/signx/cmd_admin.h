// `signx admin create-org | create-user | create-api-key`: bootstrap tenants, users and machine
// keys directly in the database (no server needed). Every command writes an audit row with the
// actor "system:cli". create-api-key prints the key once; only its hash is stored.
// Each command takes --config/--set like the others, and --migrate to apply pending schema
// migrations first (otherwise a database that is behind is refused).
#pragma once

#include <CLI/CLI.hpp>

namespace signx::cli {
void AddAdminCommands(CLI::App& app, int* exit_code);
}
