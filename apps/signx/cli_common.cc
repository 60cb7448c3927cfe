#include "cli_common.h"

#include <cstdio>

#include "logging/logging.h"

namespace signx::cli {

Result<config::Loaded> ConfigFlags::Load() const {
  config::LoadOptions o;
  o.file = file;
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos) {
      return ValidationFailed({{"--set", "'" + s + "' must look like key=value"}});
    }
    o.flags.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  for (const auto& kv : extra) o.flags.push_back(kv);
  return config::Load(o);
}

void AddConfigFlags(CLI::App* cmd, ConfigFlags& flags) {
  cmd->add_option("--config", flags.file, "JSON configuration file")->check(CLI::ExistingFile);
  cmd->add_option("--set", flags.sets, "override a setting: --set server.port=9000 (repeatable)");
}

int PrintError(const Status& st) {
  std::fprintf(stderr, "signx: %s\n", std::string(st.message()).c_str());
  for (const auto& d : st.details()) {
    std::fprintf(stderr, "  %s: %s\n", d.field.c_str(), d.message.c_str());
  }
  const auto code = st.code();
  return code == ErrorCode::kInvalidArgument || code == ErrorCode::kValidationFailed ? 2 : 1;
}

std::optional<config::Config> LoadConfigAndLogging(const ConfigFlags& flags, int* exit_code) {
  auto loaded = flags.Load();
  if (!loaded.ok()) {
    *exit_code = PrintError(loaded.status());
    return std::nullopt;
  }
  if (auto st = logging::InitLogging(loaded->config.log); !st.ok()) {
    *exit_code = PrintError(st);
    return std::nullopt;
  }
  return std::move(loaded->config);
}

CLI::App* FindOrAddGroup(CLI::App& parent, const std::string& name, const std::string& help) {
  for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  CLI::App* sub = parent.add_subcommand(name, help);
  sub->require_subcommand(1);
  return sub;
}

}  // namespace signx::cli
