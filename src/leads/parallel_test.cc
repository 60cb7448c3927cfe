#include "leads/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace signx::leads {
namespace {

TEST(ForEachChunkTest, RunsEveryChunkOnceWithAndWithoutHelpers) {
  runtime::BlockingPool pool(3, 16);
  for (runtime::BlockingPool* p : {static_cast<runtime::BlockingPool*>(nullptr), &pool}) {
    for (std::size_t count : {0u, 1u, 2u, 7u, 100u}) {
      std::vector<std::atomic<int>> runs(count);
      ForEachChunk(p, 3, count, [&](std::size_t i) { runs[i].fetch_add(1); });
      for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(runs[i].load(), 1) << i;
    }
  }
}

TEST(ForEachChunkTest, UsesHelperThreads) {
  runtime::BlockingPool pool(1, 16);
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  std::set<std::thread::id> threads;
  // Two chunks that each wait for the other: they finish only when two threads run them.
  ForEachChunk(&pool, 1, 2, [&](std::size_t) {
    std::unique_lock lock(mu);
    threads.insert(std::this_thread::get_id());
    ++arrived;
    cv.notify_all();
    cv.wait(lock, [&] { return arrived == 2; });
  });
  EXPECT_EQ(threads.size(), 2u);
}

// A pool whose only thread is busy: the caller does all the work itself and returns; the helper
// task that starts later finds nothing left (no deadlock, no use of the finished call's work).
TEST(ForEachChunkTest, ABusyPoolNeverBlocksTheCaller) {
  runtime::BlockingPool pool(1, 16);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ASSERT_TRUE(pool.TrySubmit([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
  }));
  std::vector<int> runs(50, 0);
  const auto caller = std::this_thread::get_id();
  bool all_on_caller = true;
  ForEachChunk(&pool, 1, runs.size(), [&](std::size_t i) {
    ++runs[i];
    all_on_caller = all_on_caller && std::this_thread::get_id() == caller;
  });
  EXPECT_TRUE(all_on_caller);
  for (int r : runs) EXPECT_EQ(r, 1);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.Shutdown();  // runs the late helper task: it must find no chunk left
}

}  // namespace
}  // namespace signx::leads
