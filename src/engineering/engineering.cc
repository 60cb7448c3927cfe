#include "engineering/engineering.h"

#include <chrono>

#include "base/clock.h"
#include "base/sha256.h"
#include "http/json.h"
#include "sign/code_edition.h"
#include "sign/structure.h"
#include "sign/wind.h"

namespace signx::engineering {
namespace {

namespace json = boost::json;

// Answers never go stale within a constants version (it is part of the key): a long TTL.
constexpr std::chrono::hours kAnswerTtl{24 * 365};

Result<std::string> Answer(const sign::Calculation& calc) {
  const json::value doc = sign::ToJson(calc);
  if (!sign::AllFinite(doc)) {
    return Internal("engineering: the calculation produced a non-finite number");
  }
  return http::ToJsonText(doc);
}

}  // namespace

Result<sign::Calculation> CheckStructure(const json::object& payload) {
  SIGNX_ASSIGN_OR_RETURN(sign::Calculation calc, sign::CheckStructure(payload));
  if (!sign::AllFinite(json::value(sign::ToJson(calc)))) {
    return Internal("engineering: the structure check produced a non-finite number");
  }
  return calc;
}

EngineeringService::EngineeringService(EngineeringOptions options)
    : cache_(std::make_unique<cache::MemoryCache>(
          SystemClock::Get(), cache::MemoryCacheOptions{.max_entries = options.cache_entries,
                                                        .max_bytes = options.cache_bytes})) {}

template <typename Compute>
Result<std::string> EngineeringService::Cached(std::string_view kind,
                                               const json::object& canonical, Compute compute) {
  std::string key_text(kind);
  key_text += '\n';
  key_text += http::ToJsonText(canonical);
  key_text += '\n';
  key_text += sign::kConstantsVersion;
  const std::string key = "eng:" + Sha256Hex(key_text);
  if (auto hit = cache_->Get(key); hit.ok() && hit->has_value()) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return std::move(**hit);
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  SIGNX_ASSIGN_OR_RETURN(std::string text, Answer(compute()));
  cache_->Set(key, text, kAnswerTtl).IgnoreError();  // a full cache only costs a recompute
  return text;
}

Result<std::string> EngineeringService::SignWind(const json::object& body) {
  SIGNX_ASSIGN_OR_RETURN(sign::SignWindInput in, sign::ParseSignWindInput(body));
  return Cached("sign-wind", sign::ToJson(in), [&] { return sign::SignWindCalculation(in); });
}

Result<std::string> EngineeringService::Support(const json::object& body) {
  SIGNX_ASSIGN_OR_RETURN(sign::SupportInput in, sign::ParseSupportInput(body));
  return Cached("support", sign::ToJson(in), [&] { return sign::SupportCheck(in); });
}

Result<std::string> EngineeringService::Foundation(const json::object& body) {
  SIGNX_ASSIGN_OR_RETURN(sign::FoundationRequest in, sign::ParseFoundationInput(body));
  return Cached("foundation", sign::ToJson(in), [&] { return sign::FoundationCalculation(in); });
}

}  // namespace signx::engineering
