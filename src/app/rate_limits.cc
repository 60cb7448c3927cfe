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

namespace {

std::string Seconds(std::chrono::milliseconds ms) {
  return std::to_string(static_cast<int64_t>(std::ceil(ms.count() / 1000.0)));
}

cache::Limit LimitOf(const GroupLimit& g) {
  return {.rate_per_second = static_cast<double>(g.count) / g.period_s,
          .burst = static_cast<double>(g.count)};
}

}  // namespace

std::optional<RateLimitMiddleware::Refusal> RateLimitMiddleware::Check(
    const http::Principal& principal, std::string_view group) {
  t_headers.reset();
  auto it = limits_.find(std::string(group));
  if (it == limits_.end()) return std::nullopt;
  const GroupLimit& g = it->second;
  auto d = limiter_.Allow(
      fmt::format("route:{}:{}:{}", it->first, principal.kind, principal.subject_id), LimitOf(g));
  // Not a backend outage: with Redis configured the limiter falls back to in-process buckets
  // (cache/fallback_rate_limiter.h), so an error here is a misconfigured limit; serve.
  if (!d.ok()) return std::nullopt;
  t_headers = Headers{std::to_string(g.count),
                      std::to_string(static_cast<int64_t>(std::floor(d->remaining))),
                      Seconds(d->reset_after)};
  if (!d->allowed) {
    return Refusal{fmt::format("rate limit for '{}' is {} requests per {} s per principal; retry "
                               "in {} s",
                               it->first, g.count, g.period_s, Seconds(d->retry_after)),
                   Seconds(d->retry_after)};
  }
  auto org_it = limits_.find(std::string(group) + "@org");
  if (org_it == limits_.end() || principal.org_id.empty()) return std::nullopt;
  const GroupLimit& o = org_it->second;
  auto od = limiter_.Allow(fmt::format("route:{}:org:{}", it->first, principal.org_id),
                           LimitOf(o));
  if (!od.ok() || od->allowed) return std::nullopt;
  return Refusal{fmt::format("rate limit for '{}' is {} requests per {} s for the whole "
                             "organisation; retry in {} s",
                             it->first, o.count, o.period_s, Seconds(od->retry_after)),
                 Seconds(od->retry_after)};
}

std::optional<http::Response> RateLimitMiddleware::Before(http::Request& request,
                                                          const http::Route& route) {
  t_headers.reset();
  if (route.meta.rate_limit_group.empty() || !request.principal) return std::nullopt;
  auto refusal = Check(*request.principal, route.meta.rate_limit_group);
  if (!refusal) return std::nullopt;
  auto resp =
      http::ErrorResponse(Status(ErrorCode::kRateLimited, refusal->message), request.request_id);
  resp.headers.Set("Retry-After", refusal->retry_after_s);
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
