#include "cmd_admin.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/strings.h"
#include "cache/memory_rate_limiter.h"
#include "cli_common.h"
#include "identity/crypto.h"
#include "identity/identity_service.h"
#include "storage/migrations.h"
#include "storage/store.h"

namespace signx::cli {
namespace {

// What one admin command needs: the store and an IdentityService on it.
struct AdminContext {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<cache::MemoryRateLimiter> limiter;
  std::unique_ptr<identity::IdentityService> service;
};

struct AdminFlags {
  ConfigFlags config;
  bool migrate = false;
};

std::optional<AdminContext> Open(const AdminFlags& flags, int* exit_code) {
  auto cfg = LoadConfigAndLogging(flags.config, exit_code);
  if (!cfg) return std::nullopt;
  AdminContext ctx;
  auto store = storage::Store::Open(cfg->database);
  if (!store.ok()) {
    *exit_code = PrintError(store.status());
    return std::nullopt;
  }
  ctx.store = std::move(store).value();
  const auto migrations = storage::MigrationsFor(ctx.store->dialect());
  if (flags.migrate) {
    auto applied = storage::MigrateUp(*ctx.store, migrations);
    if (!applied.ok()) {
      *exit_code = PrintError(applied.status());
      return std::nullopt;
    }
    for (const auto& name : *applied) std::fprintf(stderr, "applied migration %s\n", name.c_str());
  }
  if (Status st = storage::CheckSchemaCurrent(*ctx.store, migrations); !st.ok()) {
    *exit_code = PrintError(st);
    return std::nullopt;
  }
  ctx.limiter = std::make_unique<cache::MemoryRateLimiter>(SystemClock::Get());
  // The CLI never issues access tokens; a throwaway key keeps the service from warning about an
  // unconfigured key ring.
  identity::IdentitySettings settings;
  settings.jwt_keys = {{"cli", identity::RandomBytes(32).value()}};
  settings.jwt_active_kid = "cli";
  ctx.service =
      std::make_unique<identity::IdentityService>(*ctx.store, *ctx.limiter, std::move(settings));
  return ctx;
}

void AddCommonFlags(CLI::App* cmd, AdminFlags& flags) {
  AddConfigFlags(cmd, flags.config);
  cmd->add_flag("--migrate", flags.migrate, "apply pending schema migrations first");
}

}  // namespace

void AddAdminCommands(CLI::App& app, int* exit_code) {
  auto* admin = app.add_subcommand("admin", "bootstrap orgs, users and API keys");
  admin->require_subcommand(1);
  const identity::Actor actor = identity::Actor::System("cli");

  // create-org
  {
    auto flags = std::make_shared<AdminFlags>();
    auto name = std::make_shared<std::string>();
    auto* cmd = admin->add_subcommand("create-org", "create an org (tenant); prints its id");
    AddCommonFlags(cmd, *flags);
    cmd->add_option("--name", *name, "display name of the org")->required();
    cmd->callback([flags, name, exit_code, actor] {
      auto ctx = Open(*flags, exit_code);
      if (!ctx) return;
      auto org = ctx->service->CreateOrg(*name, actor);
      if (!org.ok()) {
        *exit_code = PrintError(org.status());
        return;
      }
      std::printf("%s\n", org->id.c_str());
      std::fprintf(stderr, "created org %s (%s)\n", org->id.c_str(), org->name.c_str());
    });
  }

  // create-user
  {
    struct Args {
      std::string org, email, password, role = "org_admin";
    };
    auto flags = std::make_shared<AdminFlags>();
    auto args = std::make_shared<Args>();
    auto* cmd = admin->add_subcommand("create-user", "create a user with a role in an org");
    AddCommonFlags(cmd, *flags);
    cmd->add_option("--org", args->org, "org id (org_...)")->required();
    cmd->add_option("--email", args->email, "login e-mail address")->required();
    cmd->add_option("--password", args->password,
                    "initial password (at least 8 characters); '-' reads one line from stdin")
        ->required();
    cmd->add_option("--role", args->role, "super_admin, org_admin, org_member or org_viewer")
        ->check(CLI::IsMember({"super_admin", "org_admin", "org_member", "org_viewer"}))
        ->capture_default_str();
    cmd->callback([flags, args, exit_code, actor] {
      std::string password = args->password;
      if (password == "-") {
        char buf[1100];
        password = std::fgets(buf, sizeof(buf), stdin) ? std::string(Trim(buf)) : "";
      }
      auto ctx = Open(*flags, exit_code);
      if (!ctx) return;
      auto user = ctx->service->CreateUser(args->org, args->email, password, args->role, actor);
      if (!user.ok()) {
        *exit_code = PrintError(user.status());
        return;
      }
      std::printf("%s\n", user->id.c_str());
      std::fprintf(stderr, "created user %s (%s) as %s in %s\n", user->id.c_str(),
                   user->email.c_str(), args->role.c_str(), args->org.c_str());
    });
  }

  // add-member: an existing user joins another org (same login, one membership per org)
  {
    struct Args {
      std::string org, email, role = "org_member";
    };
    auto flags = std::make_shared<AdminFlags>();
    auto args = std::make_shared<Args>();
    auto* cmd = admin->add_subcommand("add-member", "add an existing user to another org");
    AddCommonFlags(cmd, *flags);
    cmd->add_option("--org", args->org, "org id (org_...)")->required();
    cmd->add_option("--email", args->email, "the existing user's login e-mail")->required();
    cmd->add_option("--role", args->role, "super_admin, org_admin, org_member or org_viewer")
        ->check(CLI::IsMember({"super_admin", "org_admin", "org_member", "org_viewer"}))
        ->capture_default_str();
    cmd->callback([flags, args, exit_code, actor] {
      auto ctx = Open(*flags, exit_code);
      if (!ctx) return;
      auto m = ctx->service->AddMembership(args->org, args->email, args->role, actor);
      if (!m.ok()) {
        *exit_code = PrintError(m.status());
        return;
      }
      std::printf("%s\n", m->user.id.c_str());
      std::fprintf(stderr, "added %s as %s to %s\n", m->user.email.c_str(), args->role.c_str(),
                   args->org.c_str());
    });
  }

  // create-api-key
  {
    struct Args {
      std::string org, name, scopes, expires_at;
    };
    auto flags = std::make_shared<AdminFlags>();
    auto args = std::make_shared<Args>();
    auto* cmd = admin->add_subcommand("create-api-key",
                                      "create an API key for an org; prints the key once");
    AddCommonFlags(cmd, *flags);
    cmd->add_option("--org", args->org, "org id (org_...)")->required();
    cmd->add_option("--name", args->name, "what the key is for, e.g. 'crm sync'")->required();
    cmd->add_option("--scopes", args->scopes, "comma-separated permissions, e.g. leads:score")
        ->required();
    cmd->add_option("--expires-at", args->expires_at, "RFC 3339 expiry (default: never)");
    cmd->callback([flags, args, exit_code, actor] {
      std::vector<std::string> scopes;
      for (auto s : Split(args->scopes, ',')) {
        if (!Trim(s).empty()) scopes.emplace_back(Trim(s));
      }
      std::optional<Timestamp> expires;
      if (!args->expires_at.empty()) {
        auto t = ParseRfc3339(args->expires_at);
        if (!t.ok()) {
          *exit_code = PrintError(ValidationFailed({{"--expires-at", "must be RFC 3339"}}));
          return;
        }
        expires = *t;
      }
      auto ctx = Open(*flags, exit_code);
      if (!ctx) return;
      auto key = ctx->service->CreateApiKeyInOrg(args->org, args->name, scopes, expires, actor);
      if (!key.ok()) {
        *exit_code = PrintError(key.status());
        return;
      }
      std::printf("%s\n", key->key.c_str());
      std::fprintf(stderr,
                   "created API key %s (%s) in %s with scopes %s\n"
                   "the key above is shown only once: store it now (send it as X-API-Key)\n",
                   key->info.id.c_str(), key->info.name.c_str(), args->org.c_str(),
                   Join(key->info.scopes, ",").c_str());
    });
  }
}

}  // namespace signx::cli
