// Job-queue round trips: enqueue (one transaction per job) → claim → complete, with 1 and 4
// claimers, on SQLite and on PostgreSQL (when SIGNX_TEST_POSTGRES_URL is set; bench/jobs.sh
// starts a durable server). Each iteration enqueues a batch of 200 jobs from one thread while the
// claimers drain the queue; items/s = jobs completed per second of wall time.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "jobs/queue.h"
#include "storage/testing/test_stores.h"

namespace signx::jobs {
namespace {

using storage::testing::Backend;
constexpr int kBatch = 200;

void RoundTrip(benchmark::State& state, Backend backend) {
  const int claimers = static_cast<int>(state.range(0));
  auto db = storage::testing::MigratedDatabase(backend, /*pool_size=*/claimers + 2);
  if (!db->skip_reason().empty()) {
    state.SkipWithError(db->skip_reason().c_str());
    return;
  }
  Queue queue(db->store());
  for (auto _ : state) {
    std::atomic<int> done{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < claimers; ++w) {
      workers.emplace_back([&, w] {
        const std::string owner = "bench-" + std::to_string(w);
        while (done.load() < kBatch) {
          auto job = queue.Claim(owner, {"bench.noop"});
          if (!job.ok() || !job->has_value()) {
            // Idle back-off, as jobs::Worker does (its first idle sleep is 20 ms; 1 ms here so
            // the measurement is not dominated by sleeping).
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
          }
          if (queue.Complete(**job, std::nullopt).ok()) done.fetch_add(1);
        }
      });
    }
    for (int i = 0; i < kBatch; ++i) {
      Status st = db->store().WithTxn(
          [&](storage::Txn& t) { return queue.Enqueue(t, {.type = "bench.noop"}).status(); });
      if (!st.ok()) state.SkipWithError(std::string(st.message()).c_str());
    }
    for (auto& t : workers) t.join();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

BENCHMARK_CAPTURE(RoundTrip, sqlite, Backend::kSqlite)->Arg(1)->Arg(4)->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RoundTrip, postgres, Backend::kPostgres)->Arg(1)->Arg(4)->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace signx::jobs

BENCHMARK_MAIN();
