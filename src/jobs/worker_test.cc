// Worker pool tests on SQLite and PostgreSQL. These use the real clock with short leases and
// backoffs; they wait for outcomes (with a generous cap) and never assert on timing.
#include "jobs/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "jobs/job_metrics.h"
#include "storage/testing/test_stores.h"

namespace signx::jobs {
namespace {

using namespace std::chrono_literals;
using storage::Txn;
using storage::testing::Backend;

// Polls `cond` every 5 ms for up to 60 s.
template <typename F>
bool WaitFor(F cond) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

class WorkerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam(), /*pool_size=*/10);
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    ASSERT_TRUE(store()
                    .WithTxn([](Txn& t) {
                      return t.ExecScript("CREATE TABLE effects (job_id TEXT PRIMARY KEY)");
                    })
                    .ok());
    queue_ = std::make_unique<Queue>(
        store(), SystemClock::Get(),
        QueueOptions{.lease = 2s, .backoff_base = 1ms, .backoff_max = 10ms});
  }

  WorkerOptions FastOptions(int threads = 2) {
    return {.threads = threads,
            .poll_min = 1ms,
            .poll_max = 20ms,
            .heartbeat = 20ms,
            .maintenance = 50ms,
            .stop_grace = 5s};
  }

  int64_t Count(std::string_view sql) { return store().Query(sql)->rows[0].Int(0); }
  JobState StateOf(const std::string& id) { return queue_->Get(id)->state; }

  storage::Store& store() { return db_->store(); }
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<Queue> queue_;
};

TEST_P(WorkerTest, RunsJobsRecordsResultsAndMetrics) {
  queue_->RegisterHandler("test.effect", [&](JobContext& ctx) -> Status {
    SIGNX_RETURN_IF_ERROR(ctx.SetProgress(50));
    SIGNX_RETURN_IF_ERROR(store().WithTxn([&](Txn& t) {
      return t
          .Exec("INSERT INTO effects (job_id) VALUES ($1) ON CONFLICT (job_id) DO NOTHING",
                {ctx.id()})
          .status();
    }));
    ctx.SetResult(R"({"ok":true})");
    return Status::Ok();
  });
  metrics::Registry registry;
  JobMetrics job_metrics(registry, *queue_);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(queue_->Enqueue({.type = "test.effect"})->id);
  ASSERT_TRUE(job_metrics.Refresh().ok());
  EXPECT_NE(registry.Render().find(R"(signx_jobs_queue_depth{state="queued",type="test.effect"} 20)"),
            std::string::npos)
      << registry.Render();

  Worker worker(*queue_, FastOptions(3), &job_metrics);
  worker.Start();
  ASSERT_TRUE(WaitFor([&] {
    return Count("SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'") == 20;
  }));
  worker.Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM effects"), 20);
  auto job = queue_->Get(ids[0]);
  EXPECT_EQ(job->progress, 100);
  EXPECT_EQ(job->result_json.value_or("").find("true") != std::string::npos, true);
  EXPECT_EQ(worker.stats().succeeded, 20);
  ASSERT_TRUE(job_metrics.Refresh().ok());
  const std::string text = registry.Render();
  EXPECT_NE(text.find(R"(signx_jobs_duration_seconds_count{type="test.effect"} 20)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(signx_jobs_outcomes_total{type="test.effect",outcome="succeeded"} 20)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(signx_jobs_queue_depth{state="queued",type="test.effect"} 0)"),
            std::string::npos)
      << text;
}

TEST_P(WorkerTest, FailingHandlersAreRetriedThenDeadLettered) {
  std::atomic<int> calls{0};
  queue_->RegisterHandler("test.flaky", [&](JobContext& ctx) -> Status {
    calls.fetch_add(1);
    if (ctx.attempt() < 3) return Unavailable("upstream 503");
    return Status::Ok();
  });
  queue_->RegisterHandler("test.throws", [](JobContext&) -> Status {
    throw std::runtime_error("kaboom");
  });
  const std::string flaky = queue_->Enqueue({.type = "test.flaky", .max_attempts = 5})->id;
  const std::string throws = queue_->Enqueue({.type = "test.throws", .max_attempts = 2})->id;
  Worker worker(*queue_, FastOptions());
  worker.Start();
  ASSERT_TRUE(WaitFor([&] {
    return StateOf(flaky) == JobState::kSucceeded && StateOf(throws) == JobState::kDead;
  }));
  worker.Stop();
  EXPECT_EQ(calls.load(), 3);
  auto dead = queue_->Get(throws);
  EXPECT_EQ(dead->attempts, 2);
  EXPECT_NE(dead->last_error->find("kaboom"), std::string::npos);
}

TEST_P(WorkerTest, CancellationReachesTheRunningHandler) {
  std::atomic<bool> started{false};
  queue_->RegisterHandler("test.long", [&](JobContext& ctx) -> Status {
    started = true;
    while (!ctx.cancelled()) std::this_thread::sleep_for(2ms);
    return Status(ErrorCode::kCancelled, "cancelled by request");
  });
  const std::string id = queue_->Enqueue({.type = "test.long"})->id;
  Worker worker(*queue_, FastOptions());
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return started.load(); }));
  ASSERT_EQ(*queue_->Cancel(id), JobState::kRunning);
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == JobState::kCancelled; }));
  worker.Stop();
}

TEST_P(WorkerTest, GracefulStopReleasesUnfinishedJobs) {
  std::atomic<bool> started{false};
  queue_->RegisterHandler("test.long", [&](JobContext& ctx) -> Status {
    started = true;
    while (!ctx.cancelled()) std::this_thread::sleep_for(2ms);
    return Status(ErrorCode::kCancelled, "worker stopping");
  });
  const std::string id = queue_->Enqueue({.type = "test.long"})->id;
  WorkerOptions o = FastOptions(1);
  o.stop_grace = 20ms;
  Worker worker(*queue_, o);
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return started.load(); }));
  worker.Stop();
  auto job = queue_->Get(id);
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_EQ(job->attempts, 0);  // the interrupted attempt does not count
  EXPECT_EQ(worker.stats().released, 1);
}

TEST_P(WorkerTest, RecoversJobsOfAWorkerThatDied) {
  queue_->RegisterHandler("test.ok", [](JobContext&) { return Status::Ok(); });
  Queue short_lease(store(), SystemClock::Get(), {.lease = 100ms});
  const std::string id = queue_->Enqueue({.type = "test.ok"})->id;
  auto ghost = short_lease.Claim("ghost", {"test.ok"});  // claims, then never heartbeats
  ASSERT_TRUE(ghost.ok() && ghost->has_value());
  Worker worker(*queue_, FastOptions());
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == JobState::kSucceeded; }));
  worker.Stop();
  EXPECT_EQ(queue_->Get(id)->attempts, 2);
}

TEST_P(WorkerTest, RecurringJobsRunThroughTheWorker) {
  std::atomic<int> runs{0};
  queue_->RegisterHandler("test.tick", [&](JobContext&) {
    runs.fetch_add(1);
    return Status::Ok();
  });
  ASSERT_TRUE(
      queue_->ScheduleRecurring({.name = "tick", .type = "test.tick", .schedule = "@every 1s"})
          .ok());
  Worker worker(*queue_, FastOptions());
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return runs.load() >= 1; }));
  worker.Stop();
  EXPECT_GE(Count("SELECT COUNT(*) FROM jobs WHERE recurring_name = 'tick'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkerTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::jobs
