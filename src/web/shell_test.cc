#include "web/shell.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "base/strings.h"
#include "web/assets.h"
#include "web/security.h"
#include "web/testing/fake_auth_backend.h"

namespace signx::web {
namespace {

// A browser stand-in: calls the router's handlers directly and keeps cookies.
class Browser {
 public:
  explicit Browser(const http::Router& router) : router_(router) {}

  http::Response Get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    return Call("GET", target, "", std::move(headers));
  }
  http::Response Post(const std::string& target, const std::string& body,
                      std::map<std::string, std::string> headers = {}) {
    return Call("POST", target, body, std::move(headers));
  }
  // The csrf_token hidden field of the last HTML page.
  std::string csrf() const {
    static const std::regex re("name=\"csrf_token\" value=\"([0-9a-f]+)\"");
    std::smatch m;
    return std::regex_search(last_body_, m, re) ? m[1].str() : "";
  }
  std::map<std::string, std::string>& cookies() { return cookies_; }

  http::Response Call(const std::string& method, const std::string& target, const std::string& body,
                      std::map<std::string, std::string> headers) {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::ParseQuery(target.substr(q + 1));
    req.body = body;
    req.request_id = "req_test";
    req.remote_addr = "127.0.0.1";
    std::string cookie_header;
    for (const auto& [k, v] : cookies_) cookie_header += k + "=" + v + "; ";
    if (!cookie_header.empty()) req.headers.Set("Cookie", cookie_header);
    if (method == "POST") req.headers.Set("Content-Type", "application/x-www-form-urlencoded");
    for (const auto& [k, v] : headers) req.headers.Set(k, v);
    auto match = router_.Find(method, req.path);
    if (match.route == nullptr) {
      ADD_FAILURE() << "no route for " << method << " " << req.path;
      return http::Response::Text(404, "");
    }
    req.path_params = match.params;
    req.route = match.route->pattern;
    http::Response res = match.route->handler(req);
    for (const auto& [k, v] : res.headers.all()) {
      if (!EqualsIgnoreCase(k, "Set-Cookie")) continue;
      const auto eq = v.find('=');
      const auto semi = v.find(';');
      const std::string name = v.substr(0, eq);
      const std::string value = v.substr(eq + 1, semi - eq - 1);
      if (v.find("Max-Age=0") != std::string::npos) {
        cookies_.erase(name);
      } else {
        cookies_[name] = value;
      }
    }
    if (res.content_type.starts_with("text/html")) last_body_ = res.body;
    return res;
  }

 private:
  const http::Router& router_;
  std::map<std::string, std::string> cookies_;
  std::string last_body_;
};

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

std::string AllSetCookies(const http::Response& r) {
  std::string out;
  for (const auto& [k, v] : r.headers.all()) {
    if (EqualsIgnoreCase(k, "Set-Cookie")) out += v + "\n";
  }
  return out;
}

class ShellTest : public ::testing::Test {
 protected:
  ShellTest() {
    org_ = auth_->AddOrg("Acme Signs");
    other_org_ = auth_->AddOrg("Beta <Signs>");
    auth_->AddUser("admin@acme.test", "admin-pass-123", org_, "org_admin");
    auth_->AddUser("admin@acme.test", "admin-pass-123", other_org_, "org_member");
    auth_->AddUser("viewer@acme.test", "viewer-pass-123", org_, "org_viewer");
    AddWebRoutes(router_, auth_, {.secret = "test-secret-0123456789abcdef0123456789"});
  }

  void LogIn(Browser& b, const std::string& email, const std::string& password) {
    auto page = b.Get("/login");
    ASSERT_EQ(page.status, 200);
    auto r = b.Post("/login", "csrf_token=" + b.csrf() + "&email=" + email +
                                  "&password=" + password + "&next=%2F");
    ASSERT_EQ(r.status, 303) << r.body;
    ASSERT_EQ(Header(r, "Location"), "/");
    ASSERT_TRUE(b.cookies().count(std::string(kSessionCookie)));
  }

  std::shared_ptr<testing::FakeAuthBackend> auth_ = std::make_shared<testing::FakeAuthBackend>();
  http::Router router_;
  std::string org_;
  std::string other_org_;
};

TEST_F(ShellTest, AnonymousVisitorIsSentToLoginAndBack) {
  Browser b(router_);
  auto r = b.Get("/admin/audit");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(Header(r, "Location"), "/login?next=/admin/audit");
  auto login = b.Get("/login?next=/admin/audit");
  EXPECT_EQ(login.status, 200);
  EXPECT_NE(login.body.find("name=\"next\" value=\"/admin/audit\""), std::string::npos);
  EXPECT_EQ(Header(login, "Cache-Control"), "no-store");
  EXPECT_NE(Header(login, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
}

TEST_F(ShellTest, LoginSetsAHardenedSessionCookieAndShowsTheDashboard) {
  Browser b(router_);
  b.Get("/login");
  auto r = b.Post("/login", "csrf_token=" + b.csrf() +
                                "&email=admin%40acme.test&password=admin-pass-123&next=%2F");
  ASSERT_EQ(r.status, 303);
  const std::string cookies = AllSetCookies(r);
  EXPECT_NE(cookies.find("signx_session="), std::string::npos);
  EXPECT_NE(cookies.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookies.find("SameSite=Lax"), std::string::npos);
  EXPECT_EQ(cookies.find("Secure"), std::string::npos);  // plain HTTP, not configured
  auto dash = b.Get("/");
  ASSERT_EQ(dash.status, 200);
  EXPECT_NE(dash.body.find("admin@acme.test"), std::string::npos);
  EXPECT_NE(dash.body.find("Acme Signs"), std::string::npos);
  EXPECT_NE(dash.body.find("action-create-api-key"), std::string::npos);
  // Two orgs: the switcher lists both, with the org name escaped.
  EXPECT_NE(dash.body.find("id=\"org-switch\""), std::string::npos);
  EXPECT_NE(dash.body.find("Beta &lt;Signs&gt;"), std::string::npos);
}

TEST_F(ShellTest, CookiesAreSecureBehindTls) {
  Browser b(router_);
  auto r = b.Get("/login", {{"X-Forwarded-Proto", "https"}});
  EXPECT_NE(AllSetCookies(r).find("; Secure"), std::string::npos);
}

TEST_F(ShellTest, WrongPasswordRerendersWithEscapedEmail) {
  Browser b(router_);
  b.Get("/login");
  auto r = b.Post("/login", "csrf_token=" + b.csrf() +
                                "&email=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&password=nope");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find("<img src=x"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_EQ(b.cookies().count(std::string(kSessionCookie)), 0u);
}

TEST_F(ShellTest, PostWithoutCsrfTokenIsRefused) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  b.Get("/admin/api-keys");
  const std::string good = b.csrf();
  auto none = b.Post("/admin/api-keys", "name=k&scopes=leads%3Aread");
  EXPECT_EQ(none.status, 403);
  EXPECT_NE(none.body.find("error-page"), std::string::npos);
  auto wrong = b.Post("/admin/api-keys",
                      "csrf_token=" + std::string(64, 'a') + "&name=k&scopes=leads%3Aread");
  EXPECT_EQ(wrong.status, 403);
  auto keys = auth_->ListApiKeys({.kind = "user", .subject_id = "usr_3", .org_id = org_});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  // The header works too (htmx), and the right token creates the key, shown once.
  auto ok = b.Post("/admin/api-keys", "name=k&scopes=leads%3Aread", {{"X-CSRF-Token", good}});
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_NE(ok.body.find("new-key-secret"), std::string::npos);
  auto again = b.Get("/admin/api-keys");
  EXPECT_EQ(again.body.find("new-key-secret"), std::string::npos);
}

TEST_F(ShellTest, LoginItselfNeedsTheCsrfToken) {
  Browser b(router_);
  auto r = b.Post("/login", "email=admin%40acme.test&password=admin-pass-123");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(auth_->login_calls(), 0);
}

TEST_F(ShellTest, TokenOfAnotherBrowserIsRefused) {
  Browser attacker(router_);
  attacker.Get("/login");
  Browser victim(router_);
  LogIn(victim, "admin%40acme.test", "admin-pass-123");
  auto r = victim.Post("/logout", "csrf_token=" + attacker.csrf());
  EXPECT_EQ(r.status, 403);
}

TEST_F(ShellTest, ViewerSeesNoEditActionsAndIsRefusedAnyway) {
  Browser b(router_);
  LogIn(b, "viewer%40acme.test", "viewer-pass-123");
  auto dash = b.Get("/");
  ASSERT_EQ(dash.status, 200);
  EXPECT_EQ(dash.body.find("action-create-api-key"), std::string::npos);
  EXPECT_EQ(dash.body.find("/admin/api-keys"), std::string::npos);
  EXPECT_NE(dash.body.find("Viewer"), std::string::npos);
  EXPECT_NE(dash.body.find("empty-sections"), std::string::npos);
  const std::string token = b.csrf();
  EXPECT_EQ(b.Get("/admin/api-keys").status, 403);
  EXPECT_EQ(b.Post("/admin/api-keys", "csrf_token=" + token + "&name=x&scopes=leads%3Aread").status,
            403);
  EXPECT_EQ(b.Get("/admin/audit").status, 403);
}

TEST_F(ShellTest, XssInKeyNameIsRenderedInert) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  b.Get("/admin/api-keys");
  auto r = b.Post("/admin/api-keys",
                  "csrf_token=" + b.csrf() +
                      "&name=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E&scopes=leads%3Aread");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;"), std::string::npos);
}

TEST_F(ShellTest, ValidationErrorsAreShownBesideTheFields) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  b.Get("/admin/api-keys");
  auto r = b.Post("/admin/api-keys", "csrf_token=" + b.csrf() + "&name=&expires_days=-3");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("key-name-error"), std::string::npos);
  EXPECT_NE(r.body.find("scopes-error"), std::string::npos);
  EXPECT_NE(r.body.find("key-expires-error"), std::string::npos);
}

TEST_F(ShellTest, RevokeRedirectsWithAFlashShownOnce) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  b.Get("/admin/api-keys");
  ASSERT_EQ(
      b.Post("/admin/api-keys", "csrf_token=" + b.csrf() + "&name=k&scopes=leads%3Aread").status,
      201);
  static const std::regex re("/admin/api-keys/(key_[0-9]+)/revoke");
  std::smatch m;
  auto page = b.Get("/admin/api-keys");
  ASSERT_TRUE(std::regex_search(page.body, m, re));
  auto r = b.Post("/admin/api-keys/" + m[1].str() + "/revoke", "csrf_token=" + b.csrf());
  ASSERT_EQ(r.status, 303);
  auto after = b.Get("/admin/api-keys");
  EXPECT_NE(after.body.find("The API key was revoked."), std::string::npos);
  EXPECT_NE(after.body.find("Revoked"), std::string::npos);
  EXPECT_EQ(b.Get("/admin/api-keys").body.find("The API key was revoked."), std::string::npos);
  auto audit = b.Get("/admin/audit");
  EXPECT_NE(audit.body.find("api_key.revoke"), std::string::npos);
}

TEST_F(ShellTest, ForgedFlashCookieIsIgnored) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  b.cookies()[std::string(kFlashCookie)] =
      Signer("other").Sign("flash", "error:Send your password");
  EXPECT_EQ(b.Get("/").body.find("Send your password"), std::string::npos);
}

TEST_F(ShellTest, ExpiredAccessTokenIsRefreshedOnceForConcurrentRequests) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  const std::string old_cookie = b.cookies()[std::string(kSessionCookie)];
  auth_->ExpireAccessTokens();
  // Two requests carrying the same (now expired) cookie, as a page and its htmx call would.
  Browser twin(router_);
  twin.cookies() = b.cookies();
  EXPECT_EQ(b.Get("/").status, 200);
  EXPECT_EQ(twin.Get("/").status, 200);
  EXPECT_EQ(auth_->refresh_calls(), 1);
  EXPECT_NE(b.cookies()[std::string(kSessionCookie)], old_cookie);
}

TEST_F(ShellTest, LogoutEndsTheSession) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  b.Get("/");
  const std::string session = b.cookies()[std::string(kSessionCookie)];
  auto r = b.Post("/logout", "csrf_token=" + b.csrf());
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(Header(r, "Location"), "/login");
  EXPECT_EQ(b.cookies().count(std::string(kSessionCookie)), 0u);
  auto login = b.Get("/login");
  EXPECT_NE(login.body.find("You have signed out."), std::string::npos);
  // The old cookie no longer works once its access token expires (refresh revoked).
  auth_->ExpireAccessTokens();
  b.cookies()[std::string(kSessionCookie)] = session;
  EXPECT_EQ(b.Get("/").status, 303);
}

TEST_F(ShellTest, OrgSwitchNeedsThePasswordAndChangesTheOrg) {
  Browser b(router_);
  LogIn(b, "admin%40acme.test", "admin-pass-123");
  auto form = b.Get("/login?org=" + other_org_);
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("Beta &lt;Signs&gt;"), std::string::npos);
  auto r = b.Post("/login", "csrf_token=" + b.csrf() + "&org_id=" + other_org_ +
                                "&email=admin%40acme.test&password=admin-pass-123&next=%2F");
  ASSERT_EQ(r.status, 303);
  auto dash = b.Get("/");
  EXPECT_NE(dash.body.find("data-testid=\"dashboard-org\">Beta &lt;Signs&gt;"), std::string::npos);
  EXPECT_NE(dash.body.find("data-testid=\"dashboard-role\">Member"), std::string::npos);
}

TEST_F(ShellTest, OpenRedirectsAreRefused) {
  EXPECT_TRUE(IsSafeRedirect("/admin/audit?cursor=x"));
  EXPECT_FALSE(IsSafeRedirect("//evil.test/"));
  EXPECT_FALSE(IsSafeRedirect("/\\evil.test"));
  EXPECT_FALSE(IsSafeRedirect("https://evil.test/"));
  EXPECT_FALSE(IsSafeRedirect(""));
  Browser b(router_);
  b.Get("/login");
  auto r =
      b.Post("/login", "csrf_token=" + b.csrf() +
                           "&email=admin%40acme.test&password=admin-pass-123&next=%2F%2Fevil.test");
  EXPECT_EQ(Header(r, "Location"), "/");
}

TEST_F(ShellTest, AssetsAreServedUnderHashedNamesAndCachedForever) {
  const std::string css = AssetUrl("app.css");
  ASSERT_TRUE(std::regex_match(css, std::regex("/assets/app\\.[0-9a-f]{12}\\.css")));
  const std::string js = AssetUrl("htmx.min.js");
  ASSERT_TRUE(std::regex_match(js, std::regex("/assets/htmx\\.min\\.[0-9a-f]{12}\\.js")));
  Browser b(router_);
  auto r = b.Get(css);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Header(r, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(b.Get("/assets/app.000000000000.css").status, 404);
  EXPECT_EQ(b.Get(js).status, 200);
}

TEST_F(ShellTest, EveryWebRouteIsDeclaredAndPagesNeedASession) {
  for (const auto& route : router_.routes()) {
    EXPECT_FALSE(route.meta.permission.empty()) << route.pattern;
    EXPECT_FALSE(route.meta.summary.empty()) << route.pattern;
    if (route.method != "GET" || route.pattern == "/login" ||
        route.pattern.starts_with("/assets")) {
      continue;
    }
    Browser b(router_);
    EXPECT_EQ(b.Get(route.pattern).status, 303) << route.pattern;
  }
}

}  // namespace
}  // namespace signx::web

namespace signx::web {
namespace {

// Issue 19: the web cost form started the same work as the rate-limited API route without any
// limit. A page with a rate_limit_group asks WebSettings::rate_limit before its handler runs.
TEST(ShellRateLimitTest, APageOfALimitedGroupIsRefusedWith429BeforeItsHandlerRuns) {
  auto auth = std::make_shared<testing::FakeAuthBackend>();
  const std::string org = auth->AddOrg("Acme Signs");
  auth->AddUser("admin@acme.test", "admin-pass-123", org, "org_admin");
  int allowed = 1, handled = 0;
  std::vector<std::string> asked;
  WebSettings settings{.secret = "test-secret-0123456789abcdef0123456789"};
  settings.rate_limit = [&](const http::Principal& who, std::string_view group)
      -> std::optional<WebSettings::RateLimitRefusal> {
    asked.push_back(who.org_id + ":" + std::string(group));
    if (allowed-- > 0) return std::nullopt;
    return WebSettings::RateLimitRefusal{"rate limit for 'predict' is 1 per hour", "42"};
  };
  http::Router router;
  Shell shell = AddWebRoutes(router, auth, std::move(settings));
  shell.AddPage("POST", "/work", {.summary = "work", .rate_limit_group = "predict"},
                [&](PageContext&) {
                  ++handled;
                  return Page::Redirect("/");
                });
  Browser b(router);
  ASSERT_EQ(b.Get("/login").status, 200);
  ASSERT_EQ(b.Post("/login", "csrf_token=" + b.csrf() +
                                 "&email=admin%40acme.test&password=admin-pass-123&next=%2F")
                .status,
            303);
  b.Get("/");
  const std::string token = b.csrf();
  EXPECT_EQ(b.Post("/work", "csrf_token=" + token).status, 303);
  auto refused = b.Post("/work", "csrf_token=" + token);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(Header(refused, "Retry-After"), "42");
  EXPECT_NE(refused.body.find("1 per hour"), std::string::npos);
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(asked, (std::vector<std::string>{org + ":predict", org + ":predict"}));
}

}  // namespace
}  // namespace signx::web
