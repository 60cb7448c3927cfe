// The project: the one shared concept of a sign job that several capabilities work on. Its table
// is `projects` (migration 0006); estimating creates and lists projects today and studio will own
// their lifecycle on the same table (docs/adr/0007-project-and-route-names.md). This header is
// the one place that knows the statuses: validation messages, JSON schemas, the filter of the list
// route and the pages all come from here.
//
// Thread-safety: pure functions over constants.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace signx::project {

// Every status a project can have, in lifecycle order (the CHECK constraint of `projects.status`
// must list the same names).
inline constexpr std::string_view kStatuses[] = {"draft",       "quoted",    "approved",
                                                 "in_progress", "completed", "cancelled"};

std::span<const std::string_view> Statuses();
bool IsStatus(std::string_view s);

// "must be draft, quoted, approved, in_progress, completed or cancelled" (a field error message).
const std::string& StatusRule();
// "draft, quoted, approved, in_progress, completed, cancelled" (a parameter description).
const std::string& StatusList();
// {"type": "string", "enum": [...]} (for JSON schemas of routes).
const std::string& StatusSchema();

}  // namespace signx::project
