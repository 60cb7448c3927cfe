#include "storage/testing/test_stores.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "base/check.h"
#include "storage/migrations.h"

namespace signx::storage::testing {
namespace {

std::string PostgresUrl() {
  const char* url = std::getenv("SIGNX_TEST_POSTGRES_URL");
  return url ? url : "";
}

std::string UniqueSuffix() {
  static std::atomic<int> n{0};
  std::random_device rd;
  return fmt::format("{}_{}_{:x}", getpid(), n.fetch_add(1), rd());
}

}  // namespace

std::vector<Backend> AllBackends() { return {Backend::kSqlite, Backend::kPostgres}; }

std::string BackendName(Backend b) { return b == Backend::kSqlite ? "Sqlite" : "Postgres"; }

TestDatabase::TestDatabase(Backend backend, int pool_size) : backend_(backend) {
  config_.pool_size = pool_size;
  config_.busy_timeout_ms = 10000;
  if (backend == Backend::kSqlite) {
    dir_ = std::filesystem::temp_directory_path() / ("signx_db_" + UniqueSuffix());
    std::filesystem::create_directories(dir_);
    config_.url = "sqlite:///" + (dir_ / "test.db").string();  // four slashes: absolute
  } else {
    const std::string base = PostgresUrl();
    if (base.empty()) {
      skip_reason_ = "SIGNX_TEST_POSTGRES_URL is not set; run via scripts/with-test-services.sh";
      return;
    }
    schema_ = "t_" + UniqueSuffix();
    config::DatabaseConfig admin = config_;
    admin.url = base;
    admin.pool_size = 1;
    auto s = Store::Open(admin);
    SIGNX_CHECK(s.ok(), std::string(s.status().message()));
    auto st = (*s)->WithTxn([&](Txn& t) { return t.ExecScript("CREATE SCHEMA " + schema_); });
    SIGNX_CHECK(st.ok(), std::string(st.message()));
    config_.url = base + (base.find('?') == std::string::npos ? "?" : "&") +
                  "options=-csearch_path%3D" + schema_;
  }
  auto s = Store::Open(config_);
  SIGNX_CHECK(s.ok(), std::string(s.status().message()));
  store_ = std::move(s).value();
}

TestDatabase::~TestDatabase() {
  store_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (!schema_.empty()) {
    config::DatabaseConfig admin = config_;
    admin.url = PostgresUrl();
    admin.pool_size = 1;
    if (auto s = Store::Open(admin); s.ok()) {
      (void)(*s)->WithTxn(
          [&](Txn& t) { return t.ExecScript("DROP SCHEMA " + schema_ + " CASCADE"); });
    }
  }
}

std::unique_ptr<Store> TestDatabase::OpenAnother() const {
  auto s = Store::Open(config_);
  SIGNX_CHECK(s.ok(), std::string(s.status().message()));
  return std::move(s).value();
}

std::unique_ptr<TestDatabase> MigratedDatabase(Backend backend, int pool_size) {
  auto db = std::make_unique<TestDatabase>(backend, pool_size);
  if (!db->skip_reason().empty()) return db;
  auto done = MigrateUp(db->store(), MigrationsFor(db->store().dialect()));
  SIGNX_CHECK(done.ok(), std::string(done.status().message()));
  return db;
}

}  // namespace signx::storage::testing
