// Backends for the storage conformance tests: a fresh SQLite file per test, and — when
// SIGNX_TEST_POSTGRES_URL is set (scripts/with-test-services.sh sets it) — a fresh PostgreSQL
// schema per test, dropped afterwards. Use with INSTANTIATE_TEST_SUITE_P(..., AllBackends()).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/store.h"

namespace signx::storage::testing {

enum class Backend { kSqlite, kPostgres };
std::vector<Backend> AllBackends();
std::string BackendName(Backend b);  // for test names

// Owns a throwaway database. Skip the test (GTEST_SKIP) when `skip_reason()` is non-empty.
class TestDatabase {
 public:
  explicit TestDatabase(Backend backend, int pool_size = 4);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& skip_reason() const { return skip_reason_; }
  // The config to open it again (e.g. from another process).
  const config::DatabaseConfig& config() const { return config_; }
  // A Store opened on it, migrated with every embedded migration when `migrate` was true.
  Store& store() { return *store_; }
  // Opens another Store on the same database.
  std::unique_ptr<Store> OpenAnother() const;

 private:
  Backend backend_;
  std::string skip_reason_;
  config::DatabaseConfig config_;
  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<Store> store_;
};

// Opens a database of `backend` and applies every embedded migration.
std::unique_ptr<TestDatabase> MigratedDatabase(Backend backend, int pool_size = 4);

}  // namespace signx::storage::testing
