// `signx demo seed`: makes a fresh installation explorable (what `make run` calls). Idempotent:
// the first run migrates the database, creates the org "Demo Sign Co" with an admin and a viewer
// (random passwords), an API key, and — when the public X Education leads data is found — trains
// and promotes a lead-scoring model. It writes the credentials to <data_dir>/demo.env (mode 0600)
// and prints them; later runs only print them again.
#pragma once

#include <CLI/CLI.hpp>

namespace signx::cli {
void AddDemoSeedCommand(CLI::App& app, int* exit_code);
}
