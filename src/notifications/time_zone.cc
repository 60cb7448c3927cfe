#include "notifications/time_zone.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace signx::notifications {
namespace {

using std::chrono::seconds;

int64_t Be(std::string_view b, std::size_t at, int n) {
  int64_t v = 0;
  for (int i = 0; i < n; ++i)
    v = (v << 8) | static_cast<uint8_t>(b[at + static_cast<std::size_t>(i)]);
  if (n == 4) v = static_cast<int32_t>(static_cast<uint32_t>(v));
  return v;
}

int64_t UnixSeconds(Timestamp t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<TimeZone> TimeZone::FromTzif(std::string name, std::string_view b) {
  auto bad = [&] { return InvalidArgument(fmt::format("{} is not a TZif file", name)); };
  if (b.size() < 44 || b.substr(0, 4) != "TZif") return bad();
  const char version = b[4];
  std::size_t at = 0;
  int time_bytes = 4;
  auto counts = [&](std::size_t h, int64_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = Be(b, h + 20 + 4 * static_cast<std::size_t>(i), 4);
  };
  int64_t c[6];
  counts(0, c);
  if (version >= '2') {
    // Skip the v1 block: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
    const std::size_t v1 =
        static_cast<std::size_t>(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    at = 44 + v1;
    if (b.size() < at + 44 || b.substr(at, 4) != "TZif") return bad();
    counts(at, c);
    time_bytes = 8;
  }
  const int64_t timecnt = c[3], typecnt = c[4];
  std::size_t p = at + 44;
  const std::size_t need =
      p + static_cast<std::size_t>(timecnt * time_bytes + timecnt + typecnt * 6);
  if (typecnt < 1 || timecnt < 0 || b.size() < need) return bad();
  TimeZone z;
  z.name_ = std::move(name);
  std::vector<int64_t> times(static_cast<std::size_t>(timecnt));
  for (auto& t : times) {
    t = Be(b, p, time_bytes);
    p += static_cast<std::size_t>(time_bytes);
  }
  std::vector<uint8_t> idx(static_cast<std::size_t>(timecnt));
  for (auto& i : idx) i = static_cast<uint8_t>(b[p++]);
  std::vector<int32_t> type_offset(static_cast<std::size_t>(typecnt));
  std::vector<bool> type_dst(static_cast<std::size_t>(typecnt));
  for (std::size_t i = 0; i < type_offset.size(); ++i) {
    type_offset[i] = static_cast<int32_t>(Be(b, p, 4));
    type_dst[i] = b[p + 4] != 0;
    p += 6;
  }
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (idx[i] >= type_offset.size()) return bad();
    z.transitions_.push_back(times[i]);
    z.offsets_.push_back(type_offset[idx[i]]);
  }
  z.initial_offset_ = type_offset[0];
  for (std::size_t i = 0; i < type_offset.size(); ++i) {
    if (!type_dst[i]) {
      z.initial_offset_ = type_offset[i];
      break;
    }
  }
  return z;
}

std::chrono::seconds TimeZone::OffsetAt(Timestamp t) const {
  const int64_t s = UnixSeconds(t);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
  if (it == transitions_.begin()) return seconds(initial_offset_);
  return seconds(offsets_[static_cast<std::size_t>(it - transitions_.begin() - 1)]);
}

bool IsValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/' ||
      name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '+' || c == '-' || c == '/';
  });
}

Result<std::shared_ptr<const TimeZone>> LoadTimeZone(std::string_view name, std::string_view dir) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  if (!IsValidZoneName(name)) {
    return ValidationFailed({{"time_zone",
                              "must be an IANA time zone name such as "
                              "America/Chicago or UTC"}});
  }
  const std::string key = std::string(dir) + "/" + std::string(name);
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  std::ifstream in(key, std::ios::binary);
  std::stringstream ss;
  if (in) ss << in.rdbuf();
  auto zone = in ? TimeZone::FromTzif(std::string(name), ss.str()) : Result<TimeZone>(NotFound(""));
  if (!zone.ok()) {
    return ValidationFailed({{"time_zone", fmt::format("unknown time zone '{}'", name)}});
  }
  auto shared = std::make_shared<const TimeZone>(std::move(*zone));
  std::lock_guard lock(mu);
  cache.emplace(key, shared);
  return shared;
}

std::optional<Timestamp> QuietUntil(const TimeZone& zone, int start_min, int end_min,
                                    Timestamp now) {
  if (start_min == end_min) return std::nullopt;
  const int64_t local = UnixSeconds(now) + zone.OffsetAt(now).count();
  const int64_t day_s = local - FloorDiv(local, 86400) * 86400;  // seconds into the local day
  const int minute = static_cast<int>(day_s / 60);
  const bool inside = start_min < end_min ? (minute >= start_min && minute < end_min)
                                          : (minute >= start_min || minute < end_min);
  if (!inside) return std::nullopt;
  const int64_t until_end = ((static_cast<int64_t>(end_min) * 60 - day_s) % 86400 + 86400) % 86400;
  Timestamp end = now + seconds(until_end);
  // A DST change inside the window moves the local end by the offset difference.
  const auto shift = zone.OffsetAt(end) - zone.OffsetAt(now);
  end -= shift;
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      Timestamp(seconds(UnixSeconds(end))));
}

Timestamp NextLocalHour(const TimeZone& zone, int hour, Timestamp after) {
  const int64_t s = UnixSeconds(after);
  const int64_t local = s + zone.OffsetAt(after).count();
  const int64_t day_start = FloorDiv(local, 86400) * 86400;
  for (int d = 0; d < 3; ++d) {
    const int64_t local_target = day_start + 86400 * d + 3600 * static_cast<int64_t>(hour);
    // Two passes settle the offset at the target (DST days).
    int64_t utc = local_target - zone.OffsetAt(Timestamp(seconds(local_target))).count();
    utc = local_target - zone.OffsetAt(Timestamp(seconds(utc))).count();
    if (utc > s) return Timestamp(seconds(utc));
  }
  return after + std::chrono::hours(24);
}

std::string FormatLocal(const TimeZone& zone, Timestamp t) {
  const int64_t off = zone.OffsetAt(t).count();
  const int64_t local = UnixSeconds(t) + off;
  const int64_t days = FloorDiv(local, 86400);
  const int64_t sod = local - days * 86400;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2);
  const int64_t aoff = off < 0 ? -off : off;
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{:02d}:{:02d}", year, month, day,
                     sod / 3600, sod / 60 % 60, sod % 60, off < 0 ? '-' : '+', aoff / 3600,
                     aoff / 60 % 60);
}

}  // namespace signx::notifications
