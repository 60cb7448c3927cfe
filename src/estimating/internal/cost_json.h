// JSON helpers shared by the cost model's files (feature encoder, training card, bundle I/O):
// arrays out of spans, typed field reads that name the missing or mistyped key, and the 12-digit
// rounding used for every fitted number so that a bundle's bytes do not depend on the last bits.
//
// Internal to the estimating module. Thread-safety: free functions without shared state.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::estimating::internal {

// `v` rounded to 12 significant digits (ml::RoundSignificant).
double R12(double v);

boost::json::array DoubleArray(std::span<const double> v);
template <typename T>
boost::json::array IntArray(std::span<const T> v) {
  boost::json::array a;
  for (T x : v) a.push_back(static_cast<int64_t>(x));
  return a;
}
boost::json::array StringArray(std::span<const std::string> v);

// The value at `key`; InvalidArgument "cost model bundle lacks '<key>'" when absent.
Result<const boost::json::value*> Field(const boost::json::object& o, std::string_view key);
// Typed reads of `key`: InvalidArgument when absent or of another type (for arrays: when an
// element is of another type).
Result<double> GetDouble(const boost::json::object& o, std::string_view key);
Result<std::string> GetString(const boost::json::object& o, std::string_view key);
Result<const boost::json::array*> GetArray(const boost::json::object& o, std::string_view key);
Result<std::vector<double>> GetDoubles(const boost::json::object& o, std::string_view key);
Result<std::vector<int64_t>> GetInts(const boost::json::object& o, std::string_view key);
Result<std::vector<std::string>> GetStrings(const boost::json::object& o, std::string_view key);

}  // namespace signx::estimating::internal
