// View helpers every page uses: formatting (money, times, numbers, labels), form-error views,
// server-rendered SVG bar charts, links and the error page for a failed service call. Part of the
// shell; capabilities build their page views from these so each is written once.
//
// Charts are server-rendered SVG: the geometry is computed here (BarChartView) and the markup is
// written by the templates with `{{…}}`, so labels taken from user input are always escaped.
//
// Thread-safety: pure functions (ServiceErrorPage logs through spdlog, which is thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "jobs/job.h"
#include "web/shell.h"

namespace signx::web {

// `v` with exactly `decimals` decimals ("12.50").
std::string FormatDecimal(double v, int decimals);
// "$12,345" (cents rounded to whole dollars), "-$1,200".
std::string FormatDollars(int64_t cents);
// "2026-01-01 10:15 UTC".
std::string FormatWhen(Timestamp t);
// "org_admin" → "Admin", ...
std::string RoleLabel(std::string_view role);
// At most `max` bytes, cut at a UTF-8 character boundary, with "…" when shortened.
std::string Shorten(std::string_view text, std::size_t max);
// "channel_letters" → "Channel letters".
std::string Humanize(std::string_view token);
// Percent-encodes everything but RFC 3986 unreserved characters and those in `keep` (for query
// parameters; a local path as a parameter value keeps "/").
std::string UrlEncode(std::string_view s, std::string_view keep = "");
// A strict, finite decimal number (the whole text), or nullopt.
std::optional<double> ParseNumber(std::string_view text);
// A fresh random key for a form's Idempotency-Key (32 hex characters).
std::string NewFormKey();

// Field errors of a ValidationFailed status keyed by field name, with `strip_prefix` removed
// ("spec.width_in" → "width_in"); the first message per field wins.
std::map<std::string, std::string> ErrorsByField(const Status& status,
                                                 std::string_view strip_prefix = "spec.");
// Errors not shown beside a field (fields the form does not have), for the summary above it:
// [{field, message}].
ViewList OtherErrors(const std::map<std::string, std::string>& errors,
                     const std::vector<std::string>& shown);

// One bar of a horizontal bar chart; negative values grow to the left of the zero line.
struct ChartBar {
  std::string label;       // shown left of the bar (escaped by the template)
  double value = 0;        // bar length, in any unit
  std::string value_text;  // shown at the end of the bar ("+0.84", "-$120")
};

// The view of an SVG bar chart: {width, height, zero_x, rows: [{label, value_text, y, text_y,
// bar_x, bar_width, positive, value_x, value_anchor}], has_rows, summary}. All numbers are
// formatted as plain decimals; `summary` is the accessible description ("label: value; …").
View BarChartView(const std::vector<ChartBar>& bars);

// Sets `key` on `v` to `text`, or to false when `text` is empty or absent. Templates show optional
// text as {{#key}}…{{key}}…{{/key}}; kainjow mustache renders that section for every string, ""
// included, and a key left unset would be looked up in the enclosing contexts (a list row would
// show its parent's value). false renders neither the section nor any text.
void SetOptionalText(View& v, const std::string& key, std::optional<std::string_view> text);

// Sets a background job's state on `v`: {state, state_label, progress, done, failed, working,
// retrying, error, has_error} (progress pages and job lists).
void SetJobStateView(View& v, const jobs::Job& job);

// The page for a failed service call: 404 (with `not_found` as the text), 403, or a logged 5xx
// that tells the user the request id to report. `what` is the action ("Loading the quote").
Page ServiceErrorPage(const Status& status, std::string_view what, std::string_view request_id,
                      std::string_view not_found =
                          "That item does not exist (or is not in your organisation).");

}  // namespace signx::web
