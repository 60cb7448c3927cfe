// The project: the one shared concept of a sign job that several capabilities work on. Its table
// is `projects` (migration 0006, widened by 0016); estimating creates projects from imports and
// connectors and studio owns their lifecycle on the same table (docs/adr/0010, docs/studio.md:
// the guarded transitions live in studio/lifecycle.h). This header is the one place that knows
// the statuses: validation messages, JSON schemas, the filter of the list route and the pages all
// come from here.
//
// Thread-safety: pure functions over constants.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace signx::project {

// Every status a project can have, in lifecycle order, then on_hold and cancelled (the CHECK
// constraint of `projects.status`, migration 0016, must list the same names).
inline constexpr std::string_view kStatuses[] = {
    "draft",    "design",        "engineering", "estimating", "quoted",   "approved",
    "in_production", "installed", "closed",     "on_hold",    "cancelled"};

// The statuses before migration 0016 that no longer exist, and what they became: in_progress ->
// in_production, completed -> closed. Imports and connectors still receive the old names in
// files written before the change; they map them here. nullopt for every other string.
std::optional<std::string_view> FromLegacyStatus(std::string_view s);

std::span<const std::string_view> Statuses();
bool IsStatus(std::string_view s);

// "must be draft, design, ..., on_hold or cancelled" (a field error message).
const std::string& StatusRule();
// "draft, design, ..., on_hold, cancelled" (a parameter description).
const std::string& StatusList();
// {"type": "string", "enum": [...]} (for JSON schemas of routes).
const std::string& StatusSchema();

}  // namespace signx::project
