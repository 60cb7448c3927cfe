#include "sign/calculation.h"

#include <boost/json/array.hpp>
#include <cmath>

namespace signx::sign {

namespace json = boost::json;

double Calculation::Trace(std::string_view symbol, std::string_view description, double value,
                          std::string_view unit, std::string_view clause) {
  trace.push_back({std::string(symbol), std::string(description), value, std::string(unit),
                   std::string(clause)});
  return value;
}

void Calculation::Absorb(Calculation other) {
  for (auto& t : other.trace) trace.push_back(std::move(t));
  for (auto& a : other.assumptions) assumptions.push_back(std::move(a));
}

json::object ToJson(const Calculation& calc) {
  json::object out;
  out["kind"] = calc.kind;
  out["pass"] = calc.pass;
  out["result"] = calc.result;
  json::array assumptions;
  for (const auto& a : calc.assumptions) assumptions.emplace_back(a);
  out["assumptions"] = std::move(assumptions);
  out["confidence"] = calc.confidence;
  json::array trace;
  trace.reserve(calc.trace.size());
  for (const auto& t : calc.trace) {
    json::object e;
    e["symbol"] = t.symbol;
    e["description"] = t.description;
    e["value"] = t.value;
    e["unit"] = t.unit;
    e["clause"] = t.clause;
    trace.emplace_back(std::move(e));
  }
  out["trace"] = std::move(trace);
  out["code"] = calc.code;
  out["constants_version"] = calc.constants_version;
  return out;
}

bool AllFinite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array()) {
        if (!AllFinite(e)) return false;
      }
      return true;
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (!AllFinite(kv.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace signx::sign
