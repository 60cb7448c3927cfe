// FallbackRateLimiter: a shared (Redis) limiter that degrades to an in-process one instead of to
// no limit at all.
//
// Every check goes to the primary (RedisRateLimiter). When the primary fails (Redis stopped,
// unreachable, timed out, or answering errors) the same check runs against a MemoryRateLimiter,
// so limits keep holding per replica (each replica enforces the whole budget on its own, so N
// replicas admit at most N times the budget while degraded). While degraded, the primary is tried
// again at most once per `retry_interval` (the other checks go straight to the fallback, so an
// unreachable host does not add a connect timeout to every request); the first success ends the
// degraded state. Buckets are not copied between the two: after a transition a key starts from
// whatever state the other backend holds for it (usually full).
//
// The transitions (healthy → degraded, degraded → healthy) are logged once each, with the
// backend's error; per-check failures are only counted (fallback_total).
//
// Thread-safety: thread-safe. Ownership: owns both limiters; shares the RedisClient; the Clock is
// borrowed and must outlive the limiter.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "cache/memory_rate_limiter.h"
#include "cache/rate_limiter.h"
#include "cache/redis_client.h"

namespace signx::cache {

struct FallbackOptions {
  // While degraded, try the primary again after this long (0 = on every check).
  std::chrono::milliseconds retry_interval{1000};
  std::string backend_name = "redis";  // for log lines
};

class FallbackRateLimiter final : public RateLimiter {
 public:
  // `client` (may be null) is pinged by Probe; `primary` is the shared limiter.
  FallbackRateLimiter(std::unique_ptr<RateLimiter> primary, std::shared_ptr<RedisClient> client,
                      const Clock& clock, FallbackOptions options = {});

  std::optional<BackendState> backend_state() const override;

  // Pings the backend (PING) and updates the degraded state from the answer: OK when reachable,
  // kUnavailable otherwise. For readiness checks, so recovery is noticed without traffic.
  Status Probe() override;

  bool degraded() const { return degraded_.load(); }
  uint64_t fallback_total() const { return fallbacks_.load(); }

 protected:
  Result<Decision> AllowValidated(std::string_view key, const Limit& limit, double cost) override;

 private:
  // Records the primary's outcome; logs when the state changes.
  void MarkFailed(const Status& error);
  void MarkHealthy();
  // True when the primary should be tried now (healthy, or the retry interval has passed).
  bool ShouldTryPrimary();

  std::unique_ptr<RateLimiter> primary_;
  std::shared_ptr<RedisClient> client_;
  MemoryRateLimiter fallback_;
  const Clock& clock_;
  const FallbackOptions options_;
  std::atomic<bool> degraded_{false};
  std::atomic<uint64_t> fallbacks_{0};
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point next_try_;  // guarded by mu_
  std::string last_error_;                          // guarded by mu_
};

}  // namespace signx::cache
