// `signx train cost --data <history.ndjson> [--seed N] [--out bundle] [--register [--promote]]`:
// trains the cost model (estimating/cost_model.h) from the NDJSON cost history written by
// `signx demo generate` (or an import export in the same shape), writes the model bundle and
// prints the model card summary; --register stores it in the model registry under "cost"
// (staging), --promote makes it production (running servers switch within their poll interval).
// Adds to an existing "train" subcommand when main() already created one.
// Thread-safety: registers callbacks on a CLI::App; call once from main before parsing.
#pragma once

#include <CLI/CLI.hpp>

namespace signx {

// Failures print the error and set *exit_code (2 invalid input, 1 otherwise).
void AddTrainCostCommand(CLI::App& app, int* exit_code);

}  // namespace signx
