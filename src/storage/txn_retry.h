// The retry policy shared by the backends' WithTxn (internal).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>

#include "base/status.h"

namespace signx::storage {

// Calls `attempt` until it returns something other than kAborted or `max_attempts` are used,
// sleeping 2^k ms (k = attempt number, capped at 64 ms) plus up to as much again of random jitter
// in between. Exhausted retries become kUnavailable.
inline Status RunWithRetries(int max_attempts, const std::function<Status()>& attempt,
                             std::atomic<int64_t>& retries) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  Status st;
  for (int k = 0; k < std::max(1, max_attempts); ++k) {
    st = attempt();
    if (st.code() != ErrorCode::kAborted) return st;
    retries.fetch_add(1, std::memory_order_relaxed);
    const int base_ms = 1 << std::min(k, 6);
    std::uniform_int_distribution<int> jitter(0, base_ms * 1000);
    std::this_thread::sleep_for(std::chrono::microseconds(base_ms * 1000 + jitter(rng)));
  }
  return Status(ErrorCode::kUnavailable,
                "the database stayed busy; the transaction was retried " +
                    std::to_string(max_attempts) + " times: " + std::string(st.message()));
}

}  // namespace signx::storage
