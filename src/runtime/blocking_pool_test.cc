#include "runtime/blocking_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace signx::runtime {
namespace {

TEST(BlockingPoolTest, RunsEveryTask) {
  std::atomic<int> n{0};
  {
    BlockingPool pool(3, 1000);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++n; }));
  }  // destructor drains the queue
  EXPECT_EQ(n.load(), 500);
}

TEST(BlockingPoolTest, RefusesWhenQueueIsFull) {
  BlockingPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();  // the only thread is now busy
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));  // queue holds 2
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_EQ(pool.active(), 1u);
  release.set_value();
  pool.Shutdown();
  EXPECT_FALSE(pool.TrySubmit([] {}));  // no work after shutdown
}

}  // namespace
}  // namespace signx::runtime
