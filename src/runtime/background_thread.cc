#include "runtime/background_thread.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace signx::runtime {
namespace {

id_t ThreadId() { return static_cast<id_t>(::syscall(SYS_gettid)); }

}  // namespace

void MarkAsBackgroundThread(const char* name, int nice) {
  pthread_setname_np(pthread_self(), name);
  if (nice <= 0) return;
  const int now = CurrentThreadNice();
  (void)::setpriority(PRIO_PROCESS, ThreadId(), now + nice);
}

int CurrentThreadNice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, ThreadId());
}

}  // namespace signx::runtime
