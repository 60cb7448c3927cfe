#include "base/clock.h"

#include <fmt/format.h>

#include <charconv>

namespace signx {

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}
std::chrono::steady_clock::time_point SystemClock::Monotonic() const {
  return std::chrono::steady_clock::now();
}
const SystemClock& SystemClock::Get() {
  static const SystemClock kClock;
  return kClock;
}

FakeClock::FakeClock(Timestamp start) : micros_(UnixMicros(start)) {}
Timestamp FakeClock::Now() const { return FromUnixMicros(micros_.load()); }
std::chrono::steady_clock::time_point FakeClock::Monotonic() const {
  return std::chrono::steady_clock::time_point(std::chrono::microseconds(mono_micros_.load()));
}
void FakeClock::Advance(std::chrono::microseconds delta) {
  micros_ += delta.count();
  mono_micros_ += delta.count();
}
void FakeClock::Set(Timestamp t) { micros_ = UnixMicros(t); }

std::string FormatRfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<milliseconds>(t - day)};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

namespace {
bool ReadInt(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::from_chars(s.data() + pos, s.data() + pos + len, out).ec == std::errc();
}
}  // namespace

Result<Timestamp> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  const auto bad = [&] {
    return InvalidArgument(fmt::format("'{}' is not an RFC 3339 timestamp", s));
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !ReadInt(s, 0, 4, y) || s[4] != '-' || !ReadInt(s, 5, 2, mo) ||
      s[7] != '-' || !ReadInt(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !ReadInt(s, 11, 2, h) || s[13] != ':' || !ReadInt(s, 14, 2, mi) || s[16] != ':' ||
      !ReadInt(s, 17, 2, sec)) {
    return bad();
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad();
  std::size_t pos = 19;
  int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) frac_us = frac_us * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 6; ++i) frac_us *= 10;
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ReadInt(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadInt(s, pos + 4, 2, om)) {
      return bad();
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) - minutes(offset_min);
  return Timestamp(duration_cast<microseconds>(t.time_since_epoch()) + microseconds(frac_us));
}

}  // namespace signx
