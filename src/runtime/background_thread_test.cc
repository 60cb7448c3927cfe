#include "runtime/background_thread.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace signx::runtime {
namespace {

TEST(BackgroundThreadTest, LowersOnlyTheCallingThreadsPriorityAndNamesIt) {
  const int before = CurrentThreadNice();
  int inside = 0;
  std::string comm;
  std::thread t([&] {
    MarkAsBackgroundThread("signx-test-bg");
    inside = CurrentThreadNice();
    std::ifstream f("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
    std::getline(f, comm);
  });
  t.join();
  EXPECT_EQ(inside, std::min(before + kBackgroundNice, 19));
  EXPECT_EQ(comm, "signx-test-bg");
  EXPECT_EQ(CurrentThreadNice(), before);  // the rest of the process keeps its priority
}

TEST(BackgroundThreadTest, ANiceOfZeroOnlyNamesTheThread) {
  const int before = CurrentThreadNice();
  int inside = 0;
  std::thread t([&] {
    MarkAsBackgroundThread("signx-test-n0", 0);
    inside = CurrentThreadNice();
  });
  t.join();
  EXPECT_EQ(inside, before);
}

}  // namespace
}  // namespace signx::runtime
