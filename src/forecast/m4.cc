#include "forecast/m4.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace signx::forecast {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool IsMissing(std::string_view f) {
  return f.empty() || f == "NA" || f == "NaN" || f == "nan" || f == "NULL";
}

}  // namespace

Result<std::vector<NamedSeries>> ParseM4Csv(std::string_view text) {
  std::vector<NamedSeries> out;
  std::size_t line_no = 0;
  bool header = true;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    if (header) {
      header = false;
      continue;
    }
    if (Trim(line).empty()) continue;
    NamedSeries row;
    std::size_t col = 0;
    while (true) {
      const std::size_t comma = line.find(',');
      const std::string_view field = Trim(line.substr(0, comma));
      ++col;
      if (col == 1) {
        if (field.empty()) {
          return InvalidArgument("line " + std::to_string(line_no) +
                                 ": the first field (the series id) is empty");
        }
        row.id = std::string(field);
      } else if (!IsMissing(field)) {
        double v = 0.0;
        const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
        if (ec != std::errc() || ptr != field.data() + field.size() || !std::isfinite(v)) {
          return InvalidArgument("line " + std::to_string(line_no) + ", column " +
                                 std::to_string(col) + ": not a number: \"" + std::string(field) +
                                 "\"");
        }
        row.values.push_back(v);
      }
      if (comma == std::string_view::npos) break;
      line = line.substr(comma + 1);
    }
    out.push_back(std::move(row));
  }
  return out;
}

Result<M4Frequency> M4FrequencyFor(std::string_view name_or_id) {
  if (name_or_id.empty()) return InvalidArgument("empty frequency");
  switch (std::toupper(static_cast<unsigned char>(name_or_id.front()))) {
    case 'H':
      return M4Frequency{"Hourly", 48, 24};
    case 'W':
      return M4Frequency{"Weekly", 13, 1};
    case 'D':
      return M4Frequency{"Daily", 14, 1};
    case 'M':
      return M4Frequency{"Monthly", 18, 12};
    case 'Q':
      return M4Frequency{"Quarterly", 8, 4};
    case 'Y':
      return M4Frequency{"Yearly", 6, 1};
    default:
      return InvalidArgument("unknown M4 frequency: " + std::string(name_or_id));
  }
}

}  // namespace signx::forecast
