#include "cache/memory_cache.h"

#include <utility>

namespace signx::cache {

MemoryCache::MemoryCache(const Clock& clock, MemoryCacheOptions options)
    : clock_(clock), options_(options) {}

Result<std::optional<std::string>> MemoryCache::Get(std::string_view key) {
  const auto now = clock_.Monotonic();
  std::lock_guard lock(mu_);
  auto found = index_.find(key);
  if (found == index_.end()) return std::optional<std::string>();
  List::iterator it = found->second;
  if (it->expires_at <= now) {
    EraseLocked(it);
    return std::optional<std::string>();
  }
  lru_.splice(lru_.begin(), lru_, it);
  return std::optional<std::string>(it->value);
}

Status MemoryCache::Set(std::string_view key, std::string_view value,
                        std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return InvalidArgument("cache ttl must be positive");
  const auto now = clock_.Monotonic();
  const size_t cost = key.size() + value.size();
  std::lock_guard lock(mu_);
  if (auto found = index_.find(key); found != index_.end()) EraseLocked(found->second);
  if (cost > options_.max_bytes || options_.max_entries == 0) return Status::Ok();
  lru_.push_front(Entry{std::string(key), std::string(value), now + ttl});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += cost;
  EvictLocked(now);
  return Status::Ok();
}

Status MemoryCache::Delete(std::string_view key) {
  std::lock_guard lock(mu_);
  if (auto found = index_.find(key); found != index_.end()) EraseLocked(found->second);
  return Status::Ok();
}

size_t MemoryCache::PurgeExpired() {
  const auto now = clock_.Monotonic();
  std::lock_guard lock(mu_);
  size_t dropped = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->expires_at <= now) {
      EraseLocked(it);
      ++dropped;
    }
    it = next;
  }
  return dropped;
}

size_t MemoryCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

size_t MemoryCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

void MemoryCache::EraseLocked(List::iterator it) {
  bytes_ -= it->key.size() + it->value.size();
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

void MemoryCache::EvictLocked(std::chrono::steady_clock::time_point now) {
  // Expired entries at the tail go first (they are dead weight), then plain LRU order.
  while (!lru_.empty() && lru_.back().expires_at <= now) EraseLocked(std::prev(lru_.end()));
  while (lru_.size() > options_.max_entries || bytes_ > options_.max_bytes) {
    EraseLocked(std::prev(lru_.end()));
  }
}

}  // namespace signx::cache
