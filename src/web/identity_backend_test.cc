// The web shell on the real IdentityService (SQLite): the adapter maps sessions, profiles, API keys
// and the audit log correctly, end to end through the page handlers.
#include "web/identity_backend.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/strings.h"
#include "identity/testing/identity_fixture.h"
#include "web/security.h"
#include "web/shell.h"
#include "web/testing/page_client.h"

namespace signx::web {
namespace {

using identity::testing::IdentityWorld;
using identity::testing::kTestPassword;

class IdentityBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(storage::testing::Backend::kSqlite);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    AddWebRoutes(router_, MakeIdentityBackend(world_->service()),
                 {.secret = "identity-backend-test-secret-0123456789"});
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return client_.Call(method, target, body);
  }

  std::unique_ptr<IdentityWorld> world_;
  identity::testing::SeededOrg a_;
  http::Router router_;
  web::testing::PageClient client_{router_};
};

TEST_F(IdentityBackendTest, LoginDashboardApiKeysAuditLogout) {
  ASSERT_EQ(Call("GET", "/login").status, 200);
  auto bad = Call("POST", "/login", "csrf_token=" + client_.csrf() + "&email=admin%40a.test&password=nope");
  EXPECT_EQ(bad.status, 401);
  auto login =
      Call("POST", "/login",
           "csrf_token=" + client_.csrf() + "&email=admin%40a.test&password=" + std::string(kTestPassword) +
               "&next=%2F");
  ASSERT_EQ(login.status, 303) << login.body;
  ASSERT_TRUE(client_.cookies().count(std::string(kSessionCookie)));

  auto dash = Call("GET", "/");
  ASSERT_EQ(dash.status, 200);
  EXPECT_NE(dash.body.find("admin@a.test"), std::string::npos);
  EXPECT_NE(dash.body.find("data-testid=\"dashboard-role\">Admin"), std::string::npos);

  ASSERT_EQ(Call("GET", "/admin/api-keys").status, 200);
  auto created =
      Call("POST", "/admin/api-keys",
           "csrf_token=" + client_.csrf() + "&name=CRM+%3Cb%3E&scopes=leads%3Aread&expires_days=30");
  ASSERT_EQ(created.status, 201) << created.body;
  static const std::regex secret_re("value=\"(sx_[^\"]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.body, m, secret_re));
  auto principal = world_->service().AuthenticateApiKey(m[1].str());
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->org_id, a_.org.id);
  EXPECT_NE(created.body.find("CRM &lt;b&gt;"), std::string::npos);

  static const std::regex revoke_re("/admin/api-keys/(key_[A-Za-z0-9]+)/revoke");
  ASSERT_TRUE(std::regex_search(created.body, m, revoke_re));
  auto revoked = Call("POST", "/admin/api-keys/" + m[1].str() + "/revoke", "csrf_token=" + client_.csrf());
  EXPECT_EQ(revoked.status, 303) << revoked.body;

  auto audit = Call("GET", "/admin/audit");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("api_key.create"), std::string::npos);
  EXPECT_NE(audit.body.find("api_key.revoke"), std::string::npos);
  EXPECT_NE(audit.body.find("auth.login"), std::string::npos);

  auto logout = Call("POST", "/logout", "csrf_token=" + client_.csrf());
  EXPECT_EQ(logout.status, 303);
  EXPECT_EQ(Call("GET", "/").status, 303);
}

// Issue 19: within the 30 s grace a replayed pre-rotation cookie was handed the new token pair.
TEST_F(IdentityBackendTest, AReplayedPreRotationCookieNeverGetsTheNewPair) {
  Call("GET", "/login");
  ASSERT_EQ(
      Call("POST", "/login",
           "csrf_token=" + client_.csrf() + "&email=member%40a.test&password=" + std::string(kTestPassword))
          .status,
      303);
  const std::string old_cookie = client_.cookies()[std::string(kSessionCookie)];
  world_->clock().Advance(std::chrono::minutes(16));  // the access token has expired
  ASSERT_EQ(Call("GET", "/").status, 200);            // the browser's request rotates
  const std::string rotated = client_.cookies()[std::string(kSessionCookie)];
  ASSERT_NE(rotated, old_cookie);

  // The same old cookie again, at once (a concurrent tab, or a thief): served, never given the
  // new tokens.
  client_.cookies()[std::string(kSessionCookie)] = old_cookie;
  auto replay = Call("GET", "/");
  EXPECT_EQ(replay.status, 200);
  for (const auto& [k, v] : replay.headers.all()) {
    if (EqualsIgnoreCase(k, "Set-Cookie")) {
      EXPECT_FALSE(v.starts_with(std::string(kSessionCookie) + "=")) << v;
    }
  }
  EXPECT_EQ(client_.cookies()[std::string(kSessionCookie)], old_cookie);
  EXPECT_EQ(rotated.find(old_cookie.substr(old_cookie.find('|'))), std::string::npos);
  // The rotated session keeps working.
  client_.cookies()[std::string(kSessionCookie)] = rotated;
  EXPECT_EQ(Call("GET", "/").status, 200);
}

TEST_F(IdentityBackendTest, ViewerIsRefusedAdminPages) {
  Call("GET", "/login");
  ASSERT_EQ(
      Call("POST", "/login",
           "csrf_token=" + client_.csrf() + "&email=viewer%40a.test&password=" + std::string(kTestPassword))
          .status,
      303);
  auto dash = Call("GET", "/");
  ASSERT_EQ(dash.status, 200);
  EXPECT_EQ(dash.body.find("/admin/api-keys"), std::string::npos);
  EXPECT_EQ(Call("GET", "/admin/api-keys").status, 403);
  EXPECT_EQ(Call("GET", "/admin/audit").status, 403);
}

}  // namespace
}  // namespace signx::web
