// Clock seam: production code asks a Clock for the time so tests can control it.
// SystemClock is stateless; FakeClock is thread-safe (atomic) and starts at a fixed instant.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx {

using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC), microsecond precision.
  virtual Timestamp Now() const = 0;
  // Monotonic time for measuring durations.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  // A process-wide instance.
  static const SystemClock& Get();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp(std::chrono::seconds(1'767'225'600)));  // 2026-01-01
  Timestamp Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void Advance(std::chrono::microseconds delta);
  void Set(Timestamp t);

 private:
  std::atomic<int64_t> micros_;
  std::atomic<int64_t> mono_micros_{0};
};

// RFC 3339 UTC with millisecond precision: "2026-11-24T10:15:30.123Z".
std::string FormatRfc3339(Timestamp t);
// Parses RFC 3339 ("2026-11-24T10:15:30Z", fractional seconds and +hh:mm offsets accepted).
Result<Timestamp> ParseRfc3339(std::string_view text);

inline int64_t UnixMicros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixMicros(int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

}  // namespace signx
