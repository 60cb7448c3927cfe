// `signx bench m4` (the M4 protocol on SignX's forecasting) and `signx forecast` (any file in the
// M4 layout).
#pragma once

#include <CLI/CLI.hpp>

namespace signx {

void AddForecastCommands(CLI::App& app, int* exit_code);

}  // namespace signx
