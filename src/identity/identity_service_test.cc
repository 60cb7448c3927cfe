// IdentityService on SQLite and PostgreSQL: passwords, throttling, refresh rotation and reuse
// detection, API keys (revoked, expired, scopes), tenant isolation and the audit log.
#include "identity/identity_service.h"

#include <gtest/gtest.h>

#include "identity/testing/identity_fixture.h"

namespace signx::identity {
namespace {

using storage::testing::Backend;
using testing::IdentityWorld;
using testing::kTestPassword;
using testing::SeededOrg;
using namespace std::chrono_literals;

class IdentityServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Start(testing::FastSettings()); }
  void Start(IdentitySettings settings) {
    world_ = std::make_unique<IdentityWorld>(GetParam(), std::move(settings));
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
  }
  IdentityService& svc() { return world_->service(); }
  http::Principal Admin(const SeededOrg& o) {
    return IdentityWorld::PrincipalOf(o.admin, o.org, Role::kOrgAdmin);
  }
  Result<TokenPair> Login(const std::string& email,
                          std::string password = std::string(kTestPassword),
                          std::string ip = "198.51.100.1") {
    return svc().Login({.email = email,
                        .password = std::move(password),
                        .client_ip = ip,
                        .request_id = "req-login"});
  }
  std::vector<AuditEntry> Audit(const SeededOrg& o) {
    auto page = svc().ListAuditLog(Admin(o), kMaxAuditPage, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<AuditEntry>{};
  }
  int CountActions(const SeededOrg& o, std::string_view action) {
    int n = 0;
    for (const auto& e : Audit(o)) n += e.action == action;
    return n;
  }

  std::unique_ptr<IdentityWorld> world_;
  SeededOrg a_, b_;
};

TEST_P(IdentityServiceTest, LoginVerifiesPasswordAndIssuesTokens) {
  auto t = Login("Admin@A.test ");  // e-mail is normalised
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->user_id, a_.admin.id);
  EXPECT_EQ(t->org_id, a_.org.id);
  EXPECT_EQ(t->role, "org_admin");
  EXPECT_EQ(t->access_expires_at - std::chrono::floor<std::chrono::seconds>(world_->clock().Now()),
            15min);
  EXPECT_EQ(t->refresh_token.rfind("sxr_", 0), 0u);
  auto p = svc().AuthenticateBearer(t->access_token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, "user");
  EXPECT_EQ(p->subject_id, a_.admin.id);
  EXPECT_EQ(p->org_id, a_.org.id);
  EXPECT_TRUE(p->Can("admin:api_keys"));

  auto wrong = Login("admin@a.test", "not the password");
  EXPECT_EQ(wrong.status().code(), ErrorCode::kUnauthenticated);
  auto unknown = Login("nobody@a.test", "whatever12");
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(unknown.status().message(), wrong.status().message());  // no user enumeration
  EXPECT_EQ(Login("", "").status().code(), ErrorCode::kValidationFailed);

  // The password is stored as argon2id, never in clear.
  auto rs = world_->store().Query("SELECT password_hash FROM users WHERE id = $1", {a_.admin.id});
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->rows[0].Text(0).rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(CountActions(a_, "auth.login"), 1);
}

TEST_P(IdentityServiceTest, AccessTokenExpiresAfterItsLifetime) {
  auto t = Login("member@a.test");
  ASSERT_TRUE(t.ok());
  world_->clock().Advance(16min);
  EXPECT_EQ(svc().AuthenticateBearer(t->access_token).status().code(), ErrorCode::kUnauthenticated);
}

// Issue 19: four wrong passwords from anyone locked the account for everyone, its owner included.
TEST_P(IdentityServiceTest, WrongPasswordsBackOffPerClientAndNeverLockTheOwnerOut) {
  const std::string stranger = "203.0.113.66";
  for (int i = 0; i < 3; ++i) {  // login_free_failures: no wait yet
    EXPECT_EQ(Login("member@a.test", "wrong-password", stranger).status().code(),
              ErrorCode::kUnauthenticated);
  }
  // Further failures wait 1, 2, 4, ... seconds for that client.
  std::vector<int64_t> waits;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Login("member@a.test", "wrong-password", stranger).status().code(),
              ErrorCode::kUnauthenticated);
    std::chrono::seconds retry{0};
    auto blocked = svc().Login(
        {.email = "member@a.test", .password = std::string(kTestPassword), .client_ip = stranger},
        &retry);
    EXPECT_EQ(blocked.status().code(), ErrorCode::kRateLimited);
    waits.push_back(retry.count());
    world_->clock().Advance(retry);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1, 2, 4, 8}));
  // The owner, from another address, is never held back by the stranger.
  EXPECT_TRUE(Login("member@a.test", std::string(kTestPassword), "198.51.100.20").ok());
  // An unknown e-mail backs off the same way (no hint that an account exists).
  for (int i = 0; i < 4; ++i) (void)Login("nobody@a.test", "wrong-password", stranger);
  EXPECT_EQ(Login("nobody@a.test", "wrong-password", stranger).status().code(),
            ErrorCode::kRateLimited);
  // The wait is capped, and a success from that client clears its record.
  for (int i = 0; i < 40; ++i) {
    world_->clock().Advance(std::chrono::hours(1));
    (void)Login("member@a.test", "wrong-password", stranger);
  }
  std::chrono::seconds retry{0};
  (void)svc().Login(
      {.email = "member@a.test", .password = std::string(kTestPassword), .client_ip = stranger},
      &retry);
  EXPECT_EQ(retry, svc().settings().login_backoff_max);
  world_->clock().Advance(retry);
  EXPECT_TRUE(Login("member@a.test", std::string(kTestPassword), stranger).ok());
  EXPECT_EQ(Login("member@a.test", "wrong-password", stranger).status().code(),
            ErrorCode::kUnauthenticated);
}

TEST_P(IdentityServiceTest, LoginIsThrottledPerIp) {
  IdentitySettings s = testing::FastSettings();
  s.login_per_ip = {.rate_per_second = 1.0 / 60, .burst = 3};
  Start(s);
  for (const char* who : {"admin@a.test", "member@a.test", "viewer@a.test"}) {
    EXPECT_TRUE(Login(who, std::string(kTestPassword), "203.0.113.7").ok()) << who;
  }
  std::chrono::seconds retry{0};
  auto blocked = svc().Login(
      {.email = "admin@b.test", .password = std::string(kTestPassword), .client_ip = "203.0.113.7"},
      &retry);
  EXPECT_EQ(blocked.status().code(), ErrorCode::kRateLimited);
  EXPECT_GE(retry.count(), 1);
  EXPECT_TRUE(Login("admin@b.test", std::string(kTestPassword), "203.0.113.8").ok());
}

// Issue 19: behind the documented proxy every user shared one 30/min bucket (the proxy's).
TEST_P(IdentityServiceTest, ClientsBehindATrustedProxyHaveTheirOwnLoginBudget) {
  IdentitySettings s = testing::FastSettings();
  s.login_per_ip = {.rate_per_second = 1.0 / 60, .burst = 2};
  s.trusted_proxies = *ParseNetworks("10.0.0.0/8");
  Start(s);
  auto via_proxy = [&](const std::string& email, const std::string& xff) {
    return svc().Login({.email = email,
                        .password = std::string(kTestPassword),
                        .client_ip = "10.1.2.3",
                        .forwarded_for = xff});
  };
  EXPECT_TRUE(via_proxy("admin@a.test", "198.51.100.1").ok());
  EXPECT_TRUE(via_proxy("member@a.test", "198.51.100.1").ok());
  EXPECT_EQ(via_proxy("viewer@a.test", "198.51.100.1").status().code(), ErrorCode::kRateLimited);
  // Another user behind the same proxy is not held back...
  EXPECT_TRUE(via_proxy("viewer@a.test", "198.51.100.2, 10.0.0.9").ok());
  // ...and a client cannot pick a fresh bucket by prepending addresses: the right-most untrusted
  // one counts.
  EXPECT_EQ(via_proxy("admin@b.test", "192.0.2.77, 198.51.100.1").status().code(),
            ErrorCode::kRateLimited);
  // From an untrusted peer the header is ignored: the peer is the client.
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(svc()
                    .Login({.email = "member@b.test",
                            .password = std::string(kTestPassword),
                            .client_ip = "203.0.113.5",
                            .forwarded_for = "192.0.2." + std::to_string(i)})
                    .ok());
  }
  EXPECT_EQ(svc()
                .Login({.email = "member@b.test",
                        .password = std::string(kTestPassword),
                        .client_ip = "203.0.113.5",
                        .forwarded_for = "192.0.2.99"})
                .status()
                .code(),
            ErrorCode::kRateLimited);
}

TEST_P(IdentityServiceTest, RefreshRotatesAndReuseRevokesTheFamily) {
  auto t1 = Login("member@a.test");
  ASSERT_TRUE(t1.ok());
  auto t2 = svc().Refresh(t1->refresh_token, "req-r1");
  ASSERT_TRUE(t2.ok()) << t2.status().ToString();
  EXPECT_NE(t2->refresh_token, t1->refresh_token);
  EXPECT_TRUE(svc().AuthenticateBearer(t2->access_token).ok());
  auto t3 = svc().Refresh(t2->refresh_token, "req-r2");
  ASSERT_TRUE(t3.ok()) << t3.status().ToString();

  // An attacker replays the first (already used) token: refused, and the family is revoked.
  auto replay = svc().Refresh(t1->refresh_token, "req-replay");
  EXPECT_EQ(replay.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(replay.status().message().find("already used"), std::string_view::npos);
  // So the legitimate holder's newest token no longer works either.
  EXPECT_EQ(svc().Refresh(t3->refresh_token, "req-r3").status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(CountActions(a_, "auth.refresh"), 2);
  EXPECT_EQ(CountActions(a_, "auth.refresh_reuse"), 1);
  // A fresh login starts a new family.
  auto again = Login("member@a.test");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(svc().Refresh(again->refresh_token, "req-r4").ok());
}

TEST_P(IdentityServiceTest, RefreshRejectsExpiredUnknownAndLoggedOutTokens) {
  auto t = Login("member@a.test");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(svc().Refresh("sxr_" + std::string(64, '0'), "r").status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc().Refresh("garbage", "r").status().code(), ErrorCode::kUnauthenticated);

  ASSERT_TRUE(svc().Logout(t->refresh_token, "req-out").ok());
  EXPECT_EQ(svc().Refresh(t->refresh_token, "r").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(svc().Logout(t->refresh_token, "req-out2").ok());  // idempotent
  EXPECT_EQ(svc().Logout("sxr_nope", "r").code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(CountActions(a_, "auth.logout"), 1);

  auto t2 = Login("member@a.test");
  ASSERT_TRUE(t2.ok());
  world_->clock().Advance(std::chrono::duration_cast<std::chrono::microseconds>(
      testing::FastSettings().refresh_token_ttl + 1s));
  EXPECT_EQ(svc().Refresh(t2->refresh_token, "r").status().code(), ErrorCode::kUnauthenticated);
}

TEST_P(IdentityServiceTest, ApiKeyAuthenticatesWithItsScopes) {
  auto created = svc().CreateApiKey(Admin(a_), "crm sync", {"leads:score", "leads:read"},
                                    std::nullopt, "req-key");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->key.rfind("sx_" + created->info.prefix + "_", 0), 0u);
  auto p = svc().AuthenticateApiKey(created->key);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, "api_key");
  EXPECT_EQ(p->subject_id, created->info.id);
  EXPECT_EQ(p->org_id, a_.org.id);
  EXPECT_TRUE(p->Can("leads:score"));
  EXPECT_FALSE(p->Can("admin:api_keys"));  // wrong scope → the middleware answers 403
  EXPECT_FALSE(p->Can("projects:write"));

  // The secret is not stored.
  auto rs = world_->store().Query("SELECT secret_sha256, scopes FROM api_keys WHERE id = $1",
                                  {created->info.id});
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(created->key.find(rs->rows[0].Text(0)), std::string::npos);
  EXPECT_EQ(rs->rows[0].Text(1), "leads:read leads:score");

  std::string wrong = created->key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(svc().AuthenticateApiKey(wrong).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc().AuthenticateApiKey("sx_nope").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc().AuthenticateApiKey("").status().code(), ErrorCode::kUnauthenticated);
}

TEST_P(IdentityServiceTest, RevokedAndExpiredApiKeysAreRejected) {
  auto key = svc().CreateApiKey(Admin(a_), "k", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(svc().RevokeApiKey(Admin(a_), key->info.id, "req-revoke").ok());
  auto revoked = svc().AuthenticateApiKey(key->key);
  EXPECT_EQ(revoked.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string_view::npos);
  EXPECT_TRUE(svc().RevokeApiKey(Admin(a_), key->info.id, "again").ok());
  EXPECT_EQ(CountActions(a_, "api_key.revoke"), 1);

  auto expiring =
      svc().CreateApiKey(Admin(a_), "short", {"leads:score"}, world_->clock().Now() + 1h, "r");
  ASSERT_TRUE(expiring.ok());
  EXPECT_TRUE(svc().AuthenticateApiKey(expiring->key).ok());
  world_->clock().Advance(1h);
  auto expired = svc().AuthenticateApiKey(expiring->key);
  EXPECT_EQ(expired.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string_view::npos);

  EXPECT_EQ(svc()
                .CreateApiKey(Admin(a_), "past", {"leads:score"}, world_->clock().Now() - 1s, "r")
                .status()
                .code(),
            ErrorCode::kValidationFailed);
}

TEST_P(IdentityServiceTest, ApiKeyLookupsAreCachedBrieflyAndRevocationHereIsImmediate) {
  auto key = svc().CreateApiKey(Admin(a_), "k", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(svc().AuthenticateApiKey(key->key).ok());  // now cached
  // A wrong secret with the same prefix is refused from the cache too.
  std::string wrong = key->key;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(svc().AuthenticateApiKey(wrong).status().code(), ErrorCode::kUnauthenticated);
  // Revoked through this process: refused at once.
  ASSERT_TRUE(svc().RevokeApiKey(Admin(a_), key->info.id, "req-revoke").ok());
  EXPECT_EQ(svc().AuthenticateApiKey(key->key).status().code(), ErrorCode::kUnauthenticated);

  // Revoked by another replica (straight in the database): accepted until the cached lookup is
  // older than api_key_cache_ttl, then refused.
  auto other = svc().CreateApiKey(Admin(a_), "k2", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(svc().AuthenticateApiKey(other->key).ok());
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& t) {
                    return t
                        .Exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2",
                              {world_->clock().Now(), other->info.id})
                        .status();
                  })
                  .ok());
  world_->clock().Advance(1s);
  EXPECT_TRUE(svc().AuthenticateApiKey(other->key).ok());
  world_->clock().Advance(1s);
  auto refused = svc().AuthenticateApiKey(other->key);
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("revoked"), std::string_view::npos);
}

TEST_P(IdentityServiceTest, AccessTokensFollowTheMembershipNotJustTheirSignature) {
  auto t = Login("member@a.test");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto p = svc().AuthenticateBearer(t->access_token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->role, "org_member");

  // A role changed through this process applies at once, with the new role's permissions.
  ASSERT_TRUE(
      svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_viewer", "req-role").ok());
  p = svc().AuthenticateBearer(t->access_token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, "org_viewer");
  EXPECT_EQ(p->permissions, PermissionsFor(Role::kOrgViewer));

  // Removed by another replica (straight in the database): the token still works until the
  // cached membership is older than api_key_cache_ttl (2 s), then it is refused.
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& tx) {
                    return tx
                        .Exec("DELETE FROM memberships WHERE user_id = $1 AND org_id = $2",
                              {a_.member.id, a_.org.id})
                        .status();
                  })
                  .ok());
  world_->clock().Advance(1s);
  EXPECT_TRUE(svc().AuthenticateBearer(t->access_token).ok());
  world_->clock().Advance(1s);
  auto refused = svc().AuthenticateBearer(t->access_token);
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("no longer active"), std::string_view::npos);

  // Deleting one's own account voids its tokens at once.
  auto admin = Login("admin@b.test");
  ASSERT_TRUE(admin.ok());
  auto viewer = Login("viewer@b.test");
  ASSERT_TRUE(viewer.ok());
  ASSERT_TRUE(svc().AuthenticateBearer(viewer->access_token).ok());  // cached
  ASSERT_TRUE(svc()
                  .DeleteAccount(IdentityWorld::PrincipalOf(b_.viewer, b_.org, Role::kOrgViewer),
                                 kTestPassword, "req-delete")
                  .ok());
  EXPECT_EQ(svc().AuthenticateBearer(viewer->access_token).status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_TRUE(svc().AuthenticateBearer(admin->access_token).ok());
}

TEST_P(IdentityServiceTest, ApiKeyScopesCannotEscalate) {
  const auto member = IdentityWorld::PrincipalOf(a_.member, a_.org, Role::kOrgMember);
  EXPECT_EQ(svc().CreateApiKey(member, "k", {"admin:users"}, std::nullopt, "r").status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(svc().CreateApiKey(Admin(a_), "k", {"no:such"}, std::nullopt, "r").status().code(),
            ErrorCode::kValidationFailed);
  EXPECT_EQ(svc().CreateApiKey(Admin(a_), "k", {}, std::nullopt, "r").status().code(),
            ErrorCode::kValidationFailed);
  EXPECT_EQ(svc().CreateApiKey(Admin(a_), "", {"leads:score"}, std::nullopt, "r").status().code(),
            ErrorCode::kValidationFailed);
}

TEST_P(IdentityServiceTest, ApiKeyLastUsedIsRecordedAtMostOncePerMinute) {
  IdentitySettings s = testing::FastSettings();
  s.api_key_use_write_interval = std::chrono::hours(1);  // only the explicit writes below
  Start(s);
  auto key = svc().CreateApiKey(Admin(a_), "k", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key.ok());
  auto last_used = [&] {
    auto rs =
        world_->store().Query("SELECT last_used_at FROM api_keys WHERE id = $1", {key->info.id});
    return rs->rows[0].OptTime(0);
  };
  EXPECT_EQ(last_used(), std::nullopt);
  ASSERT_TRUE(svc().AuthenticateApiKey(key->key).ok());
  EXPECT_EQ(last_used(), std::nullopt) << "authentication itself never writes";
  ASSERT_TRUE(svc().RecordApiKeyUses().ok());
  const auto first = last_used();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, world_->clock().Now());
  world_->clock().Advance(30s);
  ASSERT_TRUE(svc().AuthenticateApiKey(key->key).ok());
  ASSERT_TRUE(svc().RecordApiKeyUses().ok());
  EXPECT_EQ(last_used(), first);
  world_->clock().Advance(31s);
  ASSERT_TRUE(svc().AuthenticateApiKey(key->key).ok());
  ASSERT_TRUE(svc().RecordApiKeyUses().ok());
  EXPECT_EQ(last_used(), world_->clock().Now());
}

TEST_P(IdentityServiceTest, ApiKeyUseNotedJustBeforeShutdownIsWritten) {
  auto key = svc().CreateApiKey(Admin(a_), "k", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key.ok());
  {
    IdentitySettings s = testing::FastSettings();
    s.api_key_use_write_interval = std::chrono::hours(1);
    cache::MemoryRateLimiter limiter(world_->clock());
    IdentityService replica(world_->store(), limiter, s, world_->clock());
    ASSERT_TRUE(replica.AuthenticateApiKey(key->key).ok());
  }
  auto rs =
      world_->store().Query("SELECT last_used_at FROM api_keys WHERE id = $1", {key->info.id});
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->rows[0].OptTime(0), world_->clock().Now());
}

TEST_P(IdentityServiceTest, StaticApiKeysFromSettings) {
  IdentitySettings s = testing::FastSettings();
  s.static_api_keys = {{"crm", "static-key-0123456789", "org_static", {"leads:score"}}};
  Start(s);
  auto p = svc().AuthenticateApiKey("static-key-0123456789");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org_id, "org_static");
  EXPECT_EQ(p->subject_id, "static:crm");
  EXPECT_TRUE(p->Can("leads:score"));
  EXPECT_EQ(svc().AuthenticateApiKey("static-key-0123456788").status().code(),
            ErrorCode::kUnauthenticated);
}

TEST_P(IdentityServiceTest, TenantsCannotSeeOrChangeEachOthersRows) {
  auto key_a = svc().CreateApiKey(Admin(a_), "a's key", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key_a.ok());
  // Org B's admin cannot revoke, list or audit org A's key: it does not exist for them.
  EXPECT_EQ(svc().RevokeApiKey(Admin(b_), key_a->info.id, "r").code(), ErrorCode::kNotFound);
  EXPECT_TRUE(svc().AuthenticateApiKey(key_a->key).ok());
  auto list_b = svc().ListApiKeys(Admin(b_));
  ASSERT_TRUE(list_b.ok());
  EXPECT_TRUE(list_b->empty());
  auto list_a = svc().ListApiKeys(Admin(a_));
  ASSERT_TRUE(list_a.ok());
  ASSERT_EQ(list_a->size(), 1u);
  for (const auto& e : Audit(b_)) {
    EXPECT_EQ(e.org_id, b_.org.id);
    EXPECT_NE(e.subject_id, key_a->info.id);
  }
  // Nor invite users to org A.
  EXPECT_EQ(
      svc().InviteToOrg(Admin(b_), a_.org.id, "intruder@b.test", "org_admin", "r").status().code(),
      ErrorCode::kNotFound);
  // An org admin cannot mint a super_admin.
  EXPECT_EQ(
      svc().InviteToOrg(Admin(a_), a_.org.id, "boss@a.test", "super_admin", "r").status().code(),
      ErrorCode::kPermissionDenied);
  auto invited = svc().InviteToOrg(Admin(a_), a_.org.id, "new@a.test", "org_viewer", "r");
  ASSERT_TRUE(invited.ok()) << invited.status().ToString();
  ASSERT_TRUE(svc().RegisterWithInvitation(invited->token, kTestPassword, "r").ok());
  auto t = Login("new@a.test");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->org_id, a_.org.id);
  EXPECT_EQ(t->role, "org_viewer");
}

TEST_P(IdentityServiceTest, CreateUserValidatesAndRejectsDuplicates) {
  const Actor cli = Actor::System("test");
  EXPECT_EQ(
      svc().CreateUser(a_.org.id, "admin@A.test", kTestPassword, "org_member", cli).status().code(),
      ErrorCode::kAlreadyExists);
  auto bad = svc().CreateUser(a_.org.id, "no-at-sign", "short", "boss", cli);
  EXPECT_EQ(bad.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(bad.status().details().size(), 3u);
  EXPECT_EQ(
      svc().CreateUser("org_missing", "x@y.test", kTestPassword, "org_member", cli).status().code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(svc().CreateOrg("   ", cli).status().code(), ErrorCode::kValidationFailed);
}

TEST_P(IdentityServiceTest, MutationsWriteAuditRowsInTheSameTransaction) {
  auto key = svc().CreateApiKey(Admin(a_), "k", {"leads:score"}, std::nullopt, "req-create");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(svc().RevokeApiKey(Admin(a_), key->info.id, "req-revoke").ok());
  const auto rows = Audit(a_);
  // Newest first: revoke, create, then the seeding (3 users, 1 org).
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].action, "api_key.revoke");
  EXPECT_EQ(rows[0].actor_kind, "user");
  EXPECT_EQ(rows[0].actor_id, a_.admin.id);
  EXPECT_EQ(rows[0].request_id, "req-revoke");
  EXPECT_EQ(rows[0].subject_id, key->info.id);
  ASSERT_TRUE(rows[0].before_sha256 && rows[0].after_sha256);
  EXPECT_NE(*rows[0].before_sha256, *rows[0].after_sha256);
  EXPECT_EQ(rows[1].action, "api_key.create");
  EXPECT_EQ(rows[1].before_sha256, std::nullopt);
  EXPECT_EQ(rows[1].after_sha256, rows[0].before_sha256);  // same state, same digest
  EXPECT_EQ(rows[5].action, "org.create");
  EXPECT_EQ(rows[5].actor_kind, "system");

  // A failed mutation leaves no audit row.
  EXPECT_FALSE(
      svc()
          .CreateUser(a_.org.id, "admin@a.test", kTestPassword, "org_member", Actor::System("test"))
          .ok());
  EXPECT_EQ(Audit(a_).size(), 6u);

  // Pagination walks every row exactly once.
  std::vector<std::string> seen;
  std::string cursor;
  do {
    auto page = svc().ListAuditLog(Admin(a_), 4, cursor);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& e : page->items) seen.push_back(e.id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  ASSERT_EQ(seen.size(), 6u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], rows[i].id);
  EXPECT_EQ(svc().ListAuditLog(Admin(a_), 0, "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(svc().ListAuditLog(Admin(a_), 10, "bogus").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(IdentityServiceTest, AuditLogIsAppendOnly) {
  EXPECT_FALSE(world_->store()
                   .WithTxn([](storage::Txn& t) {
                     return t.Exec("UPDATE audit_log SET action = 'x'").status();
                   })
                   .ok());
  EXPECT_FALSE(
      world_->store()
          .WithTxn([](storage::Txn& t) { return t.Exec("DELETE FROM audit_log").status(); })
          .ok());
  EXPECT_EQ(Audit(a_).size(), 4u);
}

TEST_P(IdentityServiceTest, MeDescribesUsersAndKeys) {
  auto me = svc().Me(IdentityWorld::PrincipalOf(a_.viewer, a_.org, Role::kOrgViewer));
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  ASSERT_TRUE(me->user.has_value());
  EXPECT_EQ(me->user->email, "viewer@a.test");
  ASSERT_EQ(me->memberships.size(), 1u);
  EXPECT_EQ(me->memberships[0].org_name, "Org a");
  EXPECT_EQ(me->memberships[0].role, "org_viewer");

  auto key = svc().CreateApiKey(Admin(a_), "k", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key.ok());
  auto p = svc().AuthenticateApiKey(key->key);
  ASSERT_TRUE(p.ok());
  auto me_key = svc().Me(*p);
  ASSERT_TRUE(me_key.ok());
  ASSERT_TRUE(me_key->api_key.has_value());
  EXPECT_EQ(me_key->api_key->name, "k");
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityServiceTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::identity
