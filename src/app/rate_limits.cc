#include "app/rate_limits.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "base/strings.h"
#include "http/json.h"

namespace signx::app {
namespace {

// Carries the decision from Before to After on the same request (set only for limited routes).
struct Headers {
  std::string limit, remaining, reset;
};
thread_local std::optional<Headers> t_headers;

}  // namespace

Result<std::map<std::string, GroupLimit>> ParseRateLimits(std::string_view text) {
  std::map<std::string, GroupLimit> out;
  std::vector<FieldError> errors;
  for (auto entry : Split(text, ',')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    const auto eq = entry.find('='), slash = entry.find('/');
    int64_t count = 0;
    const char* first = entry.data() + eq + 1;
    const char* last = entry.data() + (slash == std::string_view::npos ? entry.size() : slash);
    auto [p, ec] = std::from_chars(first, last, count);
    const std::string_view unit =
        slash == std::string_view::npos ? "" : entry.substr(slash + 1);
    const int64_t period = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
    if (eq == std::string_view::npos || eq == 0 || ec != std::errc() || p != last || count <= 0 ||
        period == 0) {
      errors.push_back({"limits.rate_limits",
                        fmt::format("'{}' must look like group=N/s, group=N/m or group=N/h", entry)});
      continue;
    }
    out[std::string(entry.substr(0, eq))] = {count, period};
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid rate limits");
  return out;
}

std::optional<http::Response> RateLimitMiddleware::Before(http::Request& request,
                                                          const http::Route& route) {
  t_headers.reset();
  if (route.meta.rate_limit_group.empty() || !request.principal) return std::nullopt;
  auto it = limits_.find(route.meta.rate_limit_group);
  if (it == limits_.end()) return std::nullopt;
  const GroupLimit& g = it->second;
  const cache::Limit limit{.rate_per_second = static_cast<double>(g.count) / g.period_s,
                           .burst = static_cast<double>(g.count)};
  const std::string key = fmt::format("route:{}:{}:{}", it->first, request.principal->kind,
                                      request.principal->subject_id);
  auto d = limiter_.Allow(key, limit);
  if (!d.ok()) return std::nullopt;  // the limiter's backend is down: serve rather than refuse
  auto secs = [](std::chrono::milliseconds ms) {
    return std::to_string(static_cast<int64_t>(std::ceil(ms.count() / 1000.0)));
  };
  t_headers = Headers{std::to_string(g.count),
                      std::to_string(static_cast<int64_t>(std::floor(d->remaining))),
                      secs(d->reset_after)};
  if (d->allowed) return std::nullopt;
  auto resp = http::ErrorResponse(
      Status(ErrorCode::kRateLimited,
             fmt::format("rate limit for '{}' is {} requests per {} s per principal; retry in {} s",
                         it->first, g.count, g.period_s, secs(d->retry_after))),
      request.request_id);
  resp.headers.Set("Retry-After", secs(d->retry_after));
  return resp;
}

void RateLimitMiddleware::After(const http::Request&, http::Response& response) {
  if (!t_headers) return;
  response.headers.Set("RateLimit-Limit", t_headers->limit);
  response.headers.Set("RateLimit-Remaining", t_headers->remaining);
  response.headers.Set("RateLimit-Reset", t_headers->reset);
  t_headers.reset();
}

}  // namespace signx::app
