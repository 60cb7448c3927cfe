#include "web/views.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <random>

#include "base/strings.h"
#include "identity/roles.h"

namespace signx::web {

std::string FormatDecimal(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

std::string FormatDollars(int64_t cents) {
  const bool negative = cents < 0;
  // Whole dollars, rounded half away from zero.
  const uint64_t abs_cents =
      negative ? static_cast<uint64_t>(-(cents + 1)) + 1 : static_cast<uint64_t>(cents);
  const uint64_t dollars = (abs_cents + 50) / 100;
  std::string digits = std::to_string(dollars);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return (negative && dollars > 0 ? "-$" : "$") + grouped;
}

std::string FormatWhen(Timestamp t) {
  std::string s = FormatRfc3339(t);  // 2026-11-24T10:15:30.123Z
  if (s.size() < 16) return s;
  s[10] = ' ';
  return s.substr(0, 16) + " UTC";
}

std::string RoleLabel(std::string_view role) {
  using identity::Role;
  using identity::RoleName;
  if (role == RoleName(Role::kSuperAdmin)) return "Super admin";
  if (role == RoleName(Role::kOrgAdmin)) return "Admin";
  if (role == RoleName(Role::kOrgMember)) return "Member";
  if (role == RoleName(Role::kOrgViewer)) return "Viewer";
  if (role == "api_key") return "API key";
  return std::string(role);
}

std::string Shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  return std::string(Utf8Prefix(text, max)) + "…";
}

std::string Humanize(std::string_view token) {
  std::string out(token);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string UrlEncode(std::string_view s, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        keep.find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<double> ParseNumber(std::string_view text) {
  double d = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, d);
  if (ec != std::errc() || ptr != end || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string NewFormKey() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(kHex[rd() & 15]);
  return key;
}

std::map<std::string, std::string> ErrorsByField(const Status& status,
                                                 std::string_view strip_prefix) {
  std::map<std::string, std::string> out;
  for (const auto& e : status.details()) {
    std::string field = e.field;
    if (!strip_prefix.empty() && field.starts_with(strip_prefix)) {
      field = field.substr(strip_prefix.size());
    }
    out.try_emplace(field, e.message);
  }
  return out;
}

ViewList OtherErrors(const std::map<std::string, std::string>& errors,
                     const std::vector<std::string>& shown) {
  ViewList out;
  for (const auto& [field, message] : errors) {
    if (std::find(shown.begin(), shown.end(), field) != shown.end()) continue;
    View o(View::type::object);
    o.set("field", field);
    o.set("message", message);
    out.push_back(o);
  }
  return out;
}

View BarChartView(const std::vector<ChartBar>& bars) {
  constexpr double kWidth = 760, kLabelRight = 300, kPlotLeft = 310, kPlotRight = 660;
  constexpr double kValueRoom = 70;  // room for a value text beside a bar
  constexpr double kRow = 32, kBar = 20, kTop = 8;
  bool any_negative = false, any_positive = false;
  double max_abs = 0;
  for (const auto& b : bars) {
    if (!std::isfinite(b.value)) continue;
    any_negative = any_negative || b.value < 0;
    any_positive = any_positive || b.value > 0;
    max_abs = std::max(max_abs, std::abs(b.value));
  }
  double zero = kPlotLeft, span = kPlotRight - kPlotLeft;
  if (any_negative && any_positive) {
    span /= 2;
    zero = kPlotLeft + span;
  } else if (any_negative) {
    zero = kPlotRight;
  }
  View v(View::type::object);
  ViewList rows;
  std::string summary;
  double y = kTop;
  for (const auto& b : bars) {
    const double value = std::isfinite(b.value) ? b.value : 0;
    const double length = max_abs > 0 ? std::abs(value) / max_abs * span : 0;
    const double bar_x = value < 0 ? zero - length : zero;
    View o(View::type::object);
    o.set("label", Shorten(b.label, 40));
    o.set("full_label", b.label);
    o.set("value_text", b.value_text);
    o.set("y", FormatDecimal(y, 1));
    o.set("text_y", FormatDecimal(y + kBar / 2 + 5, 1));
    o.set("bar_x", FormatDecimal(bar_x, 1));
    o.set("bar_width", FormatDecimal(std::max(length, 1.0), 1));
    o.set("bar_height", FormatDecimal(kBar, 1));
    o.set("positive", value >= 0);
    if (value < 0 && bar_x - kValueRoom >= kPlotLeft) {
      o.set("value_x", FormatDecimal(bar_x - 6, 1));  // left of the bar
      o.set("value_anchor", "end");
    } else if (value < 0) {
      // No room left of a long negative bar: right of the zero line, which is empty in its row.
      o.set("value_x", FormatDecimal(zero + 6, 1));
      o.set("value_anchor", "start");
    } else {
      o.set("value_x", FormatDecimal(bar_x + std::max(length, 1.0) + 6, 1));
      o.set("value_anchor", "start");
    }
    rows.push_back(o);
    if (!summary.empty()) summary += "; ";
    summary += b.label + ": " + b.value_text;
    y += kRow;
  }
  v.set("rows", rows);
  v.set("has_rows", !bars.empty());
  v.set("width", FormatDecimal(kWidth, 0));
  v.set("height", FormatDecimal(y + kTop, 0));
  v.set("label_x", FormatDecimal(kLabelRight, 0));
  v.set("zero_x", FormatDecimal(zero, 1));
  v.set("axis_bottom", FormatDecimal(y, 1));
  v.set("summary", summary);
  return v;
}

void SetOptionalText(View& v, const std::string& key, std::optional<std::string_view> text) {
  if (text && !text->empty()) {
    v.set(key, std::string(*text));
  } else {
    v.set(key, false);
  }
}

void SetJobStateView(View& v, const jobs::Job& job) {
  const bool done = job.state == jobs::JobState::kSucceeded;
  const bool failed = job.state == jobs::JobState::kFailed || job.state == jobs::JobState::kDead ||
                      job.state == jobs::JobState::kCancelled;
  v.set("state", std::string(jobs::JobStateName(job.state)));
  v.set("state_label", Humanize(jobs::JobStateName(job.state)));
  v.set("progress", std::to_string(std::clamp(job.progress, 0, 100)));
  v.set("done", done);
  v.set("failed", failed);
  v.set("working", !jobs::IsTerminal(job.state));
  v.set("retrying", job.state == jobs::JobState::kQueued && job.attempts > 0);
  v.set("error", job.last_error.value_or(""));
  v.set("has_error", failed && job.last_error.has_value());
}

Page ServiceErrorPage(const Status& status, std::string_view what, std::string_view request_id,
                      std::string_view not_found) {
  if (status.code() == ErrorCode::kNotFound) {
    return Page::Error(404, "Not found", std::string(not_found));
  }
  if (status.code() == ErrorCode::kPermissionDenied) {
    return Page::Error(403, "Not allowed", "Your role does not allow this.");
  }
  spdlog::error("web: {}: {}", what, status.ToString());
  const int http_status = HttpStatus(status.code());
  return Page::Error(http_status >= 500 ? http_status : 500, "Something went wrong",
                     fmt::format("{} failed. Try again; if it keeps happening, tell your "
                                 "administrator (request id {}).",
                                 what, request_id));
}

}  // namespace signx::web
