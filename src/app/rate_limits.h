// Per-principal rate limits by route group (config `limits.rate_limits`, "predict=100/h,..."),
// enforced by a middleware that runs after authentication: each principal (API key or user) has
// one token bucket per group, shared by every replica when Redis is configured. Over the limit →
// 429 in the error shape with Retry-After; every limited response carries RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset (IETF draft-ietf-httpapi-ratelimit-headers).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "cache/rate_limiter.h"
#include "http/server.h"

namespace signx::app {

struct GroupLimit {
  int64_t count = 0;        // requests
  int64_t period_s = 3600;  // per this many seconds
};

// Parses "group=N/s|m|h,..."; kValidationFailed naming limits.rate_limits otherwise.
Result<std::map<std::string, GroupLimit>> ParseRateLimits(std::string_view text);

class RateLimitMiddleware final : public http::Middleware {
 public:
  RateLimitMiddleware(cache::RateLimiter& limiter, std::map<std::string, GroupLimit> limits)
      : limiter_(limiter), limits_(std::move(limits)) {}
  std::optional<http::Response> Before(http::Request& request, const http::Route& route) override;
  void After(const http::Request& request, http::Response& response) override;

 private:
  cache::RateLimiter& limiter_;
  const std::map<std::string, GroupLimit> limits_;
};

}  // namespace signx::app
