// Calculation: the answer shape of every engineering calculation of the `sign` module (pure, no
// I/O): {result, assumptions, confidence, trace} plus pass/fail and the code edition and constants
// version it was computed with. The trace lists every intermediate value with its symbol, value,
// unit and the clause or equation it comes from, in the order it was computed.
//
// ToJson gives a fixed key order (insertion order of boost::json::object), so the same inputs and
// constants version serialise to the same bytes (http::ToJsonText writes doubles in their shortest
// round-trip form). AllFinite tells whether any number in a value is NaN or infinite: a
// calculation that produced one is refused (kInternal) rather than answered.
//
// Thread-safety: value types.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace signx::sign {

struct TraceEntry {
  std::string symbol;       // "qh", "Kz", "Cf", "d"
  std::string description;  // "velocity pressure at the top of the sign"
  double value = 0;
  std::string unit;    // "psf", "lb", "ft", "" for a ratio
  std::string clause;  // "ASCE 7-16 Eq. 26.10-1"
};

struct Calculation {
  std::string kind;  // "sign-wind", "support", "foundation", "structure"
  bool pass = true;  // every check of the calculation passed (a wind-only calculation: true)
  boost::json::object result;
  std::vector<std::string> assumptions;
  double confidence = 1.0;  // 0..1: how far the inputs sit inside the verified scope
  std::vector<TraceEntry> trace;
  boost::json::object code;  // {"wind": "ASCE 7-16", "building": ..., "steel": ...}
  std::string constants_version;

  // Appends a trace entry and returns `value` (so a formula reads `x = Trace(..., expr)`).
  double Trace(std::string_view symbol, std::string_view description, double value,
               std::string_view unit, std::string_view clause);
  // Moves `other`'s trace and assumptions behind this one's (a composed calculation).
  void Absorb(Calculation other);
};

// {"kind", "pass", "result", "assumptions", "confidence", "trace": [{symbol, description, value,
// unit, clause}], "code", "constants_version"}.
boost::json::object ToJson(const Calculation& calc);

// False when `value` holds a NaN or an infinite number anywhere.
bool AllFinite(const boost::json::value& value);

}  // namespace signx::sign
