#include "cache/memory_rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <functional>

namespace signx::cache {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

SteadyTime FullAt(SteadyTime now, double tokens, const Limit& limit) {
  const double seconds = std::min((limit.burst - tokens) / limit.rate_per_second, 1e9);
  return now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(std::max(seconds, 0.0)));
}

}  // namespace

MemoryRateLimiter::MemoryRateLimiter(const Clock& clock) : clock_(clock) {}

Result<Decision> MemoryRateLimiter::AllowValidated(std::string_view key, const Limit& limit,
                                                   double cost) {
  const SteadyTime now = clock_.Monotonic();
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  if (++shard.calls_since_sweep >= std::max(kMinSweepInterval, shard.buckets.size())) {
    SweepLocked(shard, now);
  }
  auto it = shard.buckets.find(key);
  double tokens = limit.burst;
  if (it != shard.buckets.end()) {
    const double elapsed =
        std::chrono::duration<double>(std::max(now - it->second.updated, SteadyTime::duration{0}))
            .count();
    tokens = std::min(limit.burst, it->second.tokens + elapsed * limit.rate_per_second);
  }
  Decision d = TakeTokens(tokens, limit, cost);
  if (d.allowed) {
    // A denied request changes nothing, so only allowed ones store state.
    Bucket bucket{tokens, now, FullAt(now, tokens, limit)};
    if (it != shard.buckets.end()) {
      it->second = bucket;
    } else {
      shard.buckets.emplace(std::string(key), bucket);
    }
  }
  return d;
}

size_t MemoryRateLimiter::SweepLocked(Shard& shard, SteadyTime now) {
  shard.calls_since_sweep = 0;
  return std::erase_if(shard.buckets, [now](const auto& kv) { return kv.second.full_at <= now; });
}

size_t MemoryRateLimiter::EvictIdle() {
  const SteadyTime now = clock_.Monotonic();
  size_t removed = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    removed += SweepLocked(shard, now);
  }
  return removed;
}

size_t MemoryRateLimiter::bucket_count() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace signx::cache
