// JSON helpers for handlers: parsing request bodies with clear 4xx errors, building error bodies in
// the one documented shape, and small accessors for reading typed fields with field-named errors.
//
// Error shape (every 4xx/5xx answer):
//   {"error": {"code": 102, "name": "validation_failed", "message": "...",
//              "details": [{"field": "width_in", "message": "must be > 0"}], "request_id": "..."}}
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/request.h"

namespace signx::http {

// The message of `status` as shown to callers. A 5xx error whose message may reveal internal
// infrastructure (a URL, a host:port, a backing service such as Redis or PostgreSQL named in its
// error) is logged server-side with `request_id` and answered generically instead ("a dependency
// is unavailable; retry later" for kUnavailable, the code's description otherwise). 4xx messages
// are the caller's own business and pass through.
std::string PublicErrorMessage(const Status& status, std::string_view request_id);
// True when `message` may reveal internal infrastructure (the test PublicErrorMessage applies).
bool RevealsInternals(std::string_view message);
// The error body for `status` (which must not be OK); the message is PublicErrorMessage and the
// details are dropped along with a withheld message.
std::string ErrorBody(const Status& status, std::string_view request_id);
// A Response with the mapped HTTP status and the error body.
Response ErrorResponse(const Status& status, std::string_view request_id);

// Parses the request body as a JSON value. 415 if Content-Type is present and not JSON; 400 with
// the parser's reason and byte offset if malformed; limits nesting depth.
// The document's memory comes from `storage` (default: the heap). A hot handler may pass a
// boost::json::monotonic_resource it owns for the request (one arena, freed at once): the
// document must then die before it, and whatever outlives the request must be copied out of it
// into other storage (a json::value's copy constructor keeps the source's storage).
Result<boost::json::value> ParseJsonBody(const Request& request,
                                         boost::json::storage_ptr storage = {});
// Like ParseJsonBody but the top level must be an object.
Result<boost::json::object> ParseJsonObject(const Request& request,
                                            boost::json::storage_ptr storage = {});

// A request body parsed into memory of its own: one arena (sized from the body, usually a single
// allocation) instead of a heap block per value, released at once with no walk over the
// document. For hot handlers whose document dies with the request: nothing may keep a reference
// into `object` once this is gone, so copy what you keep into other storage (serialize it, or
// build new values; a json::value's copy constructor would share the arena).
// Not thread-safe to modify (the arena is not); reading from several threads is fine.
struct ArenaJsonObject {
  // The arena's first block; declared first, so it outlives the rest.
  std::unique_ptr<unsigned char[]> block;
  std::unique_ptr<boost::json::monotonic_resource> arena;  // outlives `object`
  boost::json::object object;
};
// ParseJsonObject into an ArenaJsonObject; same errors.
Result<ArenaJsonObject> ParseJsonObjectInArena(const Request& request);

// Parses `text` as boost::json::parse does (the same DOM and default options: depth 32, no
// comments, no trailing commas, valid UTF-8) except that every floating-point number is converted
// from its text with std::from_chars: exact, rounded to nearest. Boost.JSON 1.81 may land 1 ULP
// off (0.41293306031243493 → 0.412933060312435), so a double written in its shortest round-trip
// form (ToJsonText, AppendJsonNumber) and read back here is the same double, bit for bit.
// Numbers from_chars cannot represent (beyond ±1.8e308, or so small they round to zero) keep
// Boost's value. Integers that fit int64/uint64 stay integers. kMalformedJson with the parser's
// reason and byte offset when `text` is not one JSON document. The document's memory comes from
// `storage`.
Result<boost::json::value> ParseJsonExact(std::string_view text,
                                          boost::json::storage_ptr storage = {});

// Compact JSON text with numbers as people write them: doubles in their shortest round-trip
// form (0.8692437410354614, 12.5, 3), not Boost.JSON's exponent form (8.69E-1); NaN/Inf → null.
std::string ToJsonText(const boost::json::value& value);

// With AppendJsonString (base/strings.h), the pieces ToJsonText writes with, for handlers that
// write a fixed shape straight to text (no DOM): a number in its shortest round-trip form (NaN/Inf
// → null). Same bytes as ToJsonText of the equivalent value.
void AppendJsonNumber(std::string& out, double d);

// Serialises (ToJsonText) and wraps `value` as a JSON response.
Response JsonResponse(int status, const boost::json::value& value);

}  // namespace signx::http
