// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that payload
// hashes are computed over, so two documents that differ only in key order, whitespace or the
// way a number is written (1.50, 15e-1, 1.5) hash the same.
//
//   objects   members sorted by their names as UTF-16 code units (RFC 8785 §3.2.3)
//   numbers   IEEE 754 doubles written as ECMAScript Number.prototype.toString (§3.2.2.3):
//             shortest round-trip digits, 1e21 and up and below 1e-6 in exponent form ("1e+21",
//             "1e-7"), -0 as 0; integers beyond 2^53 lose precision exactly as in JavaScript
//   strings   UTF-8 as is, escaping only " \ and control characters (\b \t \n \f \r, else \u00xx)
//   literals  true, false, null; no whitespace anywhere
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "base/status.h"

namespace signx::studio {

// The canonical text of `value`. kInvalidArgument for a NaN or infinity (not JSON).
Result<std::string> CanonicalJson(const boost::json::value& value);

// One number in the ECMAScript form above ("1.5", "1e+21", "0"). Precondition: finite.
std::string EcmaNumber(double d);

// Hex SHA-256 of CanonicalJson(value).
Result<std::string> CanonicalSha256(const boost::json::value& value);

}  // namespace signx::studio
