// RedisCache: the shared Cache on Redis (SET PX / GET / DEL), every key prefixed so several
// applications or test runs can share one database.
//
// Errors talking to Redis are kUnavailable; an unexpected reply is kInternal.
// Thread-safety: thread-safe (the RedisClient pools connections). Ownership: shares the client.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cache/cache.h"
#include "cache/redis_client.h"

namespace signx::cache {

class RedisCache final : public Cache {
 public:
  RedisCache(std::shared_ptr<RedisClient> client, std::string key_prefix);

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  Status Delete(std::string_view key) override;

 private:
  std::string FullKey(std::string_view key) const;

  std::shared_ptr<RedisClient> client_;
  const std::string prefix_;
};

}  // namespace signx::cache
