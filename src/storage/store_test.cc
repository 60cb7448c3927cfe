// Store conformance suite: every test runs on SQLite and on a real PostgreSQL server.
#include "storage/store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/migrations.h"
#include "storage/sqlite_store.h"
#include "storage/testing/test_stores.h"

namespace signx::storage {
namespace {

using testing::Backend;

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    const bool pg = store().dialect() == Dialect::kPostgres;
    ASSERT_TRUE(store()
                    .WithTxn([&](Txn& t) {
                      return t.ExecScript(fmt::format(
                          "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL, "
                          "price_cents BIGINT, ratio DOUBLE PRECISION, flag {}, at BIGINT, "
                          "doc {}, raw {}, CHECK (n >= 0))",
                          pg ? "BOOLEAN" : "INTEGER", pg ? "JSONB" : "TEXT",
                          pg ? "BYTEA" : "BLOB"));
                    })
                    .ok());
  }
  Store& store() { return db_->store(); }
  std::unique_ptr<testing::TestDatabase> db_;
};

TEST_P(StoreTest, TypedRoundTrip) {
  const Timestamp at = FromUnixMicros(1'790'000'000'123'456);
  const std::string raw("\x00\x01\xff\\x", 5);
  ASSERT_TRUE(store()
                  .WithTxn([&](Txn& t) {
                    return t
                        .Exec("INSERT INTO items (id, n, price_cents, ratio, flag, at, doc, raw) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                              {"itm_1", int64_t{9'007'199'254'740'993}, std::optional<int64_t>(),
                               0.1, true, at, Json{R"({"a": [1, 2]})"}, Bytes{raw}})
                        .status();
                  })
                  .ok());
  auto rs = store().Query(
      "SELECT id, n, price_cents, ratio, flag, at, doc, raw FROM items WHERE id = $1", {"itm_1"});
  ASSERT_TRUE(rs.ok()) << rs.status().message();
  ASSERT_EQ(rs->rows.size(), 1u);
  const Row& r = rs->rows[0];
  EXPECT_EQ(r.Text(0), "itm_1");
  EXPECT_EQ(r.Int(1), 9'007'199'254'740'993);
  EXPECT_TRUE(r.IsNull(2));
  EXPECT_EQ(r.OptInt(2), std::nullopt);
  EXPECT_DOUBLE_EQ(r.Double(3), 0.1);
  EXPECT_TRUE(r.Bool(4));
  EXPECT_EQ(r.Time(5), at);
  EXPECT_NE(r.Text(6).find("\"a\""), std::string::npos);
  EXPECT_EQ(r.Bytes(7), raw);
  EXPECT_EQ(r.Index("ratio"), 3u);
}

TEST_P(StoreTest, RollbackOnErrorAndCommitOnOk) {
  Status st = store().WithTxn([](Txn& t) -> Status {
    SIGNX_RETURN_IF_ERROR(t.Exec("INSERT INTO items (id, n) VALUES ('a', 1)", {}).status());
    return InvalidArgument("changed my mind");
  });
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  auto rs = store().Query("SELECT COUNT(*) FROM items");
  EXPECT_EQ(rs->rows[0].Int(0), 0);

  EXPECT_THROW(store().WithTxn([](Txn& t) -> Status {
    (void)t.Exec("INSERT INTO items (id, n) VALUES ('b', 1)", {});
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(store().Query("SELECT COUNT(*) FROM items")->rows[0].Int(0), 0);

  ASSERT_TRUE(store()
                  .WithTxn([](Txn& t) {
                    return t.Exec("INSERT INTO items (id, n) VALUES ($1, $2)", {"c", 2}).status();
                  })
                  .ok());
  EXPECT_EQ(store().Query("SELECT COUNT(*) FROM items")->rows[0].Int(0), 1);
}

TEST_P(StoreTest, ConstraintViolationsMapToConflictCodes) {
  auto insert = [&](const char* id, int n) {
    return store().WithTxn([&](Txn& t) {
      return t.Exec("INSERT INTO items (id, n) VALUES ($1, $2)", {id, n}).status();
    });
  };
  ASSERT_TRUE(insert("x", 1).ok());
  EXPECT_EQ(insert("x", 1).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(insert("y", -1).code(), ErrorCode::kConflict);
}

TEST_P(StoreTest, AffectedRowsAndReturning) {
  ASSERT_TRUE(store()
                  .WithTxn([](Txn& t) -> Status {
                    for (int i = 0; i < 5; ++i) {
                      SIGNX_RETURN_IF_ERROR(
                          t.Exec("INSERT INTO items (id, n) VALUES ($1, $2)",
                                 {"i" + std::to_string(i), i})
                              .status());
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto n = store().WithTxnResult<int64_t>(
      [](Txn& t) { return t.Exec("UPDATE items SET n = n + 10 WHERE n >= $1", {2}); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);
  auto row = store().WithTxnResult<std::optional<Row>>([](Txn& t) {
    return t.QueryOne("UPDATE items SET n = 100 WHERE id = $1 RETURNING id, n", {"i0"});
  });
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->Int(1), 100);
}

TEST_P(StoreTest, WrongParameterCountIsAnError) {
  auto rs = store().Query("SELECT id FROM items WHERE id = $1 AND n = $2", {"x"});
  EXPECT_FALSE(rs.ok());
}

TEST_P(StoreTest, ConcurrentIncrementsAreSerialised) {
  ASSERT_TRUE(store()
                  .WithTxn([](Txn& t) {
                    return t.Exec("INSERT INTO items (id, n) VALUES ('ctr', 0)", {}).status();
                  })
                  .ok());
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w) {
    ts.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Status st = store().WithTxn([](Txn& t) -> Status {
          SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT n FROM items WHERE id = 'ctr'"));
          return t.Exec("UPDATE items SET n = $1 WHERE id = 'ctr'", {row->Int(0) + 1}).status();
        }, {.serializable = true, .max_attempts = 50});
        if (!st.ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store().Query("SELECT n FROM items WHERE id = 'ctr'")->rows[0].Int(0), 100);
}

TEST_P(StoreTest, MigrationsApplyOnceAndReportStatus) {
  const auto migrations = MigrationsFor(store().dialect());
  ASSERT_FALSE(migrations.empty());
  auto first = MigrateUp(store(), migrations);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->size(), migrations.size());
  auto second = MigrateUp(store(), migrations);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->empty());
  EXPECT_TRUE(CheckSchemaCurrent(store(), migrations).ok());
  auto states = MigrationStatus(store(), migrations);
  ASSERT_TRUE(states.ok());
  for (const auto& s : *states) EXPECT_TRUE(s.applied) << s.name;
}

TEST_P(StoreTest, PendingAndChangedMigrationsAreRefused) {
  auto migrations = MigrationsFor(store().dialect());
  Migration extra{.version = 9999, .name = "9999_extra", .sql = "CREATE TABLE extra (x BIGINT)"};
  extra.checksum = Sha256Hex(extra.sql);
  ASSERT_TRUE(MigrateUp(store(), migrations).ok());
  auto with_extra = migrations;
  with_extra.push_back(extra);
  Status behind = CheckSchemaCurrent(store(), with_extra);
  EXPECT_EQ(behind.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(behind.message().find("signx migrate up"), std::string::npos);

  ASSERT_TRUE(MigrateUp(store(), with_extra).ok());
  with_extra.back().sql += " ";
  with_extra.back().checksum = Sha256Hex(with_extra.back().sql);
  auto r = MigrateUp(store(), with_extra);
  EXPECT_EQ(r.status().code(), ErrorCode::kDataLoss);
  EXPECT_NE(r.status().message().find("9999_extra"), std::string::npos);
}

TEST_P(StoreTest, FailedMigrationLeavesNothingBehind) {
  auto migrations = MigrationsFor(store().dialect());
  Migration bad{.version = 9998, .name = "9998_bad",
                .sql = "CREATE TABLE half (x BIGINT); THIS IS NOT SQL;"};
  bad.checksum = Sha256Hex(bad.sql);
  migrations.push_back(bad);
  auto r = MigrateUp(store(), migrations);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("9998_bad"), std::string::npos);
  // The table created before the error was rolled back with it.
  EXPECT_FALSE(store().Query("SELECT COUNT(*) FROM half").ok());
}

TEST_P(StoreTest, ConcurrentMigratorsApplyEachFileOnce) {
  const auto migrations = MigrationsFor(store().dialect());
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 3; ++i) stores.push_back(db_->OpenAnother());
  std::atomic<int> applied{0}, errors{0};
  std::vector<std::thread> ts;
  for (auto& s : stores) {
    ts.emplace_back([&, st = s.get()] {
      auto r = MigrateUp(*st, migrations);
      if (r.ok()) applied += static_cast<int>(r->size());
      else errors++;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(applied.load(), static_cast<int>(migrations.size()));
}

TEST_P(StoreTest, PingAndStats) {
  EXPECT_TRUE(store().Ping().ok());
  EXPECT_GT(store().Stats().transactions, 0);
}

// Callers that build a multi-row INSERT for a variable number of rows make a new SQL text per row
// count, and each text is prepared once per connection. PostgreSQL keeps every prepared statement
// of a session on the server until it is deallocated: the connection must not keep them all.
TEST_P(StoreTest, PreparedStatementsPerConnectionAreBounded) {
  if (store().dialect() != Dialect::kPostgres) GTEST_SKIP() << "server-side prepared statements";
  int64_t prepared = -1;
  ASSERT_TRUE(store()
                  .WithTxn([&](Txn& t) -> Status {
                    for (int k = 0; k < 600; ++k) {  // one connection: a transaction
                      SIGNX_RETURN_IF_ERROR(
                          t.Query(fmt::format("SELECT $1::bigint + {}", k), {int64_t{1}}).status());
                    }
                    SIGNX_ASSIGN_OR_RETURN(auto rs,
                                           t.Query("SELECT count(*) FROM pg_prepared_statements"));
                    prepared = rs.rows.at(0).Int(0);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_GT(prepared, 0);
  EXPECT_LE(prepared, 257);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(testing::AllBackends()),
                         [](const auto& info) { return testing::BackendName(info.param); });

TEST(Sqlite, PlaceholderRewriteSkipsLiterals) {
  EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $1, '$2', \"$3\", $10"),
            "SELECT ?1, '$2', \"$3\", ?10");
}

// The same on SQLite, where the prepared statements live in this process: a 300-row INSERT of 8
// columns holds ~0.4 MB once prepared, so a cache bounded only by count (256 per connection)
// held ~400 MB across the pool in issue 19's soak (the lead score log's 1..500-row upserts).
TEST(Sqlite, StatementCacheIsBoundedInMemory) {
  testing::TestDatabase db(Backend::kSqlite, /*pool_size=*/1);
  ASSERT_TRUE(db.skip_reason().empty()) << db.skip_reason();
  Store& store = db.store();
  ASSERT_TRUE(store
                  .WithTxn([](Txn& t) {
                    return t.ExecScript("CREATE TABLE wide (a, b, c, d, e, f, g, h)");
                  })
                  .ok());
  const sqlite3_int64 before = sqlite3_memory_used();
  for (int rows = 200; rows < 400; ++rows) {
    std::string sql = "INSERT INTO wide (a, b, c, d, e, f, g, h) VALUES ";
    Params params;
    for (int r = 0; r < rows; ++r) {
      const std::size_t p = params.size();
      sql += fmt::format("{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", r ? ", " : "", p + 1, p + 2,
                         p + 3, p + 4, p + 5, p + 6, p + 7, p + 8);
      for (int c = 0; c < 8; ++c) params.emplace_back(int64_t{r * 8 + c});
    }
    ASSERT_TRUE(store
                    .WithTxn([&](Txn& t) -> Status {
                      SIGNX_RETURN_IF_ERROR(t.Exec(sql, params).status());
                      return t.Exec("DELETE FROM wide").status();
                    })
                    .ok());
  }
  const sqlite3_int64 grown = sqlite3_memory_used() - before;
  EXPECT_LT(grown, 24 << 20) << "SQLite heap grew by " << grown << " bytes";
}

// TxnOptions::page_cache_kib: a larger page cache for one transaction, given back when it ends.
TEST(Sqlite, ATransactionCanHaveALargerPageCacheForItsDuration) {
  std::string dir = (std::filesystem::temp_directory_path() / "signx_txncache_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  config::DatabaseConfig c;
  c.url = "sqlite:///" + dir + "/cache.db";
  c.pool_size = 1;  // every transaction below runs on the same connection
  c.sqlite_cache_kib = 300;
  auto store = Store::Open(c);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto cache_size = [&](TxnOptions o) {
    int64_t kib = 0;
    o.read_only = true;
    EXPECT_TRUE((*store)
                    ->WithTxn(
                        [&](Txn& t) -> Status {
                          SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("PRAGMA cache_size"));
                          kib = row ? row->Int(0) : 0;
                          return Status::Ok();
                        },
                        o)
                    .ok());
    return kib;
  };
  EXPECT_EQ(cache_size({.page_cache_kib = 8192}), -8192);
  EXPECT_EQ(cache_size({}), -300) << "the configured size is set again after the transaction";
  EXPECT_EQ(cache_size({.page_cache_kib = 100}), -300) << "a smaller one is not taken";

  // The pages a large write kept in the bigger cache are freed when it ends.
  ASSERT_TRUE((*store)
                  ->WithTxn([](Txn& t) {
                    return t.Exec("CREATE TABLE big (k TEXT PRIMARY KEY, v TEXT)").status();
                  })
                  .ok());
  const sqlite3_int64 before = sqlite3_memory_used();
  sqlite3_int64 during = 0;
  ASSERT_TRUE((*store)
                  ->WithTxn(
                      [&](Txn& t) -> Status {
                        for (int i = 0; i < 6000; ++i) {
                          SIGNX_RETURN_IF_ERROR(
                              t.Exec("INSERT INTO big VALUES ($1, $2)",
                                     {fmt::format("{:08x}", (i * 2654435761u) & 0xffffffffu),
                                      std::string(1000, 'v')})
                                  .status());
                        }
                        during = sqlite3_memory_used();
                        return Status::Ok();
                      },
                      {.page_cache_kib = 16384})
                  .ok());
  const sqlite3_int64 after = sqlite3_memory_used();
  EXPECT_GT(during - before, 4 << 20) << "~6 MB of rows stayed in the transaction's cache";
  EXPECT_LT(after - before, 1 << 20) << "the configured 300 KiB cache after it";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// database.sqlite_cache_kib: every pooled connection's page cache (PRAGMA cache_size, negative =
// KiB); the pool's worst case is pool_size times it (docs/operations.md "Memory").
TEST(Sqlite, EveryPooledConnectionGetsTheConfiguredPageCache) {
  std::string dir = (std::filesystem::temp_directory_path() / "signx_cache_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  config::DatabaseConfig c;
  c.url = "sqlite:///" + dir + "/cache.db";
  c.pool_size = 2;
  c.sqlite_cache_kib = 300;
  auto store = Store::Open(c);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto cache_size = [](Txn& t, int64_t* out) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("PRAGMA cache_size"));
    *out = row ? row->Int(0) : 0;
    return Status::Ok();
  };
  // Both connections of the pool: the second is opened while the first is held.
  int64_t first = 0, second = 0;
  ASSERT_TRUE((*store)
                  ->WithTxn(
                      [&](Txn& outer) -> Status {
                        SIGNX_RETURN_IF_ERROR(cache_size(outer, &first));
                        Status inner;
                        std::thread other([&] {
                          inner = (*store)->WithTxn(
                              [&](Txn& t) { return cache_size(t, &second); }, {.read_only = true});
                        });
                        other.join();
                        return inner;
                      },
                      {.read_only = true})
                  .ok());
  EXPECT_EQ(first, -300);
  EXPECT_EQ(second, -300);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(Store, UnknownSchemeIsAnInvalidArgument) {
  config::DatabaseConfig c;
  c.url = "mysql://x";
  auto s = Store::Open(c);
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("database.url"), std::string::npos);
}

TEST(Store, UnreachablePostgresIsUnavailable) {
  config::DatabaseConfig c;
  c.url = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2";
  auto s = Store::Open(c);
  EXPECT_EQ(s.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace signx::storage
