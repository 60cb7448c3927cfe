// RedisRateLimiter: token buckets in Redis hashes, updated by one atomic Lua script so replicas
// sharing the Redis server share each budget exactly.
//
// The script reads the time with Redis TIME (not the caller's clock), so app replicas with skewed
// clocks agree; it is loaded once with SCRIPT LOAD and run with EVALSHA, falling back to EVAL when
// the server has lost its script cache (NOSCRIPT, e.g. after a restart). Each bucket key expires
// when the bucket would be full again, so idle keys vanish on their own.
//
// Thread-safety: thread-safe. Ownership: shares the RedisClient.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cache/rate_limiter.h"
#include "cache/redis_client.h"

namespace signx::cache {

class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(std::shared_ptr<RedisClient> client, std::string key_prefix);

 protected:
  Result<Decision> AllowValidated(std::string_view key, const Limit& limit, double cost) override;

 private:
  // The SHA1 of the loaded script, loading it on first use; empty when SCRIPT LOAD failed.
  std::string ScriptSha();
  Result<RedisReply> Eval(const std::vector<std::string_view>& keys_and_args);

  std::shared_ptr<RedisClient> client_;
  const std::string prefix_;
  std::mutex mu_;
  std::string sha_;  // guarded by mu_
};

}  // namespace signx::cache
