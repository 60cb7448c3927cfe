#include "cache/redis_cache.h"

#include <utility>

#include "cache/memory_cache.h"

namespace signx::cache {
namespace {

Status UnexpectedReply(std::string_view command, const RedisReply& reply) {
  if (reply.is_error()) return Unavailable("redis " + std::string(command) + ": " + reply.str);
  return Internal("redis " + std::string(command) + ": unexpected reply type");
}

}  // namespace

RedisCache::RedisCache(std::shared_ptr<RedisClient> client, std::string key_prefix)
    : client_(std::move(client)), prefix_(std::move(key_prefix)) {}

std::string RedisCache::FullKey(std::string_view key) const {
  std::string full;
  full.reserve(prefix_.size() + key.size());
  full.append(prefix_).append(key);
  return full;
}

Result<std::optional<std::string>> RedisCache::Get(std::string_view key) {
  const std::string full = FullKey(key);
  SIGNX_ASSIGN_OR_RETURN(RedisReply reply, client_->Command({"GET", full}));
  if (reply.type == RedisReply::Type::kNil) return std::optional<std::string>();
  if (reply.type != RedisReply::Type::kString) return UnexpectedReply("GET", reply);
  return std::optional<std::string>(std::move(reply.str));
}

Status RedisCache::Set(std::string_view key, std::string_view value,
                       std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return InvalidArgument("cache ttl must be positive");
  const std::string full = FullKey(key);
  const std::string px = std::to_string(ttl.count());
  SIGNX_ASSIGN_OR_RETURN(RedisReply reply, client_->Command({"SET", full, value, "PX", px}));
  if (reply.type != RedisReply::Type::kStatus) return UnexpectedReply("SET", reply);
  return Status::Ok();
}

Status RedisCache::Delete(std::string_view key) {
  const std::string full = FullKey(key);
  SIGNX_ASSIGN_OR_RETURN(RedisReply reply, client_->Command({"DEL", full}));
  if (reply.type != RedisReply::Type::kInteger) return UnexpectedReply("DEL", reply);
  return Status::Ok();
}

Result<std::unique_ptr<Cache>> OpenCache(const config::RedisConfig& redis, const Clock& clock,
                                         const MemoryCacheOptions& memory, std::string key_prefix) {
  if (redis.url.empty()) return std::unique_ptr<Cache>(new MemoryCache(clock, memory));
  SIGNX_ASSIGN_OR_RETURN(RedisOptions options, ParseRedisUrl(redis.url));
  SIGNX_ASSIGN_OR_RETURN(std::shared_ptr<RedisClient> client, RedisClient::Open(options));
  return std::unique_ptr<Cache>(new RedisCache(std::move(client), std::move(key_prefix)));
}

}  // namespace signx::cache
