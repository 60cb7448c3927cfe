#include "cmd_migrate.h"

#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "storage/migrations.h"
#include "storage/store.h"

namespace signx::cli {

void AddMigrateCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ConfigFlags>();
  auto* migrate = app.add_subcommand("migrate", "apply or list database schema migrations");
  migrate->require_subcommand(1);
  AddConfigFlags(migrate, *flags);

  auto open = [flags, exit_code]() -> std::unique_ptr<storage::Store> {
    auto cfg = LoadConfigAndLogging(*flags, exit_code);
    if (!cfg) return nullptr;
    auto store = storage::Store::Open(cfg->database);
    if (!store.ok()) {
      *exit_code = PrintError(store.status());
      return nullptr;
    }
    return std::move(store).value();
  };

  auto* up = migrate->add_subcommand("up", "apply every pending migration, in order");
  up->callback([open, exit_code] {
    auto store = open();
    if (!store) return;
    auto done = storage::MigrateUp(*store, storage::MigrationsFor(store->dialect()));
    if (!done.ok()) {
      *exit_code = PrintError(done.status());
      return;
    }
    for (const auto& name : *done) std::printf("applied %s\n", name.c_str());
    std::printf("%s schema is up to date (%zu migration(s) applied now)\n",
                std::string(storage::DialectName(store->dialect())).c_str(), done->size());
  });

  auto* status = migrate->add_subcommand("status", "list migrations and whether each is applied");
  status->callback([open, exit_code] {
    auto store = open();
    if (!store) return;
    auto states = storage::MigrationStatus(*store, storage::MigrationsFor(store->dialect()));
    if (!states.ok()) {
      *exit_code = PrintError(states.status());
      return;
    }
    int pending = 0;
    for (const auto& s : *states) {
      const char* state = s.changed ? "CHANGED" : s.applied ? "applied" : "pending";
      if (!s.applied) ++pending;
      std::printf("%-8s %-32s %s\n", state, s.name.c_str(),
                  s.applied_at ? FormatRfc3339(*s.applied_at).c_str() : "");
    }
    std::printf("%d pending\n", pending);
  });
}

}  // namespace signx::cli
