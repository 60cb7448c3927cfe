#include "runtime/periodic_task.h"

#include <utility>

namespace signx::runtime {

bool PeriodicTask::Start(std::chrono::milliseconds interval, std::function<void()> fn,
                         FirstRun first) {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return false;
  started_ = true;
  thread_ = std::thread([this, interval, fn = std::move(fn), first] {
    std::unique_lock lock(mu_);
    if (first == FirstRun::kAtOnce && !stopping_) {
      lock.unlock();
      fn();
      lock.lock();
    }
    while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      fn();
      lock.lock();
    }
  });
  return true;
}

void PeriodicTask::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace signx::runtime
