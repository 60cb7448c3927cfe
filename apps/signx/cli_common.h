// Shared by the signx subcommands: configuration flags and error printing.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "config/config.h"

namespace signx::cli {

// Options every subcommand shares: where configuration comes from.
struct ConfigFlags {
  std::string file;
  std::vector<std::string> sets;                           // "key=value"
  std::vector<std::pair<std::string, std::string>> extra;  // from subcommand flags

  // Defaults → --config file → SIGNX_* environment → --set/extra flags, validated.
  Result<config::Loaded> Load() const;
};

// Adds --config and --set to `cmd`.
void AddConfigFlags(CLI::App* cmd, ConfigFlags& flags);

// Prints a Status (with its field details) to stderr; returns the process exit code to use:
// 2 for invalid input/config, 1 otherwise.
int PrintError(const Status& st);

// Loads the config and initialises logging; on failure prints the error, sets *exit_code and
// returns nullopt.
std::optional<config::Config> LoadConfigAndLogging(const ConfigFlags& flags, int* exit_code);

// The subcommand `name` of `parent`, added (requiring one subcommand of its own) if it is not
// there yet: command groups several files add to (`train`, `leads`, `bench`).
CLI::App* FindOrAddGroup(CLI::App& parent, const std::string& name, const std::string& help);

}  // namespace signx::cli
