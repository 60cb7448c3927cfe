// Dataset schemas and rows for the analytics lake.
//
// A dataset is an append-only table stored as Parquet files under
// <data_dir>/lake/<dataset>/year=YYYY/month=MM/. Its schema is a list of typed columns; a Row is
// one Value per column, in schema order (std::monostate = NULL). A dataset may name a timestamp
// column that decides its partition (year/month in UTC); otherwise the time of Append does. Plain
// value types; no I/O. Thread-safety: distinct objects are independent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::lake {

enum class ColumnType { kBool, kInt64, kDouble, kString, kTimestamp };

// The DuckDB/Parquet type of a column: BOOLEAN, BIGINT, DOUBLE, VARCHAR, TIMESTAMPTZ (UTC).
std::string_view SqlType(ColumnType type);

struct Column {
  std::string name;  // [a-z_][a-z0-9_]*, at most 63 characters; not "year" or "month"
  ColumnType type = ColumnType::kString;
};

struct DatasetSchema {
  std::string name;             // [a-z][a-z0-9_]*, at most 63 characters: folder and SQL view name
  std::vector<Column> columns;  // at least one; names unique
  // A kTimestamp column whose value (UTC) picks the year=/month= partition; empty or NULL value =
  // the writer's clock at Append.
  std::string partition_by;
};

// Every problem with the schema at once (kValidationFailed), or OK.
Status ValidateSchema(const DatasetSchema& schema);

// One cell. The alternative must match the column type exactly, or be std::monostate (NULL).
using Value = std::variant<std::monostate, bool, int64_t, double, std::string, Timestamp>;
using Row = std::vector<Value>;

// OK if `row` has one value per column and each value fits its column.
Status ValidateRow(const DatasetSchema& schema, const Row& row);

// The year=/month= partition of a row.
struct Partition {
  int year = 1970;
  int month = 1;  // 1..12
  friend auto operator<=>(const Partition&, const Partition&) = default;
};
Partition PartitionOf(Timestamp t);
// "year=2026/month=01"
std::string PartitionPath(const Partition& p);

}  // namespace signx::lake
