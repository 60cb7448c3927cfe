// Identity over real HTTP (a Server on an ephemeral port with AuthMiddleware), on SQLite and
// PostgreSQL: login → bearer → /v1/me, 401/403/404/429 answers, API keys end to end.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

#include "base/strings.h"
#include "http/json.h"
#include "http/openapi.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "identity/auth_middleware.h"
#include "identity/routes.h"
#include "identity/testing/identity_fixture.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"

namespace signx::identity {
namespace {

namespace json = boost::json;
using http::testing::RawClient;
using http::testing::RawResponse;
using storage::testing::Backend;
using testing::IdentityWorld;
using testing::kTestPassword;
using testing::SeededOrg;

using Headers = std::map<std::string, std::string>;

class IdentityHttpTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    IdentitySettings s = testing::FastSettings();
    s.login_free_failures = 2;
    world_ = std::make_unique<IdentityWorld>(GetParam(), s);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");

    AddIdentityRoutes(router_, schemas_, world_->service());
    router_.Add("POST", "/v1/test/score",
                {.summary = "needs leads:score", .permission = "leads:score"},
                [](http::Request& r) {
                  return http::Response::Json(200, R"({"org":")" + r.principal->org_id + R"("})");
                });
    router_.Add(
        "GET", "/v1/test/public", {.summary = "public", .permission = "public"},
        [](http::Request& r) { return http::Response::Json(200, r.principal ? "true" : "false"); });
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 2;
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    server_->Use(std::make_shared<AuthMiddleware>(world_->service()));
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<RawClient>(server_->port());
    ASSERT_TRUE(client_->connected());
  }

  void TearDown() override {
    client_.reset();
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  RawResponse Call(const std::string& method, const std::string& target,
                   const std::string& body = "", Headers headers = {}) {
    if (!body.empty()) headers["Content-Type"] = "application/json";
    auto r = client_->Request(method, target, body, headers);
    EXPECT_TRUE(r.has_value()) << method << " " << target;
    return r.value_or(RawResponse{});
  }
  static json::object Body(const RawResponse& r) {
    auto v = json::parse(r.body);
    return v.is_object() ? v.get_object() : json::object{};
  }
  static std::string Str(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : "";
  }
  static Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  std::string LoginToken(const User& u) {
    auto r = Call(
        "POST", "/v1/auth/login",
        R"({"email":")" + u.email + R"(","password":")" + std::string(kTestPassword) + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    return Str(Body(r), "access_token");
  }

  std::unique_ptr<IdentityWorld> world_;
  SeededOrg a_, b_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<RawClient> client_;
};

TEST_P(IdentityHttpTest, LoginThenBearerThenMe) {
  auto login = Call("POST", "/v1/auth/login",
                    R"({"email":"member@a.test","password":"correct horse battery"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.Header("cache-control"), "no-store");
  const json::object tokens = Body(login);
  EXPECT_EQ(Str(tokens, "token_type"), "Bearer");
  EXPECT_EQ(tokens.at("expires_in").as_int64(), 900);
  const std::string access = Str(tokens, "access_token");
  ASSERT_FALSE(access.empty());

  auto me = Call("GET", "/v1/me", "", Bearer(access));
  ASSERT_EQ(me.status, 200) << me.body;
  const json::object body = Body(me);
  EXPECT_EQ(Str(body, "kind"), "user");
  EXPECT_EQ(Str(body, "id"), a_.member.id);
  EXPECT_EQ(Str(body, "email"), "member@a.test");
  EXPECT_EQ(Str(body, "org_id"), a_.org.id);
  EXPECT_EQ(Str(body, "role"), "org_member");
  EXPECT_EQ(body.at("memberships").as_array().size(), 1u);

  // Refresh over HTTP, then log out; the refresh token stops working.
  const std::string refresh = Str(tokens, "refresh_token");
  auto r2 = Call("POST", "/v1/auth/refresh", R"({"refresh_token":")" + refresh + R"("})");
  ASSERT_EQ(r2.status, 200) << r2.body;
  const std::string refresh2 = Str(Body(r2), "refresh_token");
  EXPECT_EQ(Call("GET", "/v1/me", "", Bearer(Str(Body(r2), "access_token"))).status, 200);
  auto out = Call("POST", "/v1/auth/logout", R"({"refresh_token":")" + refresh2 + R"("})");
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(Call("POST", "/v1/auth/refresh", R"({"refresh_token":")" + refresh2 + R"("})").status,
            401);
  // Reusing the first (rotated) token is also refused.
  EXPECT_EQ(Call("POST", "/v1/auth/refresh", R"({"refresh_token":")" + refresh + R"("})").status,
            401);
}

TEST_P(IdentityHttpTest, MissingOrInvalidCredentialsAre401) {
  auto none = Call("GET", "/v1/me");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), "Bearer");
  EXPECT_NE(none.body.find(R"("name":"unauthenticated")"), std::string::npos) << none.body;
  EXPECT_EQ(Call("GET", "/v1/me", "", Bearer("not.a.jwt")).status, 401);
  EXPECT_EQ(Call("GET", "/v1/me", "", {{"Authorization", "Basic dXNlcjpwdw=="}}).status, 401);
  EXPECT_EQ(
      Call("GET", "/v1/me", "", {{"X-API-Key", "sx_000000000000_" + std::string(64, '0')}}).status,
      401);
  // A token whose signature is broken.
  std::string token = LoginToken(a_.viewer);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call("GET", "/v1/me", "", Bearer(token)).status, 401);
  // Bad password.
  auto bad = Call("POST", "/v1/auth/login", R"({"email":"viewer@a.test","password":"nope-nope"})");
  EXPECT_EQ(bad.status, 401);
  // Public routes need nothing and get no principal.
  auto pub = Call("GET", "/v1/test/public");
  EXPECT_EQ(pub.status, 200);
  EXPECT_EQ(pub.body, "false");
}

TEST_P(IdentityHttpTest, MissingPermissionIs403) {
  const std::string viewer = LoginToken(a_.viewer);
  EXPECT_EQ(Call("GET", "/v1/audit", "", Bearer(viewer)).status, 403);
  EXPECT_EQ(Call("GET", "/v1/api-keys", "", Bearer(viewer)).status, 403);
  EXPECT_EQ(Call("POST", "/v1/test/score", "{}", Bearer(viewer)).status, 403);
  auto forbidden = Call("POST", "/v1/orgs/" + a_.org.id + "/users",
                        R"({"email":"x@a.test","password":"long enough","role":"org_admin"})",
                        Bearer(LoginToken(a_.member)));
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_NE(forbidden.body.find("admin:users"), std::string::npos);

  const std::string admin = LoginToken(a_.admin);
  auto audit = Call("GET", "/v1/audit?limit=2", "", Bearer(admin));
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(Body(audit).at("items").as_array().size(), 2u);
  EXPECT_TRUE(Body(audit).at("next_cursor").is_string());
  EXPECT_EQ(Call("GET", "/v1/audit?limit=0", "", Bearer(admin)).status, 422);
}

TEST_P(IdentityHttpTest, ApiKeysEndToEndWithTenantIsolation) {
  const std::string admin_a = LoginToken(a_.admin);
  auto created =
      Call("POST", "/v1/api-keys", R"({"name":"crm","scopes":["leads:score"]})", Bearer(admin_a));
  ASSERT_EQ(created.status, 201) << created.body;
  const json::object key = Body(created);
  const std::string secret = Str(key, "key");
  const std::string id = Str(key, "id");
  ASSERT_EQ(secret.rfind("sx_", 0), 0u);
  EXPECT_EQ(Str(key, "status"), "active");

  // The key works for its scope, in its org, and is 403 outside its scope.
  auto scored = Call("POST", "/v1/test/score", "{}", {{"X-API-Key", secret}});
  ASSERT_EQ(scored.status, 200) << scored.body;
  EXPECT_EQ(Str(Body(scored), "org"), a_.org.id);
  EXPECT_EQ(Call("GET", "/v1/api-keys", "", {{"X-API-Key", secret}}).status, 403);
  auto me = Call("GET", "/v1/me", "", {{"X-API-Key", secret}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Str(Body(me), "kind"), "api_key");

  // Listing never shows the secret.
  auto list = Call("GET", "/v1/api-keys", "", Bearer(admin_a));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret.substr(16)), std::string::npos);
  EXPECT_NE(list.body.find(id), std::string::npos);

  // Org B's admin: 404 for A's key, and an empty list; cannot add users to org A.
  const std::string admin_b = LoginToken(b_.admin);
  EXPECT_EQ(Call("DELETE", "/v1/api-keys/" + id, "", Bearer(admin_b)).status, 404);
  auto list_b = Call("GET", "/v1/api-keys", "", Bearer(admin_b));
  EXPECT_EQ(Body(list_b).at("items").as_array().size(), 0u);
  EXPECT_EQ(
      Call("POST", "/v1/orgs/" + a_.org.id + "/users",
           R"({"email":"spy@b.test","password":"long enough","role":"org_admin"})", Bearer(admin_b))
          .status,
      404);

  // Revoke; the key is then 401. The audit log shows who did it, with the request id.
  auto revoked = Call("DELETE", "/v1/api-keys/" + id, "",
                      {{"Authorization", "Bearer " + admin_a}, {"X-Request-Id", "req-revoke-1"}});
  EXPECT_EQ(revoked.status, 204) << revoked.body;
  EXPECT_EQ(Call("POST", "/v1/test/score", "{}", {{"X-API-Key", secret}}).status, 401);
  auto audit = Call("GET", "/v1/audit", "", Bearer(admin_a));
  ASSERT_EQ(audit.status, 200);
  const json::object audit_body = Body(audit);
  const json::object& first = audit_body.at("items").as_array().at(0).as_object();
  EXPECT_EQ(Str(first, "action"), "api_key.revoke");
  EXPECT_EQ(Str(first, "request_id"), "req-revoke-1");
  EXPECT_EQ(Str(first.at("actor").as_object(), "id"), a_.admin.id);
}

TEST_P(IdentityHttpTest, AdminInvitesAndTheInviteeJoins) {
  const std::string admin_a = LoginToken(a_.admin);
  // A new e-mail and a registered one (of org b) get the same answer: no account lookup leaks.
  auto fresh = Call("POST", "/v1/orgs/" + a_.org.id + "/users",
                    R"({"email":"new@a.test","role":"org_member"})", Bearer(admin_a));
  auto known = Call("POST", "/v1/orgs/" + a_.org.id + "/users",
                    R"({"email":"member@b.test","role":"org_member"})", Bearer(admin_a));
  ASSERT_EQ(fresh.status, 201) << fresh.body;
  ASSERT_EQ(known.status, 201) << known.body;
  std::set<std::string> fresh_keys, known_keys;
  for (const auto& kv : Body(fresh)) fresh_keys.insert(std::string(kv.key()));
  for (const auto& kv : Body(known)) known_keys.insert(std::string(kv.key()));
  EXPECT_EQ(fresh_keys, known_keys);
  EXPECT_EQ(fresh_keys.count("created"), 0u);
  EXPECT_EQ(Str(Body(known), "status"), "pending");

  // The new person chooses their password; the admin never knew one.
  const std::string fresh_token = Str(Body(fresh), "token");
  auto registered = Call("POST", "/v1/auth/register",
                         R"({"token":")" + fresh_token + R"(","password":"my own secret"})");
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(
      Call("POST", "/v1/auth/login", R"({"email":"new@a.test","password":"my own secret"})").status,
      200);
  // The existing account joins only when its owner, signed in, accepts.
  const std::string known_token = Str(Body(known), "token");
  EXPECT_EQ(Call("POST", "/v1/auth/register",
                 R"({"token":")" + known_token + R"(","password":"attacker pw 1"})")
                .status,
            409);
  const std::string body = R"({"token":")" + known_token + R"("})";
  EXPECT_EQ(Call("POST", "/v1/invitations/accept", body).status, 401);
  EXPECT_EQ(Call("POST", "/v1/invitations/accept", body, Bearer(LoginToken(b_.admin))).status, 403);
  auto accepted = Call("POST", "/v1/invitations/accept", body, Bearer(LoginToken(b_.member)));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(Str(Body(accepted), "org_id"), a_.org.id);
  EXPECT_EQ(Call("POST", "/v1/invitations/accept", body, Bearer(LoginToken(b_.member))).status,
            404);

  // An admin cannot choose a password any more; bad input is 422.
  EXPECT_EQ(
      Call("POST", "/v1/orgs/" + a_.org.id + "/users",
           R"({"email":"x@a.test","password":"long enough","role":"org_member"})", Bearer(admin_a))
          .status,
      422);
  auto invalid =
      Call("POST", "/v1/orgs/" + a_.org.id + "/users", R"({"email":"x"})", Bearer(admin_a));
  EXPECT_EQ(invalid.status, 422);
}

TEST_P(IdentityHttpTest, LoginThrottleAnswers429WithRetryAfter) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        Call("POST", "/v1/auth/login", R"({"email":"admin@b.test","password":"wrong-one"})").status,
        401);
  }
  auto limited =
      Call("POST", "/v1/auth/login", R"({"email":"admin@b.test","password":"wrong-one"})");
  EXPECT_EQ(limited.status, 429);
  const auto retry = ParseInt(limited.Header("retry-after"));
  ASSERT_TRUE(retry.has_value()) << limited.Header("retry-after");
  EXPECT_GE(*retry, 1);
  EXPECT_NE(limited.body.find(R"("name":"rate_limited")"), std::string::npos) << limited.body;
  // Only that client waits: the owner, elsewhere, signs in (X-Forwarded-For is not believed from
  // an untrusted peer, so the loopback client is the one waiting).
  EXPECT_EQ(Call("POST", "/v1/auth/login",
                 R"({"email":"admin@b.test","password":"correct horse battery"})",
                 {{"X-Forwarded-For", "198.51.100.50"}})
                .status,
            429);
}

TEST_P(IdentityHttpTest, EveryRouteDeclaresAPermissionAndOnlyAuthIsPublic) {
  for (const auto& route : router_.routes()) {
    if (route.pattern.rfind("/v1/test/", 0) == 0) continue;
    EXPECT_FALSE(route.meta.permission.empty()) << route.pattern;
    const bool is_public = route.meta.permission == http::kPublic;
    EXPECT_EQ(is_public, route.pattern.rfind("/v1/auth/", 0) == 0) << route.pattern;
    EXPECT_EQ(route.meta.execution, http::Execution::kBlocking) << route.pattern;
    if (!is_public && route.meta.permission != kAnyAuthenticated) {
      EXPECT_TRUE(IsKnownPermission(route.meta.permission)) << route.meta.permission;
    }
  }
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  EXPECT_NE(doc.find("/v1/api-keys/{id}"), std::string::npos);
}

TEST_P(IdentityHttpTest, ExportThenDeleteMyAccount) {
  const std::string token = LoginToken(a_.member);
  auto exported = Call("GET", "/v1/me/export", "", Bearer(token));
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.Header("content-disposition"),
            "attachment; filename=\"signx-export-" + a_.member.id + ".json\"");
  EXPECT_EQ(exported.Header("cache-control"), "no-store");
  const json::object doc = Body(exported);
  EXPECT_EQ(Str(doc.at("user").as_object(), "email"), "member@a.test");
  ASSERT_EQ(doc.at("memberships").as_array().size(), 1u);
  EXPECT_EQ(Str(doc.at("memberships").as_array()[0].as_object(), "org_name"), "Org a");
  EXPECT_EQ(doc.at("sessions").as_array().size(), 1u);
  std::set<std::string> actions;
  for (const auto& e : doc.at("audit").as_array()) actions.insert(Str(e.as_object(), "action"));
  EXPECT_TRUE(actions.contains("auth.login"));
  EXPECT_TRUE(actions.contains("user.export"));
  for (const char* secret : {"password_hash", "$argon2", "secret_sha256", "token_sha256", "sxr_"}) {
    EXPECT_EQ(exported.body.find(secret), std::string::npos) << secret;
  }

  // The current password is required: a token alone cannot delete the account.
  auto no_pw = Call("DELETE", "/v1/me", "{}", Bearer(token));
  ASSERT_EQ(no_pw.status, 422) << no_pw.body;
  EXPECT_NE(no_pw.body.find(R"("field":"password")"), std::string::npos) << no_pw.body;
  EXPECT_EQ(Call("DELETE", "/v1/me", R"({"password":"wrong password"})", Bearer(token)).status,
            422);
  auto del = Call("DELETE", "/v1/me", R"({"password":")" + std::string(kTestPassword) + R"("})",
                  Bearer(token));
  ASSERT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(Call("GET", "/v1/me", "", Bearer(token)).status, 401);
  EXPECT_EQ(Call("GET", "/v1/me/export", "", Bearer(token)).status, 401);

  // The org's audit log shows the deleted user's rows under the pseudonym only.
  auto audit = Call("GET", "/v1/audit?limit=200", "", Bearer(LoginToken(a_.admin)));
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(audit.body.find("member@a.test"), std::string::npos);
  EXPECT_NE(audit.body.find(DeletedUserPseudonym(a_.member.id)), std::string::npos);
  EXPECT_NE(audit.body.find(R"("action":"user.delete")"), std::string::npos);
}

TEST_P(IdentityHttpTest, MembersOfSeveralOrgs) {
  const std::string admin_b = LoginToken(b_.admin);
  const std::string users_b = "/v1/orgs/" + b_.org.id + "/users";
  auto invited =
      Call("POST", users_b, R"({"email":"member@a.test","role":"org_viewer"})", Bearer(admin_b));
  ASSERT_EQ(invited.status, 201) << invited.body;
  auto added =
      Call("POST", "/v1/invitations/accept",
           R"({"token":")" + Str(Body(invited), "token") + R"("})", Bearer(LoginToken(a_.member)));
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_FALSE(Body(added).at("account_created").as_bool());
  EXPECT_EQ(Str(Body(added), "user_id"), a_.member.id);

  auto list = Call("GET", users_b + "?limit=10", "", Bearer(admin_b));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Body(list).at("items").as_array().size(), 4u);
  EXPECT_TRUE(Body(list).at("next_cursor").is_null());

  auto patched =
      Call("PATCH", users_b + "/" + a_.member.id, R"({"role":"org_member"})", Bearer(admin_b));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Str(Body(patched), "role"), "org_member");
  auto last =
      Call("PATCH", users_b + "/" + b_.admin.id, R"({"role":"org_viewer"})", Bearer(admin_b));
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_NE(last.body.find("last org_admin"), std::string::npos) << last.body;
  EXPECT_EQ(
      Call("PATCH", users_b + "/" + a_.member.id, R"({"role":"chief"})", Bearer(admin_b)).status,
      422);

  // Log in to the second org by org_id; /v1/me lists both memberships.
  auto login = Call("POST", "/v1/auth/login",
                    R"({"email":"member@a.test","password":")" + std::string(kTestPassword) +
                        R"(","org_id":")" + b_.org.id + R"("})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(Str(Body(login), "org_id"), b_.org.id);
  EXPECT_EQ(Str(Body(login), "role"), "org_member");
  auto me = Call("GET", "/v1/me", "", Bearer(Str(Body(login), "access_token")));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Str(Body(me), "org_id"), b_.org.id);
  EXPECT_EQ(Body(me).at("memberships").as_array().size(), 2u);

  // Another org's admin: 404 on every member route, whatever the body.
  const std::string admin_a = LoginToken(a_.admin);
  EXPECT_EQ(Call("GET", users_b, "", Bearer(admin_a)).status, 404);
  EXPECT_EQ(Call("POST", users_b, "{}", Bearer(admin_a)).status, 404);
  EXPECT_EQ(Call("PATCH", users_b + "/" + b_.viewer.id, "{}", Bearer(admin_a)).status, 404);
  EXPECT_EQ(Call("DELETE", users_b + "/" + b_.viewer.id, "", Bearer(admin_a)).status, 404);

  auto removed = Call("DELETE", users_b + "/" + a_.member.id, "", Bearer(admin_b));
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_FALSE(Body(removed).at("account_deleted").as_bool());
  EXPECT_EQ(Call("DELETE", users_b + "/" + a_.member.id, "", Bearer(admin_b)).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityHttpTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::identity
