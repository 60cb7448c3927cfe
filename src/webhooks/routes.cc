#include "webhooks/routes.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <set>

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "webhooks/views.h"

namespace signx::webhooks {
namespace json = boost::json;
namespace {

using http::Request;
using http::Response;

constexpr int64_t kSmallBody = 64 * 1024;

// The caller; kUnauthenticated when the request carries none.
Result<const http::Principal*> PrincipalOf(const Request& r) {
  if (!r.principal) return Status(ErrorCode::kUnauthenticated, "authentication required");
  return &*r.principal;
}

// Reads an endpoint body, collecting every problem (wrong types and unknown fields).
Result<EndpointInput> ReadEndpointInput(const json::object& o) {
  static const std::set<std::string_view> kKnown = {"url", "event_types", "description", "active"};
  EndpointInput in;
  std::vector<FieldError> errors;
  for (const auto& kv : o) {
    if (!kKnown.count(kv.key())) {
      errors.push_back({std::string(kv.key()), "is not a known field"});
    }
  }
  auto text = [&](std::string_view name) -> std::optional<std::string> {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      errors.push_back({std::string(name), "must be a string"});
      return std::nullopt;
    }
    return std::string(v->get_string());
  };
  in.url = text("url");
  in.description = text("description");
  if (const json::value* v = o.if_contains("event_types"); v != nullptr && !v->is_null()) {
    bool ok = v->is_array();
    std::vector<std::string> types;
    if (ok) {
      for (const auto& e : v->get_array()) {
        if (!e.is_string()) {
          ok = false;
          break;
        }
        types.emplace_back(e.get_string());
      }
    }
    if (ok) {
      in.event_types = std::move(types);
    } else {
      errors.push_back({"event_types", "must be an array of strings"});
    }
  }
  if (const json::value* v = o.if_contains("active"); v != nullptr && !v->is_null()) {
    if (v->is_bool()) {
      in.active = v->get_bool();
    } else {
      errors.push_back({"active", "must be true or false"});
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return in;
}

// ?limit= and ?cursor= of the two lists (the shared pagination: a bad value is a 422).
Result<http::PageQuery> ReadPage(const Request& r, std::string_view id_prefix) {
  std::vector<FieldError> bad;
  http::PageQuery q = http::ReadPageQuery(
      r, bad, {.default_limit = kDefaultPage, .max_limit = kMaxPage},
      http::IdCursor(std::string(id_prefix)));
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  return q;
}

Response WithSecret(int status, const EndpointWithSecret& e) {
  json::object out = EndpointJson(e.endpoint);
  out["secret"] = e.secret;
  Response resp = http::JsonResponse(status, out);
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Result<Response> Create(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
  SIGNX_ASSIGN_OR_RETURN(auto in, ReadEndpointInput(body));
  SIGNX_ASSIGN_OR_RETURN(auto created, svc.CreateEndpoint(*p, in, r.request_id));
  Response resp = WithSecret(201, created);
  resp.headers.Set("Location", "/v1/webhooks/" + created.endpoint.id);
  return resp;
}

Result<Response> List(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(const http::PageQuery q, ReadPage(r, "whk"));
  SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListEndpoints(*p, q.limit, q.cursor));
  json::array items;
  for (const auto& e : page.items) items.push_back(EndpointJson(e));
  return http::ListResponse(std::move(items), page.next_cursor);
}

Result<Response> Get(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto e, svc.GetEndpoint(*p, r.PathParam("id")));
  return http::JsonResponse(200, EndpointJson(e));
}

Result<Response> Update(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
  SIGNX_ASSIGN_OR_RETURN(auto in, ReadEndpointInput(body));
  SIGNX_ASSIGN_OR_RETURN(auto e, svc.UpdateEndpoint(*p, r.PathParam("id"), in, r.request_id));
  return http::JsonResponse(200, EndpointJson(e));
}

Result<Response> Delete(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_RETURN_IF_ERROR(svc.DeleteEndpoint(*p, r.PathParam("id"), r.request_id));
  return Response::NoContent();
}

Result<Response> Rotate(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  std::optional<std::chrono::seconds> grace;
  if (!Trim(r.body).empty()) {
    SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
    std::vector<FieldError> errors;
    for (const auto& kv : body) {
      if (kv.key() != "grace_seconds") {
        errors.push_back({std::string(kv.key()), "is not a known field"});
      }
    }
    if (const json::value* v = body.if_contains("grace_seconds"); v && !v->is_null()) {
      if (v->is_int64() || v->is_uint64()) {
        const auto n = v->to_number<int64_t>();
        if (n < 0 || n > kMaxGrace.count()) {
          errors.push_back(
              {"grace_seconds", "must be between 0 and " + std::to_string(kMaxGrace.count())});
        } else {
          grace = std::chrono::seconds(n);
        }
      } else {
        errors.push_back({"grace_seconds", "must be an integer number of seconds"});
      }
    }
    if (!errors.empty()) return ValidationFailed(std::move(errors));
  }
  SIGNX_ASSIGN_OR_RETURN(auto rotated,
                         svc.RotateSecret(*p, r.PathParam("id"), grace, r.request_id));
  return WithSecret(200, rotated);
}

Result<Response> Test(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto d, svc.SendTest(*p, r.PathParam("id"), r.request_id));
  return http::JsonResponse(202, DeliveryJson(d));
}

Result<Response> Deliveries(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(const http::PageQuery q, ReadPage(r, "whd"));
  std::optional<std::string> state;
  if (auto s = r.Query("state")) state = std::string(*s);
  SIGNX_ASSIGN_OR_RETURN(auto page,
                         svc.ListDeliveries(*p, r.PathParam("id"), q.limit, q.cursor, state));
  json::array items;
  for (const auto& d : page.items) items.push_back(DeliveryJson(d));
  return http::ListResponse(std::move(items), page.next_cursor);
}

Result<Response> GetDelivery(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto d, svc.GetDelivery(*p, r.PathParam("id")));
  return http::JsonResponse(200, DeliveryJson(d));
}

Result<Response> Redeliver(WebhookService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto d, svc.Redeliver(*p, r.PathParam("id"), r.request_id));
  return http::JsonResponse(202, DeliveryJson(d));
}

void AddSchemas(http::SchemaRegistry& s) {
  s.Add("WebhookCreateRequest", R"({"type": "object", "required": ["url", "event_types"],
    "additionalProperties": false, "properties": {
    "url": {"type": "string", "maxLength": 2048,
            "description": "http:// or https:// URL; no credentials or fragment; redirects are not followed"},
    "event_types": {"type": "array", "minItems": 1, "maxItems": 64, "items": {"type": "string"},
      "description": "event types (project.created), prefixes (project.*) or * for all"},
    "description": {"type": "string", "maxLength": 500},
    "active": {"type": "boolean", "default": true}}})");
  s.Add("WebhookUpdateRequest", R"({"type": "object", "additionalProperties": false,
    "properties": {
    "url": {"type": "string", "maxLength": 2048},
    "event_types": {"type": "array", "minItems": 1, "maxItems": 64, "items": {"type": "string"}},
    "description": {"type": "string", "maxLength": 500},
    "active": {"type": "boolean"}}})");
  s.Add("WebhookRotateRequest", R"({"type": "object", "additionalProperties": false,
    "properties": {"grace_seconds": {"type": "integer", "minimum": 0, "maximum": 604800,
      "description": "how long the previous secret keeps signing; default 86400"}}})");
  s.Add("Webhook", R"({"type": "object", "properties": {
    "id": {"type": "string"}, "url": {"type": "string"},
    "event_types": {"type": "array", "items": {"type": "string"}},
    "description": {"type": "string"}, "active": {"type": "boolean"},
    "created_by": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "secret_rotated_at": {"type": ["string", "null"], "format": "date-time"},
    "previous_secret_expires_at": {"type": ["string", "null"], "format": "date-time"},
    "secret": {"type": "string",
      "description": "whsec_...; only in the create and rotate-secret responses"}}})");
  s.Add("WebhookList", R"({"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}},
    "next_cursor": {"type": ["string", "null"]}}})");
  s.Add("WebhookDelivery", R"({"type": "object", "properties": {
    "id": {"type": "string"}, "webhook_id": {"type": "string"},
    "event_id": {"type": "string"}, "event_type": {"type": "string"},
    "state": {"type": "string", "enum": ["pending", "failed", "succeeded", "dead"]},
    "attempt_count": {"type": "integer"}, "max_attempts": {"type": "integer"},
    "last_status_code": {"type": ["integer", "null"]},
    "last_error": {"type": ["string", "null"]},
    "response_excerpt": {"type": ["string", "null"]},
    "duration_ms": {"type": ["integer", "null"]},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "redelivery_of": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "completed_at": {"type": ["string", "null"], "format": "date-time"},
    "attempts": {"type": "array", "items": {"type": "object", "properties": {
      "attempt": {"type": "integer"},
      "started_at": {"type": "string", "format": "date-time"},
      "status_code": {"type": ["integer", "null"]},
      "error": {"type": ["string", "null"]},
      "duration_ms": {"type": "integer"},
      "response_excerpt": {"type": ["string", "null"]}}}}}})");
  s.Add("WebhookDeliveryList", R"({"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
    "next_cursor": {"type": ["string", "null"]}}})");
}

std::vector<http::ParamDoc> PageParams() {
  return http::PageParams({.default_limit = kDefaultPage, .max_limit = kMaxPage});
}

}  // namespace

void AddWebhookRoutes(http::Router& router, http::SchemaRegistry& schemas,
                      WebhookService& service) {
  AddSchemas(schemas);
  WebhookService* svc = &service;
  auto bind = [svc](Result<Response> (*fn)(WebhookService&, Request&)) {
    return http::Handle([svc, fn](Request& r) { return fn(*svc, r); });
  };
  const std::string kAdmin = "webhooks:admin";
  const std::string kRead = "events:read";
  router.Add("POST", "/v1/webhooks",
             {.summary = "Register a webhook endpoint (the signing secret is shown once)",
              .description = "Deliveries are POSTed with X-Signature: t=<unix>,v1=<hex "
                             "HMAC-SHA256(secret, t + \".\" + body)>; see docs/security.md.",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .max_body_bytes = kSmallBody,
              .request_schema = "WebhookCreateRequest",
              .response_schema = "Webhook",
              .success_status = 201},
             bind(Create));
  router.Add("GET", "/v1/webhooks",
             {.summary = "List the org's webhook endpoints, newest first",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .response_schema = "WebhookList",
              .query_params = PageParams()},
             bind(List));
  router.Add("GET", "/v1/webhooks/{id}",
             {.summary = "One webhook endpoint",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .response_schema = "Webhook"},
             bind(Get));
  router.Add("PATCH", "/v1/webhooks/{id}",
             {.summary = "Change a webhook endpoint's URL, event types, description or active flag",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .max_body_bytes = kSmallBody,
              .request_schema = "WebhookUpdateRequest",
              .response_schema = "Webhook"},
             bind(Update));
  router.Add("DELETE", "/v1/webhooks/{id}",
             {.summary = "Delete a webhook endpoint and its delivery log",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .success_status = 204},
             bind(Delete));
  router.Add("POST", "/v1/webhooks/{id}/rotate-secret",
             {.summary = "Rotate the signing secret (the new one is shown once)",
              .description = "The previous secret keeps signing as a second v1 value for "
                             "grace_seconds (default 24 h; 0 revokes it at once).",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .max_body_bytes = kSmallBody,
              .request_schema = "WebhookRotateRequest",
              .response_schema = "Webhook"},
             bind(Rotate));
  router.Add("POST", "/v1/webhooks/{id}/test",
             {.summary = "Send a webhook.test event to the endpoint",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .max_body_bytes = kSmallBody,
              .response_schema = "WebhookDelivery",
              .success_status = 202},
             bind(Test));
  std::vector<http::ParamDoc> delivery_params = PageParams();
  delivery_params.push_back({.name = "state",
                             .description = "only deliveries in this state: pending, failed, "
                                            "succeeded or dead"});
  router.Add("GET", "/v1/webhooks/{id}/deliveries",
             {.summary = "The endpoint's delivery log, newest first, with every attempt",
              .tags = {"webhooks"},
              .permission = kRead,
              .response_schema = "WebhookDeliveryList",
              .query_params = std::move(delivery_params)},
             bind(Deliveries));
  router.Add("GET", "/v1/webhook-deliveries/{id}",
             {.summary = "One webhook delivery with its attempts",
              .tags = {"webhooks"},
              .permission = kRead,
              .response_schema = "WebhookDelivery"},
             bind(GetDelivery));
  router.Add("POST", "/v1/webhook-deliveries/{id}/redeliver",
             {.summary = "Send a delivery's body again as a new delivery",
              .tags = {"webhooks"},
              .permission = kAdmin,
              .max_body_bytes = kSmallBody,
              .response_schema = "WebhookDelivery",
              .success_status = 202},
             bind(Redeliver));
}

}  // namespace signx::webhooks
