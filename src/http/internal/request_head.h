// Request head: the pure steps the server takes between Beast parsing a request's headers and
// reading its body or running its handler — building the Request (path, query, request id, trace
// id, deadline), choosing the route and the body limit, refusing a declared body over that limit,
// and answering a request no route takes (404/405). server.cc does the I/O (reading, writing,
// timeouts, Expect: 100-continue) and calls these, so what it decides is tested without a socket.
//
// Internal to the http module. Plain std types in and out: no Boost.Beast/Asio here (DESIGN: those
// templates stay in the module's .cc files).
// Thread-safety: free functions without shared state (random ids come from per-thread
// generators); callable from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"
#include "http/router.h"

namespace signx::http::internal {

// The longest X-Request-Id accepted from a client.
inline constexpr std::size_t kMaxRequestIdLength = 128;

// A request's head as the parser delivered it.
struct RequestHead {
  std::string method;  // as sent: "GET", "HEAD", "POST", ...
  std::string target;  // raw request target: "/v1/leads?limit=10"
  std::vector<std::pair<std::string, std::string>> headers;  // name/value, in arrival order
  std::string remote_addr;                                   // peer IP; "" if unknown
};

// Builds the Request a handler sees from its head. Sets method, target, headers and remote_addr
// as given, and:
//  - path: the target before the first '?', percent-decoded ('+' stays '+'); left as sent when it
//    holds a malformed escape;
//  - query: ParseQuery of what follows the first '?' (empty without one);
//  - request_id: the first X-Request-Id when it is 1..kMaxRequestIdLength characters of
//    [A-Za-z0-9-_.:] (safe to echo and log), else a new "req_" id;
//  - trace_id: TraceIdFromTraceparent of the traceparent header, else (none, more than one or
//    invalid) 32 random lowercase hex;
//  - span_id: 16 random lowercase hex (this server's span);
//  - deadline: started + request_deadline.
// body, path_params, route and principal are left empty (filled after routing and reading).
Request BuildRequest(RequestHead head, std::chrono::steady_clock::time_point started,
                     std::chrono::milliseconds request_deadline);

// The target's path before the first '?', still percent-encoded (what Router::Find takes).
std::string_view RawPath(std::string_view target);

// The trace id of a W3C Trace Context traceparent header
// ("<version>-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", e.g.
// "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), or nullopt when the header is not
// valid: the version is two lowercase hex digits other than "ff"; version "00" has exactly these
// four fields, a later version may append more ("-..."); the trace id and parent id are lowercase
// hex of their exact length and not all zeros; the flags are two lowercase hex digits.
std::optional<std::string> TraceIdFromTraceparent(std::string_view traceparent);

// The route for `method` on `raw_path` (percent-encoded, as Router::Find takes it). HEAD is served
// by the GET route of the path; a route registered for HEAD itself is used only when there is no
// GET route. Without a route, the Match's allowed_methods tell 405 (non-empty) from 404 (empty).
Match FindRoute(const Router& router, std::string_view method, std::string_view raw_path);

// The most body bytes a request may send: the route's max_body_bytes when it sets one, else
// `default_limit` (server.max_body_bytes; also for requests without a route).
int64_t BodyLimit(const Route* route, int64_t default_limit);

// The 413 answer when the declared Content-Length is larger than `limit` (a body of exactly
// `limit` bytes is accepted), so the server refuses before reading the body; nullopt when the body
// may be read, including without a Content-Length (a chunked body is limited while it is read; see
// BodyTooLarge). The caller must close the connection after a 413: the body is left unread.
std::optional<Response> DeclaredBodyTooLarge(std::optional<std::uint64_t> content_length,
                                             int64_t limit, std::string_view request_id);

// The 413 answer when a body without a Content-Length outgrew `limit` while being read.
Response BodyTooLarge(int64_t limit, std::string_view request_id);

// What a request's body may cost in memory while it is handled, charged against
// server.body_memory_budget_bytes before the body is read. `body_bytes` is the declared
// Content-Length, or the route's limit for a body without one. A JSON body is parsed into a DOM of
// up to 12x its size (Boost.JSON, measured: 16-byte values in arrays of one-character numbers; a
// lead batch is 2.3x), so it is charged 13x (body + DOM); any other body 2x (body + one decoded
// copy: a CSV or multipart upload). Capped at `budget` so the largest request a route allows is
// admitted when nothing else is in flight.
int64_t BodyMemoryCharge(int64_t body_bytes, bool json, int64_t budget);
inline constexpr int64_t kJsonBodyMemoryFactor = 13;
inline constexpr int64_t kOtherBodyMemoryFactor = 2;

// The answer for a request no route takes: 405 with an Allow header listing `allowed_methods`
// (", "-separated, in the given order) when the path exists for other methods, else 404. Both in
// the error shape, naming the request's method and decoded path, with its request id.
Response NoRouteResponse(const Request& request, const std::vector<std::string>& allowed_methods);

}  // namespace signx::http::internal
