#include "leads/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace signx::leads {
namespace {

// Shared with the helper tasks, which may start after the call has returned.
struct Shared {
  explicit Shared(std::size_t n, const std::function<void(std::size_t)>* w) : count(n), work(w) {}
  const std::size_t count;
  // Valid while a chunk is unfinished: the caller returns only when all have finished, and a
  // helper calls it only for a chunk it claimed.
  const std::function<void(std::size_t)>* work;
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  std::size_t finished = 0;  // guarded by mu
};

// Claims and runs chunks until none are left.
void Drain(Shared& s) {
  std::size_t ran = 0;
  for (std::size_t i = s.next.fetch_add(1); i < s.count; i = s.next.fetch_add(1)) {
    (*s.work)(i);
    ++ran;
  }
  if (ran == 0) return;
  std::lock_guard lock(s.mu);
  s.finished += ran;
  if (s.finished == s.count) s.cv.notify_all();
}

}  // namespace

void ForEachChunk(runtime::BlockingPool* pool, std::size_t helpers, std::size_t count,
                  const std::function<void(std::size_t)>& work) {
  if (count == 0) return;
  if (pool == nullptr || helpers == 0 || count == 1) {
    for (std::size_t i = 0; i < count; ++i) work(i);
    return;
  }
  auto shared = std::make_shared<Shared>(count, &work);
  const std::size_t offers = std::min(helpers, count - 1);
  for (std::size_t h = 0; h < offers; ++h) {
    if (!pool->TrySubmit([shared] { Drain(*shared); })) break;
  }
  Drain(*shared);
  std::unique_lock lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->finished == shared->count; });
}

}  // namespace signx::leads
