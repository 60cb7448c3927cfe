// Cache: a best-effort key/value cache with a per-entry time to live.
//
// Two backends share this interface: MemoryCache (in-process LRU, memory_cache.h) for one machine
// and RedisCache (redis_cache.h) when several replicas must share entries. OpenCache picks one
// from the configuration. A cache may forget an entry at any time (eviction, expiry, restart), so
// callers must treat a miss as normal and keep the source of truth elsewhere.
//
// Thread-safety: every implementation is safe to call from many threads at once.
// Ownership: OpenCache returns an owned cache; it holds no references to its arguments except the
// Clock, which must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"

namespace signx::cache {

class Cache {
 public:
  virtual ~Cache() = default;

  // The value stored under `key`, or nullopt when absent or expired. kUnavailable when the backend
  // cannot be reached.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;

  // Stores `value` under `key` for `ttl` (must be positive, else kInvalidArgument), replacing any
  // previous value and its ttl. kUnavailable when the backend cannot be reached.
  virtual Status Set(std::string_view key, std::string_view value,
                     std::chrono::milliseconds ttl) = 0;

  // Removes `key`; OK whether or not it was present. kUnavailable when the backend is unreachable.
  virtual Status Delete(std::string_view key) = 0;
};

// Bounds for the in-process cache.
struct MemoryCacheOptions {
  size_t max_entries = 100'000;  // least recently used entries go first beyond this
  size_t max_bytes = 64 << 20;   // key + value bytes, same policy
};

// A Redis-backed cache when `redis.url` is set (kInvalidArgument for a bad URL, kUnavailable when
// the server cannot be reached), else an in-process MemoryCache bounded by `memory`.
// Redis keys are prefixed with `key_prefix`.
Result<std::unique_ptr<Cache>> OpenCache(const config::RedisConfig& redis, const Clock& clock,
                                         const MemoryCacheOptions& memory = {},
                                         std::string key_prefix = "signx:cache:");

}  // namespace signx::cache
