#include "storage/migrations.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "base/check.h"
#include "base/sha256.h"

namespace signx::storage {
namespace {

constexpr int64_t kAdvisoryLockKey = 0x5349474E58;  // "SIGNX"

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS signx_schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

Status LockAndEnsureTable(Txn& txn) {
  if (txn.dialect() == Dialect::kPostgres) {
    SIGNX_RETURN_IF_ERROR(txn.Query("SELECT pg_advisory_xact_lock($1)", {kAdvisoryLockKey}).status());
  }
  return txn.ExecScript(kCreateTable);
}

struct Applied {
  std::string name, checksum;
  Timestamp at;
};

Result<std::map<int, Applied>> ReadApplied(Txn& txn) {
  SIGNX_ASSIGN_OR_RETURN(
      ResultSet rs,
      txn.Query("SELECT version, name, checksum, applied_at FROM signx_schema_migrations"));
  std::map<int, Applied> out;
  for (const Row& r : rs.rows) {
    out[static_cast<int>(r.Int(0))] = {r.Text(1), r.Text(2), r.Time(3)};
  }
  return out;
}

}  // namespace

std::vector<Migration> MigrationsFor(Dialect dialect) {
  std::vector<Migration> out;
  for (const EmbeddedFile& f : EmbeddedMigrationFiles()) {
    if (DialectName(dialect) != f.dialect) continue;
    const std::string_view name = f.name;
    int version = 0;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
    SIGNX_CHECK(ec == std::errc() && p - name.data() == 4 && *p == '_' && version > 0,
                fmt::format("migration file name must be NNNN_name.sql: {}", name));
    out.push_back({version, std::string(name), f.sql, Sha256Hex(f.sql)});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    SIGNX_CHECK(out[i].version != out[i - 1].version,
                fmt::format("two migrations share version {}", out[i].version));
  }
  return out;
}

Result<std::vector<MigrationState>> MigrationStatus(Store& store,
                                                    const std::vector<Migration>& migrations) {
  std::map<int, Applied> applied;
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](Txn& txn) -> Status {
    SIGNX_RETURN_IF_ERROR(LockAndEnsureTable(txn));
    SIGNX_ASSIGN_OR_RETURN(applied, ReadApplied(txn));
    return Status::Ok();
  }));
  std::vector<MigrationState> out;
  for (const Migration& m : migrations) {
    MigrationState s{.version = m.version, .name = m.name};
    if (auto it = applied.find(m.version); it != applied.end()) {
      s.applied = true;
      s.applied_at = it->second.at;
      s.changed = it->second.checksum != m.checksum;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<std::string>> MigrateUp(Store& store, const std::vector<Migration>& migrations,
                                           const Clock& clock) {
  std::vector<std::string> done;
  for (const Migration& m : migrations) {
    bool ran = false;
    SIGNX_RETURN_IF_ERROR(store.WithTxn(
        [&](Txn& txn) -> Status {
          ran = false;
          SIGNX_RETURN_IF_ERROR(LockAndEnsureTable(txn));
          SIGNX_ASSIGN_OR_RETURN(auto applied, ReadApplied(txn));
          if (auto it = applied.find(m.version); it != applied.end()) {
            if (it->second.checksum != m.checksum) {
              return Status(ErrorCode::kDataLoss,
                            fmt::format("migration {} changed after it was applied (checksum {} "
                                        "in the database, {} now); never edit an applied "
                                        "migration: restore it and add a new one",
                                        m.name, it->second.checksum.substr(0, 12),
                                        m.checksum.substr(0, 12)));
            }
            return Status::Ok();  // applied already (perhaps by another replica)
          }
          if (Status st = txn.ExecScript(m.sql); !st.ok()) {
            return Status(st.code(), fmt::format("migration {} failed: {}", m.name, st.message()));
          }
          SIGNX_RETURN_IF_ERROR(
              txn.Exec("INSERT INTO signx_schema_migrations (version, name, checksum, applied_at) "
                       "VALUES ($1, $2, $3, $4)",
                       {m.version, m.name, m.checksum, clock.Now()})
                  .status());
          ran = true;
          return Status::Ok();
        },
        {.max_attempts = 3}));
    if (ran) done.push_back(m.name);
  }
  return done;
}

Status CheckSchemaCurrent(Store& store, const std::vector<Migration>& migrations) {
  SIGNX_ASSIGN_OR_RETURN(auto states, MigrationStatus(store, migrations));
  int pending = 0;
  for (const auto& s : states) {
    if (s.changed) {
      return Status(ErrorCode::kDataLoss,
                    fmt::format("migration {} changed after it was applied", s.name));
    }
    if (!s.applied) ++pending;
  }
  if (pending > 0) {
    return Status(ErrorCode::kFailedPrecondition,
                  fmt::format("the database schema is {} migration(s) behind this binary; run "
                              "`signx migrate up` (or start with `signx serve --migrate`)",
                              pending));
  }
  return Status::Ok();
}

}  // namespace signx::storage
