// TtlCache: a small thread-safe map whose entries are served for `ttl` after they were put, then
// dropped on the next read. At `max_entries` a Put empties it first (a cache of lookups, not a
// store: cheaper than eviction bookkeeping and correct either way). A ttl of zero disables it
// (Get never hits, Put keeps nothing). Used for short-lived credential lookups (identity).
// Thread-safety: every method is thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/clock.h"

namespace signx {

template <typename V>
class TtlCache {
 public:
  TtlCache(std::chrono::milliseconds ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries) {}

  bool enabled() const { return ttl_.count() > 0; }

  // The value put for `key` less than ttl before `now` (and not after it), if any.
  std::optional<V> Get(const std::string& key, Timestamp now) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (now - it->second.put_at < ttl_ && now >= it->second.put_at) return it->second.value;
    entries_.erase(it);
    return std::nullopt;
  }

  void Put(const std::string& key, V value, Timestamp now) {
    if (!enabled()) return;
    std::lock_guard lock(mu_);
    if (entries_.size() >= max_entries_ && !entries_.contains(key)) entries_.clear();
    entries_.insert_or_assign(key, Entry{std::move(value), now});
  }

  // Calls fn(V&) on the entry for `key` if present (its age is unchanged).
  template <typename Fn>
  void Update(const std::string& key, Fn&& fn) {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end()) fn(it->second.value);
  }

  void Clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

 private:
  struct Entry {
    V value;
    Timestamp put_at;
  };
  const std::chrono::milliseconds ttl_;
  const std::size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace signx
