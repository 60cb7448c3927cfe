#include "runtime/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace signx::runtime {
namespace {

using namespace std::chrono_literals;

void WaitFor(const std::atomic<int>& n, int at_least) {
  for (int i = 0; i < 2000 && n.load() < at_least; ++i) std::this_thread::sleep_for(1ms);
}

TEST(PeriodicTaskTest, RunsEveryIntervalUntilStopped) {
  std::atomic<int> runs{0};
  PeriodicTask task;
  ASSERT_TRUE(task.Start(5ms, [&] { ++runs; }));
  WaitFor(runs, 3);
  task.Stop();
  const int at_stop = runs.load();
  EXPECT_GE(at_stop, 3);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(runs.load(), at_stop);  // nothing runs after Stop returned
  EXPECT_FALSE(task.Start(5ms, [&] { ++runs; }));  // not restartable
}

TEST(PeriodicTaskTest, StopDoesNotWaitOutALongInterval) {
  std::atomic<int> runs{0};
  PeriodicTask task;
  ASSERT_TRUE(task.Start(1h, [&] { ++runs; }, PeriodicTask::FirstRun::kAtOnce));
  WaitFor(runs, 1);
  EXPECT_EQ(runs.load(), 1);  // the first run at once, the next one an hour away
  const auto t0 = std::chrono::steady_clock::now();
  task.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);  // a hang would fail, not a slow run
  EXPECT_EQ(runs.load(), 1);
}

TEST(PeriodicTaskTest, StartsOnceAndStopIsIdempotent) {
  std::atomic<int> runs{0};
  {
    PeriodicTask task;
    ASSERT_TRUE(task.Start(1h, [&] { ++runs; }));
    EXPECT_FALSE(task.Start(1ms, [&] { runs += 100; }));
    task.Stop();
    task.Stop();
  }  // the destructor stops again
  EXPECT_EQ(runs.load(), 0);
  PeriodicTask never_started;
  never_started.Stop();
}

}  // namespace
}  // namespace signx::runtime
