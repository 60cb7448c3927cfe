// Multi-org membership and privacy on SQLite and PostgreSQL: adding an existing user to a second
// org, login per org, member list and role changes, the last-admin rule, personal-data export and
// account deletion (one transaction; personal data erased; audit trail pseudonymised).
#include <gtest/gtest.h>

#include <set>

#include "base/sha256.h"
#include "identity/identity_service.h"
#include "identity/testing/identity_fixture.h"

namespace signx::identity {
namespace {

using storage::testing::Backend;
using testing::IdentityWorld;
using testing::kTestPassword;
using testing::SeededOrg;

class MembershipTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(GetParam());
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
  }
  IdentityService& svc() { return world_->service(); }
  static http::Principal Admin(const SeededOrg& o) {
    return IdentityWorld::PrincipalOf(o.admin, o.org, Role::kOrgAdmin);
  }
  static http::Principal Member(const SeededOrg& o) {
    return IdentityWorld::PrincipalOf(o.member, o.org, Role::kOrgMember);
  }
  Result<TokenPair> Login(const std::string& email, std::optional<std::string> org = {}) {
    return svc().Login({.email = email,
                        .password = std::string(kTestPassword),
                        .org_id = std::move(org),
                        .client_ip = "198.51.100.7",
                        .request_id = "req"});
  }
  int64_t Count(const std::string& sql, const storage::Params& params) {
    auto rs = world_->store().Query(sql, params);
    EXPECT_TRUE(rs.ok()) << rs.status().ToString();
    return rs.ok() && !rs->rows.empty() ? rs->rows[0].Int(0) : -1;
  }
  // `user` joins `to` with `role` the only way there is: invited by `to`'s admin, accepted by the
  // user signed in.
  Result<AcceptedInvitation> Join(const SeededOrg& to, const User& user, std::string_view role) {
    SIGNX_ASSIGN_OR_RETURN(auto inv,
                           svc().InviteToOrg(Admin(to), to.org.id, user.email, role, "r"));
    return svc().AcceptInvitation(IdentityWorld::PrincipalOf(user, a_.org, Role::kOrgViewer),
                                  inv.token, "r-accept");
  }
  std::vector<AuditEntry> Audit(const SeededOrg& o) {
    auto page = svc().ListAuditLog(Admin(o), kMaxAuditPage, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<AuditEntry>{};
  }

  std::unique_ptr<IdentityWorld> world_;
  SeededOrg a_, b_;
};

TEST_P(MembershipTest, ExistingUserJoinsASecondOrgOnlyByAcceptingAnInvitation) {
  auto inv = svc().InviteToOrg(Admin(b_), b_.org.id, "Member@A.test", "org_viewer", "r1");
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  EXPECT_EQ(inv->invitation.email, "member@a.test");
  EXPECT_TRUE(inv->token.starts_with("sxi_"));
  // Nothing is attached until the person accepts; the token is stored hashed only.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE user_id = $1", {a_.member.id}), 1);
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM invitations WHERE token_sha256 = $1", {Sha256Hex(inv->token)}),
      1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM invitations WHERE token_sha256 = $1", {inv->token}), 0);
  const http::Principal member = Member(a_);
  // An API key, or another person, cannot accept it.
  http::Principal key = member;
  key.kind = "api_key";
  EXPECT_EQ(svc().AcceptInvitation(key, inv->token, "r").status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(svc().AcceptInvitation(Admin(a_), inv->token, "r").status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(svc().AcceptInvitation(member, "sxi_" + std::string(64, '0'), "r").status().code(),
            ErrorCode::kNotFound);
  auto accepted = svc().AcceptInvitation(member, inv->token, "r2");
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  EXPECT_EQ(accepted->org_id, b_.org.id);
  EXPECT_EQ(accepted->role, "org_viewer");
  EXPECT_FALSE(accepted->account_created);
  // Used up.
  EXPECT_EQ(svc().AcceptInvitation(member, inv->token, "r").status().code(), ErrorCode::kNotFound);

  // Already a member: 409, nothing changes.
  EXPECT_EQ(
      svc().InviteToOrg(Admin(b_), b_.org.id, "member@a.test", "org_member", "r").status().code(),
      ErrorCode::kAlreadyExists);

  // Another org's admin cannot invite to b: 404 like a missing org.
  EXPECT_EQ(
      svc().InviteToOrg(Admin(a_), b_.org.id, "viewer@a.test", "org_member", "r5").status().code(),
      ErrorCode::kNotFound);

  // Login: the oldest membership by default, the other with org_id; each token is per org.
  auto first = Login("member@a.test");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->org_id, a_.org.id);
  EXPECT_EQ(first->role, "org_member");
  auto second = Login("member@a.test", b_.org.id);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->org_id, b_.org.id);
  EXPECT_EQ(second->role, "org_viewer");
  auto p = svc().AuthenticateBearer(second->access_token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->org_id, b_.org.id);
  EXPECT_FALSE(p->Can("projects:write"));

  auto me = svc().Me(*p);
  ASSERT_TRUE(me.ok());
  ASSERT_EQ(me->memberships.size(), 2u);
  EXPECT_EQ(me->memberships[0].org_id, a_.org.id);
  EXPECT_EQ(me->memberships[1].org_id, b_.org.id);
  EXPECT_EQ(me->memberships[1].org_name, "Org b");

  bool audited = false;
  for (const auto& e : Audit(b_)) {
    audited |= e.action == "membership.create" && e.subject_id == a_.member.id &&
               e.actor_id == a_.member.id && e.request_id == "r2";
  }
  EXPECT_TRUE(audited);
}

TEST_P(MembershipTest, CliAddsAnExistingUserOnly) {
  const Actor cli = Actor::System("cli");
  auto added = svc().AddMembership(b_.org.id, "viewer@a.test", "org_member", cli);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->user.id, a_.viewer.id);
  EXPECT_FALSE(added->created);
  EXPECT_EQ(svc().AddMembership(b_.org.id, "viewer@a.test", "org_member", cli).status().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(svc().AddMembership(b_.org.id, "nobody@a.test", "org_member", cli).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(svc().AddMembership("org_missing", "viewer@a.test", "org_member", cli).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(svc().AddMembership(b_.org.id, "member@a.test", "boss", cli).status().code(),
            ErrorCode::kValidationFailed);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE user_id = $1", {a_.viewer.id}), 2);
}

// The takeover of issue 19: org a's admin registers a victim's e-mail with a password it knows;
// later org b "adds" that e-mail. The membership must not land in the account a's admin controls.
TEST_P(MembershipTest, AnAccountPlantedByOneOrgIsNotAttachedByAnotherOrgsInvitation) {
  auto planted = svc().InviteToOrg(Admin(a_), a_.org.id, "victim@x.test", "org_viewer", "r");
  ASSERT_TRUE(planted.ok()) << planted.status().ToString();
  // a's admin holds the token, so it can choose the password: it now controls victim@x.test.
  auto account = svc().RegisterWithInvitation(planted->token, "attacker knows this", "r");
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_TRUE(account->account_created);

  // Org b invites the real person. Same answer as for an unknown e-mail; nothing attached.
  auto unknown = svc().InviteToOrg(Admin(b_), b_.org.id, "stranger@x.test", "org_admin", "r");
  auto invited = svc().InviteToOrg(Admin(b_), b_.org.id, "victim@x.test", "org_admin", "r");
  ASSERT_TRUE(unknown.ok() && invited.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND org_id = $2",
                  {account->user_id, b_.org.id}),
            0);
  auto attacker = svc().Login({.email = "victim@x.test",
                               .password = "attacker knows this",
                               .org_id = b_.org.id,
                               .client_ip = "203.0.113.9",
                               .request_id = "r"});
  EXPECT_EQ(attacker.status().code(), ErrorCode::kPermissionDenied);
  // Without b's token (sent to the real mailbox) the planted account cannot join b; with it, a
  // registration cannot replace the existing account either.
  EXPECT_EQ(svc().RegisterWithInvitation(invited->token, "another password", "r").status().code(),
            ErrorCode::kConflict);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE org_id = $1", {b_.org.id}), 3);
}

TEST_P(MembershipTest, InvitationsExpireAndANewOneReplacesThePendingOne) {
  auto first = svc().InviteToOrg(Admin(b_), b_.org.id, "viewer@a.test", "org_member", "r");
  auto second = svc().InviteToOrg(Admin(b_), b_.org.id, "viewer@a.test", "org_viewer", "r");
  ASSERT_TRUE(first.ok() && second.ok());
  const http::Principal viewer = IdentityWorld::PrincipalOf(a_.viewer, a_.org, Role::kOrgViewer);
  EXPECT_EQ(svc().AcceptInvitation(viewer, first->token, "r").status().code(),
            ErrorCode::kNotFound);
  world_->clock().Advance(svc().settings().invitation_ttl + std::chrono::seconds(1));
  EXPECT_EQ(svc().AcceptInvitation(viewer, second->token, "r").status().code(),
            ErrorCode::kNotFound);
  auto fresh = svc().InviteToOrg(Admin(b_), b_.org.id, "new@b.test", "org_member", "r");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(svc().RegisterWithInvitation(fresh->token, "short", "r").status().code(),
            ErrorCode::kValidationFailed);
  world_->clock().Advance(svc().settings().invitation_ttl + std::chrono::seconds(1));
  EXPECT_EQ(svc().RegisterWithInvitation(fresh->token, "long enough pw", "r").status().code(),
            ErrorCode::kNotFound);
}

TEST_P(MembershipTest, ListsMembersInPagesScopedToTheOrg) {
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = svc().ListOrgMembers(Admin(a_), a_.org.id, 2, cursor);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& m : page->items) seen.insert(m.email);
    cursor = page->next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::set<std::string>{"admin@a.test", "member@a.test", "viewer@a.test"}));
  EXPECT_EQ(svc().ListOrgMembers(Admin(a_), b_.org.id, 10, "").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(svc().ListOrgMembers(Admin(a_), a_.org.id, 0, "").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(MembershipTest, RoleChangesKeepTheLastAdmin) {
  auto demote = svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.admin.id, "org_member", "r");
  ASSERT_EQ(demote.status().code(), ErrorCode::kConflict);
  EXPECT_NE(demote.status().message().find("last org_admin"), std::string::npos);

  auto promote = svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_admin", "r");
  ASSERT_TRUE(promote.ok()) << promote.status().ToString();
  EXPECT_EQ(promote->role, "org_admin");
  // Now there are two: demoting the first is fine; the refresh picks up the new role.
  ASSERT_TRUE(svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.admin.id, "org_viewer", "r").ok());
  EXPECT_EQ(
      svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_viewer", "r").status().code(),
      ErrorCode::kConflict);

  EXPECT_EQ(svc()
                .ChangeMemberRole(Admin(a_), a_.org.id, a_.viewer.id, "super_admin", "r")
                .status()
                .code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.viewer.id, "boss", "r").status().code(),
            ErrorCode::kValidationFailed);
  EXPECT_EQ(
      svc().ChangeMemberRole(Admin(a_), a_.org.id, b_.viewer.id, "org_member", "r").status().code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(
      svc().ChangeMemberRole(Admin(b_), a_.org.id, a_.viewer.id, "org_member", "r").status().code(),
      ErrorCode::kNotFound);
}

TEST_P(MembershipTest, RemovingTheLastMembershipDeletesTheAccount) {
  // Viewer of a joins b too; removing it from a keeps the account.
  ASSERT_TRUE(Join(b_, a_.viewer, "org_viewer").ok());
  auto session = Login("viewer@a.test");
  ASSERT_TRUE(session.ok());
  auto removed = svc().RemoveUserFromOrg(Admin(a_), a_.org.id, a_.viewer.id, "r");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_FALSE(removed->account_deleted);
  // The session in a is revoked; login now lands in b.
  EXPECT_FALSE(svc().Refresh(session->refresh_token, "r").ok());
  auto relog = Login("viewer@a.test");
  ASSERT_TRUE(relog.ok());
  EXPECT_EQ(relog->org_id, b_.org.id);

  // Removing it from b (its last org) deletes the account.
  auto gone = svc().RemoveUserFromOrg(Admin(b_), b_.org.id, a_.viewer.id, "r");
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_TRUE(gone->account_deleted);
  EXPECT_EQ(Login("viewer@a.test").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM users WHERE id = $1 AND email = $2 AND deleted_at IS NOT "
                  "NULL AND password_hash = ''",
                  {a_.viewer.id, DeletedUserPseudonym(a_.viewer.id)}),
            1);

  // Last admin: 409 and nothing changes; another org's admin: 404.
  auto last = svc().RemoveUserFromOrg(Admin(a_), a_.org.id, a_.admin.id, "r");
  ASSERT_EQ(last.status().code(), ErrorCode::kConflict);
  EXPECT_NE(last.status().message().find("last org_admin"), std::string::npos);
  EXPECT_EQ(svc().RemoveUserFromOrg(Admin(b_), a_.org.id, a_.member.id, "r").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE org_id = $1", {a_.org.id}), 2);
}

TEST_P(MembershipTest, RemovalRevokesOnlyTheKeysTheUserCreatedInThatOrg) {
  // The member is an admin of a and of b, with a key in each (both in use, so cached).
  ASSERT_TRUE(svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_admin", "r").ok());
  ASSERT_TRUE(Join(b_, a_.member, "org_admin").ok());
  auto in_a = svc().CreateApiKey(IdentityWorld::PrincipalOf(a_.member, a_.org, Role::kOrgAdmin),
                                 "a-key", {"leads:score"}, std::nullopt, "r");
  auto in_b = svc().CreateApiKey(IdentityWorld::PrincipalOf(a_.member, b_.org, Role::kOrgAdmin),
                                 "b-key", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(in_a.ok() && in_b.ok());
  ASSERT_TRUE(svc().AuthenticateApiKey(in_a->key).ok());
  ASSERT_TRUE(svc().AuthenticateApiKey(in_b->key).ok());

  ASSERT_TRUE(svc().RemoveUserFromOrg(Admin(a_), a_.org.id, a_.member.id, "req-rm").ok());
  EXPECT_EQ(svc().AuthenticateApiKey(in_a->key).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(svc().AuthenticateApiKey(in_b->key).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'api_key.revoke' AND "
                  "subject_id = $1 AND org_id = $2 AND request_id = 'req-rm'",
                  {in_a->info.id, a_.org.id}),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'api_key.revoke' AND "
                  "subject_id = $1",
                  {in_b->info.id}),
            0);
}

// Issue 19: keys minted by keys outlived their creator, and a demoted admin's keys kept admin
// scopes. Keys act with the lesser of their scopes and their creators' current authority.
TEST_P(MembershipTest, ApiKeysFollowTheirCreatorsAuthorityDownTheChain) {
  ASSERT_TRUE(svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_admin", "r").ok());
  const std::vector<std::string> scopes = {"admin:api_keys", "leads:score"};
  auto k1 = svc().CreateApiKey(IdentityWorld::PrincipalOf(a_.member, a_.org, Role::kOrgAdmin), "k1",
                               scopes, std::nullopt, "r");
  ASSERT_TRUE(k1.ok()) << k1.status().ToString();
  auto p1 = svc().AuthenticateApiKey(k1->key);
  ASSERT_TRUE(p1.ok());
  auto k2 = svc().CreateApiKey(*p1, "k2", scopes, std::nullopt, "r");  // a key made by a key
  ASSERT_TRUE(k2.ok()) << k2.status().ToString();
  auto p2 = svc().AuthenticateApiKey(k2->key);
  ASSERT_TRUE(p2.ok());
  auto k3 = svc().CreateApiKey(*p2, "k3", scopes, std::nullopt, "r");
  ASSERT_TRUE(k3.ok()) << k3.status().ToString();
  ASSERT_TRUE(svc().AuthenticateApiKey(k3->key)->Can("admin:api_keys"));

  // Demoted: every key down the chain loses admin:api_keys at once (and in the database).
  ASSERT_TRUE(
      svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_member", "req-demote").ok());
  for (const auto* k : {&*k1, &*k2, &*k3}) {
    auto p = svc().AuthenticateApiKey(k->key);
    ASSERT_TRUE(p.ok()) << k->info.name << ": " << p.status().ToString();
    EXPECT_FALSE(p->Can("admin:api_keys")) << k->info.name;
    EXPECT_TRUE(p->Can("leads:score")) << k->info.name;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM api_keys WHERE id = $1 AND scopes = 'leads:score'",
                    {k->info.id}),
              1)
        << k->info.name;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'api_key.update' AND "
                  "request_id = 'req-demote'",
                  {}),
            3);

  // A role changed by another replica (straight in the database) applies once the cached lookup
  // expires, without any write to the keys.
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& t) {
                    return t
                        .Exec(
                            "UPDATE memberships SET role = 'org_viewer' WHERE user_id = $1 AND "
                            "org_id = $2",
                            {a_.member.id, a_.org.id})
                        .status();
                  })
                  .ok());
  world_->clock().Advance(svc().settings().api_key_cache_ttl + std::chrono::milliseconds(1));
  auto narrowed = svc().AuthenticateApiKey(k3->key);
  ASSERT_TRUE(narrowed.ok());
  EXPECT_FALSE(narrowed->Can("leads:score"));  // viewers cannot score

  // Removed: the whole chain is revoked, not just the keys the member made directly.
  ASSERT_TRUE(svc().RemoveUserFromOrg(Admin(a_), a_.org.id, a_.member.id, "req-rm").ok());
  for (const auto* k : {&*k1, &*k2, &*k3}) {
    EXPECT_EQ(svc().AuthenticateApiKey(k->key).status().code(), ErrorCode::kUnauthenticated)
        << k->info.name;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM api_keys WHERE id = $1 AND revoked_at IS NOT NULL",
                    {k->info.id}),
              1)
        << k->info.name;
  }
}

TEST_P(MembershipTest, RevokingAKeyRevokesTheKeysItCreated) {
  auto k1 =
      svc().CreateApiKey(Admin(a_), "k1", {"admin:api_keys", "leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(k1.ok());
  auto k2 = svc().CreateApiKey(*svc().AuthenticateApiKey(k1->key), "k2", {"leads:score"},
                               std::nullopt, "r");
  ASSERT_TRUE(k2.ok()) << k2.status().ToString();
  ASSERT_TRUE(svc().AuthenticateApiKey(k2->key).ok());
  ASSERT_TRUE(svc().RevokeApiKey(Admin(a_), k1->info.id, "r").ok());
  EXPECT_EQ(svc().AuthenticateApiKey(k2->key).status().code(), ErrorCode::kUnauthenticated);

  // A child whose parent was revoked without the cascade (an older row) is refused at auth time.
  auto k3 =
      svc().CreateApiKey(Admin(a_), "k3", {"admin:api_keys", "leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(k3.ok());
  auto k4 = svc().CreateApiKey(*svc().AuthenticateApiKey(k3->key), "k4", {"leads:score"},
                               std::nullopt, "r");
  ASSERT_TRUE(k4.ok());
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& t) {
                    return t
                        .Exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2",
                              {world_->clock().Now(), k3->info.id})
                        .status();
                  })
                  .ok());
  world_->clock().Advance(svc().settings().api_key_cache_ttl + std::chrono::milliseconds(1));
  EXPECT_EQ(svc().AuthenticateApiKey(k4->key).status().code(), ErrorCode::kUnauthenticated);
}

TEST_P(MembershipTest, ExportHoldsEveryKindOfPersonalDataAndNoSecrets) {
  ASSERT_TRUE(Join(b_, a_.admin, "org_member").ok());
  auto tokens = Login("admin@a.test");
  ASSERT_TRUE(tokens.ok());
  auto key = svc().CreateApiKey(Admin(a_), "ci", {"leads:score"}, std::nullopt, "r-key");
  ASSERT_TRUE(key.ok());

  auto data = svc().ExportPersonalData(Admin(a_), "req-export");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->user.id, a_.admin.id);
  EXPECT_EQ(data->user.email, "admin@a.test");
  ASSERT_EQ(data->memberships.size(), 2u);
  EXPECT_EQ(data->memberships[1].org_name, "Org b");
  ASSERT_EQ(data->api_keys.size(), 1u);
  EXPECT_EQ(data->api_keys[0].id, key->info.id);
  ASSERT_EQ(data->sessions.size(), 1u);
  EXPECT_EQ(data->sessions[0].org_id, a_.org.id);
  ASSERT_EQ(data->invitations.size(), 1u);  // the one it accepted to join b
  EXPECT_EQ(data->invitations[0].org_id, b_.org.id);
  EXPECT_TRUE(data->invitations[0].accepted_at.has_value());
  std::set<std::string> actions;
  for (const auto& e : data->audit) {
    EXPECT_EQ(e.actor_id, a_.admin.id);
    actions.insert(e.action);
  }
  EXPECT_TRUE(actions.count("auth.login"));
  EXPECT_TRUE(actions.count("api_key.create"));
  EXPECT_TRUE(actions.count("invitation.accept"));  // the user joined b by accepting
  EXPECT_TRUE(actions.count("user.export"));        // the export is audited

  // API keys have no personal data.
  auto k = svc().AuthenticateApiKey(key->key);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(svc().ExportPersonalData(*k, "r").status().code(), ErrorCode::kPermissionDenied);
}

TEST_P(MembershipTest, DeletingAnAccountErasesItInOneTransaction) {
  auto tokens = Login("member@a.test");
  ASSERT_TRUE(tokens.ok());
  // The member creates nothing itself; give it a key as its creator via a second org admin role.
  ASSERT_TRUE(svc().ChangeMemberRole(Admin(a_), a_.org.id, a_.member.id, "org_admin", "r").ok());
  const http::Principal me = IdentityWorld::PrincipalOf(a_.member, a_.org, Role::kOrgAdmin);
  auto key = svc().CreateApiKey(me, "mine", {"leads:score"}, std::nullopt, "r");
  ASSERT_TRUE(key.ok());
  // An invitation it accepted and one still pending both hold the e-mail.
  ASSERT_TRUE(Join(b_, a_.member, "org_viewer").ok());
  auto org_c = svc().CreateOrg("Org c", Actor::System("test"));
  ASSERT_TRUE(org_c.ok());
  ASSERT_TRUE(svc()
                  .InviteToOrg(IdentityWorld::PrincipalOf(b_.admin, b_.org, Role::kSuperAdmin),
                               org_c->id, "member@a.test", "org_member", "r")
                  .ok());

  // Wrong or missing password: nothing happens.
  auto wrong = svc().DeleteAccount(me, "not my password", "r");
  ASSERT_EQ(wrong.code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(wrong.details().front().field, "password");
  EXPECT_EQ(svc().DeleteAccount(me, "", "r").code(), ErrorCode::kValidationFailed);

  // The admin of a is not the last admin now, so the account goes.
  ASSERT_TRUE(svc().DeleteAccount(me, kTestPassword, "req-del").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE user_id = $1", {a_.member.id}), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL",
                  {a_.member.id}),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM users WHERE email = 'member@a.test'", {}), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM invitations WHERE email = 'member@a.test'", {}), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM invitations WHERE accepted_at IS NULL AND revoked_at IS "
                  "NULL",
                  {}),
            0);
  EXPECT_EQ(svc().AuthenticateApiKey(key->key).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(svc().Refresh(tokens->refresh_token, "r").ok());
  EXPECT_EQ(Login("member@a.test").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc().Me(me).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc().ExportPersonalData(me, "r").status().code(), ErrorCode::kUnauthenticated);

  // The audit trail is intact and names the user by the pseudonym only.
  const std::string pseudonym = DeletedUserPseudonym(a_.member.id);
  EXPECT_EQ(pseudonym, "deleted-user-" + Sha256Hex(a_.member.id).substr(0, 16));
  int by_user = 0;
  bool deleted_row = false;
  for (const auto& e : Audit(a_)) {
    if (e.actor_kind == "user" && e.actor_id == a_.member.id) {
      ++by_user;
      EXPECT_EQ(e.actor_label, pseudonym);
    }
    deleted_row |= e.action == "user.delete" && e.subject_id == a_.member.id;
  }
  EXPECT_GE(by_user, 3);  // login, api_key.create, user.delete
  EXPECT_TRUE(deleted_row);
  // The e-mail is free again for a new account.
  auto again = svc().InviteToOrg(Admin(a_), a_.org.id, "member@a.test", "org_member", "r");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(svc().RegisterWithInvitation(again->token, kTestPassword, "r").ok());
}

TEST_P(MembershipTest, TheLastAdminCannotDeleteTheAccount) {
  const http::Principal me = Admin(a_);
  auto st = svc().DeleteAccount(me, kTestPassword, "r");
  ASSERT_EQ(st.code(), ErrorCode::kConflict);
  EXPECT_NE(st.message().find("last org_admin"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS NULL", {a_.admin.id}),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM memberships WHERE user_id = $1", {a_.admin.id}), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, MembershipTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::identity
