// Rate limits by route group (config `limits.rate_limits`, "predict=100/h,predict@org=1000/h"),
// enforced by a middleware that runs after authentication: each principal (API key or user) has
// one token bucket per group, and `<group>@org` adds one bucket per org shared by all its
// principals, so minting new API keys does not buy more work; shared by every replica when Redis
// is configured, and held per replica while Redis is down (the in-process fallback). Web pages
// that start the same work (the cost form) check the same buckets through Check
// (web::WebSettings::rate_limit). Over the limit →
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
  // The refusal for one more request of `group` by `principal` (its own bucket, then its org's),
  // or nullopt when allowed or the group is not limited. Takes a token from each bucket.
  struct Refusal {
    std::string message;
    std::string retry_after_s;
  };
  std::optional<Refusal> Check(const http::Principal& principal, std::string_view group);
  void After(const http::Request& request, http::Response& response) override;

 private:
  cache::RateLimiter& limiter_;
  const std::map<std::string, GroupLimit> limits_;
};

}  // namespace signx::app
