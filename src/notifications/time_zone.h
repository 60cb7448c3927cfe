// Time zones for quiet hours and digests: IANA names ("America/Chicago") read from the system's
// compiled tz database (TZif files under /usr/share/zoneinfo, Debian package tzdata), and the
// pure local-time rules of notification preferences.
//
// The reader uses the 64-bit (v2+) section of a TZif file: its transitions and their UTC offsets.
// Debian ships "fat" files whose transitions are listed through 2037; past the last transition the
// last offset holds (the POSIX TZ footer is not evaluated).
//
// Thread-safety: TimeZone is an immutable value; LoadTimeZone caches zones behind a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::notifications {

inline constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

class TimeZone {
 public:
  // UTC (no transitions).
  TimeZone() = default;
  // Parses TZif bytes. kInvalidArgument when they are not a TZif file.
  static Result<TimeZone> FromTzif(std::string name, std::string_view bytes);

  const std::string& name() const { return name_; }
  // The zone's offset from UTC at instant `t`.
  std::chrono::seconds OffsetAt(Timestamp t) const;

 private:
  std::string name_ = "UTC";
  std::vector<int64_t> transitions_;  // unix seconds, ascending
  std::vector<int32_t> offsets_;      // offset in effect from transitions_[i]
  int32_t initial_offset_ = 0;        // before the first transition
};

// True for a plausible zone name: "UTC" or Area/Location of [A-Za-z0-9_+-], no "..", at most
// 64 bytes.
bool IsValidZoneName(std::string_view name);

// Loads (and caches) zone `name` from `dir`. kValidationFailed (field time_zone) for an invalid or
// unknown name.
Result<std::shared_ptr<const TimeZone>> LoadTimeZone(std::string_view name,
                                                     std::string_view dir = kZoneInfoDir);

// Quiet hours from `start_min` to `end_min` (minutes after local midnight, 0..1439; the window may
// wrap past midnight, e.g. 22:00-07:00; start == end means no quiet hours). When local time at
// `now` is inside the window: the instant the window ends (local end_min:00); otherwise nullopt.
std::optional<Timestamp> QuietUntil(const TimeZone& zone, int start_min, int end_min,
                                    Timestamp now);

// The first instant strictly after `after` whose local time is `hour`:00.
Timestamp NextLocalHour(const TimeZone& zone, int hour, Timestamp after);

// "2026-12-07T08:00:00-06:00" (local time with its offset).
std::string FormatLocal(const TimeZone& zone, Timestamp t);

}  // namespace signx::notifications
