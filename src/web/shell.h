// The web UI shell: server-rendered pages (mustache + htmx) that every capability plugs into.
//
// The shell owns what every page shares: the session (login/logout, cookie → principal), CSRF
// checks on every unsafe method, the layout with role-aware navigation and the org switcher, flash
// messages, the error pages, security headers (CSP, no-store) and the static assets under
// /assets/<name>.<hash>.<ext> (immutable caching). A capability adds its pages with
//
//   shell.templates().Add("leads_score", text);                 // its own (embedded) templates
//   shell.AddSection({.label = "Leads", .href = "/leads", .permission = "leads:read"});
//   shell.AddPage("GET", "/leads", {.summary = "Leads", .permission = "leads:read",
//                                   .section = "/leads"},
//                 [&](web::PageContext& ctx) { return web::Page::Render("Leads", "leads", view);
//                 });
//
// and gets, for free: anonymous visitors are sent to /login (and back afterwards), a principal
// without `permission` gets the 403 page (the navigation already hides what it cannot use), a POST
// without a valid CSRF token is refused with 403 before the handler runs, and the page is rendered
// into the layout. Templates must show edit actions only when the view says the principal may use
// them (PageContext::Can).
//
// Authentication: web routes are registered with http::kPublic because browsers authenticate with
// the session cookie, not a bearer token; the shell enforces each page's permission itself (see
// PageOptions) before its handler runs, and its route description names that permission.
//
// Thread-safety: configure (templates().Add, AddSection, AddPage) during start-up on one thread,
// before the server starts; afterwards the shell is read-only apart from internally synchronised
// state, and handlers run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/router.h"
#include "web/auth_backend.h"
#include "web/multipart.h"
#include "web/templates.h"

namespace signx::web {

struct WebSettings {
  // Key for CSRF tokens and signed flash cookies. "" = a random key per process (forms open across
  // a restart must be reloaded; replicas behind one load balancer need the same configured key).
  std::string secret;
  // Mark cookies Secure always (serve behind HTTPS). When false, cookies are Secure only for
  // requests that arrived over TLS at the proxy (X-Forwarded-Proto: https).
  bool secure_cookies = false;
  std::string product_name = "SignX";
  // Checks one more request of a rate-limit group for a principal (PageOptions::rate_limit_group):
  // the refusal's message and Retry-After seconds, or nullopt when allowed. Unset = no limits.
  struct RateLimitRefusal {
    std::string message;
    std::string retry_after_s;
  };
  std::function<std::optional<RateLimitRefusal>(const http::Principal&, std::string_view group)>
      rate_limit;
};

// A navigation entry (and a card on the dashboard), shown to principals holding `permission`.
struct Section {
  std::string label;        // "Leads"
  std::string href;         // "/leads"
  std::string permission;   // "" = every signed-in user
  std::string description;  // one line for the dashboard card
};

struct Flash {
  std::string kind;  // "ok", "error" or "info"
  std::string message;
};

// What a page handler returns.
class Page {
 public:
  enum class Kind { kRender, kFragment, kRedirect, kResponse };

  // `template_name` rendered with `view` inside the layout (title in <title> and <h1>).
  static Page Render(std::string title, std::string template_name, View view, int status = 200);
  // `template_name` rendered alone (an htmx partial update).
  static Page Fragment(std::string template_name, View view, int status = 200);
  // 303 See Other to a local path, optionally with a flash message shown on the next page.
  static Page Redirect(std::string location, std::optional<Flash> flash = std::nullopt);
  // The error page (layout with a message and a way back).
  static Page Error(int status, std::string title, std::string message);
  // Anything else (a download, a JSON answer to htmx). Security headers are still added.
  static Page Raw(http::Response response);

  Kind kind = Kind::kRender;
  int status = 200;
  std::string title;
  std::string template_name;
  View view;
  std::string location;
  std::optional<Flash> flash;
  http::Response response;
  http::Headers headers;  // added to the response (e.g. Set-Cookie)
};

// What a page handler sees.
struct PageContext {
  http::Request& request;
  // The signed-in principal (always set for pages that are not public) and their profile.
  std::optional<http::Principal> principal;
  Profile profile;
  // Decoded form fields of an application/x-www-form-urlencoded or multipart/form-data body
  // (unsafe methods); the files of a multipart body are in `files`.
  std::multimap<std::string, std::string> form;
  std::vector<FormPart> files;
  // The file part named `name`, or nullptr.
  const FormPart* File(std::string_view name) const;
  // Set when a multipart body could not be parsed (the handler decides how to answer).
  std::optional<std::string> body_error;
  // The CSRF token every form on the page must send as `csrf_token` (the layout puts it into the
  // views of rendered pages automatically).
  std::string csrf_token;
  // Flash messages to show on this page (added to those carried over from a redirect).
  std::vector<Flash> flashes;

  const http::Principal& who() const;
  bool Can(std::string_view permission) const { return principal && principal->Can(permission); }
  // First value of a form field, or "".
  std::string Field(std::string_view name) const;
  // Every value of a (multi-valued) form field.
  std::vector<std::string> Fields(std::string_view name) const;
};

using PageHandler = std::function<Page(PageContext&)>;

struct PageOptions {
  std::string summary;       // one line for the route registry / API reference
  std::string permission;    // "" = any signed-in user; otherwise needed to open the page
  std::string section;       // href of the navigation section to mark current ("" = none)
  bool public_page = false;  // no session needed (login); CSRF is still checked
  std::optional<int64_t> max_body_bytes;
  // The API's rate-limit group of the work this page starts ("predict"): the page shares the
  // principal's and the org's buckets with the API routes of that group (WebSettings::rate_limit).
  std::string rate_limit_group;
};

class Shell {
 public:
  // Registers the shell's routes on `router` (see AddWebRoutes). `auth` is shared with the routes.
  Shell(http::Router& router, std::shared_ptr<AuthBackend> auth, WebSettings settings);

  Templates& templates();
  void AddSection(Section section);
  // Every registered section, in the order added.
  const std::vector<Section>& sections() const;
  void AddPage(std::string method, std::string pattern, PageOptions options, PageHandler handler);

 private:
  friend Shell AddWebRoutes(http::Router&, std::shared_ptr<AuthBackend>, WebSettings);
  void AddSessionPages();  // GET/POST /login, POST /logout

  struct Impl;
  std::shared_ptr<Impl> impl_;
  http::Router* router_;
};

// Adds the web UI to `router`: GET/POST /login, POST /logout, GET / (dashboard), GET
// /admin/api-keys, POST /admin/api-keys, POST /admin/api-keys/{id}/revoke, GET /admin/audit and
// GET /assets/{file}. Returns the shell so capabilities can add their pages. The routes keep the
// shell's state alive; the router must outlive nothing else.
Shell AddWebRoutes(http::Router& router, std::shared_ptr<AuthBackend> auth,
                   WebSettings settings = {});

// The URL path of an embedded asset ("app.css" → "/assets/app.3f2a9c1b7d0e.css"), or "" if unknown.
std::string AssetUrl(std::string_view name);

// True for a local path that is safe to redirect to after login ("/x", not "//host" or "/\host").
bool IsSafeRedirect(std::string_view path);

}  // namespace signx::web
