#include "lake/schema.h"

#include <fmt/format.h>

#include <chrono>
#include <set>

namespace signx::lake {
namespace {

constexpr size_t kMaxNameLength = 63;

bool IsIdentifier(std::string_view s, bool allow_leading_underscore) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  const char first = s.front();
  if (!((first >= 'a' && first <= 'z') || (allow_leading_underscore && first == '_'))) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool Fits(ColumnType type, const Value& v) {
  switch (type) {
    case ColumnType::kBool:
      return std::holds_alternative<bool>(v);
    case ColumnType::kInt64:
      return std::holds_alternative<int64_t>(v);
    case ColumnType::kDouble:
      return std::holds_alternative<double>(v);
    case ColumnType::kString:
      return std::holds_alternative<std::string>(v);
    case ColumnType::kTimestamp:
      return std::holds_alternative<Timestamp>(v);
  }
  return false;
}

}  // namespace

std::string_view SqlType(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return "BOOLEAN";
    case ColumnType::kInt64:
      return "BIGINT";
    case ColumnType::kDouble:
      return "DOUBLE";
    case ColumnType::kString:
      return "VARCHAR";
    case ColumnType::kTimestamp:
      return "TIMESTAMPTZ";
  }
  return "VARCHAR";
}

Status ValidateSchema(const DatasetSchema& schema) {
  std::vector<FieldError> errors;
  if (!IsIdentifier(schema.name, false)) {
    errors.push_back(
        {"name", "'" + schema.name + "' must match [a-z][a-z0-9_]* and be at most 63 characters"});
  }
  if (schema.columns.empty()) errors.push_back({"columns", "a dataset needs at least one column"});
  std::set<std::string_view> seen;
  bool partition_found = schema.partition_by.empty();
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const Column& c = schema.columns[i];
    const std::string field = fmt::format("columns[{}].name", i);
    if (!IsIdentifier(c.name, true)) {
      errors.push_back(
          {field, "'" + c.name + "' must match [a-z_][a-z0-9_]* and be at most 63 characters"});
    } else if (c.name == "year" || c.name == "month") {
      errors.push_back({field, "'" + c.name + "' is reserved for the partition columns"});
    }
    if (!seen.insert(c.name).second) errors.push_back({field, "duplicate column '" + c.name + "'"});
    if (c.name == schema.partition_by && !partition_found) {
      partition_found = true;
      if (c.type != ColumnType::kTimestamp) {
        errors.push_back({"partition_by", "'" + c.name + "' must be a timestamp column"});
      }
    }
  }
  if (!partition_found) {
    errors.push_back({"partition_by", "no column named '" + schema.partition_by + "'"});
  }
  if (errors.empty()) return Status::Ok();
  return ValidationFailed(std::move(errors), "invalid lake dataset schema '" + schema.name + "'");
}

Status ValidateRow(const DatasetSchema& schema, const Row& row) {
  if (row.size() != schema.columns.size()) {
    return InvalidArgument(fmt::format("lake dataset {}: row has {} values, schema has {} columns",
                                       schema.name, row.size(), schema.columns.size()));
  }
  for (size_t i = 0; i < row.size(); ++i) {
    if (std::holds_alternative<std::monostate>(row[i])) continue;
    if (!Fits(schema.columns[i].type, row[i])) {
      return InvalidArgument(fmt::format("lake dataset {}: column {} expects {}", schema.name,
                                         schema.columns[i].name, SqlType(schema.columns[i].type)));
    }
  }
  return Status::Ok();
}

Partition PartitionOf(Timestamp t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

std::string PartitionPath(const Partition& p) {
  return fmt::format("year={:04d}/month={:02d}", p.year, p.month);
}

}  // namespace signx::lake
