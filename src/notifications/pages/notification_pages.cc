#include "notifications/pages/notification_pages.h"

#include <fmt/format.h>

#include <map>

#include "base/strings.h"
#include "identity/scope.h"
#include "notifications/routes.h"
#include "web/views.h"

namespace signx::notifications {

using web::Flash;
using web::FormatWhen;
using web::Page;
using web::PageContext;
using web::ServiceErrorPage;
using web::View;
using web::ViewList;

namespace {

constexpr int kPerPage = 25;

std::string Hhmm(std::optional<int> minutes) {
  if (!minutes) return "";
  return fmt::format("{:02d}:{:02d}", *minutes / 60, *minutes % 60);
}

// "22:00" → 1320; "" → nullopt; anything else → -1 (reported by validation as out of range).
std::optional<int> ParseHhmm(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return -1;
  auto h = ParseInt(text.substr(0, colon));
  auto m = ParseInt(text.substr(colon + 1));
  if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59) return -1;
  return static_cast<int>(*h * 60 + *m);
}

Page InboxPage(PageContext& ctx, NotificationService& svc, bool live) {
  const bool unread = ctx.request.Query("unread").value_or("") == "1";
  const std::string cursor(ctx.request.Query("cursor").value_or(""));
  auto page = svc.Inbox(ctx.who(), unread, kPerPage, cursor);
  if (!page.ok()) {
    if (page.status().code() == ErrorCode::kPermissionDenied) {
      return Page::Error(403, "No inbox", std::string(page.status().message()));
    }
    return ServiceErrorPage(page.status(), "Loading notifications", ctx.request.request_id,
                            "That notification does not exist.");
  }
  auto count = svc.UnreadCount(ctx.who());
  View v(View::type::object);
  ViewList items;
  for (const auto& n : page->items) {
    View o(View::type::object);
    o.set("id", n.id);
    o.set("title", n.title);
    o.set("body", n.body);
    o.set("event_type", n.event_type);
    o.set("unread", !n.read_at.has_value());
    o.set("created_at", FormatWhen(n.created_at));
    items.push_back(o);
  }
  v.set("notifications", items);
  v.set("has_notifications", !items.empty());
  v.set("unread_only", unread);
  v.set("unread_count", std::to_string(count.value_or(0)));
  v.set("has_unread", count.value_or(0) > 0);
  v.set("live", live && cursor.empty());
  v.set("has_next", !page->next_cursor.empty());
  v.set("next_url",
        fmt::format("/notifications?{}cursor={}", unread ? "unread=1&" : "", page->next_cursor));
  return Page::Render("Notifications", "notifications_inbox", std::move(v));
}

View SettingsView(PageContext& ctx, const Preferences& p) {
  View v(View::type::object);
  v.set("email", p.email);
  v.set("time_zone", p.time_zone);
  v.set("quiet_start", Hhmm(p.quiet_start_min));
  v.set("quiet_end", Hhmm(p.quiet_end_min));
  v.set("digest", p.digest);
  v.set("digest_hour", std::to_string(p.digest_hour));
  v.set("webhook_url", p.webhook_url);
  v.set("webhook_secret_set", !p.webhook_secret.empty());
  v.set("rules", RulesText(p.rules));
  (void)ctx;
  return v;
}

Page SettingsPage(PageContext& ctx, NotificationService& svc) {
  auto prefs = svc.GetPreferences(ctx.who());
  if (!prefs.ok()) {
    if (prefs.status().code() == ErrorCode::kPermissionDenied) {
      return Page::Error(403, "No notification settings", std::string(prefs.status().message()));
    }
    return ServiceErrorPage(prefs.status(), "Loading settings", ctx.request.request_id, "");
  }
  return Page::Render("Notification settings", "notifications_settings", SettingsView(ctx, *prefs));
}

Page SaveSettingsPage(PageContext& ctx, NotificationService& svc) {
  PreferencesInput in;
  Preferences& p = in.prefs;
  p.email = std::string(Trim(ctx.Field("email")));
  p.time_zone = std::string(Trim(ctx.Field("time_zone")));
  if (p.time_zone.empty()) p.time_zone = "UTC";
  p.quiet_start_min = ParseHhmm(ctx.Field("quiet_start"));
  p.quiet_end_min = ParseHhmm(ctx.Field("quiet_end"));
  p.digest = ctx.Field("digest") == "1";
  p.digest_hour = static_cast<int>(ParseInt(Trim(ctx.Field("digest_hour"))).value_or(-1));
  p.webhook_url = std::string(Trim(ctx.Field("webhook_url")));
  in.rotate_webhook_secret = ctx.Field("rotate_webhook_secret") == "1";
  std::vector<FieldError> errors;
  auto rules = ParseRulesText(ctx.Field("rules"));
  if (rules.ok()) {
    p.rules = std::move(*rules);
  } else {
    errors = rules.status().details();
  }
  auto before = svc.GetPreferences(ctx.who());
  Result<Preferences> saved = errors.empty() ? svc.PutPreferences(ctx.who(), in)
                                             : Result<Preferences>(ValidationFailed(errors));
  if (!saved.ok()) {
    if (saved.status().code() != ErrorCode::kValidationFailed) {
      return ServiceErrorPage(saved.status(), "Saving settings", ctx.request.request_id, "");
    }
    View v = SettingsView(ctx, p);
    v.set("quiet_start", std::string(ctx.Field("quiet_start")));
    v.set("quiet_end", std::string(ctx.Field("quiet_end")));
    v.set("digest_hour", std::string(ctx.Field("digest_hour")));
    v.set("rules", std::string(ctx.Field("rules")));
    std::map<std::string, std::string> by_field;
    for (const auto& d : saved.status().details()) {
      std::string field = d.field.substr(0, d.field.find_first_of(".["));
      if (field == "quiet_start_min") field = "quiet_start";
      if (field == "quiet_end_min") field = "quiet_end";
      by_field.try_emplace(field, d.message);
    }
    for (const auto& [field, message] : by_field) v.set("error_" + field, message);
    v.set("has_errors", true);
    return Page::Render("Notification settings", "notifications_settings", std::move(v), 422);
  }
  View v = SettingsView(ctx, *saved);
  const bool new_secret = !saved->webhook_secret.empty() &&
                          (!before.ok() || before->webhook_secret != saved->webhook_secret);
  if (new_secret) {
    // Rendered into this answer only (never a redirect or a flash cookie).
    v.set("new_secret", saved->webhook_secret);
    v.set("has_new_secret", true);
  }
  ctx.flashes.push_back(Flash{"ok", "Notification settings saved."});
  return Page::Render("Notification settings", "notifications_settings", std::move(v));
}

}  // namespace

std::string RulesText(const std::vector<Rule>& rules) {
  std::string out;
  for (const auto& r : rules) {
    out += r.event_type + ":";
    for (std::size_t i = 0; i < r.channels.size(); ++i) {
      out += (i == 0 ? " " : ", ") + std::string(ChannelName(r.channels[i]));
    }
    out += "\n";
  }
  return out;
}

Result<std::vector<Rule>> ParseRulesText(std::string_view text) {
  std::vector<Rule> rules;
  std::vector<FieldError> errors;
  int line_no = 0;
  for (auto line : Split(text, '\n')) {
    ++line_no;
    line = Trim(line);
    if (!line.empty() && line.back() == '\r') line = Trim(line.substr(0, line.size() - 1));
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      errors.push_back({"rules", fmt::format("line {}: write \"event type: channels\"", line_no)});
      continue;
    }
    Rule r;
    r.event_type = std::string(Trim(line.substr(0, colon)));
    for (auto c : Split(line.substr(colon + 1), ',')) {
      c = Trim(c);
      if (c.empty() || c == "none") continue;
      auto ch = ParseChannel(c == "in-app" || c == "inbox" ? "in_app" : c);
      if (!ch) {
        errors.push_back(
            {"rules", fmt::format("line {}: '{}' is not email, webhook or in_app", line_no, c)});
        continue;
      }
      r.channels.push_back(*ch);
    }
    rules.push_back(std::move(r));
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return rules;
}

void AddNotificationPages(web::Shell& shell, NotificationService& svc,
                          events::Dispatcher* dispatcher, events::SseStreamLimits* streams) {
  shell.AddSection({.label = "Notifications",
                    .href = "/notifications",
                    .permission = "",
                    .description = "Your inbox, and which events reach you by email or webhook."});
  shell.AddPage(
      "GET", "/notifications",
      {.summary = "The caller's notification inbox", .section = "/notifications"},
      [&svc, live = dispatcher != nullptr](PageContext& ctx) { return InboxPage(ctx, svc, live); });
  if (dispatcher != nullptr) {
    shell.AddPage(
        "GET", "/notifications/stream",
        {.summary = "The caller's new notifications as server-sent events (session cookie)",
         .section = "/notifications"},
        [dispatcher, streams](PageContext& ctx) {
          auto scope = identity::OrgScope(ctx.who());
          if (!scope.ok() || ctx.who().kind != "user") {
            return Page::Error(403, "No inbox", "Notifications belong to signed-in users.");
          }
          auto body = OpenInboxStream(*dispatcher, streams, scope->org_id, ctx.who().subject_id,
                                      StreamFormat::kPage);
          if (!body.ok() && body.status().code() == ErrorCode::kRateLimited) {
            return Page::Error(429, "Too many live feeds", std::string(body.status().message()));
          }
          if (!body.ok()) {
            return ServiceErrorPage(body.status(), "Opening the live feed", ctx.request.request_id,
                                    "");
          }
          http::Response r;
          r.status = 200;
          r.content_type = "text/event-stream";
          r.headers.Set("Cache-Control", "no-store");
          r.stream = std::move(body).value();
          return Page::Raw(std::move(r));
        });
  }
  shell.AddPage(
      "POST", "/notifications/read-all",
      {.summary = "Mark every notification read", .section = "/notifications"},
      [&svc](PageContext& ctx) {
        auto n = svc.MarkAllRead(ctx.who());
        if (!n.ok()) {
          return ServiceErrorPage(n.status(), "Marking read", ctx.request.request_id, "");
        }
        return Page::Redirect("/notifications", Flash{"ok", fmt::format("Marked {} read.", *n)});
      });
  shell.AddPage("POST", "/notifications/{id}/read",
                {.summary = "Mark one notification read or unread", .section = "/notifications"},
                [&svc](PageContext& ctx) {
                  const bool read = ctx.Field("read") != "0";
                  auto n = svc.MarkRead(ctx.who(), ctx.request.PathParam("id"), read);
                  if (!n.ok()) {
                    return ServiceErrorPage(n.status(), "Marking read", ctx.request.request_id,
                                            "That notification does not exist.");
                  }
                  return Page::Redirect("/notifications");
                });
  shell.AddPage("GET", "/notifications/settings",
                {.summary = "The caller's notification settings", .section = "/notifications"},
                [&svc](PageContext& ctx) { return SettingsPage(ctx, svc); });
  shell.AddPage("POST", "/notifications/settings",
                {.summary = "Save the caller's notification settings",
                 .section = "/notifications",
                 .max_body_bytes = 64 * 1024},
                [&svc](PageContext& ctx) { return SaveSettingsPage(ctx, svc); });
}

}  // namespace signx::notifications
