#include "web/shell.h"
#include "base/sha256.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>

#include "base/check.h"
#include "base/clock.h"
#include "base/strings.h"
#include "identity/crypto.h"
#include "web/assets.h"
#include "web/internal/pages.h"
#include "web/views.h"
#include "web/security.h"

namespace signx::web {

namespace {

constexpr auto kRefreshGrace = std::chrono::seconds(30);
constexpr std::size_t kRefreshCacheMax = 10'000;
constexpr int64_t kFlashMaxAgeSeconds = 60;
constexpr std::size_t kMaxFlashBytes = 500;

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'";

bool IsUnsafe(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool IsCsrfCookieValue(std::string_view v) {
  if (v.size() != 64) return false;
  for (char c : v) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Lookup(const std::map<std::string, std::string, std::less<>>& m, std::string_view key) {
  auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

// The access and refresh token held in the session cookie ("<access>|<refresh>").
struct CookieTokens {
  std::string access;
  std::string refresh;
};

std::optional<CookieTokens> ParseSessionCookie(std::string_view value) {
  const auto bar = value.find('|');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 >= value.size()) return std::nullopt;
  return CookieTokens{std::string(value.substr(0, bar)), std::string(value.substr(bar + 1))};
}

std::optional<CookieTokens> SessionCookieOf(const http::Request& request) {
  const auto cookies = ParseCookies(request.Header("Cookie").value_or(""));
  return ParseSessionCookie(Lookup(cookies, kSessionCookie));
}

bool IsHtmx(const http::Request& request) {
  return request.Header("HX-Request").value_or("") == "true";
}

void AddSecurityHeaders(http::Response& r) {
  auto set_default = [&r](std::string_view name, std::string_view value) {
    if (!r.headers.Get(name)) r.headers.Set(std::string(name), std::string(value));
  };
  set_default("Cache-Control", "no-store");
  set_default("Content-Security-Policy", kCsp);
  set_default("X-Content-Type-Options", "nosniff");
  set_default("X-Frame-Options", "DENY");
  set_default("Referrer-Policy", "same-origin");
}

}  // namespace

// --- Page and PageContext -----------------------------------------------------------------

Page Page::Render(std::string title, std::string template_name, View view, int status) {
  Page p;
  p.kind = Kind::kRender;
  p.status = status;
  p.title = std::move(title);
  p.template_name = std::move(template_name);
  p.view = std::move(view);
  return p;
}

Page Page::Fragment(std::string template_name, View view, int status) {
  Page p;
  p.kind = Kind::kFragment;
  p.status = status;
  p.template_name = std::move(template_name);
  p.view = std::move(view);
  return p;
}

Page Page::Redirect(std::string location, std::optional<Flash> flash) {
  Page p;
  p.kind = Kind::kRedirect;
  p.status = 303;
  p.location = std::move(location);
  p.flash = std::move(flash);
  return p;
}

Page Page::Error(int status, std::string title, std::string message) {
  View view(View::type::object);
  view.set("message", message);
  return Render(std::move(title), "error", std::move(view), status);
}

Page Page::Raw(http::Response response) {
  Page p;
  p.kind = Kind::kResponse;
  p.status = response.status;
  p.response = std::move(response);
  return p;
}

const http::Principal& PageContext::who() const {
  SIGNX_CHECK(principal.has_value(), "who() on a public page without a session");
  return *principal;
}

std::string PageContext::Field(std::string_view name) const {
  auto it = form.find(std::string(name));
  return it == form.end() ? "" : it->second;
}

const FormPart* PageContext::File(std::string_view name) const {
  for (const auto& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> PageContext::Fields(std::string_view name) const {
  std::vector<std::string> out;
  auto [lo, hi] = form.equal_range(std::string(name));
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

bool IsSafeRedirect(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > 2048) return false;
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f) return false;
  }
  return true;
}

// --- Shell::Impl ---------------------------------------------------------------------------

struct Shell::Impl {
  Impl(std::shared_ptr<AuthBackend> auth_in, WebSettings settings_in)
      : auth(std::move(auth_in)), settings(std::move(settings_in)), signer(settings.secret) {}

  struct Session {
    http::Principal principal;
    CookieTokens tokens;
  };

  CookieOptions CookieFor(const http::Request& request) const {
    CookieOptions o;
    o.secure = settings.secure_cookies ||
               EqualsIgnoreCase(request.Header("X-Forwarded-Proto").value_or(""), "https");
    return o;
  }

  // A browser-session cookie (no Max-Age): closing the browser ends it; the refresh token's own
  // lifetime and revocation end it on the server side.
  std::string SessionCookie(const http::Request& request, const SessionTokens& tokens) const {
    return SetCookie(kSessionCookie, tokens.access_token + "|" + tokens.refresh_token,
                     CookieFor(request));
  }

  std::string ClearCookie(const http::Request& request, std::string_view name) const {
    CookieOptions o = CookieFor(request);
    o.max_age_seconds = 0;
    return SetCookie(name, "", o);
  }

  // Rotates `refresh` once per grace window: concurrent requests of one browser that all carry the
  // same expired access token share one rotation instead of tripping identity's reuse detection.
  // Only the request that rotated gets the new pair (`*shared` false); the others in the window
  // are served with it but never given it (`*shared` true: no Set-Cookie), so a replayed
  // pre-rotation cookie cannot obtain a fresh session. After the window a replay is reuse.
  Result<SessionTokens> RefreshOnce(const std::string& refresh, std::string_view request_id,
                                    bool* shared) {
    const std::string key = Sha256Hex(refresh);
    std::lock_guard lock(refresh_mu);
    const auto now = std::chrono::steady_clock::now();
    *shared = false;
    if (auto it = refreshed.find(key);
        it != refreshed.end() && now - it->second.second < kRefreshGrace) {
      *shared = true;
      return it->second.first;
    }
    SIGNX_ASSIGN_OR_RETURN(auto tokens, auth->Refresh(refresh, request_id));
    if (refreshed.size() >= kRefreshCacheMax) {
      std::erase_if(refreshed,
                    [&](const auto& e) { return now - e.second.second >= kRefreshGrace; });
      if (refreshed.size() >= kRefreshCacheMax) refreshed.clear();
    }
    refreshed[key] = {tokens, now};
    return tokens;
  }

  // The session from the cookie, refreshing an expired access token. Adds Set-Cookie headers to
  // `out` when the cookie changes (renewed or cleared).
  std::optional<Session> ResolveSession(
      const http::Request& request, const std::map<std::string, std::string, std::less<>>& cookies,
      http::Headers& out) {
    const std::string raw = Lookup(cookies, kSessionCookie);
    if (raw.empty()) return std::nullopt;
    auto tokens = ParseSessionCookie(raw);
    if (!tokens) {
      out.Add("Set-Cookie", ClearCookie(request, kSessionCookie));
      return std::nullopt;
    }
    if (auto p = auth->Authenticate(tokens->access); p.ok()) {
      return Session{std::move(*p), std::move(*tokens)};
    }
    bool shared = false;
    auto renewed = RefreshOnce(tokens->refresh, request.request_id, &shared);
    if (renewed.ok()) {
      if (auto p = auth->Authenticate(renewed->access_token); p.ok()) {
        if (shared) return Session{std::move(*p), std::move(*tokens)};
        out.Add("Set-Cookie", SessionCookie(request, *renewed));
        return Session{std::move(*p), {renewed->access_token, renewed->refresh_token}};
      }
    }
    out.Add("Set-Cookie", ClearCookie(request, kSessionCookie));
    return std::nullopt;
  }

  View LayoutView(const PageContext& ctx, const Page& page, const std::string& content,
                  const std::string& section, const std::vector<Flash>& flashes) const {
    View v(View::type::object);
    v.set("title", page.title);
    v.set("product_name", settings.product_name);
    v.set("content", content);
    v.set("csrf_token", ctx.csrf_token);
    v.set("css_url", AssetUrl("app.css"));
    v.set("htmx_url", AssetUrl("htmx.min.js"));
    v.set("app_js_url", AssetUrl("app.js"));
    const bool signed_in = ctx.principal.has_value();
    v.set("signed_in", signed_in);
    if (signed_in) {
      const auto& p = *ctx.principal;
      v.set("user_email", ctx.profile.email.empty() ? p.subject_id : ctx.profile.email);
      v.set("role_label", RoleLabel(p.role));
      std::string org_name = p.org_id;
      ViewList orgs;
      for (const auto& m : ctx.profile.memberships) {
        const bool current = m.org_id == p.org_id;
        if (current) org_name = m.org_name;
        View o(View::type::object);
        o.set("org_id", m.org_id);
        o.set("org_name", m.org_name);
        o.set("current", current);
        orgs.push_back(o);
      }
      v.set("org_name", org_name);
      v.set("orgs", orgs);
      v.set("many_orgs", ctx.profile.memberships.size() > 1);
      ViewList nav;
      auto add_nav = [&](std::string_view label, std::string_view href) {
        View n(View::type::object);
        n.set("label", std::string(label));
        n.set("href", std::string(href));
        n.set("current", href == section);
        nav.push_back(n);
      };
      add_nav("Dashboard", "/");
      for (const auto& s : sections) {
        if (s.permission.empty() || p.Can(s.permission)) add_nav(s.label, s.href);
      }
      v.set("nav", nav);
    }
    ViewList fl;
    for (const auto& f : flashes) {
      View o(View::type::object);
      o.set("kind", f.kind);
      o.set("message", f.message);
      o.set("is_error", f.kind == "error");
      fl.push_back(o);
    }
    v.set("flashes", fl);
    v.set("has_flashes", !flashes.empty());
    return v;
  }

  http::Response RenderHtml(int status, std::string_view template_name, View view,
                            const PageContext& ctx) const {
    if (view.is_object() && !view.get("csrf_token")) view.set("csrf_token", ctx.csrf_token);
    auto html = templates.Render(template_name, view);
    if (!html.ok()) {
      spdlog::error("web: {}", html.status().ToString());
      return http::Response::Text(500, "The page could not be rendered.\n");
    }
    return http::Response::Text(status, std::move(*html), "text/html; charset=utf-8");
  }

  http::Response Finish(PageContext& ctx, Page page, const PageOptions& options, http::Headers out,
                        std::optional<Flash> carried_flash, bool had_flash_cookie) {
    http::Response r;
    switch (page.kind) {
      case Page::Kind::kRender: {
        if (page.view.is_object() && !page.view.get("csrf_token")) {
          page.view.set("csrf_token", ctx.csrf_token);
        }
        auto body = templates.Render(page.template_name, page.view);
        if (!body.ok()) {
          spdlog::error("web: {}", body.status().ToString());
          page = Page::Error(500, "Something went wrong",
                             "The page could not be shown. Try again; if it keeps happening, "
                             "tell your administrator (request id " +
                                 ctx.request.request_id + ").");
          body = templates.Render(page.template_name, page.view);
          SIGNX_CHECK(body.ok(), "the error template must render");
        }
        std::vector<Flash> flashes;
        if (carried_flash) flashes.push_back(*carried_flash);
        flashes.insert(flashes.end(), ctx.flashes.begin(), ctx.flashes.end());
        if (had_flash_cookie) out.Add("Set-Cookie", ClearCookie(ctx.request, kFlashCookie));
        r = RenderHtml(page.status, "layout",
                       LayoutView(ctx, page, *body, options.section, flashes), ctx);
        break;
      }
      case Page::Kind::kFragment:
        r = RenderHtml(page.status, page.template_name, std::move(page.view), ctx);
        break;
      case Page::Kind::kRedirect: {
        const std::string location = IsSafeRedirect(page.location) ? page.location : "/";
        if (IsHtmx(ctx.request)) {
          r = http::Response::Text(200, "", "text/plain; charset=utf-8");
          r.headers.Set("HX-Redirect", location);
        } else {
          r = http::Response::Text(303, "", "text/plain; charset=utf-8");
          r.headers.Set("Location", location);
        }
        if (page.flash) {
          std::string text = page.flash->kind + ":" + page.flash->message;
          if (text.size() > kMaxFlashBytes) text.resize(kMaxFlashBytes);
          CookieOptions o = CookieFor(ctx.request);
          o.max_age_seconds = kFlashMaxAgeSeconds;
          out.Add("Set-Cookie", SetCookie(kFlashCookie, signer.Sign("flash", text), o));
        }
        break;
      }
      case Page::Kind::kResponse:
        r = std::move(page.response);
        break;
    }
    // The page's own headers go last so its Set-Cookie (a new session at login) wins over the
    // shell's (a renewed or cleared session).
    for (const auto& [k, v] : out.all()) r.headers.Add(k, v);
    for (const auto& [k, v] : page.headers.all()) r.headers.Add(k, v);
    AddSecurityHeaders(r);
    return r;
  }

  http::Response Serve(http::Request& request, const PageOptions& options,
                       const PageHandler& handler) {
    http::Headers out;
    const auto cookies = ParseCookies(request.Header("Cookie").value_or(""));
    std::string csrf_cookie = Lookup(cookies, kCsrfCookie);
    const bool had_csrf_cookie = IsCsrfCookieValue(csrf_cookie);
    if (!had_csrf_cookie) {
      csrf_cookie = Signer::NewCsrfCookie();
      out.Add("Set-Cookie", SetCookie(kCsrfCookie, csrf_cookie, CookieFor(request)));
    }
    PageContext ctx{.request = request};
    auto session = ResolveSession(request, cookies, out);
    if (session) ctx.principal = session->principal;
    const std::string binding = session ? session->principal.subject_id : "";

    std::optional<Flash> carried;
    const std::string flash_raw = Lookup(cookies, kFlashCookie);
    if (!flash_raw.empty()) {
      if (auto text = signer.Verify("flash", flash_raw)) {
        const auto colon = text->find(':');
        if (colon != std::string::npos) {
          carried = Flash{text->substr(0, colon), text->substr(colon + 1)};
        }
      }
    }

    if (IsUnsafe(request.method)) {
      if (auto boundary = MultipartBoundary(request.Header("Content-Type").value_or(""))) {
        auto parts = ParseMultipart(request.body, *boundary);
        if (parts.ok()) {
          for (auto& part : *parts) {
            if (part.filename) {
              ctx.files.push_back(std::move(part));
            } else {
              ctx.form.emplace(part.name, std::move(part.data));
            }
          }
        } else {
          ctx.body_error = std::string(parts.status().message());
        }
      } else {
        ctx.form = http::ParseQuery(request.body);
      }
      std::string token = ctx.Field(kCsrfField);
      if (token.empty()) token = std::string(request.Header(kCsrfHeader).value_or(""));
      if (!had_csrf_cookie || !signer.VerifyCsrf(csrf_cookie, binding, token)) {
        ctx.csrf_token = signer.CsrfToken(csrf_cookie, binding);
        return Finish(ctx,
                      Page::Error(403, "Request refused",
                                  "This form has expired or did not come from this site, so "
                                  "nothing was changed. Go back, reload the page and try again."),
                      options, std::move(out), std::nullopt, false);
      }
    }
    ctx.csrf_token = signer.CsrfToken(csrf_cookie, binding);

    if (!session && !options.public_page) {
      std::string next =
          request.method == "GET" && IsSafeRedirect(request.target) && !IsHtmx(request)
              ? request.target
              : "/";
      std::string location = "/login";
      if (next != "/") location += "?next=" + UrlEncode(next, "/");
      return Finish(ctx, Page::Redirect(location), options, std::move(out), std::nullopt, false);
    }
    if (session) {
      auto profile = auth->LoadProfile(session->principal);
      if (profile.ok()) {
        ctx.profile = std::move(*profile);
      } else {
        spdlog::warn("web: loading profile of {}: {}", session->principal.subject_id,
                     profile.status().ToString());
      }
    }
    if (!options.permission.empty() && !ctx.Can(options.permission)) {
      return Finish(ctx,
                    Page::Error(403, "Not allowed",
                                "Your role does not include this page. Ask an administrator of "
                                "your organisation if you need access."),
                    options, std::move(out), carried, !flash_raw.empty());
    }
    if (!options.rate_limit_group.empty() && settings.rate_limit && ctx.principal) {
      if (auto refusal = settings.rate_limit(*ctx.principal, options.rate_limit_group)) {
        Page limited = Page::Error(429, "Too many requests", refusal->message);
        limited.headers.Set("Retry-After", refusal->retry_after_s);
        return Finish(ctx, std::move(limited), options, std::move(out), carried,
                      !flash_raw.empty());
      }
    }
    Page page = handler(ctx);
    return Finish(ctx, std::move(page), options, std::move(out), carried, !flash_raw.empty());
  }

  std::shared_ptr<AuthBackend> auth;
  WebSettings settings;
  Signer signer;
  Templates templates;
  std::vector<Section> sections;
  std::mutex refresh_mu;
  std::map<std::string, std::pair<SessionTokens, std::chrono::steady_clock::time_point>> refreshed;
};

// --- Shell ---------------------------------------------------------------------------------

Shell::Shell(http::Router& router, std::shared_ptr<AuthBackend> auth, WebSettings settings)
    : impl_(std::make_shared<Impl>(std::move(auth), std::move(settings))), router_(&router) {
  SIGNX_CHECK(impl_->auth != nullptr, "web shell needs an AuthBackend");
}

Templates& Shell::templates() { return impl_->templates; }

void Shell::AddSection(Section section) { impl_->sections.push_back(std::move(section)); }

const std::vector<Section>& Shell::sections() const { return impl_->sections; }

void Shell::AddPage(std::string method, std::string pattern, PageOptions options,
                    PageHandler handler) {
  std::string description =
      options.public_page
          ? "Web UI page (HTML). No session needed."
          : "Web UI page (HTML). Needs a session cookie" +
                (options.permission.empty() ? std::string(".")
                                            : " and permission " + options.permission + ".") +
                " Anonymous visitors are redirected to /login.";
  if (IsUnsafe(method)) description += " Requires the CSRF token (403 without it).";
  http::RouteMeta meta{.summary = options.summary,
                       .description = std::move(description),
                       .tags = {"web"},
                       .permission = std::string(http::kPublic),
                       .max_body_bytes = options.max_body_bytes,
                       .response_content_type = "text/html",
                       .execution = http::Execution::kBlocking};
  router_->Add(std::move(method), std::move(pattern), std::move(meta),
               [impl = impl_, options = std::move(options), handler = std::move(handler)](
                   http::Request& request) { return impl->Serve(request, options, handler); });
}

// --- Login and logout ------------------------------------------------------------------------

namespace {

View LoginView(const PageContext& ctx, std::string email, std::string next, std::string org_id,
               std::string error) {
  View v(View::type::object);
  v.set("email", std::move(email));
  v.set("next", std::move(next));
  v.set("error", error);
  v.set("has_error", !error.empty());
  if (!org_id.empty() && ctx.principal) {
    std::string name = org_id;
    for (const auto& m : ctx.profile.memberships) {
      if (m.org_id == org_id) name = m.org_name;
    }
    v.set("switching", true);
    v.set("org_id", org_id);
    v.set("org_name", name);
  } else {
    v.set("switching", false);
  }
  return v;
}

std::string SafeNext(std::string_view next) {
  if (!IsSafeRedirect(next) || next.starts_with("/login") || next.starts_with("/logout")) {
    return "/";
  }
  return std::string(next);
}

}  // namespace

Shell AddWebRoutes(http::Router& router, std::shared_ptr<AuthBackend> auth, WebSettings settings) {
  Shell shell(router, auth, std::move(settings));
  AddAssetRoutes(router);

  shell.AddPage("GET", "/login", {.summary = "Sign-in page", .public_page = true},
                [](PageContext& ctx) {
                  const std::string org(ctx.request.Query("org").value_or(""));
                  const std::string next = SafeNext(ctx.request.Query("next").value_or("/"));
                  if (ctx.principal && org.empty()) return Page::Redirect(next);
                  const std::string email = ctx.principal ? ctx.profile.email : "";
                  return Page::Render(org.empty() ? "Sign in" : "Switch organisation", "login",
                                      LoginView(ctx, email, next, org, ""));
                });

  shell.AddSessionPages();
  internal::AddDashboardPage(shell);
  internal::AddAdminPages(shell, auth);
  return shell;
}

void Shell::AddSessionPages() {
  auto auth = impl_->auth;
  AddPage("POST", "/login",
          {.summary = "Sign in with e-mail and password",
           .public_page = true,
           .max_body_bytes = 16 * 1024},
          [auth, impl = impl_](PageContext& ctx) {
            const std::string email(Trim(ctx.Field("email")));
            const std::string password = ctx.Field("password");
            const std::string org = ctx.Field("org_id");
            const std::string next = SafeNext(ctx.Field("next"));
            const std::string title = org.empty() ? "Sign in" : "Switch organisation";
            if (email.empty() || password.empty()) {
              return Page::Render(
                  title, "login",
                  LoginView(ctx, email, next, org, "Enter your e-mail address and your password."),
                  422);
            }
            std::chrono::seconds retry_after{0};
            auto tokens =
                auth->Login({.email = email,
                             .password = password,
                             .org_id = org.empty() ? std::nullopt : std::optional<std::string>(org),
                             .client_ip = ctx.request.remote_addr,
                             .forwarded_for = std::string(
                                 ctx.request.Header("X-Forwarded-For").value_or("")),
                             .request_id = ctx.request.request_id},
                            &retry_after);
            if (!tokens.ok()) {
              int status = 401;
              std::string message = "That e-mail address and password do not match an account.";
              if (tokens.status().code() == ErrorCode::kRateLimited) {
                status = 429;
                const auto minutes = std::max<int64_t>(1, (retry_after.count() + 59) / 60);
                message = "Too many sign-in attempts. Wait " + std::to_string(minutes) +
                          (minutes == 1 ? " minute" : " minutes") + " and try again.";
              } else if (tokens.status().code() == ErrorCode::kPermissionDenied) {
                status = 403;
                message = "You are not a member of that organisation.";
              } else if (tokens.status().code() != ErrorCode::kUnauthenticated &&
                         tokens.status().code() != ErrorCode::kValidationFailed) {
                spdlog::error("web: login failed: {}", tokens.status().ToString());
                status = 503;
                message = "Signing in is not possible right now. Try again in a moment.";
              }
              return Page::Render(title, "login", LoginView(ctx, email, next, org, message),
                                  status);
            }
            // Switching orgs replaces the old session; revoke it so it cannot be used again.
            if (auto old = SessionCookieOf(ctx.request)) {
              auth->Logout(old->refresh, ctx.request.request_id).IgnoreError();
            }
            Page page = Page::Redirect(
                next, org.empty() ? std::nullopt
                                  : std::optional<Flash>(Flash{"ok", "Switched organisation."}));
            page.headers.Add("Set-Cookie", impl->SessionCookie(ctx.request, *tokens));
            return page;
          });

  AddPage("POST", "/logout", {.summary = "Sign out", .public_page = true},
          [auth, impl = impl_](PageContext& ctx) {
            if (auto old = SessionCookieOf(ctx.request)) {
              auth->Logout(old->refresh, ctx.request.request_id).IgnoreError();
            }
            Page page = Page::Redirect("/login", Flash{"info", "You have signed out."});
            page.headers.Add("Set-Cookie", impl->ClearCookie(ctx.request, kSessionCookie));
            return page;
          });
}

}  // namespace signx::web
