// EngineeringService: the engineering calculations of the `sign` module (sign/wind.h,
// sign/support.h, sign/foundation.h, sign/structure.h) behind validated JSON in, JSON text out,
// with a bounded in-memory LRU of answers keyed by the SHA-256 of (kind, canonical input,
// constants version). The calculations are pure and deterministic, so a cached answer is
// byte-identical to a recomputed one; a new constants version misses every old entry.
//
// CheckStructure is what studio calls on a project's structure payload (no HTTP, no cache):
// pass/fail plus the whole calculation; docs/engineering.md documents the payload.
//
// An answer that would hold a NaN or an infinity is refused with kInternal, never sent.
//
// Thread-safety: every method is thread-safe (the cache has its own mutex; the rest is pure).
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cache/memory_cache.h"
#include "sign/calculation.h"

namespace signx::engineering {

// Studio's entry point: validates `payload` ({"wind": {...}, "pole": {...}, "footing": {...}};
// 422 naming each bad field as "wind.<field>", "pole.<field>", "footing.<field>") and returns the
// calculation; calc.pass is the structure's verdict, ToJson(calc) its JSON.
Result<sign::Calculation> CheckStructure(const boost::json::object& payload);

// The answer's JSON text: the same bytes as http::ToJsonText(sign::ToJson(calc)), or kInternal
// when any number in it is NaN or infinite.
Result<std::string> AnswerText(const sign::Calculation& calc);

struct EngineeringOptions {
  std::size_t cache_entries = 10'000;
  std::size_t cache_bytes = 64 << 20;
};

class EngineeringService {
 public:
  explicit EngineeringService(EngineeringOptions options = {});

  // JSON text of {kind, pass, result, assumptions, confidence, trace, code, constants_version},
  // or ValidationFailed naming every bad field and its limit.
  Result<std::string> SignWind(const boost::json::object& body);
  Result<std::string> Support(const boost::json::object& body);
  Result<std::string> Foundation(const boost::json::object& body);

  // Cache statistics (tests, metrics).
  std::size_t hits() const { return hits_.load(); }
  std::size_t misses() const { return misses_.load(); }

 private:
  // The cached answer for (kind, canonical input), computing it with `compute` on a miss.
  template <typename Compute>
  Result<std::string> Cached(std::string_view kind, const boost::json::object& canonical,
                             Compute compute);

  std::unique_ptr<cache::MemoryCache> cache_;
  std::atomic<std::size_t> hits_{0};
  std::atomic<std::size_t> misses_{0};
};

}  // namespace signx::engineering
