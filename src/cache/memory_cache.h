// MemoryCache: the in-process Cache, a least-recently-used map bounded by entry count and bytes,
// with a per-entry time to live measured on the injected Clock's monotonic time.
//
// Expired entries are dropped when looked up, when they reach the LRU tail, and by PurgeExpired.
// A value too large to ever fit (key + value > max_bytes) is not stored, and any older value under
// that key is removed, so a later Get misses rather than returning stale data.
//
// Thread-safety: all methods are thread-safe (one mutex). Ownership: the Clock is borrowed and
// must outlive the cache.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/status.h"
#include "cache/cache.h"

namespace signx::cache {

class MemoryCache final : public Cache {
 public:
  explicit MemoryCache(const Clock& clock, MemoryCacheOptions options = {});

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  Status Delete(std::string_view key) override;

  // Drops every expired entry; returns how many were dropped.
  size_t PurgeExpired();

  // Current number of entries and their key + value bytes (expired ones included until purged).
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::chrono::steady_clock::time_point expires_at;
  };
  using List = std::list<Entry>;

  // Both require mu_ held.
  void EraseLocked(List::iterator it);
  void EvictLocked(std::chrono::steady_clock::time_point now);

  const Clock& clock_;
  const MemoryCacheOptions options_;
  mutable std::mutex mu_;
  List lru_;  // guarded by mu_; front = most recently used
  std::unordered_map<std::string_view, List::iterator> index_;  // guarded by mu_; keys view
                                                                // into the list's entries
  size_t bytes_ = 0;                                            // guarded by mu_
};

}  // namespace signx::cache
