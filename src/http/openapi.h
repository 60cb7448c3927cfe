// OpenAPI 3.1 document generated from the route registry, so the API reference cannot drift from
// the routes that exist. Modules register the JSON schemas their routes name (request_schema /
// response_schema) in a SchemaRegistry.
// Thread-safety: fill the registry at start-up; afterwards it is read-only.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "http/router.h"

namespace signx::http {

class SchemaRegistry {
 public:
  SchemaRegistry();  // pre-registers "Error"
  // `json_schema` is a JSON Schema object as text. A duplicate name or invalid JSON is a
  // programming error.
  void Add(std::string name, std::string_view json_schema);
  bool Has(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& all() const { return schemas_; }

  // An event type subscribers can receive (webhooks, SSE): published in the document's OpenAPI
  // 3.1 `webhooks` section with `payload_schema` as the envelope's `payload`. The composition
  // root registers events/event_types.h. A duplicate or invalid JSON is a programming error.
  struct EventDoc {
    std::string summary;
    std::string payload_schema;
  };
  void AddEvent(std::string type, std::string summary, std::string_view payload_schema);
  const std::map<std::string, EventDoc, std::less<>>& events() const { return events_; }

 private:
  std::map<std::string, std::string, std::less<>> schemas_;
  std::map<std::string, EventDoc, std::less<>> events_;
};

struct ApiInfo {
  std::string title = "SignX API";
  std::string version;
  std::string description;
};

// The OpenAPI 3.1 document for every route in `router`, as JSON text. Every route appears once
// under its path and method, with its path parameters, documented query parameters, request body,
// success response and the error responses in the one error shape.
std::string BuildOpenApi(const Router& router, const SchemaRegistry& schemas, const ApiInfo& info);

}  // namespace signx::http
