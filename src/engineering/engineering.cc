#include "engineering/engineering.h"

#include <chrono>
#include <cmath>

#include "base/clock.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "http/json.h"
#include "sign/code_edition.h"
#include "sign/structure.h"
#include "sign/wind.h"

namespace signx::engineering {
namespace {

namespace json = boost::json;

// Answers never go stale within a constants version (it is part of the key): a long TTL.
constexpr std::chrono::hours kAnswerTtl{24 * 365};

// AppendJsonString's bytes, copying a string that needs no escaping in one piece (trace texts
// are plain ASCII; the per-character path was the largest cost of an answer).
void AppendString(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      AppendJsonString(out, s);
      return;
    }
  }
  out += '"';
  out += s;
  out += '"';
}

}  // namespace

Result<std::string> AnswerText(const sign::Calculation& calc) {
  // The bytes of http::ToJsonText(sign::ToJson(calc)), written without building the trace's DOM
  // (the trace is most of the answer).
  bool finite = std::isfinite(calc.confidence) && sign::AllFinite(calc.result);
  std::string out;
  out.reserve(1024 + 160 * calc.trace.size());
  out += "{\"kind\":";
  AppendString(out, calc.kind);
  out += calc.pass ? ",\"pass\":true,\"result\":" : ",\"pass\":false,\"result\":";
  out += http::ToJsonText(calc.result);
  out += ",\"assumptions\":[";
  for (size_t i = 0; i < calc.assumptions.size(); ++i) {
    if (i > 0) out += ',';
    AppendString(out, calc.assumptions[i]);
  }
  out += "],\"confidence\":";
  http::AppendJsonNumber(out, calc.confidence);
  out += ",\"trace\":[";
  for (size_t i = 0; i < calc.trace.size(); ++i) {
    const sign::TraceEntry& t = calc.trace[i];
    finite = finite && std::isfinite(t.value);
    out += i > 0 ? ",{\"symbol\":" : "{\"symbol\":";
    AppendString(out, t.symbol);
    out += ",\"description\":";
    AppendString(out, t.description);
    out += ",\"value\":";
    http::AppendJsonNumber(out, t.value);
    out += ",\"unit\":";
    AppendString(out, t.unit);
    out += ",\"clause\":";
    AppendString(out, t.clause);
    out += '}';
  }
  out += "],\"code\":";
  out += http::ToJsonText(calc.code);
  out += ",\"constants_version\":";
  AppendString(out, calc.constants_version);
  out += '}';
  if (!finite) return Internal("engineering: the calculation produced a non-finite number");
  return out;
}

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
Result<std::string> EngineeringService::Cached(std::string_view kind, const json::object& canonical,
                                               Compute compute) {
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
  SIGNX_ASSIGN_OR_RETURN(std::string text, AnswerText(compute()));
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
