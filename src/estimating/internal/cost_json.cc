#include "estimating/internal/cost_json.h"

#include <fmt/format.h>

#include "ml/metrics.h"

namespace signx::estimating::internal {
namespace json = boost::json;

double R12(double v) { return ml::RoundSignificant(v, 12); }

json::array DoubleArray(std::span<const double> v) {
  json::array a;
  for (double x : v) a.push_back(x);
  return a;
}

json::array StringArray(std::span<const std::string> v) {
  json::array a;
  for (const auto& x : v) a.emplace_back(x);
  return a;
}

Result<const json::value*> Field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return InvalidArgument(fmt::format("cost model bundle lacks '{}'", key));
  return v;
}
Result<double> GetDouble(const json::object& o, std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (!v->is_number()) return InvalidArgument(fmt::format("'{}' must be a number", key));
  return v->to_number<double>();
}
Result<std::string> GetString(const json::object& o, std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (!v->is_string()) return InvalidArgument(fmt::format("'{}' must be a string", key));
  return std::string(v->get_string());
}
Result<const json::array*> GetArray(const json::object& o, std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (!v->is_array()) return InvalidArgument(fmt::format("'{}' must be an array", key));
  return &v->get_array();
}
Result<std::vector<double>> GetDoubles(const json::object& o, std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(const json::array* a, GetArray(o, key));
  std::vector<double> out;
  out.reserve(a->size());
  for (const auto& e : *a) {
    if (!e.is_number()) return InvalidArgument(fmt::format("'{}' must hold numbers", key));
    out.push_back(e.to_number<double>());
  }
  return out;
}
Result<std::vector<int64_t>> GetInts(const json::object& o, std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(const json::array* a, GetArray(o, key));
  std::vector<int64_t> out;
  out.reserve(a->size());
  for (const auto& e : *a) {
    if (!e.is_int64()) return InvalidArgument(fmt::format("'{}' must hold integers", key));
    out.push_back(e.get_int64());
  }
  return out;
}
Result<std::vector<std::string>> GetStrings(const json::object& o, std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(const json::array* a, GetArray(o, key));
  std::vector<std::string> out;
  out.reserve(a->size());
  for (const auto& e : *a) {
    if (!e.is_string()) return InvalidArgument(fmt::format("'{}' must hold strings", key));
    out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace signx::estimating::internal
