// Schema migrations: migrations/{sqlite,postgres}/NNNN_name.sql, compiled into the binary.
//
// Each file is applied in its own transaction, in version order, and recorded in
// signx_schema_migrations with its SHA-256. A file that changed after it was applied stops the
// run (kDataLoss naming the file): fix forward with a new migration instead. On PostgreSQL every
// migration transaction first takes an advisory lock, so replicas migrating at the same time apply
// each file exactly once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/sha256.h"
#include "storage/store.h"

namespace signx::storage {

struct EmbeddedFile {
  const char* dialect;  // "sqlite" or "postgres"
  const char* name;     // "0001_blobs"
  const char* sql;
};
// Every file under migrations/, generated at build time.
const std::vector<EmbeddedFile>& EmbeddedMigrationFiles();

struct Migration {
  int version = 0;        // NNNN
  std::string name;       // "0001_blobs"
  std::string sql;
  std::string checksum;   // hex SHA-256 of sql
};

// The migrations for `dialect`, sorted by version. SIGNX_CHECKs that names are NNNN_name and
// versions unique (a build-time property of the repository).
std::vector<Migration> MigrationsFor(Dialect dialect);

struct MigrationState {
  int version = 0;
  std::string name;
  bool applied = false;
  std::optional<Timestamp> applied_at;
  bool changed = false;  // applied, but the file's checksum differs now
};

// Every known migration and whether it is applied.
Result<std::vector<MigrationState>> MigrationStatus(Store& store,
                                                    const std::vector<Migration>& migrations);

// Applies the pending migrations; returns the names applied (empty when up to date).
Result<std::vector<std::string>> MigrateUp(Store& store, const std::vector<Migration>& migrations,
                                           const Clock& clock = SystemClock::Get());

// OK when every migration is applied and unchanged; otherwise kFailedPrecondition telling the
// user how many are pending and to run `signx migrate up` (or serve --migrate).
Status CheckSchemaCurrent(Store& store, const std::vector<Migration>& migrations);

}  // namespace signx::storage
