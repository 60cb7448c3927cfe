// BlockingPool: a fixed set of threads for work that blocks (SQLite, libpq, XGBoost, files), so the
// HTTP event loop never waits on it. The queue is bounded: TrySubmit refuses work instead of letting
// a backlog grow without limit (the HTTP layer answers 503 then).
// Thread-safety: all methods are thread-safe. The destructor stops accepting work, runs what is
// already queued, and joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace signx::runtime {

class BlockingPool {
 public:
  BlockingPool(std::size_t threads, std::size_t max_queue);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues `task`; false if the queue is full or the pool is shutting down.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);

  // Stops accepting work, finishes queued tasks and joins the threads. Idempotent.
  void Shutdown();

  std::size_t queued() const;
  std::size_t active() const;
  std::size_t threads() const { return threads_.size(); }

 private:
  void Loop();

  const std::size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  std::size_t active_ = 0;                   // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace signx::runtime
