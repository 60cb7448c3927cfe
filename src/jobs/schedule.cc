#include "jobs/schedule.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>


namespace signx::jobs {
namespace {

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ParseUint(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 12) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

// One cron field over [0, n): "*", "k", "*/k" or "a,b,c".
template <std::size_t N>
Status ParseField(std::string_view field, std::string_view name, std::bitset<N>& bits) {
  bits.reset();
  if (field == "*") {
    bits.set();
    return Status::Ok();
  }
  if (field.starts_with("*/")) {
    int64_t step = 0;
    if (!ParseUint(field.substr(2), step) || step < 1 || step >= static_cast<int64_t>(N)) {
      return InvalidArgument(fmt::format("{} step '{}' must be 1..{}", name, field, N - 1));
    }
    for (std::size_t i = 0; i < N; i += static_cast<std::size_t>(step)) bits.set(i);
    return Status::Ok();
  }
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t comma = field.find(',', start);
    if (comma == std::string_view::npos) comma = field.size();
    int64_t v = 0;
    if (!ParseUint(field.substr(start, comma - start), v) || v >= static_cast<int64_t>(N)) {
      return InvalidArgument(fmt::format("{} '{}' must be *, */n, or numbers 0..{} separated by commas",
                                         name, field, N - 1));
    }
    bits.set(static_cast<std::size_t>(v));
    start = comma + 1;
  }
  return Status::Ok();
}

}  // namespace

Result<Schedule> Schedule::Parse(std::string_view text) {
  Schedule s;
  s.text_ = std::string(text);
  const auto fields = SplitSpaces(text);
  if (fields.empty()) return InvalidArgument("schedule is empty");
  if (fields[0] == "@hourly" || fields[0] == "@daily") {
    if (fields.size() != 1) return InvalidArgument(fmt::format("unexpected text after {}", fields[0]));
    s.minutes_.set(0);
    if (fields[0] == "@hourly") {
      s.hours_.set();
    } else {
      s.hours_.set(0);
    }
    return s;
  }
  if (fields[0] == "@every") {
    if (fields.size() != 2) return InvalidArgument("@every needs one interval, e.g. \"@every 5m\"");
    std::string_view iv = fields[1];
    const char unit = iv.empty() ? '\0' : iv.back();
    int64_t n = 0;
    if (!ParseUint(iv.substr(0, iv.empty() ? 0 : iv.size() - 1), n) || n < 1) {
      return InvalidArgument(fmt::format("interval '{}' must be a positive number and a unit", iv));
    }
    int64_t unit_s = 0;
    switch (unit) {
      case 's': unit_s = 1; break;
      case 'm': unit_s = 60; break;
      case 'h': unit_s = 3600; break;
      case 'd': unit_s = 86400; break;
      default:
        return InvalidArgument(fmt::format("interval '{}' unit must be s, m, h or d", iv));
    }
    if (n > 366 * 86400 / unit_s) return InvalidArgument(fmt::format("interval '{}' is too long", iv));
    s.every_ = std::chrono::seconds(n * unit_s);
    return s;
  }
  if (fields.size() != 5) {
    return InvalidArgument(
        "schedule must be \"@every <n><s|m|h|d>\", \"@hourly\", \"@daily\" or \"m h * * *\"");
  }
  SIGNX_RETURN_IF_ERROR(ParseField(fields[0], "minute", s.minutes_));
  SIGNX_RETURN_IF_ERROR(ParseField(fields[1], "hour", s.hours_));
  for (int i = 2; i < 5; ++i) {
    if (fields[static_cast<std::size_t>(i)] != "*") {
      return InvalidArgument(
          "only \"*\" is supported for day-of-month, month and day-of-week (\"m h * * *\")");
    }
  }
  return s;
}

Timestamp Schedule::Next(Timestamp after) const {
  const int64_t us = UnixMicros(after);
  if (every_.count() > 0) {
    const int64_t step = every_.count();
    const int64_t floor = (us >= 0 ? us / step : (us - step + 1) / step) * step;
    return FromUnixMicros(floor + step);
  }
  constexpr int64_t kMinute = 60'000'000;
  int64_t t = (us >= 0 ? us / kMinute : (us - kMinute + 1) / kMinute) * kMinute + kMinute;
  // Minute and hour fields repeat daily, so a match exists within 24 h.
  for (int i = 0; i <= 24 * 60; ++i, t += kMinute) {
    const int64_t minute_of_day = ((t / kMinute) % 1440 + 1440) % 1440;
    if (minutes_.test(static_cast<std::size_t>(minute_of_day % 60)) &&
        hours_.test(static_cast<std::size_t>(minute_of_day / 60))) {
      return FromUnixMicros(t);
    }
  }
  SIGNX_CHECK(false, "schedule has no slot within a day");
  return after;
}

}  // namespace signx::jobs
