// Dates in text, absolute ("2026-12-15", "12/15/2026", "December 15, 2026", "15 Dec") and
// relative ("tomorrow", "by Friday", "next week", "in 3 days", "end of month", "EOD"), resolved
// against an anchor — the document's own date — into calendar days.
//
// Resolution rules (all relative to the anchor day A):
//   today / EOD / COB / tonight → A; tomorrow → A+1; yesterday → A-1
//   "<weekday>", "by|on|this|before <weekday>" → the first such weekday after A (1-7 days)
//   "next <weekday>" → that weekday in the calendar week (Monday-Sunday) after A's week
//   next week → Monday of the next week; end of (the) week / EOW → the Friday of A's week (the
//   next Friday when A is Saturday or Sunday); next month → the 1st of the next month;
//   end of (the) month / EOM → the month's last day
//   in|within N days|business days|weeks|months → A + N (business days skip weekends)
//   a month and day without a year → that day in A's year, or next year when it would be more
//   than 183 days before A; numeric dates are month/day/year (US), two-digit years are 20xx.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signx::documents {

using Day = std::chrono::year_month_day;

struct DateMention {
  std::size_t start = 0, end = 0;  // byte offsets in the text
  std::string text;                // as written
  Day date;
  bool relative = false;
};

std::vector<DateMention> FindDates(std::string_view text, Day anchor);

// The date a document is "written on": the first absolute date after a "Date:" / "Dated" label
// in its first 3000 bytes, else the first absolute date there; nullopt when none.
std::optional<Day> DocumentDate(std::string_view text);

std::string FormatDay(Day d);                       // "2026-12-15"
std::optional<Day> ParseDay(std::string_view iso);  // "2026-12-15"

}  // namespace signx::documents
