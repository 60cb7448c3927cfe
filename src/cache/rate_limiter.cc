#include "cache/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace signx::cache {
namespace {

// Refill arithmetic accumulates rounding error; a bucket this close to `cost` counts as enough.
constexpr double kEpsilon = 1e-9;
// About 31 years: caps durations from absurdly small rates so they stay representable.
constexpr double kMaxMillis = 1e12;

std::chrono::milliseconds CeilMillis(double seconds) {
  const double ms = std::min(std::ceil(std::max(seconds, 0.0) * 1000.0), kMaxMillis);
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

bool PositiveFinite(double v) { return std::isfinite(v) && v > 0; }

}  // namespace

Decision TakeTokens(double& tokens, const Limit& limit, double cost) {
  Decision d;
  if (tokens + kEpsilon >= cost) {
    tokens = std::max(tokens - cost, 0.0);
    d.allowed = true;
  } else {
    d.retry_after = CeilMillis((cost - tokens) / limit.rate_per_second);
  }
  d.remaining = tokens;
  d.reset_after = CeilMillis((limit.burst - tokens) / limit.rate_per_second);
  return d;
}

Result<Decision> RateLimiter::Allow(std::string_view key, const Limit& limit, double cost) {
  if (!PositiveFinite(limit.rate_per_second) || !PositiveFinite(limit.burst)) {
    return InvalidArgument("rate limit rate_per_second and burst must be positive and finite");
  }
  if (!std::isfinite(cost) || cost < 0) {
    return InvalidArgument("rate limit cost must be non-negative and finite");
  }
  if (cost > limit.burst) {
    return InvalidArgument("rate limit cost exceeds the burst, so it could never be allowed");
  }
  return AllowValidated(key, limit, cost);
}

}  // namespace signx::cache
