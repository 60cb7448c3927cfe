#include "http/internal/request_head.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "base/id.h"
#include "base/status.h"
#include "base/strings.h"
#include "http/json.h"

namespace signx::http::internal {
namespace {

bool IsToken(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == ':';
    if (!ok) return false;
  }
  return true;
}

// Exactly `n` lowercase hex digits.
bool IsLowerHex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char ch : s) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

bool IsAllZeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

std::string RandomHex(std::size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes * 2, '0');
  for (std::size_t i = 0; i < out.size(); i += 16) {
    uint64_t v = rng();
    for (std::size_t j = i; j < std::min(out.size(), i + 16); ++j, v >>= 4) out[j] = kHex[v & 15];
  }
  return out;
}

}  // namespace

std::string_view RawPath(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string> TraceIdFromTraceparent(std::string_view tp) {
  const auto parts = Split(tp, '-');
  if (parts.size() < 4 || !IsLowerHex(parts[0], 2) || parts[0] == "ff") return std::nullopt;
  if (parts[0] == "00" && parts.size() != 4) return std::nullopt;
  if (!IsLowerHex(parts[1], 32) || IsAllZeros(parts[1]) || !IsLowerHex(parts[2], 16) ||
      IsAllZeros(parts[2]) || !IsLowerHex(parts[3], 2)) {
    return std::nullopt;
  }
  return std::string(parts[1]);
}

Request BuildRequest(RequestHead head, std::chrono::steady_clock::time_point started,
                     std::chrono::milliseconds request_deadline) {
  Request req;
  req.method = std::move(head.method);
  req.target = std::move(head.target);
  const auto qpos = req.target.find('?');
  const std::string_view raw_path = RawPath(req.target);
  req.path = PercentDecode(raw_path, false).value_or(std::string(raw_path));
  if (qpos != std::string::npos) {
    req.query = ParseQuery(std::string_view(req.target).substr(qpos + 1));
  }
  for (auto& [name, value] : head.headers) req.headers.Add(std::move(name), std::move(value));
  req.remote_addr = std::move(head.remote_addr);
  auto rid = req.Header("X-Request-Id");
  req.request_id = rid && IsToken(*rid, kMaxRequestIdLength) ? std::string(*rid) : NewId("req");
  std::optional<std::string> trace;
  int traceparents = 0;
  for (const auto& [name, value] : req.headers.all()) {
    if (EqualsIgnoreCase(name, "traceparent") && ++traceparents == 1) {
      trace = TraceIdFromTraceparent(value);
    }
  }
  if (traceparents > 1) trace.reset();  // W3C: more than one traceparent restarts the trace
  req.trace_id = trace ? std::move(*trace) : RandomHex(16);
  req.span_id = RandomHex(8);
  req.deadline = started + request_deadline;
  return req;
}

Match FindRoute(const Router& router, std::string_view method, std::string_view raw_path) {
  const bool head = method == "HEAD";
  Match match = router.Find(head ? "GET" : method, raw_path);
  if (head && !match.route) match = router.Find("HEAD", raw_path);
  return match;
}

int64_t BodyLimit(const Route* route, int64_t default_limit) {
  return route && route->meta.max_body_bytes ? *route->meta.max_body_bytes : default_limit;
}

std::optional<Response> DeclaredBodyTooLarge(std::optional<std::uint64_t> content_length,
                                             int64_t limit, std::string_view request_id) {
  if (!content_length || *content_length <= static_cast<std::uint64_t>(limit)) return std::nullopt;
  return ErrorResponse(Status(ErrorCode::kPayloadTooLarge,
                              fmt::format("the request body is {} bytes; this route accepts at "
                                          "most {} bytes",
                                          *content_length, limit)),
                       request_id);
}

int64_t BodyMemoryCharge(int64_t body_bytes, bool json, int64_t budget) {
  if (body_bytes <= 0) return 0;
  const int64_t factor = json ? kJsonBodyMemoryFactor : kOtherBodyMemoryFactor;
  if (body_bytes > budget / factor) return budget;
  return body_bytes * factor;
}

Response BodyTooLarge(int64_t limit, std::string_view request_id) {
  return ErrorResponse(
      Status(ErrorCode::kPayloadTooLarge, fmt::format("the request body exceeds {} bytes", limit)),
      request_id);
}

Response NoRouteResponse(const Request& request, const std::vector<std::string>& allowed_methods) {
  if (allowed_methods.empty()) {
    return ErrorResponse(NotFound(fmt::format("no route for {} {}", request.method, request.path)),
                         request.request_id);
  }
  const std::string allow = Join(allowed_methods, ", ");
  Response resp = ErrorResponse(
      Status(ErrorCode::kMethodNotAllowed, fmt::format("{} is not allowed on {}; allowed: {}",
                                                       request.method, request.path, allow)),
      request.request_id);
  resp.headers.Set("Allow", allow);
  return resp;
}

}  // namespace signx::http::internal
