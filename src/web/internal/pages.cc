#include "web/internal/pages.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/strings.h"
#include "web/views.h"

namespace signx::web::internal {

namespace {

constexpr int kAuditPageSize = 50;
constexpr std::size_t kMaxKeyNameBytes = 100;
constexpr int kMaxKeyDays = 3650;

View ApiKeyView(const ApiKeyRow& k, bool can_revoke, Timestamp now) {
  View v(View::type::object);
  v.set("id", k.id);
  v.set("name", k.name);
  v.set("prefix", k.prefix);
  v.set("scopes", Join(k.scopes, ", "));
  v.set("created_at", FormatWhen(k.created_at));
  v.set("last_used_at", k.last_used_at ? FormatWhen(*k.last_used_at) : "never");
  v.set("expires_at", k.expires_at ? FormatWhen(*k.expires_at) : "never");
  std::string status = "Active";
  bool active = true;
  if (k.revoked_at) {
    status = "Revoked " + FormatWhen(*k.revoked_at);
    active = false;
  } else if (k.expires_at && *k.expires_at <= now) {
    status = "Expired";
    active = false;
  }
  v.set("status", status);
  v.set("active", active);
  v.set("can_revoke", can_revoke && active);
  return v;
}

struct KeyForm {
  std::string name;
  std::vector<std::string> scopes;
  std::string expires_days;
  std::map<std::string, std::string> errors;  // field → message
};

Page ApiKeysPage(PageContext& ctx, AuthBackend& auth, const KeyForm& form,
                 const std::optional<NewApiKey>& created, int status) {
  auto keys = auth.ListApiKeys(ctx.who());
  if (!keys.ok()) return ServiceErrorPage(keys.status(), "Listing API keys", ctx.request.request_id);
  const Timestamp now = SystemClock::Get().Now();
  const bool can_edit = ctx.Can("admin:api_keys");
  View v(View::type::object);
  ViewList rows;
  for (const auto& k : *keys) rows.push_back(ApiKeyView(k, can_edit, now));
  v.set("keys", rows);
  v.set("has_keys", !keys->empty());
  v.set("can_edit", can_edit);
  ViewList scopes;
  for (const auto& p : auth.KnownPermissions()) {
    if (!ctx.who().Can(p)) continue;
    View s(View::type::object);
    s.set("name", p);
    s.set("checked", std::find(form.scopes.begin(), form.scopes.end(), p) != form.scopes.end());
    s.set("input_id", "scope-" + p);
    scopes.push_back(s);
  }
  v.set("scopes", scopes);
  v.set("form_name", form.name);
  v.set("form_expires_days", form.expires_days);
  for (const auto& [field, message] : form.errors) {
    v.set("error_" + field, message);
  }
  v.set("has_errors", !form.errors.empty());
  if (created) {
    View c(View::type::object);
    c.set("name", created->row.name);
    c.set("secret", created->secret);
    v.set("created", c);
  }
  return Page::Render("API keys", "api_keys", std::move(v), status);
}

}  // namespace

void AddDashboardPage(Shell& shell) {
  shell.AddPage("GET", "/", {.summary = "Dashboard", .section = "/"},
                [&sections = shell.sections()](PageContext& ctx) {
                  const auto& p = ctx.who();
                  View v(View::type::object);
                  v.set("email", ctx.profile.email.empty() ? p.subject_id : ctx.profile.email);
                  v.set("role_label", RoleLabel(p.role));
                  std::string org_name = p.org_id;
                  for (const auto& m : ctx.profile.memberships) {
                    if (m.org_id == p.org_id) org_name = m.org_name;
                  }
                  v.set("org_name", org_name);
                  v.set("org_id", p.org_id);
                  ViewList cards;
                  for (const auto& s : sections) {
                    if (!s.permission.empty() && !p.Can(s.permission)) continue;
                    View c(View::type::object);
                    c.set("label", s.label);
                    c.set("href", s.href);
                    c.set("description", s.description);
                    cards.push_back(c);
                  }
                  v.set("has_sections", !cards.empty());
                  v.set("sections", cards);
                  v.set("can_create_api_key", ctx.Can("admin:api_keys"));
                  // The live activity panel, when the activity page is installed (work_pages).
                  bool activity = false;
                  for (const auto& s : sections) activity = activity || s.href == "/activity";
                  v.set("show_activity", activity && ctx.Can("events:read"));
                  v.set("read_only", !ctx.Can("admin:api_keys") && !ctx.Can("projects:write") &&
                                         !ctx.Can("leads:score"));
                  return Page::Render("Dashboard", "dashboard", std::move(v));
                });
}

void AddAdminPages(Shell& shell, std::shared_ptr<AuthBackend> auth) {
  shell.AddSection({.label = "API keys",
                    .href = "/admin/api-keys",
                    .permission = "admin:api_keys",
                    .description = "Keys that let other systems call the SignX API."});
  shell.AddSection({.label = "Audit log",
                    .href = "/admin/audit",
                    .permission = "audit:read",
                    .description = "Every change made in your organisation: who, what, when."});

  shell.AddPage(
      "GET", "/admin/api-keys",
      {.summary = "API keys of your organisation",
       .permission = "admin:api_keys",
       .section = "/admin/api-keys"},
      [auth](PageContext& ctx) { return ApiKeysPage(ctx, *auth, {}, std::nullopt, 200); });

  shell.AddPage(
      "POST", "/admin/api-keys",
      {.summary = "Create an API key (shown once)",
       .permission = "admin:api_keys",
       .section = "/admin/api-keys",
       .max_body_bytes = 16 * 1024},
      [auth](PageContext& ctx) {
        KeyForm form;
        form.name = std::string(Trim(ctx.Field("name")));
        form.scopes = ctx.Fields("scopes");
        form.expires_days = std::string(Trim(ctx.Field("expires_days")));
        if (form.name.empty()) form.errors["name"] = "Give the key a name, e.g. \"CRM sync\".";
        if (form.name.size() > kMaxKeyNameBytes) {
          form.errors["name"] = fmt::format("Use at most {} characters.", kMaxKeyNameBytes);
        }
        if (form.scopes.empty()) form.errors["scopes"] = "Choose at least one permission.";
        std::optional<Timestamp> expires;
        if (!form.expires_days.empty()) {
          const auto days = ParseInt(form.expires_days);
          if (!days || *days < 1 || *days > kMaxKeyDays) {
            form.errors["expires_days"] = fmt::format(
                "Enter a whole number of days from 1 to {}, or leave empty.", kMaxKeyDays);
          } else {
            expires = SystemClock::Get().Now() + std::chrono::hours(24 * *days);
          }
        }
        if (!form.errors.empty()) return ApiKeysPage(ctx, *auth, form, std::nullopt, 422);
        auto created =
            auth->CreateApiKey(ctx.who(), form.name, form.scopes, expires, ctx.request.request_id);
        if (!created.ok()) {
          if (created.status().code() == ErrorCode::kValidationFailed ||
              created.status().code() == ErrorCode::kInvalidArgument ||
              created.status().code() == ErrorCode::kPermissionDenied) {
            form.errors["form"] = std::string(created.status().message());
            for (const auto& d : created.status().details()) {
              form.errors[d.field == "expires_at" ? "expires_days" : d.field] = d.message;
            }
            return ApiKeysPage(ctx, *auth, form, std::nullopt, 422);
          }
          return ServiceErrorPage(created.status(), "Creating the API key", ctx.request.request_id);
        }
        return ApiKeysPage(ctx, *auth, {}, *created, 201);
      });

  shell.AddPage("POST", "/admin/api-keys/{id}/revoke",
                {.summary = "Revoke an API key",
                 .permission = "admin:api_keys",
                 .section = "/admin/api-keys",
                 .max_body_bytes = 4 * 1024},
                [auth](PageContext& ctx) {
                  const std::string id(ctx.request.PathParam("id"));
                  const Status st = auth->RevokeApiKey(ctx.who(), id, ctx.request.request_id);
                  if (!st.ok())
                    return ServiceErrorPage(st, "Revoking the API key", ctx.request.request_id);
                  return Page::Redirect("/admin/api-keys", Flash{"ok", "The API key was revoked."});
                });

  shell.AddPage("GET", "/admin/audit",
                {.summary = "Audit log of your organisation",
                 .permission = "audit:read",
                 .section = "/admin/audit"},
                [auth](PageContext& ctx) {
                  const std::string cursor(ctx.request.Query("cursor").value_or(""));
                  auto page = auth->ListAudit(ctx.who(), kAuditPageSize, cursor);
                  if (!page.ok()) {
                    if (page.status().code() == ErrorCode::kInvalidArgument) {
                      return Page::Redirect("/admin/audit");
                    }
                    return ServiceErrorPage(page.status(), "Reading the audit log",
                                        ctx.request.request_id);
                  }
                  View v(View::type::object);
                  ViewList rows;
                  for (const auto& e : page->items) {
                    View r(View::type::object);
                    r.set("at", FormatWhen(e.at));
                    r.set("at_iso", FormatRfc3339(e.at));
                    r.set("actor", e.actor_kind + " " + e.actor_id);
                    r.set("action", e.action);
                    r.set("subject", e.subject_type + " " + e.subject_id);
                    r.set("request_id", e.request_id);
                    rows.push_back(r);
                  }
                  v.set("entries", rows);
                  v.set("has_entries", !page->items.empty());
                  v.set("next_cursor", page->next_cursor);
                  v.set("has_more", !page->next_cursor.empty());
                  v.set("paged", !cursor.empty());
                  return Page::Render("Audit log", "audit", std::move(v));
                });
}

}  // namespace signx::web::internal
