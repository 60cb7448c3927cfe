// PeriodicTask: runs a function on its own thread every `interval` until Stop() or destruction —
// model hot-swap polling, gauge refreshes. Stop() wakes the thread at once (no waiting out the
// interval) and joins it; a run in progress finishes first.
// Thread-safety: Start and Stop may be called from any thread; Start at most once per object.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace signx::runtime {

class PeriodicTask {
 public:
  enum class FirstRun { kAfterInterval, kAtOnce };

  PeriodicTask() = default;
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts the thread; false (and nothing started) when already started or stopped.
  bool Start(std::chrono::milliseconds interval, std::function<void()> fn,
             FirstRun first = FirstRun::kAfterInterval);
  // Stops and joins the thread. Idempotent; Start afterwards does nothing.
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace signx::runtime
