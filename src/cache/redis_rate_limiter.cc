#include "cache/redis_rate_limiter.h"

#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "cache/fallback_rate_limiter.h"
#include "cache/memory_rate_limiter.h"

namespace signx::cache {
namespace {

// KEYS[1] bucket hash {tokens, ts (microseconds)}; ARGV rate_per_second, burst, cost.
// Returns {allowed 0/1, remaining (string), retry_after_ms, reset_after_ms}. The arithmetic
// mirrors TakeTokens in rate_limiter.cc.
constexpr std::string_view kScript = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
elseif now > ts then
  tokens = math.min(burst, tokens + (now - ts) / 1000000 * rate)
end
local cap = 1e12
local allowed = 0
local retry_ms = 0
if tokens + 1e-9 >= cost then
  tokens = math.max(tokens - cost, 0)
  allowed = 1
else
  retry_ms = math.min(math.ceil((cost - tokens) / rate * 1000), cap)
end
local reset_ms = math.min(math.ceil((burst - tokens) / rate * 1000), cap)
if allowed == 1 then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
             'ts', string.format('%d', now))
  redis.call('PEXPIRE', KEYS[1], math.max(reset_ms, 1))
end
return {allowed, string.format('%.17g', tokens), retry_ms, reset_ms}
)lua";

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

Status BadReply(std::string_view why) {
  return Internal("redis rate limiter script: " + std::string(why));
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<RedisClient> client, std::string key_prefix)
    : client_(std::move(client)), prefix_(std::move(key_prefix)) {}

std::string RedisRateLimiter::ScriptSha() {
  std::lock_guard lock(mu_);
  if (sha_.empty()) {
    Result<RedisReply> loaded = client_->Command({"SCRIPT", "LOAD", kScript});
    if (loaded.ok() && loaded->type == RedisReply::Type::kString) sha_ = loaded->str;
  }
  return sha_;
}

Result<RedisReply> RedisRateLimiter::Eval(const std::vector<std::string_view>& keys_and_args) {
  const std::string sha = ScriptSha();
  std::vector<std::string_view> args;
  args.reserve(keys_and_args.size() + 3);
  if (!sha.empty()) {
    args = {"EVALSHA", sha, "1"};
    args.insert(args.end(), keys_and_args.begin(), keys_and_args.end());
    SIGNX_ASSIGN_OR_RETURN(RedisReply reply, client_->Command(args));
    if (!reply.is_error() || !reply.str.starts_with("NOSCRIPT")) return reply;
  }
  // EVAL also caches the script on the server, so the next EVALSHA finds it again.
  args = {"EVAL", kScript, "1"};
  args.insert(args.end(), keys_and_args.begin(), keys_and_args.end());
  return client_->Command(args);
}

Result<Decision> RedisRateLimiter::AllowValidated(std::string_view key, const Limit& limit,
                                                  double cost) {
  const std::string full_key = prefix_ + std::string(key);
  const std::string rate = FormatDouble(limit.rate_per_second);
  const std::string burst = FormatDouble(limit.burst);
  const std::string cost_text = FormatDouble(cost);
  SIGNX_ASSIGN_OR_RETURN(RedisReply reply, Eval({full_key, rate, burst, cost_text}));
  if (reply.is_error()) return Unavailable("redis rate limiter script: " + reply.str);
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 4) {
    return BadReply("expected an array of 4");
  }
  const auto& e = reply.elements;
  if (e[0].type != RedisReply::Type::kInteger || e[1].type != RedisReply::Type::kString ||
      e[2].type != RedisReply::Type::kInteger || e[3].type != RedisReply::Type::kInteger) {
    return BadReply("unexpected element types");
  }
  std::optional<double> remaining = ParseDouble(e[1].str);
  if (!remaining) return BadReply("remaining is not a number: " + e[1].str);
  Decision d;
  d.allowed = e[0].integer == 1;
  d.remaining = *remaining;
  d.retry_after = std::chrono::milliseconds(e[2].integer);
  d.reset_after = std::chrono::milliseconds(e[3].integer);
  return d;
}

Result<std::unique_ptr<RateLimiter>> OpenRateLimiter(const config::RedisConfig& redis,
                                                     const Clock& clock, std::string key_prefix) {
  if (redis.url.empty()) return std::unique_ptr<RateLimiter>(new MemoryRateLimiter(clock));
  SIGNX_ASSIGN_OR_RETURN(RedisOptions options, ParseRedisUrl(redis.url));
  SIGNX_ASSIGN_OR_RETURN(std::shared_ptr<RedisClient> client, RedisClient::Open(options));
  auto primary = std::make_unique<RedisRateLimiter>(client, std::move(key_prefix));
  return std::unique_ptr<RateLimiter>(
      new FallbackRateLimiter(std::move(primary), std::move(client), clock));
}

}  // namespace signx::cache
