// Router: maps (method, path) to a handler and its metadata.
//
// Patterns are literal segments and `{name}` parameters ("/v1/projects/{id}/cost-records"); a final
// `{name...}` matches the rest of the path. A literal segment wins over a parameter at the same
// position. Every route carries metadata used by the server (body limit, where it runs), by the
// OpenAPI generator and by authorization (the permission it needs, or kPublic).
// Thread-safety: build the router on one thread, then share it read-only (Match is const).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace signx::http {

// Where a handler runs: on the event loop (must not block; microseconds of CPU) or on the blocking
// pool (database, files, models).
enum class Execution { kInline, kBlocking };

// Route permission meaning "no authentication needed".
inline constexpr std::string_view kPublic = "public";

struct ParamDoc {
  std::string name;
  std::string type = "string";  // JSON schema type: string, integer, number, boolean
  std::string description;
  bool required = false;
};

struct RouteMeta {
  std::string summary;            // one line for the API reference
  std::string description;        // longer text (optional)
  std::vector<std::string> tags;  // OpenAPI tags, e.g. {"ops"}
  std::string permission;         // kPublic or a permission such as "leads:score" (required)
  std::optional<int64_t> max_body_bytes;  // overrides server.max_body_bytes
  std::string request_schema;             // OpenAPI component name of the JSON body, "" if none
  std::string response_schema;            // OpenAPI component name of the success body, "" if none
  std::string response_content_type = "application/json";
  int success_status = 200;
  std::vector<ParamDoc> query_params;
  Execution execution = Execution::kBlocking;
  // Rate-limit group (config `limits.rate_limits`, e.g. "predict=100/h"); "" = not limited.
  std::string rate_limit_group;
};

// A route handler. JSON handlers are usually written as Result<Response>(Request&) and wrapped
// with http::Handle (http/handler.h), which maps an error to the error response in one place.
using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;
  RouteMeta meta;
  Handler handler;
  std::vector<std::string> segments;  // split pattern
  // What each segment is, worked out once when the route is added (Find runs per request).
  enum class Segment : std::uint8_t { kLiteral, kParam, kRest };
  std::vector<Segment> kinds;
};

struct Match {
  const Route* route = nullptr;               // set when found
  std::map<std::string, std::string> params;  // decoded path parameters
  std::vector<std::string> allowed_methods;   // set when the path exists for other methods
};

class Router {
 public:
  // Adds a route. A duplicate (method, pattern) or a missing permission is a programming error.
  void Add(std::string method, std::string pattern, RouteMeta meta, Handler handler);

  // Finds the route for `method` and the raw (still percent-encoded) `path`; parameters come back
  // decoded. If no route matches the path at all, both
  // `route` and `allowed_methods` are empty (404); if only the method differs, `allowed_methods`
  // lists the methods that would match (405).
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  // Route indices (in the order added) by their first two segments when both are literal
  // ("v1" → "leads" → ...): Find matches a path only against its own prefix's routes and
  // any_prefix_ (a parameter in the first two segments, or fewer than two segments) — a few
  // routes instead of all of them on every request.
  std::map<std::string, std::map<std::string, std::vector<std::uint32_t>, std::less<>>, std::less<>>
      by_prefix_;
  std::vector<std::uint32_t> any_prefix_;
};

}  // namespace signx::http
