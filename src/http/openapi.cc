#include "http/openapi.h"

#include <boost/json.hpp>

#include "base/check.h"
#include "base/error_code.h"
#include "base/strings.h"

namespace signx::http {

namespace json = boost::json;

SchemaRegistry::SchemaRegistry() {
  Add("Error", R"({
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
      "type": "object",
      "required": ["code", "name", "message", "details", "request_id"],
      "properties": {
        "code": {"type": "integer", "description": "stable numeric error code"},
        "name": {"type": "string", "description": "stable error name, e.g. validation_failed"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object",
          "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        "request_id": {"type": "string"}
      }}}})");
}

void SchemaRegistry::Add(std::string name, std::string_view json_schema) {
  boost::system::error_code ec;
  json::parse(json_schema, ec);
  SIGNX_CHECK(!ec, "schema " + name + " is not valid JSON");
  SIGNX_CHECK(!schemas_.contains(name), "schema " + name + " registered twice");
  schemas_.emplace(std::move(name), std::string(json_schema));
}

bool SchemaRegistry::Has(std::string_view name) const { return schemas_.contains(name); }

void SchemaRegistry::AddEvent(std::string type, std::string summary,
                              std::string_view payload_schema) {
  boost::system::error_code ec;
  json::parse(payload_schema, ec);
  SIGNX_CHECK(!ec, "event " + type + ": payload schema is not valid JSON");
  SIGNX_CHECK(!events_.contains(type), "event " + type + " registered twice");
  events_.emplace(std::move(type), EventDoc{std::move(summary), std::string(payload_schema)});
}

namespace {

json::object Ref(std::string_view schema) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(schema)}};
}

std::string Lower(std::string_view s) { return ToLower(s); }

}  // namespace

std::string BuildOpenApi(const Router& router, const SchemaRegistry& schemas, const ApiInfo& info) {
  json::object paths;
  for (const auto& r : router.routes()) {
    // OpenAPI path templates use {name}; our rest parameter {name...} becomes {name}.
    std::string path;
    json::array params;
    for (const auto& seg : r.segments) {
      std::string s = seg;
      if (s.size() > 2 && s.front() == '{') {
        std::string name = s.substr(1, s.size() - 2);
        if (name.ends_with("...")) name.resize(name.size() - 3);
        s = "{" + name + "}";
        params.push_back(json::object{{"name", name},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", json::object{{"type", "string"}}}});
      }
      path += "/" + s;
    }
    if (path.empty()) path = "/";
    for (const auto& q : r.meta.query_params) {
      params.push_back(json::object{{"name", q.name},
                                    {"in", "query"},
                                    {"required", q.required},
                                    {"description", q.description},
                                    {"schema", json::object{{"type", q.type}}}});
    }
    json::object op{{"summary", r.meta.summary},
                    {"operationId", Lower(r.method) + path}};
    if (!r.meta.description.empty()) op["description"] = r.meta.description;
    if (!r.meta.tags.empty()) {
      json::array tags;
      for (const auto& t : r.meta.tags) tags.emplace_back(t);
      op["tags"] = std::move(tags);
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (r.meta.permission == kPublic) {
      op["security"] = json::array{};
    } else {
      op["x-permission"] = r.meta.permission;
    }
    if (!r.meta.request_schema.empty()) {
      SIGNX_CHECK(schemas.Has(r.meta.request_schema),
                  "route " + r.pattern + " names unknown schema " + r.meta.request_schema);
      op["requestBody"] = json::object{
          {"required", true},
          {"content", json::object{{"application/json",
                                    json::object{{"schema", Ref(r.meta.request_schema)}}}}}};
    }
    json::object responses;
    json::object ok{{"description", "success"}};
    if (!r.meta.response_schema.empty()) {
      SIGNX_CHECK(schemas.Has(r.meta.response_schema),
                  "route " + r.pattern + " names unknown schema " + r.meta.response_schema);
      ok["content"] = json::object{
          {r.meta.response_content_type, json::object{{"schema", Ref(r.meta.response_schema)}}}};
    } else if (!r.meta.response_content_type.empty() &&
               r.meta.response_content_type != "application/json") {
      ok["content"] = json::object{{r.meta.response_content_type, json::object{}}};
    }
    responses[std::to_string(r.meta.success_status)] = std::move(ok);
    responses["default"] = json::object{
        {"description", "error in the documented error shape"},
        {"content", json::object{{"application/json", json::object{{"schema", Ref("Error")}}}}}};
    op["responses"] = std::move(responses);

    json::value& entry = paths[path];
    if (!entry.is_object()) entry = json::object{};
    entry.get_object()[Lower(r.method)] = std::move(op);
  }

  json::object components_schemas;
  for (const auto& [name, text] : schemas.all()) components_schemas[name] = json::parse(text);

  // Event deliveries (webhooks; the same envelope on /v1/events/stream).
  json::object webhooks;
  for (const auto& [type, doc] : schemas.events()) {
    json::object envelope{
        {"type", "object"},
        {"required", json::array{"id", "type", "org_id", "subject_id", "payload", "created_at"}},
        {"properties",
         json::object{{"id", json::object{{"type", "string"}, {"description", "evt_<ulid>"}}},
                      {"type", json::object{{"const", type}}},
                      {"org_id", json::object{{"type", "string"}}},
                      {"subject_id", json::object{{"type", "string"}}},
                      {"payload", json::parse(doc.payload_schema)},
                      {"created_at", json::object{{"type", "string"}, {"format", "date-time"}}}}}};
    webhooks[type] = json::object{
        {"post",
         json::object{{"summary", doc.summary},
                      {"operationId", "event_" + type},
                      {"requestBody",
                       json::object{{"content",
                                     json::object{{"application/json",
                                                   json::object{{"schema", std::move(envelope)}}}}}}},
                      {"responses",
                       json::object{{"2XX", json::object{{"description",
                                                          "received (any 2xx ends the retries)"}}}}}}}};
  }

  json::array error_codes;
  for (const auto& e : AllErrorCodes()) {
    if (e.code == ErrorCode::kOk) continue;
    error_codes.push_back(json::object{{"code", static_cast<int>(e.code)},
                                       {"name", e.name},
                                       {"http_status", e.http_status},
                                       {"description", e.description}});
  }

  json::object doc{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", info.title},
                            {"version", info.version},
                            {"description", info.description}}},
      {"paths", std::move(paths)},
      {"webhooks", std::move(webhooks)},
      {"components",
       json::object{{"schemas", std::move(components_schemas)},
                    {"securitySchemes",
                     json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"},
                                                          {"bearerFormat", "JWT"}}},
                                  {"api_key", json::object{{"type", "apiKey"},
                                                           {"in", "header"},
                                                           {"name", "X-API-Key"}}}}}}},
      {"security", json::array{json::object{{"bearer", json::array{}}},
                               json::object{{"api_key", json::array{}}}}},
      {"x-error-codes", std::move(error_codes)}};
  return json::serialize(doc);
}

}  // namespace signx::http
