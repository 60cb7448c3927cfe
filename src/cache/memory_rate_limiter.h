// MemoryRateLimiter: in-process token buckets in a sharded map (one mutex per shard, so callers
// with different keys rarely contend).
//
// Time is the injected Clock's monotonic time. A bucket that has refilled to full is equivalent to
// no bucket, so such idle buckets are evicted during occasional sweeps of a shard and by
// EvictIdle; memory stays proportional to the keys active within one refill period.
//
// Thread-safety: thread-safe. Ownership: the Clock is borrowed and must outlive the limiter.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "cache/rate_limiter.h"

namespace signx::cache {

class MemoryRateLimiter final : public RateLimiter {
 public:
  explicit MemoryRateLimiter(const Clock& clock);

  // Removes every bucket that has refilled to full; returns how many were removed.
  size_t EvictIdle();

  // Buckets currently held (for tests and metrics).
  size_t bucket_count() const;

 protected:
  Result<Decision> AllowValidated(std::string_view key, const Limit& limit, double cost) override;

 private:
  static constexpr size_t kShards = 16;
  // A shard is swept for idle buckets after this many calls or its size at the last sweep,
  // whichever is larger, so sweeping costs O(1) per call amortized.
  static constexpr size_t kMinSweepInterval = 1024;

  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
    std::chrono::steady_clock::time_point full_at;  // when it will have refilled completely
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets;  // guarded by mu
    size_t calls_since_sweep = 0;                                               // guarded by mu
  };

  // Requires shard.mu held.
  static size_t SweepLocked(Shard& shard, std::chrono::steady_clock::time_point now);

  const Clock& clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace signx::cache
