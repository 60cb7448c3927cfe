#include "estimating/driver_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "base/strings.h"

namespace signx::estimating {
namespace {

struct KeyType {
  std::string_view key;
  DriverType type;
};

// The drivers written by ToDrivers (spec.h) plus the generator's extras; sorted by key.
constexpr std::array<KeyType, 28> kKeys = {{
    {"base_material", DriverType::kText},
    {"custom_engineering", DriverType::kBool},
    {"estimator_id", DriverType::kText},
    {"exposure_category", DriverType::kText},
    {"faces", DriverType::kNumber},
    {"finish", DriverType::kText},
    {"foundation_type", DriverType::kText},
    {"has_lighting", DriverType::kBool},
    {"height_in", DriverType::kNumber},
    {"illumination", DriverType::kText},
    {"install_complexity", DriverType::kText},
    {"install_method", DriverType::kText},
    {"is_double_faced", DriverType::kBool},
    {"letter_count", DriverType::kNumber},
    {"material", DriverType::kText},
    {"mounting_type", DriverType::kText},
    {"permit_required", DriverType::kBool},
    {"quantity", DriverType::kNumber},
    {"region_index", DriverType::kNumber},
    {"sign_area_sqft", DriverType::kNumber},
    {"sign_height_ft", DriverType::kNumber},
    {"sign_type", DriverType::kText},
    {"site_conditions", DriverType::kText},
    {"soil_class", DriverType::kNumber},
    {"travel_miles", DriverType::kNumber},
    {"width_in", DriverType::kNumber},
    {"wind_speed_mph", DriverType::kNumber},
    {"year", DriverType::kNumber},
}};

bool IsToken(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::string_view OpSql(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return "=";
    case FilterOp::kNe:
      return "<>";
    case FilterOp::kGt:
      return ">";
    case FilterOp::kGe:
      return ">=";
    case FilterOp::kLt:
      return "<";
    case FilterOp::kLe:
      return "<=";
  }
  return "=";
}

// The placeholder for the next parameter, after pushing `value`.
std::string Bind(storage::Params& params, storage::Param value) {
  params.push_back(std::move(value));
  return fmt::format("${}", params.size());
}

}  // namespace

std::optional<DriverType> DriverKeyType(std::string_view key) {
  auto it = std::lower_bound(kKeys.begin(), kKeys.end(), key,
                             [](const KeyType& k, std::string_view v) { return k.key < v; });
  if (it == kKeys.end() || it->key != key) return std::nullopt;
  return it->type;
}

std::vector<std::string> KnownDriverKeys() {
  std::vector<std::string> out;
  for (const auto& k : kKeys) out.emplace_back(k.key);
  return out;
}

Result<DriverFilter> ParseDriverFilter(std::string_view expression, std::string_view field) {
  auto bad = [&](std::string why) -> Status {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("invalid driver filter \"{}\": {}", expression, why),
                  {{std::string(field), why}});
  };
  if (expression.size() > 200) return bad("longer than 200 characters");
  const std::size_t pos = expression.find_first_of("=!<>");
  if (pos == std::string_view::npos) {
    return bad("expected key<op>value with op one of = != > >= < <=");
  }
  DriverFilter f;
  const std::string_view key = Trim(expression.substr(0, pos));
  std::string_view rest = expression.substr(pos);
  if (rest.starts_with(">=")) {
    f.op = FilterOp::kGe;
    rest.remove_prefix(2);
  } else if (rest.starts_with("<=")) {
    f.op = FilterOp::kLe;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!=")) {
    f.op = FilterOp::kNe;
    rest.remove_prefix(2);
  } else if (rest.starts_with(">")) {
    f.op = FilterOp::kGt;
    rest.remove_prefix(1);
  } else if (rest.starts_with("<")) {
    f.op = FilterOp::kLt;
    rest.remove_prefix(1);
  } else if (rest.starts_with("=")) {
    f.op = FilterOp::kEq;
    rest.remove_prefix(1);
  } else {
    return bad("expected key<op>value with op one of = != > >= < <=");
  }
  const std::string_view value = Trim(rest);
  const auto type = DriverKeyType(key);
  if (!type) {
    return bad(fmt::format("unknown driver \"{}\"; known drivers: {}", key,
                           Join(KnownDriverKeys(), ", ")));
  }
  f.key = std::string(key);
  switch (*type) {
    case DriverType::kNumber: {
      auto d = ParseDouble(value);
      if (!d || !std::isfinite(*d)) return bad(fmt::format("{} takes a number", key));
      f.value = *d;
      break;
    }
    case DriverType::kText:
      if (f.op != FilterOp::kEq && f.op != FilterOp::kNe) {
        return bad(fmt::format("{} is text: only = and != apply", key));
      }
      if (!IsToken(value)) {
        return bad(fmt::format("{} takes a token of letters, digits, _ - . (at most 64)", key));
      }
      f.value = std::string(value);
      break;
    case DriverType::kBool: {
      if (f.op != FilterOp::kEq && f.op != FilterOp::kNe) {
        return bad(fmt::format("{} is true/false: only = and != apply", key));
      }
      auto b = ParseBool(value);
      if (!b) return bad(fmt::format("{} takes true or false", key));
      f.value = *b;
      break;
    }
  }
  return f;
}

void AppendDriverFilterSql(storage::Dialect dialect, std::string_view column,
                           const DriverFilter& filter, std::string& sql, storage::Params& params) {
  const bool pg = dialect == storage::Dialect::kPostgres;
  const std::string op(OpSql(filter.op));
  if (const double* d = std::get_if<double>(&filter.value)) {
    if (pg) {
      const std::string k = Bind(params, filter.key);
      const std::string v = Bind(params, *d);
      sql += fmt::format(
          " AND (CASE WHEN jsonb_typeof({0}->{1}::text) = 'number' THEN ({0}->>{1}::text)::float8 "
          "END) {2} {3}::float8",
          column, k, op, v);
    } else {
      const std::string p = Bind(params, "$." + filter.key);
      const std::string v = Bind(params, *d);
      sql += fmt::format(
          " AND (CASE WHEN json_type({0}, {1}) IN ('integer', 'real') THEN json_extract({0}, {1}) "
          "END) {2} {3}",
          column, p, op, v);
    }
  } else if (const std::string* s = std::get_if<std::string>(&filter.value)) {
    if (pg) {
      const std::string k = Bind(params, filter.key);
      const std::string v = Bind(params, *s);
      sql += fmt::format(" AND ({0}->>{1}::text) {2} {3}::text", column, k, op, v);
    } else {
      const std::string p = Bind(params, "$." + filter.key);
      const std::string v = Bind(params, *s);
      sql += fmt::format(
          " AND (CASE WHEN json_type({0}, {1}) = 'text' THEN json_extract({0}, {1}) END) {2} {3}",
          column, p, op, v);
    }
  } else {
    const bool b = std::get<bool>(filter.value);
    if (pg) {
      const std::string k = Bind(params, filter.key);
      sql += fmt::format(" AND ({0}->{1}::text) {2} '{3}'::jsonb", column, k, op,
                         b ? "true" : "false");
    } else {
      const std::string p = Bind(params, "$." + filter.key);
      sql += fmt::format(" AND json_type({0}, {1}) {2} '{3}'", column, p, op, b ? "true" : "false");
    }
  }
}

std::string DriverTextSql(storage::Dialect dialect, std::string_view column, std::string_view key,
                          storage::Params& params) {
  if (dialect == storage::Dialect::kPostgres) {
    const std::string k = Bind(params, std::string(key));
    return fmt::format("({}->>{}::text)", column, k);
  }
  const std::string p = Bind(params, "$." + std::string(key));
  return fmt::format("CAST(json_extract({}, {}) AS TEXT)", column, p);
}

}  // namespace signx::estimating
