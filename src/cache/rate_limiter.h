// RateLimiter: token buckets keyed by string, for API limits (429 + Retry-After and the
// RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset headers) and login throttling.
//
// A bucket holds at most `burst` tokens and refills continuously at `rate_per_second`; a request
// of `cost` tokens is allowed when that many are available. A bucket that was never used (or has
// refilled completely and been evicted) is full. Callers choose keys that include the scope of the
// limit ("login:ip:203.0.113.7"), and should use one Limit per key: the bucket state does not
// remember which Limit filled it.
//
// Backends: MemoryRateLimiter (memory_rate_limiter.h) for one process, RedisRateLimiter
// (redis_rate_limiter.h) when replicas must share the budget, FallbackRateLimiter
// (fallback_rate_limiter.h) to keep limits per replica while Redis is down. OpenRateLimiter picks.
// Thread-safety: every implementation is thread-safe. Ownership: see each backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"

namespace signx::cache {

struct Limit {
  double rate_per_second;  // refill rate, > 0
  double burst;            // bucket capacity (the RateLimit-Limit value), > 0
};

// The state of a shared backend that falls back to a local limiter (FallbackRateLimiter).
struct BackendState {
  std::string name;             // "redis"
  bool degraded = false;        // checks currently run on the in-process fallback
  uint64_t fallback_total = 0;  // checks answered by the fallback since start
  std::string last_error;       // the backend's last error (internal: log it, never serve it)
};

struct Decision {
  bool allowed = false;
  double remaining = 0;                      // tokens left after this request
  std::chrono::milliseconds retry_after{0};  // when denied: wait this long before retrying
  std::chrono::milliseconds reset_after{0};  // until the bucket is full again
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Takes `cost` tokens from the bucket under `key` if it holds that many. kInvalidArgument when
  // the limit is not positive and finite, cost is negative or not finite, or cost exceeds the
  // burst (such a request could never be allowed). kUnavailable when the backend is unreachable.
  Result<Decision> Allow(std::string_view key, const Limit& limit, double cost = 1);

  // The shared backend's state; nullopt for a purely local limiter.
  virtual std::optional<BackendState> backend_state() const { return std::nullopt; }
  // Checks that the shared backend answers (kUnavailable otherwise); OK for a local limiter.
  virtual Status Probe() { return Status::Ok(); }

 protected:
  // Backend part of Allow; arguments are already validated.
  virtual Result<Decision> AllowValidated(std::string_view key, const Limit& limit,
                                          double cost) = 0;
};

// A RedisRateLimiter wrapped in a FallbackRateLimiter (fallback_rate_limiter.h) when `redis.url`
// is set (kInvalidArgument for a bad URL, kUnavailable when unreachable at start), else a
// MemoryRateLimiter on `clock`, which must outlive it. Redis keys are prefixed with `key_prefix`.
Result<std::unique_ptr<RateLimiter>> OpenRateLimiter(const config::RedisConfig& redis,
                                                     const Clock& clock,
                                                     std::string key_prefix = "signx:rl:");

// Shared token-bucket arithmetic. `tokens` is the level after refill; returns the decision and
// updates `tokens` when allowed.
Decision TakeTokens(double& tokens, const Limit& limit, double cost);

}  // namespace signx::cache
