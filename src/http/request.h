// Request and Response: the plain value types handlers see. No Beast types leak out of the http
// module, so capability code compiles without Boost.Beast/Asio.
// Thread-safety: a Request is owned by one in-flight call; a handler may read it from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signx::http {

// Case-insensitive header lookup over a small vector (requests carry a handful of headers).
class Headers {
 public:
  void Add(std::string name, std::string value);
  void Set(std::string name, std::string value);  // replaces any existing value
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Who is calling, set by the authentication middleware (identity module) before the handler runs.
struct Principal {
  std::string kind;        // "user" or "api_key"
  std::string subject_id;  // usr_... or key_...
  std::string org_id;      // the org the request acts in (tenant scope)
  std::string role;        // super_admin, org_admin, org_member, org_viewer (api keys: "api_key")
  std::vector<std::string> permissions;  // e.g. "leads:score"
  bool Can(std::string_view permission) const {
    for (const auto& p : permissions) {
      if (p == permission || p == "*") return true;
    }
    return false;
  }
};

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string target;   // raw request target: "/v1/projects?limit=10"
  std::string path;     // percent-decoded path without the query: "/v1/projects"
  std::multimap<std::string, std::string> query;  // decoded query parameters
  Headers headers;
  std::string body;
  std::map<std::string, std::string> path_params;  // from the route pattern: {"id": "prj_..."}
  std::string route;       // the matched route pattern ("/v1/projects/{id}") or "" if none
  std::string request_id;  // X-Request-Id accepted from the client or generated
  std::string trace_id;    // W3C trace id (32 hex) from traceparent, or generated
  std::string span_id;     // this server's span id (16 hex)
  std::string remote_addr;
  std::chrono::steady_clock::time_point deadline;  // handlers should finish before this
  std::optional<Principal> principal;               // set by authentication; empty = anonymous

  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
  // First value of a query parameter.
  std::optional<std::string_view> Query(std::string_view name) const;
  // Path parameter by name; the route guarantees presence for names in its pattern.
  std::string_view PathParam(std::string_view name) const;
};

// A response body produced over time (server-sent events). The server polls it: it writes what
// Poll returns, waits a short interval when nothing is ready, and stops when Poll returns nullopt,
// the client goes away or the server shuts down; then it calls Close once.
// Thread-safety: Poll and Close are called from the connection's strand only; implementations
// are fed from other threads and must synchronise internally.
class StreamBody {
 public:
  virtual ~StreamBody() = default;
  // Bytes to send now (may be empty), or nullopt when the stream has ended.
  virtual std::optional<std::string> Poll() = 0;
  virtual void Close() {}
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::string content_type = "application/json";
  // When set, `body` is ignored: the server sends the headers (no Content-Length, Connection:
  // close) and then streams what `stream` produces until it ends.
  std::shared_ptr<StreamBody> stream;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response NoContent();
};

// Percent-decodes a URL component ("a%20b" -> "a b"; with `plus_is_space`, "+" -> " ").
// nullopt for malformed escapes.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// Parses "a=1&b=x%20y" into decoded pairs; malformed pairs are skipped.
std::multimap<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace signx::http
