#include "webhooks/pages/webhook_pages.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "web/views.h"

namespace signx::webhooks {

using web::Flash;
using web::FormatWhen;
using web::Page;
using web::PageContext;
using web::ServiceErrorPage;
using web::SetOptionalText;
using web::View;
using web::ViewList;

namespace {

constexpr int kEndpointsPerPage = 50;
constexpr int kDeliveriesPerPage = 25;

Page WebhookFailure(const Status& status, std::string_view what, std::string_view request_id) {
  return ServiceErrorPage(
      status, what, request_id, "That webhook does not exist (or is not in your organisation).");
}

// "quote.created, project.*" / one per line → patterns.
std::vector<std::string> ParseTypes(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string t(Trim(cur));
    if (!t.empty()) out.push_back(std::move(t));
    cur.clear();
  };
  for (char c : text) {
    if (c == ',' || c == '\n' || c == '\r' || c == ' ') {
      flush();
    } else {
      cur.push_back(c);
    }
  }
  flush();
  return out;
}

View EndpointView(const Endpoint& e) {
  View o(View::type::object);
  o.set("id", e.id);
  o.set("url", e.url);
  std::string types;
  for (const auto& t : e.event_types) types += (types.empty() ? "" : ", ") + t;
  o.set("event_types", types);
  o.set("description", e.description);
  o.set("active", e.active);
  o.set("created_at", FormatWhen(e.created_at));
  return o;
}

View IndexView(PageContext& ctx, WebhookService& svc, Status* error) {
  View v(View::type::object);
  auto page = svc.ListEndpoints(ctx.who(), kEndpointsPerPage, "");
  ViewList list;
  if (page.ok()) {
    for (const auto& e : page->items) list.push_back(EndpointView(e));
  } else {
    *error = page.status();
  }
  v.set("endpoints", list);
  v.set("has_endpoints", !list.empty());
  v.set("form_url", ctx.Field("url"));
  v.set("form_event_types", ctx.Field("event_types").empty() ? std::string("*")
                                                               : ctx.Field("event_types"));
  v.set("form_description", ctx.Field("description"));
  return v;
}

Page IndexPage(PageContext& ctx, WebhookService& svc) {
  Status error = Status::Ok();
  View v = IndexView(ctx, svc, &error);
  if (!error.ok()) return WebhookFailure(error, "Listing webhooks", ctx.request.request_id);
  return Page::Render("Webhooks", "admin_webhooks", std::move(v));
}

Page CreatePage(PageContext& ctx, WebhookService& svc) {
  EndpointInput input;
  input.url = std::string(Trim(ctx.Field("url")));
  input.event_types = ParseTypes(ctx.Field("event_types"));
  input.description = std::string(Trim(ctx.Field("description")));
  auto created = svc.CreateEndpoint(ctx.who(), input, ctx.request.request_id);
  if (!created.ok()) {
    if (created.status().code() != ErrorCode::kValidationFailed) {
      return WebhookFailure(created.status(), "Creating the webhook", ctx.request.request_id);
    }
    Status error = Status::Ok();
    View v = IndexView(ctx, svc, &error);
    std::map<std::string, std::string> errors;
    for (const auto& d : created.status().details()) {
      std::string field = d.field.substr(0, d.field.find_first_of(".["));
      errors.try_emplace(field, d.message);
    }
    for (const auto& [field, message] : errors) v.set("error_" + field, message);
    v.set("has_errors", true);
    return Page::Render("Webhooks", "admin_webhooks", std::move(v), 422);
  }
  // The secret is rendered into this response only (never into a redirect or flash cookie).
  Status error = Status::Ok();
  View v = IndexView(ctx, svc, &error);
  v.set("form_url", "");
  v.set("form_event_types", "*");
  v.set("form_description", "");
  View c = EndpointView(created->endpoint);
  c.set("secret", created->secret);
  v.set("created", c);
  v.set("has_created", true);
  return Page::Render("Webhooks", "admin_webhooks", std::move(v), 201);
}

Page EndpointDetailPage(PageContext& ctx, WebhookService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  auto endpoint = svc.GetEndpoint(ctx.who(), id);
  if (!endpoint.ok()) return WebhookFailure(endpoint.status(), "Loading the webhook", ctx.request.request_id);
  std::string cursor(ctx.request.Query("cursor").value_or(""));
  auto deliveries = svc.ListDeliveries(ctx.who(), id, kDeliveriesPerPage, cursor);
  if (!deliveries.ok()) {
    if (deliveries.status().code() == ErrorCode::kInvalidArgument) {
      return Page::Error(400, "Bad link", "That page link is not valid. Open the webhook again.");
    }
    return WebhookFailure(deliveries.status(), "Loading deliveries", ctx.request.request_id);
  }
  View v(View::type::object);
  v.set("endpoint", EndpointView(*endpoint));
  ViewList list;
  for (const auto& d : deliveries->items) {
    View o(View::type::object);
    o.set("id", d.id);
    o.set("event_type", d.event_type);
    o.set("event_id", d.event_id);
    o.set("state", d.state);
    o.set("succeeded", d.state == "succeeded");
    o.set("attempts", fmt::format("{} of {}", d.attempt_count, d.max_attempts));
    o.set("status_code", d.last_status_code ? std::to_string(*d.last_status_code) : "—");
    o.set("error", d.last_error.value_or(""));
    o.set("created_at", FormatWhen(d.created_at));
    o.set("redelivery", d.redelivery_of.has_value());
    ViewList attempts;
    for (const auto& a : d.attempts) {
      View at(View::type::object);
      at.set("attempt", std::to_string(a.attempt));
      at.set("started_at", FormatWhen(a.started_at));
      at.set("duration", fmt::format("{} ms", a.duration_ms));
      at.set("status_code", a.status_code ? std::to_string(*a.status_code) : "—");
      SetOptionalText(at, "error", a.error);
      SetOptionalText(at, "response", a.response_excerpt);
      attempts.push_back(at);
    }
    o.set("attempt_log", attempts);
    o.set("has_attempts", !attempts.empty());
    list.push_back(o);
  }
  v.set("deliveries", list);
  v.set("has_deliveries", !list.empty());
  v.set("has_next", !deliveries->next_cursor.empty());
  v.set("next_url", "/admin/webhooks/" + id + "?cursor=" + deliveries->next_cursor);
  v.set("is_later_page", !cursor.empty());
  return Page::Render("Webhook", "admin_webhook", std::move(v));
}

Page AfterSend(const Result<Delivery>& sent, std::string_view endpoint_id,
               std::string_view what, std::string_view request_id) {
  const std::string back = "/admin/webhooks/" + std::string(endpoint_id);
  if (!sent.ok()) {
    if (sent.status().code() == ErrorCode::kFailedPrecondition) {
      return Page::Redirect(back, Flash{"error", fmt::format("Could not {}: {}", what,
                                                             sent.status().message())});
    }
    return WebhookFailure(sent.status(), "Sending", request_id);
  }
  return Page::Redirect(back, Flash{"ok", fmt::format("Queued delivery {}.", sent->id)});
}

}  // namespace

void AddWebhookPages(web::Shell& shell, WebhookService& svc) {
  shell.templates().AddEmbedded(EmbeddedTemplates());
  shell.AddSection({.label = "Webhooks",
                    .href = "/admin/webhooks",
                    .permission = "webhooks:admin",
                    .description = "Send your organisation's events to other systems."});
  shell.AddPage("GET", "/admin/webhooks",
                {.summary = "Webhook endpoints", .permission = "webhooks:admin",
                 .section = "/admin/webhooks"},
                [&svc](PageContext& ctx) { return IndexPage(ctx, svc); });
  shell.AddPage("POST", "/admin/webhooks",
                {.summary = "Create a webhook endpoint (the secret is shown once)",
                 .permission = "webhooks:admin",
                 .section = "/admin/webhooks",
                 .max_body_bytes = 16 * 1024},
                [&svc](PageContext& ctx) { return CreatePage(ctx, svc); });
  shell.AddPage("GET", "/admin/webhooks/{id}",
                {.summary = "A webhook endpoint and its delivery log",
                 .permission = "webhooks:admin",
                 .section = "/admin/webhooks"},
                [&svc](PageContext& ctx) { return EndpointDetailPage(ctx, svc); });
  shell.AddPage("POST", "/admin/webhooks/{id}/test",
                {.summary = "Send a test event to a webhook endpoint",
                 .permission = "webhooks:admin",
                 .section = "/admin/webhooks"},
                [&svc](PageContext& ctx) {
                  const std::string id(ctx.request.PathParam("id"));
                  return AfterSend(svc.SendTest(ctx.who(), id, ctx.request.request_id), id,
                                   "send a test", ctx.request.request_id);
                });
  shell.AddPage("POST", "/admin/webhooks/deliveries/{id}/redeliver",
                {.summary = "Send a webhook delivery again",
                 .permission = "webhooks:admin",
                 .section = "/admin/webhooks"},
                [&svc](PageContext& ctx) {
                  auto original = svc.GetDelivery(ctx.who(), ctx.request.PathParam("id"));
                  if (!original.ok()) {
                    return WebhookFailure(original.status(), "Loading the delivery",
                                   ctx.request.request_id);
                  }
                  return AfterSend(
                      svc.Redeliver(ctx.who(), original->id, ctx.request.request_id),
                      original->endpoint_id, "redeliver", ctx.request.request_id);
                });
}

}  // namespace signx::webhooks
