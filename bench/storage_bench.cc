// Storage throughput: single-row transactional inserts and point reads on SQLite and PostgreSQL.
// PostgreSQL runs only when SIGNX_TEST_POSTGRES_URL is set (bench/storage.sh starts a server).
// Settings are printed in the context (synchronous mode, pool size).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "base/id.h"
#include "storage/testing/test_stores.h"

namespace signx::storage {
namespace {

using testing::Backend;

// One database per backend for the whole run, shared by the benchmark threads.
testing::TestDatabase* Db(Backend b) {
  static std::mutex mu;
  static std::unique_ptr<testing::TestDatabase> dbs[2];
  std::lock_guard lock(mu);
  auto& db = dbs[static_cast<int>(b)];
  if (!db) {
    db = std::make_unique<testing::TestDatabase>(b, /*pool_size=*/8);
    if (db->skip_reason().empty()) {
      const bool pg = b == Backend::kPostgres;
      Status st = db->store().WithTxn([&](Txn& t) {
        return t.ExecScript(std::string("CREATE TABLE bench_items (id TEXT PRIMARY KEY, "
                                        "org_id TEXT NOT NULL, n BIGINT NOT NULL, doc ") +
                            (pg ? "JSONB" : "TEXT") + ", created_at BIGINT NOT NULL)");
      });
      if (!st.ok()) std::abort();
      // 10,000 rows to read from.
      st = db->store().WithTxn([](Txn& t) -> Status {
        for (int i = 0; i < 10000; ++i) {
          SIGNX_RETURN_IF_ERROR(t.Exec("INSERT INTO bench_items VALUES ($1, 'org_1', $2, $3, $4)",
                                       {"seed_" + std::to_string(i), i, Json{R"({"k":1})"},
                                        FromUnixMicros(i)})
                                    .status());
        }
        return Status::Ok();
      });
      if (!st.ok()) std::abort();
    }
  }
  return db.get();
}

void Insert(benchmark::State& state, Backend b) {
  auto* db = Db(b);
  if (!db->skip_reason().empty()) {
    state.SkipWithError(db->skip_reason().c_str());
    return;
  }
  for (auto _ : state) {
    Status st = db->store().WithTxn([](Txn& t) {
      return t.Exec("INSERT INTO bench_items VALUES ($1, 'org_1', 1, $2, $3)",
                    {NewId("itm"), Json{R"({"k":2})"}, FromUnixMicros(1)})
          .status();
    });
    if (!st.ok()) state.SkipWithError(std::string(st.message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void PointRead(benchmark::State& state, Backend b) {
  auto* db = Db(b);
  if (!db->skip_reason().empty()) {
    state.SkipWithError(db->skip_reason().c_str());
    return;
  }
  int i = static_cast<int>(state.thread_index()) * 997;
  for (auto _ : state) {
    auto rs = db->store().Query("SELECT id, n, doc, created_at FROM bench_items WHERE id = $1",
                                {"seed_" + std::to_string(i++ % 10000)});
    if (!rs.ok() || rs->rows.size() != 1) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(rs);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(Insert, sqlite, Backend::kSqlite)->UseRealTime()->Threads(1)->Threads(4);
BENCHMARK_CAPTURE(PointRead, sqlite, Backend::kSqlite)->UseRealTime()->Threads(1)->Threads(4);
BENCHMARK_CAPTURE(Insert, postgres, Backend::kPostgres)->UseRealTime()->Threads(1)->Threads(4);
BENCHMARK_CAPTURE(PointRead, postgres, Backend::kPostgres)->UseRealTime()->Threads(1)->Threads(4);

}  // namespace
}  // namespace signx::storage

int main(int argc, char** argv) {
  benchmark::AddCustomContext("sqlite", "WAL, synchronous=normal (default), pool 8");
  benchmark::AddCustomContext("postgres",
                              "throwaway 15 server from scripts/with-test-services.sh, pool 8");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
