#include "cache/fallback_rate_limiter.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace signx::cache {

FallbackRateLimiter::FallbackRateLimiter(std::unique_ptr<RateLimiter> primary,
                                         std::shared_ptr<RedisClient> client, const Clock& clock,
                                         FallbackOptions options)
    : primary_(std::move(primary)),
      client_(std::move(client)),
      fallback_(clock),
      clock_(clock),
      options_(std::move(options)) {}

bool FallbackRateLimiter::ShouldTryPrimary() {
  if (!degraded_.load()) return true;
  std::lock_guard lock(mu_);
  const auto now = clock_.Monotonic();
  if (now < next_try_) return false;
  // One check per interval probes the primary; the others keep using the fallback meanwhile.
  next_try_ = now + options_.retry_interval;
  return true;
}

void FallbackRateLimiter::MarkFailed(const Status& error) {
  std::lock_guard lock(mu_);
  last_error_ = error.ToString();
  next_try_ = clock_.Monotonic() + options_.retry_interval;
  if (!degraded_.exchange(true)) {
    spdlog::warn(
        "{} is unavailable: rate limits now hold per replica (in-process fallback) until it "
        "recovers: {}",
        options_.backend_name, last_error_);
  }
}

void FallbackRateLimiter::MarkHealthy() {
  if (!degraded_.load()) return;
  if (degraded_.exchange(false)) {
    spdlog::info(
        "{} recovered: rate limits are shared by every replica again ({} checks ran on "
        "the in-process fallback so far)",
        options_.backend_name, fallbacks_.load());
  }
}

Result<Decision> FallbackRateLimiter::AllowValidated(std::string_view key, const Limit& limit,
                                                     double cost) {
  if (ShouldTryPrimary()) {
    // Allow, not AllowValidated: the primary is another object, and validation is cheap.
    Result<Decision> d = primary_->Allow(key, limit, cost);
    if (d.ok()) {
      MarkHealthy();
      return d;
    }
    MarkFailed(d.status());
  }
  fallbacks_.fetch_add(1);
  return fallback_.Allow(key, limit, cost);
}

Status FallbackRateLimiter::Probe() {
  if (client_ == nullptr) return Status::Ok();
  Result<RedisReply> pong = client_->Command({"PING"});
  Status st = pong.ok() ? Status::Ok() : pong.status();
  if (st.ok() && pong->is_error()) st = Unavailable(options_.backend_name + " PING: " + pong->str);
  if (st.ok()) {
    MarkHealthy();
  } else {
    MarkFailed(st);
  }
  return st;
}

std::optional<BackendState> FallbackRateLimiter::backend_state() const {
  BackendState s;
  s.name = options_.backend_name;
  s.degraded = degraded_.load();
  s.fallback_total = fallbacks_.load();
  {
    std::lock_guard lock(mu_);
    s.last_error = last_error_;
  }
  return s;
}

}  // namespace signx::cache
