// Schedules for recurring jobs: a small, documented cron subset, evaluated in UTC.
//
// Accepted forms:
//   "@every <n><unit>"  fixed interval, unit s, m, h or d ("@every 30s", "@every 5m"); slots are
//                       aligned to multiples of the interval since the Unix epoch, so every
//                       replica computes the same slots. The interval must be at least 1 s.
//   "@hourly"           minute 0 of every hour   (same as "0 * * * *")
//   "@daily"            00:00 UTC every day       (same as "0 0 * * *")
//   "m h * * *"         five cron fields where minute and hour are "*", a number, "*/n" or a
//                       comma list of numbers ("0,30"); ranges ("8-17") are not supported.
//                       Day-of-month, month and day-of-week must be "*".
// Anything else is rejected with kInvalidArgument naming the problem.
// Thread-safety: Schedule is an immutable value.
#pragma once

#include <bitset>
#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace signx::jobs {

class Schedule {
 public:
  static Result<Schedule> Parse(std::string_view text);

  // The first slot strictly after `after`.
  Timestamp Next(Timestamp after) const;

  const std::string& text() const { return text_; }

 private:
  Schedule() = default;
  std::string text_;
  std::chrono::microseconds every_{0};  // > 0 for "@every"
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
};

}  // namespace signx::jobs
