// Job queue conformance suite: every test runs on SQLite and on a real PostgreSQL server.
#include "jobs/queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "base/id.h"
#include "storage/testing/test_stores.h"

namespace signx::jobs {
namespace {

using namespace std::chrono_literals;
using storage::Txn;
using storage::testing::Backend;

class QueueTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam(), /*pool_size=*/8);
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    queue_ = MakeQueue();
    ASSERT_TRUE(db_->store()
                    .WithTxn([](Txn& t) {
                      return t.ExecScript("CREATE TABLE orders (id TEXT PRIMARY KEY)");
                    })
                    .ok());
  }

  std::unique_ptr<Queue> MakeQueue() {
    auto q = std::make_unique<Queue>(db_->store(), clock_,
                                     QueueOptions{.lease = 30s,
                                                  .backoff_base = 1s,
                                                  .backoff_max = 1h,
                                                  .seed = 42});
    auto ok = [](JobContext&) { return Status::Ok(); };
    q->RegisterHandler("test.noop", ok);
    q->RegisterHandler("test.other", ok);
    q->RegisterHandler("test.limited", ok, {.max_concurrency = 2});
    return q;
  }

  std::string Enqueue(JobSpec spec) {
    auto r = queue_->Enqueue(spec);
    SIGNX_CHECK(r.ok(), r.status().ToString());
    return r->id;
  }

  Job MustClaim(std::string_view owner = "w1") {
    auto j = queue_->Claim(owner);
    SIGNX_CHECK(j.ok(), j.status().ToString());
    SIGNX_CHECK(j->has_value(), "nothing to claim");
    return **j;
  }

  bool NothingToClaim() {
    auto j = queue_->Claim("w-check");
    return j.ok() && !j->has_value();
  }

  storage::Store& store() { return db_->store(); }

  FakeClock clock_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<Queue> queue_;
};

TEST_P(QueueTest, EnqueueCommitsOrRollsBackWithTheBusinessWrite) {
  std::string rolled_back;
  Status st = store().WithTxn([&](Txn& t) -> Status {
    SIGNX_RETURN_IF_ERROR(t.Exec("INSERT INTO orders (id) VALUES ('o1')").status());
    SIGNX_ASSIGN_OR_RETURN(auto e, queue_->Enqueue(t, {.type = "test.noop"}));
    rolled_back = e.id;
    return InvalidArgument("the business rule said no");
  });
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(queue_->Get(rolled_back).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(NothingToClaim());

  std::string committed;
  ASSERT_TRUE(store()
                  .WithTxn([&](Txn& t) -> Status {
                    SIGNX_RETURN_IF_ERROR(t.Exec("INSERT INTO orders (id) VALUES ('o2')").status());
                    SIGNX_ASSIGN_OR_RETURN(
                        auto e, queue_->Enqueue(t, {.type = "test.noop",
                                                    .payload_json = R"({"order":"o2"})",
                                                    .org_id = "org_1"}));
                    committed = e.id;
                    return Status::Ok();
                  })
                  .ok());
  auto job = queue_->Get(committed);
  ASSERT_TRUE(job.ok());
  EXPECT_TRUE(IsValidId(job->id, "job"));
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_EQ(job->org_id, "org_1");
  EXPECT_NE(job->payload_json.find("o2"), std::string::npos);
  EXPECT_EQ(job->attempts, 0);
  EXPECT_EQ(job->run_at, clock_.Now());
}

TEST_P(QueueTest, RejectsBadSpecs) {
  EXPECT_EQ(queue_->Enqueue({.type = ""}).status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(queue_->Enqueue({.type = "Bad Type"}).status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(queue_->Enqueue({.type = "t", .payload_json = "{nope"}).status().code(),
            ErrorCode::kValidationFailed);
  EXPECT_EQ(queue_->Enqueue({.type = "t", .max_attempts = 0}).status().code(),
            ErrorCode::kValidationFailed);
}

TEST_P(QueueTest, DedupeKeyIsUniquePerTypeAndKeepsTheTransactionUsable) {
  ASSERT_TRUE(store()
                  .WithTxn([&](Txn& t) -> Status {
                    SIGNX_ASSIGN_OR_RETURN(
                        auto a, queue_->Enqueue(t, {.type = "test.noop", .dedupe_key = "k1"}));
                    SIGNX_ASSIGN_OR_RETURN(
                        auto b, queue_->Enqueue(t, {.type = "test.noop", .dedupe_key = "k1"}));
                    SIGNX_ASSIGN_OR_RETURN(
                        auto c, queue_->Enqueue(t, {.type = "test.other", .dedupe_key = "k1"}));
                    EXPECT_TRUE(a.created);
                    EXPECT_FALSE(b.created);
                    EXPECT_EQ(a.id, b.id);
                    EXPECT_TRUE(c.created);
                    // The transaction still works after the conflict (PostgreSQL would abort it
                    // on a unique violation).
                    return t.Exec("INSERT INTO orders (id) VALUES ('after')").status();
                  })
                  .ok());
  auto again = queue_->Enqueue({.type = "test.noop", .dedupe_key = "k1"});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  auto page = queue_->List({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->jobs.size(), 2u);
}

TEST_P(QueueTest, ClaimAndComplete) {
  const std::string id = Enqueue({.type = "test.noop", .payload_json = R"({"n":1})"});
  Job job = MustClaim("w1");
  EXPECT_EQ(job.id, id);
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.lease_owner, "w1");
  EXPECT_EQ(job.lease_expires_at, clock_.Now() + 30s);
  EXPECT_TRUE(NothingToClaim());

  auto cancel = queue_->UpdateProgress(job, 40);
  ASSERT_TRUE(cancel.ok());
  EXPECT_FALSE(*cancel);
  EXPECT_EQ(queue_->Get(id)->progress, 40);

  clock_.Advance(2s);
  ASSERT_TRUE(queue_->Complete(job, R"({"rows": 7})").ok());
  auto done = queue_->Get(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_EQ(done->progress, 100);
  ASSERT_TRUE(done->result_json.has_value());
  EXPECT_NE(done->result_json->find("7"), std::string::npos);
  EXPECT_EQ(done->finished_at, clock_.Now());
  EXPECT_FALSE(done->lease_owner.has_value());
  // A second Complete of the same attempt is fenced off.
  EXPECT_EQ(queue_->Complete(job, std::nullopt).code(), ErrorCode::kFailedPrecondition);
}

TEST_P(QueueTest, RetentionDeletesOnlyOldFinishedJobs) {
  const std::string old_done = Enqueue({.type = "test.noop", .dedupe_key = "k1"});
  ASSERT_TRUE(queue_->Complete(MustClaim("w1"), std::nullopt).ok());
  const std::string old_cancelled = Enqueue({.type = "test.other"});
  ASSERT_TRUE(queue_->Cancel(old_cancelled).ok());
  const std::string old_running = Enqueue({.type = "test.limited"});
  const Job running = MustClaim("w1");
  ASSERT_EQ(running.id, old_running);
  clock_.Advance(48h);
  const std::string old_queued = Enqueue({.type = "test.noop", .run_at = clock_.Now() + 24h});
  const std::string recent_done = Enqueue({.type = "test.other"});
  ASSERT_TRUE(queue_->Complete(MustClaim("w2"), std::nullopt).ok());

  auto n = queue_->DeleteFinishedBefore(clock_.Now() - 24h, /*batch=*/1);  // several batches
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(queue_->Get(old_done).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(queue_->Get(old_cancelled).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(queue_->Get(old_running)->state, JobState::kRunning);
  EXPECT_EQ(queue_->Get(old_queued)->state, JobState::kQueued);
  EXPECT_EQ(queue_->Get(recent_done)->state, JobState::kSucceeded);
  // The deleted job's dedupe key is free again.
  auto again = queue_->Enqueue({.type = "test.noop", .dedupe_key = "k1"});
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->id, old_done);
  EXPECT_EQ(queue_->DeleteFinishedBefore(clock_.Now(), 0).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(QueueTest, ClaimsOnlyRegisteredOrRequestedTypes) {
  Enqueue({.type = "unknown.type"});
  EXPECT_TRUE(NothingToClaim());
  Enqueue({.type = "test.other"});
  auto j = queue_->Claim("w1", {"test.noop"});
  ASSERT_TRUE(j.ok());
  EXPECT_FALSE(j->has_value());
  j = queue_->Claim("w1", {"test.other"});
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->type, "test.other");
}

TEST_P(QueueTest, PriorityThenRunAtThenAge) {
  const std::string low = Enqueue({.type = "test.noop", .priority = 0});
  const std::string high = Enqueue({.type = "test.noop", .priority = 10});
  const std::string older_low = Enqueue({.type = "test.noop", .run_at = clock_.Now() - 1min});
  EXPECT_EQ(MustClaim().id, high);
  EXPECT_EQ(MustClaim().id, older_low);
  EXPECT_EQ(MustClaim().id, low);
}

TEST_P(QueueTest, RetryWithBackoffThenDeadLetter) {
  const std::string id = Enqueue({.type = "test.noop", .max_attempts = 3});
  // Attempt 1 fails: requeued 0.5..1 s later (base 1 s, jitter in [d/2, d]).
  Job job = MustClaim();
  auto next = queue_->Fail(job, Unavailable("smtp down"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, JobState::kQueued);
  auto j = queue_->Get(id);
  EXPECT_EQ(j->state, JobState::kQueued);
  EXPECT_GE(j->run_at, clock_.Now() + 500ms);
  EXPECT_LE(j->run_at, clock_.Now() + 1s);
  EXPECT_NE(j->last_error->find("smtp down"), std::string::npos);
  EXPECT_TRUE(NothingToClaim());  // not due yet
  clock_.Advance(1s);
  // Attempt 2 fails: 1..2 s.
  job = MustClaim();
  EXPECT_EQ(job.attempts, 2);
  ASSERT_EQ(*queue_->Fail(job, Unavailable("smtp still down")), JobState::kQueued);
  j = queue_->Get(id);
  EXPECT_GE(j->run_at, clock_.Now() + 1s);
  EXPECT_LE(j->run_at, clock_.Now() + 2s);
  clock_.Advance(2s);
  // Attempt 3 is the last: dead with the last error.
  job = MustClaim();
  EXPECT_EQ(job.attempts, 3);
  ASSERT_EQ(*queue_->Fail(job, Internal("gave up")), JobState::kDead);
  j = queue_->Get(id);
  EXPECT_EQ(j->state, JobState::kDead);
  EXPECT_NE(j->last_error->find("gave up"), std::string::npos);
  EXPECT_EQ(j->finished_at, clock_.Now());
  clock_.Advance(1h);
  EXPECT_TRUE(NothingToClaim());

  // Dead letters can be requeued by an operator.
  ASSERT_TRUE(queue_->Requeue(id).ok());
  job = MustClaim();
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(queue_->Requeue(id).code(), ErrorCode::kFailedPrecondition);
}

TEST_P(QueueTest, BackoffGrowsExponentiallyAndIsCapped) {
  Queue q(store(), clock_, {.backoff_base = 1s, .backoff_max = 10s, .seed = 7});
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const auto full = std::min<std::chrono::microseconds>(1s * (1 << (attempt - 1)), 10s);
    const auto d = q.Backoff(attempt);
    EXPECT_GE(d, full / 2) << attempt;
    EXPECT_LE(d, full) << attempt;
  }
}

TEST_P(QueueTest, PermanentErrorsFailWithoutRetry) {
  const std::string id = Enqueue({.type = "test.noop", .max_attempts = 5});
  Job job = MustClaim();
  ASSERT_EQ(*queue_->Fail(job, InvalidArgument("payload lacks order_id")), JobState::kFailed);
  EXPECT_EQ(queue_->Get(id)->state, JobState::kFailed);
}

TEST_P(QueueTest, ExpiredLeaseIsRecoveredAndTheOldWorkerIsFencedOff) {
  const std::string id = Enqueue({.type = "test.noop", .max_attempts = 3});
  Job crashed = MustClaim("crashed-worker");
  clock_.Advance(29s);
  auto n = queue_->RecoverExpiredLeases();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);  // still leased
  clock_.Advance(2s);
  n = queue_->RecoverExpiredLeases();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  auto j = queue_->Get(id);
  EXPECT_EQ(j->state, JobState::kQueued);
  EXPECT_EQ(j->attempts, 1);  // the lost attempt counts
  EXPECT_NE(j->last_error->find("lease expired"), std::string::npos);

  Job retry = MustClaim("healthy-worker");
  EXPECT_EQ(retry.attempts, 2);
  // The crashed worker comes back to life: everything it tries is refused.
  EXPECT_EQ(queue_->Complete(crashed, std::nullopt).code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(queue_->Fail(crashed, Internal("x")).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(queue_->Heartbeat(crashed).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(queue_->UpdateProgress(crashed, 5).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(queue_->Release(crashed).code(), ErrorCode::kFailedPrecondition);
  // Heartbeats keep a live lease alive past its original expiry.
  clock_.Advance(20s);
  ASSERT_TRUE(queue_->Heartbeat(retry).ok());
  clock_.Advance(20s);
  EXPECT_EQ(*queue_->RecoverExpiredLeases(), 0);
  ASSERT_TRUE(queue_->Complete(retry, std::nullopt).ok());
  EXPECT_EQ(queue_->Get(id)->state, JobState::kSucceeded);
}

TEST_P(QueueTest, ExpiredLeaseOnTheLastAttemptDeadLetters) {
  const std::string id = Enqueue({.type = "test.noop", .max_attempts = 1});
  (void)MustClaim();
  clock_.Advance(31s);
  EXPECT_EQ(*queue_->RecoverExpiredLeases(), 1);
  EXPECT_EQ(queue_->Get(id)->state, JobState::kDead);
}

TEST_P(QueueTest, ReleaseGivesTheAttemptBack) {
  const std::string id = Enqueue({.type = "test.noop"});
  Job job = MustClaim();
  ASSERT_TRUE(queue_->Release(job).ok());
  auto j = queue_->Get(id);
  EXPECT_EQ(j->state, JobState::kQueued);
  EXPECT_EQ(j->attempts, 0);
  EXPECT_EQ(MustClaim().attempts, 1);
}

TEST_P(QueueTest, DelayedJobsWaitForRunAt) {
  const std::string id = Enqueue({.type = "test.noop", .run_at = clock_.Now() + 10min});
  EXPECT_TRUE(NothingToClaim());
  clock_.Advance(10min - 1s);
  EXPECT_TRUE(NothingToClaim());
  clock_.Advance(1s);
  EXPECT_EQ(MustClaim().id, id);
}

TEST_P(QueueTest, RecurringJobsEnqueueOncePerSlot) {
  // The FakeClock starts at 2026-01-01T00:00:00Z.
  ASSERT_TRUE(queue_
                  ->ScheduleRecurring({.name = "nightly-report",
                                       .type = "test.noop",
                                       .schedule = "@every 5m",
                                       .payload_json = R"({"report":"x"})"})
                  .ok());
  auto list = queue_->ListRecurring();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].next_run_at, clock_.Now() + 5min);
  EXPECT_EQ(*queue_->EnqueueDueRecurring(), 0);

  clock_.Advance(5min);
  EXPECT_EQ(*queue_->EnqueueDueRecurring(), 1);
  EXPECT_EQ(*queue_->EnqueueDueRecurring(), 0);
  Job job = MustClaim();
  EXPECT_EQ(job.type, "test.noop");
  EXPECT_EQ(job.recurring_name, "nightly-report");
  EXPECT_EQ(job.run_at, clock_.Now());
  EXPECT_EQ(job.max_attempts, 3);

  // Missed slots are not replayed: one job, next slot after now.
  clock_.Advance(32min);
  EXPECT_EQ(*queue_->EnqueueDueRecurring(), 1);
  list = queue_->ListRecurring();
  EXPECT_EQ((*list)[0].next_run_at, FromUnixMicros(0) + std::chrono::seconds(1'767'225'600) + 40min);
  EXPECT_EQ((*list)[0].last_job_id, MustClaim().id);

  // Two schedulers with stale state racing on the same slot add one job: simulate by moving the
  // schedule back to a slot that was already enqueued.
  ASSERT_TRUE(store()
                  .WithTxn([&](Txn& t) {
                    return t
                        .Exec("UPDATE recurring_jobs SET next_run_at = $1",
                              {clock_.Now() - 27min})  // the 00:10 slot, already enqueued
                        .status();
                  })
                  .ok());
  EXPECT_EQ(*queue_->EnqueueDueRecurring(), 0);

  // Re-registering with a new schedule recomputes the next slot; removing stops it.
  ASSERT_TRUE(queue_
                  ->ScheduleRecurring(
                      {.name = "nightly-report", .type = "test.noop", .schedule = "@daily"})
                  .ok());
  list = queue_->ListRecurring();
  EXPECT_EQ((*list)[0].spec.schedule, "@daily");
  EXPECT_EQ((*list)[0].next_run_at, *ParseRfc3339("2026-01-02T00:00:00Z"));
  ASSERT_TRUE(queue_->RemoveRecurring("nightly-report").ok());
  EXPECT_EQ(queue_->RemoveRecurring("nightly-report").code(), ErrorCode::kNotFound);
  EXPECT_EQ(queue_->ScheduleRecurring({.name = "x", .type = "test.noop", .schedule = "0 8 * * 1"})
                .code(),
            ErrorCode::kValidationFailed);
}

TEST_P(QueueTest, CancelQueuedAndRunning) {
  const std::string queued = Enqueue({.type = "test.noop"});
  ASSERT_EQ(*queue_->Cancel(queued), JobState::kCancelled);
  EXPECT_EQ(queue_->Get(queued)->state, JobState::kCancelled);
  EXPECT_TRUE(NothingToClaim());
  EXPECT_EQ(queue_->Cancel(queued).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(queue_->Cancel("job_01JD4Y3S8Q6W2V0N5F7K9M1B3C").status().code(),
            ErrorCode::kNotFound);

  const std::string running = Enqueue({.type = "test.noop"});
  Job job = MustClaim();
  ASSERT_EQ(*queue_->Cancel(running), JobState::kRunning);
  EXPECT_TRUE(*queue_->Heartbeat(job));        // the worker learns of it at the next heartbeat
  EXPECT_TRUE(*queue_->UpdateProgress(job, 10));  // or progress update
  ASSERT_EQ(*queue_->Fail(job, Status(ErrorCode::kCancelled, "stopped early")),
            JobState::kCancelled);
  auto j = queue_->Get(running);
  EXPECT_EQ(j->state, JobState::kCancelled);
  EXPECT_TRUE(j->finished_at.has_value());
}

TEST_P(QueueTest, PerTypeConcurrencyLimit) {
  for (int i = 0; i < 4; ++i) Enqueue({.type = "test.limited"});
  Enqueue({.type = "test.noop"});
  std::vector<Job> claimed;
  for (int i = 0; i < 3; ++i) claimed.push_back(MustClaim("w" + std::to_string(i)));
  int limited = 0;
  for (const Job& j : claimed) limited += j.type == "test.limited";
  EXPECT_EQ(limited, 2);
  EXPECT_TRUE(NothingToClaim());  // two limited jobs wait
  for (const Job& j : claimed) {
    if (j.type == "test.limited") {
      ASSERT_TRUE(queue_->Complete(j, std::nullopt).ok());
      break;
    }
  }
  EXPECT_EQ(MustClaim().type, "test.limited");
  EXPECT_TRUE(NothingToClaim());
}

TEST_P(QueueTest, PerTypeLimitHoldsUnderConcurrentClaims) {
  for (int i = 0; i < 20; ++i) Enqueue({.type = "test.limited"});
  std::atomic<int> claimed{0};
  std::vector<std::thread> ts;
  for (int w = 0; w < 4; ++w) {
    ts.emplace_back([&, w] {
      for (int k = 0; k < 5; ++k) {
        auto j = queue_->Claim("w" + std::to_string(w), {"test.limited"});
        ASSERT_TRUE(j.ok()) << j.status().ToString();
        if (j->has_value()) claimed.fetch_add(1);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(claimed.load(), 2);
  auto page = queue_->List({.state = JobState::kRunning});
  EXPECT_EQ(page->jobs.size(), 2u);
}

TEST_P(QueueTest, ConcurrentClaimsWithFourWorkersClaimEachJobOnce) {
  constexpr int kJobs = 200;
  ASSERT_TRUE(store()
                  .WithTxn([&](Txn& t) -> Status {
                    for (int i = 0; i < kJobs; ++i) {
                      SIGNX_RETURN_IF_ERROR(
                          queue_->Enqueue(t, {.type = i % 2 ? "test.noop" : "test.other"})
                              .status());
                    }
                    return Status::Ok();
                  })
                  .ok());
  std::atomic<int> done{0};
  std::vector<std::vector<std::string>> seen(4);
  std::vector<std::thread> ts;
  for (int w = 0; w < 4; ++w) {
    ts.emplace_back([&, w] {
      const std::string owner = "worker-" + std::to_string(w);
      while (done.load() < kJobs) {
        auto j = queue_->Claim(owner);
        ASSERT_TRUE(j.ok()) << j.status().ToString();
        if (!j->has_value()) {
          std::this_thread::yield();
          continue;
        }
        seen[w].push_back((*j)->id);
        ASSERT_TRUE(queue_->Complete(**j, std::nullopt).ok());
        done.fetch_add(1);
      }
    });
  }
  for (auto& t : ts) t.join();
  std::multiset<std::string> all;
  for (const auto& v : seen) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size())
      << "a job was claimed twice";
  auto rs = store().Query("SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND attempts = 1");
  EXPECT_EQ(rs->rows[0].Int(0), kJobs);
}

TEST_P(QueueTest, ListFiltersAndPaginates) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(Enqueue({.type = i < 5 ? "test.noop" : "test.other",
                           .org_id = i % 2 ? std::optional<std::string>("org_a") : std::nullopt}));
  }
  std::vector<std::string> got;
  ListOptions o{.type = "test.noop", .limit = 2};
  for (int page = 0; page < 10; ++page) {
    auto p = queue_->List(o);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    for (const Job& j : p->jobs) got.push_back(j.id);
    if (p->next_cursor.empty()) break;
    o.cursor = p->next_cursor;
  }
  EXPECT_EQ(got, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
  EXPECT_EQ(queue_->List({.org_id = "org_a"})->jobs.size(), 3u);
  EXPECT_EQ(queue_->List({.state = JobState::kRunning})->jobs.size(), 0u);
  EXPECT_EQ(queue_->List({.limit = 0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(queue_->List({.cursor = "garbage"}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(QueueTest, ReadinessCheck) {
  EXPECT_TRUE(CheckQueue(store()).ok());
  storage::testing::TestDatabase empty(GetParam(), 1);
  EXPECT_EQ(CheckQueue(empty.store()).code(), ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::jobs
