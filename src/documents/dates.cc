#include "documents/dates.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "base/strings.h"
#include "documents/internal/windows.h"

namespace signx::documents {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::weekday;

constexpr const char* kMonth =
    "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
constexpr const char* kWeekday =
    "(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri|sat|sun)";
constexpr const char* kNumber =
    "(\\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
    "fifteen|twenty|thirty)";

int MonthOf(std::string_view name) {
  static constexpr std::string_view kNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string lower = ToLower(name.substr(0, 3));
  for (int i = 0; i < 12; ++i) {
    if (lower == kNames[i]) return i + 1;
  }
  return 0;
}

int WeekdayOf(std::string_view name) {  // 0 = Sunday (std::chrono::weekday encoding)
  static constexpr std::string_view kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  const std::string lower = ToLower(name.substr(0, 3));
  for (int i = 0; i < 7; ++i) {
    if (lower == kNames[i]) return i;
  }
  return -1;
}

int NumberOf(std::string_view s) {
  if (auto n = ParseInt(s)) return static_cast<int>(*n);
  static constexpr std::pair<std::string_view, int> kWords[] = {
      {"one", 1},       {"two", 2},      {"three", 3},   {"four", 4},
      {"five", 5},      {"six", 6},      {"seven", 7},   {"eight", 8},
      {"nine", 9},      {"ten", 10},     {"eleven", 11}, {"twelve", 12},
      {"fourteen", 14}, {"fifteen", 15}, {"twenty", 20}, {"thirty", 30}};
  const std::string lower = ToLower(s);
  for (auto [w, n] : kWords) {
    if (lower == w) return n;
  }
  return 0;
}

std::optional<Day> Make(int y, int m, int d) {
  const Day day{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                std::chrono::day(static_cast<unsigned>(d))};
  if (!day.ok()) return std::nullopt;
  return day;
}

Day Add(Day d, int n) { return Day(sys_days(d) + days(n)); }

// The first `wd` strictly after `a`.
Day NextWeekday(Day a, int wd) {
  const weekday cur(sys_days{a});
  int diff = (wd - static_cast<int>(cur.c_encoding()) + 7) % 7;
  if (diff == 0) diff = 7;
  return Add(a, diff);
}

// Monday of a's week.
Day WeekStart(Day a) {
  const weekday cur(sys_days{a});
  const int since_monday = (static_cast<int>(cur.c_encoding()) + 6) % 7;
  return Add(a, -since_monday);
}

Day AddBusinessDays(Day a, int n) {
  Day d = a;
  while (n > 0) {
    d = Add(d, 1);
    const unsigned wd = weekday(sys_days{d}).c_encoding();
    if (wd != 0 && wd != 6) --n;
  }
  return d;
}

Day AddMonths(Day a, int n) {
  auto ym = std::chrono::year_month(a.year(), a.month()) + std::chrono::months(n);
  auto last = std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month()));
  const unsigned d = std::min(static_cast<unsigned>(a.day()), static_cast<unsigned>(last.day()));
  return Day(ym.year(), ym.month(), std::chrono::day(d));
}

Day YearFor(int m, int d, Day anchor, bool* ok) {
  auto day = Make(static_cast<int>(anchor.year()), m, d);
  *ok = day.has_value();
  if (!day) return anchor;
  if (sys_days(*day) < sys_days(anchor) - days(183)) {
    auto next = Make(static_cast<int>(anchor.year()) + 1, m, d);
    if (next) return *next;
  }
  return *day;
}

struct Rx {
  std::regex iso, numeric, month_day, day_month, relative;
};

const Rx& Patterns() {
  static const Rx rx = [] {
    const auto f = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;
    Rx r;
    r.iso = std::regex(R"(\b(\d{4})-(\d{1,2})-(\d{1,2})\b)", f);
    r.numeric = std::regex(R"(\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b)", f);
    r.month_day = std::regex(
        std::string("\\b") + kMonth + R"(\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?)", f);
    r.day_month = std::regex(std::string(R"(\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?)") + kMonth +
                                 R"(\b\.?(?:,?\s+(\d{4})\b)?)",
                             f);
    r.relative = std::regex(
        std::string(R"(\b(?:(today|tonight|tomorrow|yesterday|eod|cob|eow|eom|)") +
            R"(end of (?:the )?(?:business )?(?:day|week|month)|next week|next month)|)" +
            R"((next|this|by|on|before|until|due)\s+)" + kWeekday + R"(|)" + kWeekday + R"(|)" +
            R"((?:in|within)\s+)" + kNumber +
            R"(\s+(business\s+|working\s+)?(day|week|month)s?)\b)",
        f);
    return r;
  }();
  return rx;
}

}  // namespace

std::string FormatDay(Day d) {
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::optional<Day> ParseDay(std::string_view iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
  auto y = ParseInt(iso.substr(0, 4)), m = ParseInt(iso.substr(5, 2)),
       d = ParseInt(iso.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  return Make(static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*d));
}

namespace {

void FindDatesIn(std::string_view text, std::size_t offset, Day anchor,
                 std::vector<DateMention>& out) {
  const std::string s(text);
  const Rx& rx = Patterns();
  auto add = [&](const std::smatch& m, std::optional<Day> d, bool relative) {
    if (!d) return;
    out.push_back({offset + static_cast<std::size_t>(m.position()),
                   offset + static_cast<std::size_t>(m.position() + m.length()), m.str(), *d,
                   relative});
  };
  const bool digits = std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    for (auto it = std::sregex_iterator(s.begin(), s.end(), rx.iso); it != std::sregex_iterator();
         ++it) {
      add(*it, Make(std::stoi((*it)[1]), std::stoi((*it)[2]), std::stoi((*it)[3])), false);
    }
    for (auto it = std::sregex_iterator(s.begin(), s.end(), rx.numeric);
         it != std::sregex_iterator(); ++it) {
      int y = std::stoi((*it)[3]);
      if ((*it)[3].length() == 2) y += 2000;
      add(*it, Make(y, std::stoi((*it)[1]), std::stoi((*it)[2])), false);
    }
    for (auto it = std::sregex_iterator(s.begin(), s.end(), rx.month_day);
         it != std::sregex_iterator(); ++it) {
      const int m = MonthOf((*it)[1].str());
      const int d = std::stoi((*it)[2]);
      if ((*it)[3].matched) {
        add(*it, Make(std::stoi((*it)[3]), m, d), false);
      } else {
        bool ok = false;
        Day day = YearFor(m, d, anchor, &ok);
        if (ok) add(*it, day, false);
      }
    }
    for (auto it = std::sregex_iterator(s.begin(), s.end(), rx.day_month);
         it != std::sregex_iterator(); ++it) {
      const int d = std::stoi((*it)[1]);
      const int m = MonthOf((*it)[2].str());
      if ((*it)[3].matched) {
        add(*it, Make(std::stoi((*it)[3]), m, d), false);
      } else {
        bool ok = false;
        Day day = YearFor(m, d, anchor, &ok);
        if (ok) add(*it, day, false);
      }
    }
  }
  for (auto it = std::sregex_iterator(s.begin(), s.end(), rx.relative);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    std::optional<Day> d;
    if (m[1].matched) {
      const std::string w = ToLower(m[1].str());
      if (w == "today" || w == "tonight" || w == "eod" || w == "cob" ||
          (w.find("end of") == 0 && w.find("day") != std::string::npos)) {
        d = anchor;
      } else if (w == "tomorrow") {
        d = Add(anchor, 1);
      } else if (w == "yesterday") {
        d = Add(anchor, -1);
      } else if (w == "next week") {
        d = Add(WeekStart(anchor), 7);
      } else if (w == "next month") {
        d = AddMonths(Day(anchor.year(), anchor.month(), std::chrono::day(1)), 1);
      } else if (w == "eow" || w.find("week") != std::string::npos) {
        const unsigned wd = weekday(sys_days{anchor}).c_encoding();
        d = wd == 0 || wd == 6 ? NextWeekday(anchor, 5) : Add(WeekStart(anchor), 4);
      } else if (w == "eom" || w.find("month") != std::string::npos) {
        d = Day(std::chrono::year_month_day_last(anchor.year(),
                                                 std::chrono::month_day_last(anchor.month())));
      }
    } else if (m[3].matched || m[4].matched) {
      const std::string lead = ToLower(m[2].str());
      const int wd = WeekdayOf(m[3].matched ? m[3].str() : m[4].str());
      // A bare "may"/"sat"/"sun"/"wed" is too often a word: only with a lead-in or full name.
      const std::string name = ToLower(m[3].matched ? m[3].str() : m[4].str());
      if (wd >= 0 && (m[3].matched || name.size() >= 6)) {
        if (lead == "next") {
          const int since_monday = (wd + 6) % 7;
          d = Add(WeekStart(anchor), 7 + since_monday);
        } else {
          d = NextWeekday(anchor, wd);
        }
      }
    } else if (m[5].matched) {
      const int n = NumberOf(m[5].str());
      const std::string unit = ToLower(m[7].str());
      if (n > 0 && n <= 400) {
        if (unit == "day") {
          d = m[6].matched ? AddBusinessDays(anchor, n) : Add(anchor, n);
        } else if (unit == "week") {
          d = Add(anchor, 7 * n);
        } else {
          d = AddMonths(anchor, n);
        }
      }
    }
    add(m, d, true);
  }
}

}  // namespace

std::vector<DateMention> FindDates(std::string_view text, Day anchor) {
  std::vector<DateMention> out;
  internal::ForEachWindow(text, [&](std::string_view window, std::size_t offset) {
    FindDatesIn(window, offset, anchor, out);
  });
  // Text order; an absolute date inside a longer match (e.g. "Dec 15" in "Dec 15, 2026") dropped.
  std::sort(out.begin(), out.end(), [](const DateMention& a, const DateMention& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  std::vector<DateMention> kept;
  for (auto& m : out) {
    if (!kept.empty() && m.start < kept.back().end) continue;
    kept.push_back(std::move(m));
  }
  return kept;
}

std::optional<Day> DocumentDate(std::string_view text) {
  const std::string_view head = text.substr(0, 3000);
  // Any anchor works for absolute dates with years; month-day alone needs one, so skip those.
  const Day anchor{std::chrono::year(2000), std::chrono::January, std::chrono::day(1)};
  const std::vector<DateMention> found = FindDates(head, anchor);
  std::optional<Day> first;
  const std::string lower = ToLower(head);
  for (const DateMention& m : found) {
    if (m.relative) continue;
    // Without a year in the text the year is a guess: not a document date.
    if (m.text.find(std::to_string(static_cast<int>(m.date.year())).substr(2)) ==
        std::string::npos) {
      continue;
    }
    const std::size_t from = m.start >= 24 ? m.start - 24 : 0;
    const std::string before = lower.substr(from, m.start - from);
    if (before.find("date") != std::string::npos || before.find("sent:") != std::string::npos) {
      return m.date;
    }
    if (!first) first = m.date;
  }
  return first;
}

}  // namespace signx::documents
