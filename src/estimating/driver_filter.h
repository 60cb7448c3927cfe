// Driver filters for cost-record queries: a small, safe grammar over the `drivers` JSON column.
//
//   filter     := key op value
//   key        := one of the known driver names (KnownDriverKeys), e.g. wind_speed_mph
//   op         := "=" | "!=" | ">" | ">=" | "<" | "<="
//   value      := a number for numeric drivers, a snake_case token for text drivers,
//                 true/false for boolean drivers
//
// Text and boolean drivers accept only = and !=. Examples: `wind_speed_mph>140`,
// `foundation_type=drilled_pier`, `has_lighting=true`. Anything else is a kInvalidArgument naming
// the expression. The key and the value never reach SQL text: both are bound as parameters
// (the JSON path too), and the key must also be on the allow-list.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace signx::estimating {

enum class DriverType { kNumber, kText, kBool };
enum class FilterOp { kEq, kNe, kGt, kGe, kLt, kLe };

struct DriverFilter {
  std::string key;
  FilterOp op = FilterOp::kEq;
  std::variant<double, std::string, bool> value;
};

// The type of a known driver key, or nullopt when the key is not a driver.
std::optional<DriverType> DriverKeyType(std::string_view key);
// Every known driver key (sorted).
std::vector<std::string> KnownDriverKeys();

// Parses one expression; `field` names the query parameter in errors.
Result<DriverFilter> ParseDriverFilter(std::string_view expression,
                                       std::string_view field = "filter");

// Appends " AND <condition>" on `column` (a JSON column) to `sql` and the bound values to
// `params`, numbering placeholders after the ones already in `params`.
void AppendDriverFilterSql(storage::Dialect dialect, std::string_view column,
                           const DriverFilter& filter, std::string& sql, storage::Params& params);

// The SQL expression selecting the text value of driver `key` (bound as a parameter appended to
// `params`) for GROUP BY / SELECT.
std::string DriverTextSql(storage::Dialect dialect, std::string_view column, std::string_view key,
                          storage::Params& params);

}  // namespace signx::estimating
