// The inbox and settings pages on the real IdentityService and NotificationService (SQLite):
// settings save with field errors beside the fields, the webhook secret shown once, the inbox
// lists the caller's notifications only, mark read / read all, CSRF required, templates escape.
#include "notifications/pages/notification_pages.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/id.h"
#include "events/outbox.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/queue.h"
#include "web/identity_backend.h"
#include "web/testing/page_checks.h"
#include "web/testing/page_client.h"

namespace signx::notifications {
namespace {

using identity::testing::IdentityWorld;
using identity::testing::kTestPassword;

class NotificationPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(storage::testing::Backend::kSqlite);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
    queue_ = std::make_unique<jobs::Queue>(world_->store());
    outbox_ = std::make_unique<events::Outbox>();
    service_ = std::make_unique<NotificationService>(world_->store(), *queue_, *outbox_,
                                                     NotificationSettings{});
    web::Shell shell = web::AddWebRoutes(router_, web::MakeIdentityBackend(world_->service()),
                                         {.secret = "notification-pages-test-secret-0123456789"});
    shell.templates().AddEmbedded(EmbeddedTemplates());
    dispatcher_ = std::make_unique<events::Dispatcher>(world_->store(), events::DispatcherOptions{},
                                                       nullptr, world_->clock());
    AddNotificationPages(shell, *service_, dispatcher_.get(), nullptr);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return client_.Call(method, target, body);
  }

  void LogIn(const std::string& email) { client_.LogIn(email, std::string(kTestPassword)); }

  void Notify(const std::string& org, const std::string& type, const std::string& name) {
    events::Event e;
    e.id = NewId("evt");
    e.type = type;
    e.org_id = org;
    e.subject_id = "prj_1";
    e.payload_json = R"({"name":")" + name + R"("})";
    e.created_at = world_->clock().Now();
    ASSERT_TRUE(service_->FanOut(e).ok());
  }

  std::unique_ptr<IdentityWorld> world_;
  identity::testing::SeededOrg a_, b_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<NotificationService> service_;
  std::unique_ptr<events::Dispatcher> dispatcher_;
  http::Router router_;
  web::testing::PageClient client_{router_};
};

TEST_F(NotificationPagesTest, SettingsSaveWithErrorsThenInboxMarksRead) {
  LogIn(a_.member.email);
  auto settings = Call("GET", "/notifications/settings");
  ASSERT_EQ(settings.status, 200) << settings.body;
  EXPECT_NE(settings.body.find("data-testid=\"settings-form\""), std::string::npos);

  // Bad rule line, unknown zone and a bad address: 422, errors beside the fields, input kept.
  auto bad = Call(
      "POST", "/notifications/settings",
      "csrf_token=" + client_.csrf() + "&rules=project.*+email&email=not-an-address&time_zone=Mars%2FBase");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("data-testid=\"field-error-rules\""), std::string::npos);
  EXPECT_NE(bad.body.find("project.* email"), std::string::npos);
  bad = Call("POST", "/notifications/settings",
             "csrf_token=" + client_.csrf() +
                 "&rules=*%3A+in_app%2C+email&email=not-an-address&time_zone=Mars%2FBase");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("data-testid=\"field-error-email\""), std::string::npos);
  EXPECT_NE(bad.body.find("data-testid=\"field-error-time_zone\""), std::string::npos);

  auto saved = Call("POST", "/notifications/settings",
                    "csrf_token=" + client_.csrf() +
                        "&rules=*%3A+in_app%2C+webhook&email=member%40a.test&time_zone=America%2F"
                        "Chicago&quiet_start=22%3A00&quiet_end=07%3A00&digest_hour=8"
                        "&webhook_url=https%3A%2F%2Fhooks.example.com%2Fme");
  ASSERT_EQ(saved.status, 200) << saved.body;
  static const std::regex secret_re("value=\"(whsec_[A-Za-z0-9_-]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(saved.body, m, secret_re));  // shown once
  auto prefs = service_->GetPreferences(
      IdentityWorld::PrincipalOf(a_.member, a_.org, identity::Role::kOrgMember));
  ASSERT_TRUE(prefs.ok());
  EXPECT_EQ(prefs->time_zone, "America/Chicago");
  EXPECT_EQ(prefs->quiet_start_min, 22 * 60);
  EXPECT_EQ(prefs->webhook_secret, m[1].str());
  auto again = Call("GET", "/notifications/settings");
  EXPECT_EQ(again.body.find("whsec_"), std::string::npos);
  EXPECT_NE(again.body.find("value=\"22:00\""), std::string::npos);

  // Only this member's notifications, escaped.
  Notify(a_.org.id, "project.updated", "<script>x</script> pylon");
  Notify(b_.org.id, "project.updated", "other org");
  auto inbox = Call("GET", "/notifications");
  ASSERT_EQ(inbox.status, 200);
  EXPECT_EQ(web::testing::Count(inbox.body, "data-testid=\"notification\""), 1);
  EXPECT_NE(inbox.body.find("&lt;script&gt;x&lt;/script&gt; pylon"), std::string::npos);
  EXPECT_EQ(inbox.body.find("<script>x</script>"), std::string::npos);
  EXPECT_EQ(inbox.body.find("other org"), std::string::npos);
  EXPECT_NE(inbox.body.find("1 unread"), std::string::npos);
  static const std::regex id_re("/notifications/(ntf_[A-Za-z0-9]+)/read");
  ASSERT_TRUE(std::regex_search(inbox.body, m, id_re));
  const std::string id = m[1].str();
  EXPECT_EQ(Call("POST", "/notifications/" + id + "/read", "read=1").status, 403);  // no CSRF
  ASSERT_EQ(
      Call("POST", "/notifications/" + id + "/read", "csrf_token=" + client_.csrf() + "&read=1").status,
      303);
  inbox = Call("GET", "/notifications?unread=1");
  EXPECT_NE(inbox.body.find("data-testid=\"empty-inbox\""), std::string::npos);

  // Another user cannot mark it.
  LogIn(b_.member.email);
  EXPECT_EQ(
      Call("POST", "/notifications/" + id + "/read", "csrf_token=" + client_.csrf() + "&read=0").status,
      404);
  auto other = Call("GET", "/notifications");
  EXPECT_NE(other.body.find("data-testid=\"empty-inbox\""), std::string::npos);
}

TEST_F(NotificationPagesTest, InboxIsLiveForItsUserOnly) {
  ASSERT_TRUE(service_
                  ->PutPreferences(
                      IdentityWorld::PrincipalOf(a_.member, a_.org, identity::Role::kOrgMember),
                      {.prefs = {.rules = {{"*", {Channel::kInApp}}}}})
                  .ok());
  ASSERT_TRUE(
      service_
          ->PutPreferences(IdentityWorld::PrincipalOf(a_.admin, a_.org, identity::Role::kOrgAdmin),
                           {.prefs = {.rules = {{"*", {Channel::kInApp}}}}})
          .ok());
  LogIn(a_.member.email);
  auto page = Call("GET", "/notifications");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-live-url=\"/notifications/stream\""), std::string::npos);
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  auto live = Call("GET", "/notifications/stream");
  ASSERT_EQ(live.status, 200) << live.body;
  ASSERT_NE(live.stream, nullptr);
  EXPECT_EQ(live.content_type, "text/event-stream");
  Notify(a_.org.id, "quote.created", "Lobby <b>letters</b>");
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  std::string got;
  for (int i = 0; i < 3; ++i) got += live.stream->Poll().value_or("");
  // One unnamed message (app.js's live list), for the member only (the admin got one too).
  EXPECT_EQ(web::testing::Count(got, "data: "), 1) << got;
  EXPECT_EQ(got.find("event: "), std::string::npos) << got;
  EXPECT_NE(got.find("\"type\":\"New notification\""), std::string::npos) << got;
  EXPECT_NE(got.find("quote.created"), std::string::npos) << got;
}

TEST(NotificationTemplatesTest, InboxAndSettingsEscape) {
  web::Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  ASSERT_TRUE(t.Has("notifications_inbox"));
  ASSERT_TRUE(t.Has("notifications_settings"));
  web::View v(web::View::type::object);
  web::View n(web::View::type::object);
  n.set("id", "ntf_1");
  n.set("title", web::testing::kXss);
  n.set("body", web::testing::kXss);
  n.set("event_type", web::testing::kXss);
  n.set("unread", true);
  v.set("notifications", web::ViewList{n});
  v.set("has_notifications", true);
  auto html = t.Render("notifications_inbox", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  web::testing::ExpectInert(*html);

  web::View s(web::View::type::object);
  for (const char* f : {"email", "time_zone", "rules", "webhook_url", "error_rules", "error_email",
                        "error_webhook_url", "new_secret"}) {
    s.set(f, web::testing::kXss);
  }
  s.set("has_new_secret", true);
  s.set("has_errors", true);
  html = t.Render("notifications_settings", s);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  web::testing::ExpectInert(*html);
}

}  // namespace
}  // namespace signx::notifications
