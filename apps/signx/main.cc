// signx: the one SignX binary. Subcommands:
//   serve        serve the JSON API, operational endpoints and web UI
//   migrate      apply (up) or list (status) database schema migrations
//   worker       run background-job workers (no HTTP server)
//   admin        create orgs, users and API keys
//   import       import cost records (CSV, NDJSON, KeyedIn cost summary) into an org
//   lake         query the analytics lake (lake query "<SQL>", lake datasets)
//   train        leads: a lead-scoring model from a CRM export; cost: the sign cost model
//   demo         seed (demo org, users, API key, lead model) and generate (synthetic cost history)
//   leads        infer-schema for a new export; score leads from a JSON file with a bundle
//   config show  print the effective configuration (secrets redacted)
//   version      print version and build information
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "app/app.h"
#include "build_info.h"
#include "cli_common.h"
#include "cmd_bench_retrieval.h"
#include "cmd_admin.h"
#include "cmd_demo.h"
#include "cmd_demo_seed.h"
#include "cmd_documents.h"
#include "cmd_import.h"
#include "cmd_forecast.h"
#include "cmd_lake.h"
#include "cmd_leads.h"
#include "cmd_migrate.h"
#include "cmd_train_cost.h"
#include "cmd_worker.h"
#include "config/config.h"

namespace {

signx::http::BuildInfo Build() {
  return {SIGNX_VERSION, SIGNX_GIT_SHA, SIGNX_COMPILER, SIGNX_BUILD_TYPE};
}

}  // namespace

// jemalloc's compiled-in options (docs/adr/0005-jemalloc.md; MALLOC_CONF still overrides them):
// one arena instead of 4 per core, freed pages returned to the system after 0.5 s instead of
// 10 s, and no lazily-purged (muzzy) stage. A batch of 1,000 leads allocates and frees ~10 MB;
// with the defaults the freed pages stayed resident across arenas (issue 20: RSS under every load
// at most a third of the peer's). One arena instead of two: -4 to -7 MB of max RSS under the
// batch loads, CPU per lead unchanged (threads allocate from their own caches first).
extern "C" {
// NOLINTNEXTLINE: the name jemalloc looks up.
const char* malloc_conf = "narenas:1,dirty_decay_ms:500,muzzy_decay_ms:0";
}

int main(int argc, char** argv) {
  using namespace signx::cli;
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
      exit_code = PrintError(loaded.status());
      return;
    }
    const std::string out =
        format == "table" ? signx::config::ToTable(*loaded) : signx::config::ToJson(loaded->config);
    std::fputs(out.c_str(), stdout);
  });

  AddMigrateCommand(app, &exit_code);
  AddAdminCommands(app, &exit_code);
  AddLakeCommands(app, &exit_code);
  AddImportCommands(app, &exit_code);
  AddWorkerCommand(app, &exit_code);
  signx::AddLeadsCommands(app);
  signx::AddTrainCostCommand(app, &exit_code);
  signx::AddDocumentsCommands(app, &exit_code);
  signx::AddDemoCommands(app);
  AddDemoSeedCommand(app, &exit_code);
  signx::AddBenchRetrievalCommand(app, &exit_code);
  signx::AddForecastCommands(app, &exit_code);

  auto* serve = app.add_subcommand("serve", "serve the API and operational endpoints");
  AddConfigFlags(serve, flags);
  std::string host;
  int port = -1;
  bool migrate = false;
  serve->add_option("--host", host, "listen address (server.host)");
  serve->add_option("--port", port, "listen port (server.port)");
  serve->add_flag("--migrate", migrate,
                  "apply pending database migrations before serving (otherwise a database that "
                  "is behind stops the start)");
  serve->callback([&] {
    if (!host.empty()) flags.extra.emplace_back("server.host", host);
    if (port >= 0) flags.extra.emplace_back("server.port", std::to_string(port));
    auto cfg = LoadConfigAndLogging(flags, &exit_code);
    if (!cfg) return;
    signx::app::App server(std::move(*cfg), Build(), {.migrate = migrate});
    if (auto st = server.Start(); !st.ok()) {
      exit_code = PrintError(st);
      return;
    }
    server.Wait();
  });

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
