// signx: the one SignX binary. Subcommands:
//   serve        serve the JSON API, operational endpoints and web UI
//   config show  print the effective configuration (secrets redacted)
//   version      print version and build information
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "app/app.h"
#include "base/strings.h"
#include "build_info.h"
#include "config/config.h"
#include "logging/logging.h"

namespace {

using signx::Result;

signx::http::BuildInfo Build() {
  return {SIGNX_VERSION, SIGNX_GIT_SHA, SIGNX_COMPILER, SIGNX_BUILD_TYPE};
}

// Options every subcommand shares: where configuration comes from.
struct ConfigFlags {
  std::string file;
  std::vector<std::string> sets;  // "key=value"
  std::vector<std::pair<std::string, std::string>> extra;  // from subcommand flags

  Result<signx::config::Loaded> Load() const {
    signx::config::LoadOptions o;
    o.file = file;
    for (const auto& s : sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos) {
        return signx::ValidationFailed({{"--set", "'" + s + "' must look like key=value"}});
      }
      o.flags.emplace_back(s.substr(0, eq), s.substr(eq + 1));
    }
    for (const auto& kv : extra) o.flags.push_back(kv);
    return signx::config::Load(o);
  }
};

void AddConfigFlags(CLI::App* cmd, ConfigFlags& flags) {
  cmd->add_option("--config", flags.file, "JSON configuration file")->check(CLI::ExistingFile);
  cmd->add_option("--set", flags.sets, "override a setting: --set server.port=9000 (repeatable)");
}

int PrintConfigError(const signx::Status& st) {
  std::fprintf(stderr, "signx: %s\n", std::string(st.message()).c_str());
  for (const auto& d : st.details()) {
    std::fprintf(stderr, "  %s: %s\n", d.field.c_str(), d.message.c_str());
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"SignX — the operating system of a custom-sign manufacturer"};
  app.require_subcommand(1);
  int exit_code = 0;
  ConfigFlags flags;

  auto* version = app.add_subcommand("version", "print version and build information");
  version->callback([] {
    std::printf("signx %s (git %s, %s, %s)\n", SIGNX_VERSION, SIGNX_GIT_SHA, SIGNX_COMPILER,
                SIGNX_BUILD_TYPE);
  });

  auto* config_cmd = app.add_subcommand("config", "inspect configuration");
  config_cmd->require_subcommand(1);
  auto* show = config_cmd->add_subcommand("show", "print the effective configuration");
  AddConfigFlags(show, flags);
  std::string format = "json";
  show->add_option("--format", format, "json (loadable with --config) or table (with sources)")
      ->check(CLI::IsMember({"json", "table"}));
  show->callback([&] {
    auto loaded = flags.Load();
    if (!loaded.ok()) {
      exit_code = PrintConfigError(loaded.status());
      return;
    }
    const std::string out = format == "table" ? signx::config::ToTable(*loaded)
                                              : signx::config::ToJson(loaded->config);
    std::fputs(out.c_str(), stdout);
  });

  auto* serve = app.add_subcommand("serve", "serve the API and operational endpoints");
  AddConfigFlags(serve, flags);
  std::string host;
  int port = -1;
  serve->add_option("--host", host, "listen address (server.host)");
  serve->add_option("--port", port, "listen port (server.port)");
  serve->callback([&] {
    if (!host.empty()) flags.extra.emplace_back("server.host", host);
    if (port >= 0) flags.extra.emplace_back("server.port", std::to_string(port));
    auto loaded = flags.Load();
    if (!loaded.ok()) {
      exit_code = PrintConfigError(loaded.status());
      return;
    }
    if (auto st = signx::logging::InitLogging(loaded->config.log); !st.ok()) {
      exit_code = PrintConfigError(st);
      return;
    }
    signx::app::App server(loaded->config, Build());
    if (auto st = server.Start(); !st.ok()) {
      std::fprintf(stderr, "signx: %s\n", st.ToString().c_str());
      exit_code = 1;
      return;
    }
    server.Wait();
  });

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
