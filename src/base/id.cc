#include "base/id.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <random>

namespace signx {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct UlidState {
  std::mutex mu;
  uint64_t last_ms = 0;
  // 80 random bits as hi (16 bits) + lo (64 bits).
  uint64_t rand_hi = 0;
  uint64_t rand_lo = 0;
  std::mt19937_64 rng{std::random_device{}()};
};

UlidState& State() {
  static UlidState state;
  return state;
}

}  // namespace

std::string NewId(std::string_view prefix, const Clock& clock) {
  const uint64_t ms = static_cast<uint64_t>(UnixMicros(clock.Now()) / 1000);
  uint64_t hi, lo, time_ms;
  {
    UlidState& s = State();
    std::lock_guard lock(s.mu);
    if (ms <= s.last_ms) {
      // Same (or earlier) millisecond: increment the random part to stay monotonic.
      if (++s.rand_lo == 0) s.rand_hi = (s.rand_hi + 1) & 0xFFFF;
    } else {
      s.last_ms = ms;
      s.rand_hi = s.rng() & 0xFFFF;
      s.rand_lo = s.rng();
    }
    hi = s.rand_hi;
    lo = s.rand_lo;
    time_ms = s.last_ms;
  }
  std::string out;
  out.reserve(prefix.size() + 27);
  out.append(prefix);
  out.push_back('_');
  // 48-bit time -> 10 chars (50 bits, top 2 zero).
  for (int i = 9; i >= 0; --i) out.push_back(kCrockford[(time_ms >> (i * 5)) & 31]);
  // 80-bit randomness -> 16 chars.
  for (int i = 15; i >= 0; --i) {
    const int shift = i * 5;
    uint64_t v;
    if (shift >= 64) {
      v = hi >> (shift - 64);
    } else if (shift > 59) {
      v = (lo >> shift) | (hi << (64 - shift));
    } else {
      v = lo >> shift;
    }
    out.push_back(kCrockford[v & 31]);
  }
  return out;
}

bool IsValidId(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 27 || id.substr(0, prefix.size()) != prefix ||
      id[prefix.size()] != '_') {
    return false;
  }
  for (char c : id.substr(prefix.size() + 1)) {
    bool found = false;
    for (char k : std::string_view(kCrockford)) found |= (c == k);
    if (!found) return false;
  }
  return id[prefix.size() + 1] <= '7';  // 48-bit time: the first char carries only 3 bits
}

}  // namespace signx
