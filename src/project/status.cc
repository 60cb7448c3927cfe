#include "project/status.h"

#include <algorithm>

namespace signx::project {

std::span<const std::string_view> Statuses() { return kStatuses; }

std::optional<std::string_view> FromLegacyStatus(std::string_view s) {
  if (s == "in_progress") return "in_production";
  if (s == "completed") return "closed";
  return std::nullopt;
}

bool IsStatus(std::string_view s) {
  return std::find(std::begin(kStatuses), std::end(kStatuses), s) != std::end(kStatuses);
}

const std::string& StatusRule() {
  static const std::string rule = [] {
    std::string out = "must be ";
    const std::size_t n = std::size(kStatuses);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out += i + 1 == n ? " or " : ", ";
      out += kStatuses[i];
    }
    return out;
  }();
  return rule;
}

const std::string& StatusList() {
  static const std::string list = [] {
    std::string out;
    for (std::string_view s : kStatuses) {
      if (!out.empty()) out += ", ";
      out += s;
    }
    return out;
  }();
  return list;
}

const std::string& StatusSchema() {
  static const std::string schema = [] {
    std::string out = R"({"type": "string", "enum": [)";
    bool first = true;
    for (std::string_view s : kStatuses) {
      out += first ? "\"" : ", \"";
      out += s;
      out += '"';
      first = false;
    }
    return out + "]}";
  }();
  return schema;
}

}  // namespace signx::project
