// RFC 6902 JSON Patch between two versions of a payload: Diff(a, b) is a patch that turns a into
// b (add / remove / replace with RFC 6901 JSON Pointers), and Apply runs one (add, remove,
// replace, test) — the tests check Apply(a, Diff(a, b)) == b.
//
// Diff is deterministic: object members in sorted order, arrays compared index by index (a longer
// b appends with "add" at each new index, a shorter one removes from the end backwards). Numbers
// compare by value as RFC 8785 writes them (1 and 1.0 are equal).
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::studio {

boost::json::array JsonPatchDiff(const boost::json::value& from, const boost::json::value& to);

// Applies `patch` to `doc`. kInvalidArgument naming the failing operation's index and path.
Result<boost::json::value> JsonPatchApply(boost::json::value doc, const boost::json::array& patch);

// "~" -> "~0", "/" -> "~1" (RFC 6901 §3).
std::string EscapePointerToken(std::string_view token);

}  // namespace signx::studio
