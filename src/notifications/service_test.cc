// Notifications end to end on SQLite and PostgreSQL: events → notifications by preference →
// deliveries through the real job queue (FakeClock backoff) to a real SMTP sink and a real webhook
// receiver on 127.0.0.1; retries, dead letters and their retry; quiet hours and the daily digest
// on a fixed clock; templates and preview; the inbox; tenant isolation.
#include "notifications/service.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>

#include "base/id.h"
#include "base/strings.h"
#include "events/event_types.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/worker.h"
#include "mail/testing/mime.h"
#include "mail/testing/smtp_sink.h"
#include "webhooks/testing/receiver.h"

namespace signx::notifications {
namespace {

namespace json = boost::json;
using identity::Role;
using identity::testing::IdentityWorld;
using identity::testing::SeededOrg;
using mail::testing::ParseMime;
using mail::testing::SmtpSink;
using storage::testing::Backend;

std::string HmacHex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

class NotificationServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(GetParam());
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    ASSERT_TRUE(sink_.started());
    ASSERT_TRUE(receiver_.started());
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
    member_a_ = IdentityWorld::PrincipalOf(a_.member, a_.org, Role::kOrgMember);
    admin_a_ = IdentityWorld::PrincipalOf(a_.admin, a_.org, Role::kOrgAdmin);
    viewer_a_ = IdentityWorld::PrincipalOf(a_.viewer, a_.org, Role::kOrgViewer);
    member_b_ = IdentityWorld::PrincipalOf(b_.member, b_.org, Role::kOrgMember);
    admin_b_ = IdentityWorld::PrincipalOf(b_.admin, b_.org, Role::kOrgAdmin);
    Build(3);
  }

  void Build(int max_attempts) {
    worker_.reset();
    service_.reset();
    queue_ = std::make_unique<jobs::Queue>(world_->store(), world_->clock(),
                                           jobs::QueueOptions{.seed = 3});
    outbox_ = std::make_unique<events::Outbox>(nullptr, world_->clock());
    NotificationSettings s;
    s.max_attempts = max_attempts;
    config::SmtpConfig smtp;
    smtp.url = sink_.url();
    smtp.from = "SignX <no-reply@signx.test>";
    smtp.allow_private_cidrs = {"127.0.0.0/8"};
    s.smtp = *mail::SettingsFrom(smtp);
    s.webhook.client.address_policy.allow = *http::ParseCidrList("127.0.0.0/8");
    s.webhook.timeout = std::chrono::seconds(5);
    service_ = std::make_unique<NotificationService>(world_->store(), *queue_, *outbox_, s,
                                                     world_->clock());
    ASSERT_TRUE(RegisterNotificationJobs(*queue_, *service_).ok());
    worker_ = std::make_unique<jobs::Worker>(
        *queue_,
        jobs::WorkerOptions{.types = {std::string(kDeliverJob)}, .run_maintenance = false});
  }

  int RunDue() {
    int n = 0;
    while (true) {
      auto ran = worker_->RunOnce();
      EXPECT_TRUE(ran.ok()) << ran.status().ToString();
      if (!ran.ok() || !*ran) return n;
      ++n;
    }
  }
  void SkipBackoff() { world_->clock().Advance(std::chrono::hours(2)); }

  events::Event MakeEvent(const std::string& org, const std::string& type,
                          std::string payload = R"({"name":"Main St pylon","status":"approved"})") {
    events::Event e;
    e.id = NewId("evt");
    e.type = type;
    e.org_id = org;
    e.subject_id = "prj_1";
    e.payload_json = std::move(payload);
    e.created_at = world_->clock().Now();
    return e;
  }

  Preferences Prefs(std::vector<Rule> rules, std::string email = "") {
    Preferences p;
    p.rules = std::move(rules);
    p.email = std::move(email);
    return p;
  }

  Preferences Put(const http::Principal& who, Preferences p) {
    auto r = service_->PutPreferences(who, {.prefs = std::move(p)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.value_or(Preferences{});
  }

  std::vector<Delivery> Deliveries(const http::Principal& who,
                                   std::optional<std::string> state = std::nullopt) {
    auto page = service_->ListDeliveries(who, std::move(state), 100, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<Delivery>{};
  }

  int64_t CountEvents(std::string_view type) {
    int64_t n = -1;
    EXPECT_TRUE(world_->store()
                    .WithTxn([&](storage::Txn& txn) -> Status {
                      SIGNX_ASSIGN_OR_RETURN(
                          auto row,
                          txn.QueryOne("SELECT COUNT(*) FROM events WHERE type = $1", {type}));
                      n = row->Int(0);
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  SmtpSink sink_;
  webhooks::testing::Receiver receiver_;
  std::unique_ptr<IdentityWorld> world_;
  SeededOrg a_, b_;
  http::Principal member_a_, admin_a_, viewer_a_, member_b_, admin_b_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<NotificationService> service_;
  std::unique_ptr<jobs::Worker> worker_;
};

TEST_P(NotificationServiceTest, PreferencesDecideWhoIsNotifiedAndFanOutIsIdempotent) {
  Put(member_a_, Prefs({{"project.created", {}},  // muted before the catch-all
                        {"project.*", {Channel::kInApp, Channel::kEmail}},
                        {"*", {Channel::kInApp}}},
                       "member@a.test"));
  Put(admin_a_, Prefs({{"quote.*", {Channel::kInApp}}}));
  Put(member_b_, Prefs({{"*", {Channel::kInApp}}}));

  const auto updated = MakeEvent(a_.org.id, "project.updated");
  EXPECT_EQ(service_->FanOut(updated).value_or(-1), 1);  // member only (admin wants quotes)
  EXPECT_EQ(service_->FanOut(updated).value_or(-1), 0);  // replicas / catch-up: no duplicate
  EXPECT_EQ(service_->FanOut(MakeEvent(a_.org.id, "project.created")).value_or(-1), 0);  // muted
  EXPECT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 2);
  EXPECT_EQ(
      service_->FanOut(MakeEvent(a_.org.id, "notifications.notification_created")).value_or(-1),
      0);                                                                            // never loops
  EXPECT_EQ(service_->FanOut(MakeEvent(a_.org.id, "lead.scored")).value_or(-1), 1);  // "*"

  auto inbox = service_->Inbox(member_a_, false, 50, "");
  ASSERT_TRUE(inbox.ok()) << inbox.status().ToString();
  ASSERT_EQ(inbox->items.size(), 3u);
  EXPECT_EQ(inbox->items[0].event_type, "lead.scored");  // newest first
  EXPECT_EQ(inbox->items[2].event_type, "project.updated");
  EXPECT_EQ(inbox->items[2].title, "[SignX] project.updated prj_1");
  EXPECT_NE(inbox->items[2].body.find("Name: Main St pylon"), std::string::npos);
  // In-app notifications are announced for the inbox SSE stream, in the same transaction.
  EXPECT_EQ(CountEvents(events::kNotificationCreated), 4);  // 1 + 2 (quote) + 1

  // Email only where the rule says so: one delivery, for project.updated.
  auto all = Deliveries(admin_a_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].event_type, "project.updated");
  EXPECT_EQ(all[0].target, "member@a.test");
  EXPECT_EQ(all[0].state, "pending");

  // Read state and pagination of the inbox.
  EXPECT_EQ(service_->UnreadCount(member_a_).value_or(-1), 3);
  ASSERT_TRUE(service_->MarkRead(member_a_, inbox->items[1].id, true).ok());
  EXPECT_EQ(service_->UnreadCount(member_a_).value_or(-1), 2);
  auto unread = service_->Inbox(member_a_, true, 1, "");
  ASSERT_TRUE(unread.ok());
  ASSERT_EQ(unread->items.size(), 1u);
  ASSERT_FALSE(unread->next_cursor.empty());
  auto next = service_->Inbox(member_a_, true, 1, unread->next_cursor);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_TRUE(next->next_cursor.empty());
  EXPECT_EQ(next->items[0].event_type, "project.updated");
  EXPECT_EQ(service_->MarkAllRead(member_a_).value_or(-1), 2);
  EXPECT_EQ(service_->UnreadCount(member_a_).value_or(-1), 0);
}

TEST_P(NotificationServiceTest, EmailIsRetriedThroughTheQueueThenArrivesRendered) {
  Put(member_a_, Prefs({{"project.*", {Channel::kEmail}}}, "member@a.test"));
  auto tpl = service_->CreateTemplate(
      admin_a_, {.event_type = "project.*",
                 .channel = Channel::kEmail,
                 .subject = "Project {{data.name}} is {{data.status}}",
                 .body_text = "Hello,\n{{data.name}} moved to {{data.status}}.\n",
                 .body_html = "<p>{{data.name}} &rarr; <b>{{data.status}}</b></p>"});
  ASSERT_TRUE(tpl.ok()) << tpl.status().ToString();
  sink_.Refuse(2, 451, mail::testing::Stage::kData);
  ASSERT_EQ(service_
                ->FanOut(MakeEvent(a_.org.id, "project.updated",
                                   R"({"name":"Main <St> pylon","status":"approved"})"))
                .value_or(-1),
            1);
  EXPECT_EQ(RunDue(), 1);
  auto d = Deliveries(admin_a_);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, "pending");
  EXPECT_EQ(d[0].attempts, 1);
  ASSERT_TRUE(d[0].last_error.has_value());
  EXPECT_NE(d[0].last_error->find("451"), std::string::npos);
  EXPECT_EQ(RunDue(), 0);  // waits for the queue's backoff
  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  d = Deliveries(admin_a_);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, "succeeded");
  EXPECT_EQ(d[0].attempts, 3);
  ASSERT_TRUE(d[0].job_id.has_value());
  EXPECT_EQ(queue_->Get(*d[0].job_id)->state, jobs::JobState::kSucceeded);
  auto one = service_->GetDelivery(admin_a_, d[0].id);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->attempt_log.size(), 3u);  // the delivery log
  EXPECT_NE(one->attempt_log[0].error.value_or("").find("451"), std::string::npos);
  EXPECT_NE(one->attempt_log[1].error.value_or("").find("451"), std::string::npos);
  EXPECT_FALSE(one->attempt_log[2].error.has_value());
  EXPECT_EQ(one->attempt_log[2].attempt, 3);
  EXPECT_EQ(one->attempt_log[2].job_id, d[0].job_id);

  ASSERT_TRUE(sink_.WaitFor(1));
  const auto got = sink_.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rcpt_to, std::vector<std::string>{"member@a.test"});
  const auto mime = ParseMime(got[0].data);
  EXPECT_EQ(mime.subject, "Project Main <St> pylon is approved");  // text: not escaped
  EXPECT_EQ(mime.Find("text/plain")->body, "Hello,\r\nMain <St> pylon moved to approved.\r\n");
  EXPECT_EQ(mime.Find("text/html")->body,
            "<p>Main &lt;St&gt; pylon &rarr; <b>approved</b></p>");  // HTML: escaped
  EXPECT_EQ(mime.headers.at("x-signx-delivery"), d[0].id);
}

TEST_P(NotificationServiceTest, DeadLettersAfterTheBudgetAndRetryWithAFreshOne) {
  Build(2);
  Put(member_a_, Prefs({{"*", {Channel::kEmail}}}, "member@a.test"));
  sink_.Refuse(2, 451, mail::testing::Stage::kData);
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  auto dead = Deliveries(admin_a_, "dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 2);
  EXPECT_TRUE(dead[0].completed_at.has_value());
  EXPECT_EQ(queue_->Get(*dead[0].job_id)->state, jobs::JobState::kDead);
  EXPECT_TRUE(sink_.messages().empty());

  // Retrying something that is not dead is refused; another org cannot see it at all.
  EXPECT_EQ(service_->RetryDead(admin_b_, dead[0].id).status().code(), ErrorCode::kNotFound);
  auto retried = service_->RetryDead(admin_a_, dead[0].id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->state, "pending");
  EXPECT_EQ(retried->max_attempts, 4);
  EXPECT_NE(retried->job_id, dead[0].job_id);
  EXPECT_EQ(service_->RetryDead(admin_a_, dead[0].id).status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(RunDue(), 1);
  auto after = service_->GetDelivery(admin_a_, dead[0].id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, "succeeded");
  EXPECT_EQ(after->attempts, 3);
  ASSERT_EQ(after->attempt_log.size(), 3u);  // two failures, then the retried success
  EXPECT_EQ(after->attempt_log[2].job_id, retried->job_id);
  EXPECT_TRUE(Deliveries(admin_a_, "dead").empty());
  EXPECT_TRUE(sink_.WaitFor(1));

  // A permanent refusal (5xx) is dead at once, without using the budget.
  sink_.Refuse(1, 550, mail::testing::Stage::kRcpt);
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 1);
  dead = Deliveries(admin_a_, "dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_NE(dead[0].last_error->find("550"), std::string::npos);
}

TEST_P(NotificationServiceTest, WebhookChannelIsSignedAndRetried) {
  Preferences p = Prefs({{"project.*", {Channel::kWebhook, Channel::kInApp}}});
  p.webhook_url = receiver_.url();
  const Preferences saved = Put(member_a_, p);
  ASSERT_EQ(saved.webhook_secret.rfind("whsec_", 0), 0u);
  receiver_.Script({503});
  const auto event = MakeEvent(a_.org.id, "project.updated");
  ASSERT_EQ(service_->FanOut(event).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  auto d = Deliveries(admin_a_);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, "succeeded");
  EXPECT_EQ(d[0].attempts, 2);
  EXPECT_EQ(d[0].channel, Channel::kWebhook);

  const auto reqs = receiver_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  const auto& req = reqs[1];
  EXPECT_EQ(req.body, reqs[0].body);  // the same bytes on every attempt
  EXPECT_EQ(req.headers.at("x-signx-delivery"), d[0].id);
  // X-Signature: t=<unix>,v1=<hex HMAC(secret, t + "." + body)> — verified independently.
  const std::string sig = req.headers.at("x-signature");
  const auto comma = sig.find(',');
  ASSERT_NE(comma, std::string::npos);
  const std::string t = sig.substr(2, comma - 2);
  EXPECT_EQ(sig.substr(comma + 4), HmacHex(saved.webhook_secret, t + "." + req.body));
  const auto body = json::parse(req.body).as_object();
  EXPECT_EQ(body.at("user_id").as_string(), a_.member.id);
  EXPECT_EQ(body.at("event").as_object().at("id").as_string(), event.id);
  EXPECT_EQ(body.at("event").as_object().at("data").as_object().at("status").as_string(),
            "approved");
}

TEST_P(NotificationServiceTest, WebhookToALoopbackUrlIsRefusedWithoutTheAllowList) {
  Build(3);
  NotificationSettings strict = service_->settings();
  strict.webhook.client.address_policy.allow.clear();
  service_ = std::make_unique<NotificationService>(world_->store(), *queue_, *outbox_, strict,
                                                   world_->clock());
  Preferences p = Prefs({{"*", {Channel::kWebhook}}});
  p.webhook_url = "http://127.0.0.1:9/hook";
  auto r = service_->PutPreferences(member_a_, {.prefs = p});
  ASSERT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(r.status().details().at(0).field, "webhook_url");
}

TEST_P(NotificationServiceTest, QuietHoursHoldPushChannelsUntilTheyEndInTheUsersZone) {
  // 2026-01-01 04:00 UTC is 22:00 on Dec 31 in Chicago (UTC-6): inside 21:30-07:15.
  world_->clock().Set(*ParseRfc3339("2026-01-01T04:00:00Z"));
  Preferences p = Prefs({{"*", {Channel::kEmail, Channel::kInApp}}}, "member@a.test");
  p.time_zone = "America/Chicago";
  p.quiet_start_min = 21 * 60 + 30;
  p.quiet_end_min = 7 * 60 + 15;
  Put(member_a_, p);
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 1);
  EXPECT_EQ(service_->UnreadCount(member_a_).value_or(-1), 1);  // the inbox fills at once
  auto d = Deliveries(admin_a_);
  ASSERT_EQ(d.size(), 1u);
  ASSERT_TRUE(d[0].deliver_after.has_value());
  EXPECT_EQ(FormatRfc3339(*d[0].deliver_after), "2026-01-01T13:15:00.000Z");  // 07:15 CST
  world_->clock().Set(*ParseRfc3339("2026-01-01T13:14:00Z"));
  EXPECT_EQ(RunDue(), 0);
  EXPECT_TRUE(sink_.messages().empty());
  world_->clock().Set(*ParseRfc3339("2026-01-01T13:15:00Z"));
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(sink_.WaitFor(1));

  // Outside the window: no hold. 2026-07-01 18:00 UTC is 13:00 CDT.
  world_->clock().Set(*ParseRfc3339("2026-07-01T18:00:00Z"));
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 1);
  d = Deliveries(admin_a_, "pending");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].deliver_after.has_value());
}

TEST_P(NotificationServiceTest, DigestCollectsEmailIntoOneDailyMessage) {
  world_->clock().Set(*ParseRfc3339("2026-03-02T10:00:00Z"));
  Preferences p = Prefs({{"*", {Channel::kEmail}}}, "member@a.test");
  p.digest = true;
  p.digest_hour = 8;
  p.time_zone = "Europe/Berlin";  // UTC+1 in March: 08:00 local = 07:00 UTC
  Put(member_a_, p);
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 1);
  world_->clock().Advance(std::chrono::hours(3));
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "project.updated")).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 0);  // parked, no job
  EXPECT_EQ(Deliveries(admin_a_, "digest").size(), 2u);
  EXPECT_EQ(service_->RunDigests().value_or(-1), 0);  // not yet 08:00 in Berlin

  world_->clock().Set(*ParseRfc3339("2026-03-03T06:59:00Z"));
  EXPECT_EQ(service_->RunDigests().value_or(-1), 0);
  world_->clock().Set(*ParseRfc3339("2026-03-03T07:00:00Z"));
  EXPECT_EQ(service_->RunDigests().value_or(-1), 1);
  EXPECT_EQ(service_->RunDigests().value_or(-1), 0);  // once a day
  EXPECT_EQ(Deliveries(admin_a_, "digested").size(), 2u);
  EXPECT_EQ(RunDue(), 1);
  ASSERT_TRUE(sink_.WaitFor(1));
  const auto mime = ParseMime(sink_.messages().at(0).data);
  EXPECT_EQ(mime.subject, "[SignX] Your daily digest: 2 notifications");
  const std::string text = mime.Find("text/plain")->body;
  EXPECT_NE(text.find("quote.created"), std::string::npos);
  EXPECT_NE(text.find("project.updated"), std::string::npos);
  auto digest = Deliveries(admin_a_, "succeeded");
  ASSERT_EQ(digest.size(), 1u);
  EXPECT_EQ(digest[0].kind, "digest");
}

TEST_P(NotificationServiceTest, TemplatesCrudPreviewAndValidation) {
  auto bad = service_->CreateTemplate(admin_a_, {.event_type = "Bad Type",
                                                 .channel = Channel::kInApp,
                                                 .subject = "{{#open}}",
                                                 .body_text = "x",
                                                 .body_html = "<p>only email</p>"});
  ASSERT_EQ(bad.status().code(), ErrorCode::kValidationFailed);
  std::vector<std::string> fields;
  for (const auto& d : bad.status().details()) fields.push_back(d.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"event_type", "subject", "body_html"}));

  auto t = service_->CreateTemplate(admin_a_, {.event_type = "quote.created",
                                               .channel = Channel::kInApp,
                                               .subject = "Quote {{data.quote_id}}",
                                               .body_text = "{{data.price_cents}} cents"});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(service_
                ->CreateTemplate(admin_a_, {.event_type = "quote.created",
                                            .channel = Channel::kInApp,
                                            .subject = "x",
                                            .body_text = "y"})
                .status()
                .code(),
            ErrorCode::kAlreadyExists);
  auto preview = service_->Preview(admin_a_, {.id = t->id}, "quote.created",
                                   R"({"quote_id":"q_1","price_cents":1250})");
  ASSERT_TRUE(preview.ok()) << preview.status().ToString();
  EXPECT_EQ(preview->subject, "Quote q_1");
  EXPECT_EQ(preview->text, "1250 cents");
  EXPECT_EQ(service_->Preview(admin_a_, {.id = t->id}, "quote.created", "[1]").status().code(),
            ErrorCode::kValidationFailed);
  // Another org sees none of it.
  EXPECT_EQ(service_->GetTemplate(admin_b_, t->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->Preview(admin_b_, {.id = t->id}, "quote.created", "{}").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->DeleteTemplate(admin_b_, t->id).code(), ErrorCode::kNotFound);
  auto listed = service_->ListTemplates(admin_b_, 50, "");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->items.empty());

  // The org's template is what users see.
  Put(member_a_, Prefs({{"quote.*", {Channel::kInApp}}}));
  ASSERT_EQ(
      service_
          ->FanOut(MakeEvent(a_.org.id, "quote.created", R"({"quote_id":"q_9","price_cents":99})"))
          .value_or(-1),
      1);
  auto inbox = service_->Inbox(member_a_, false, 10, "");
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->items.size(), 1u);
  EXPECT_EQ(inbox->items[0].title, "Quote q_9");
  EXPECT_EQ(inbox->items[0].body, "99 cents");

  auto updated = service_->UpdateTemplate(admin_a_, t->id,
                                          {.event_type = "quote.*",
                                           .channel = Channel::kInApp,
                                           .subject = "Q {{data.quote_id}}",
                                           .body_text = "z"});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->event_type, "quote.*");
  ASSERT_TRUE(service_->DeleteTemplate(admin_a_, t->id).ok());
  EXPECT_EQ(service_->GetTemplate(admin_a_, t->id).status().code(), ErrorCode::kNotFound);
}

TEST_P(NotificationServiceTest, TenantsAndUsersAreIsolated) {
  Put(member_a_, Prefs({{"*", {Channel::kInApp, Channel::kEmail}}}, "member@a.test"));
  Put(member_b_, Prefs({{"*", {Channel::kInApp}}}));
  ASSERT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 1);
  auto mine = service_->Inbox(member_a_, false, 10, "");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->items.size(), 1u);
  const std::string id = mine->items[0].id;
  // Org B's user, and org A's other users, see nothing of it.
  EXPECT_TRUE(service_->Inbox(member_b_, false, 10, "")->items.empty());
  EXPECT_TRUE(service_->Inbox(viewer_a_, false, 10, "")->items.empty());
  EXPECT_EQ(service_->GetNotification(member_b_, id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->GetNotification(viewer_a_, id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->MarkRead(member_b_, id, true).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Deliveries(admin_b_).empty());
  const auto d = Deliveries(admin_a_);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(service_->GetDelivery(admin_b_, d[0].id).status().code(), ErrorCode::kNotFound);
  // Preferences are per user.
  EXPECT_EQ(service_->GetPreferences(viewer_a_)->rules.size(), DefaultRules().size());
  EXPECT_EQ(service_->GetPreferences(member_a_)->email, "member@a.test");
  // API keys have no inbox.
  http::Principal key{.kind = "api_key",
                      .subject_id = "key_1",
                      .org_id = a_.org.id,
                      .role = "api_key",
                      .permissions = {"*"}};
  EXPECT_EQ(service_->Inbox(key, false, 10, "").status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->GetPreferences(key).status().code(), ErrorCode::kPermissionDenied);
}

TEST_P(NotificationServiceTest, MembersWithoutSavedPreferencesGetTheDefaultInAppRules) {
  // Nobody has saved preferences: every member of org A (admin, member, viewer) is told in-app
  // of a stock-out alert and a project move, nobody of a quote; org B hears nothing of A's.
  const auto alert = MakeEvent(a_.org.id, "operations.alert_opened",
                               R"({"id":"alr_1","sku":"LED-MOD-12V","severity":"critical",)"
                               R"("message":"LED-MOD-12V: projected stock -56 below safety stock"})");
  EXPECT_EQ(service_->FanOut(alert).value_or(-1), 3);
  // The built-in template names the item and carries the alert's message.
  auto viewer_inbox = service_->Inbox(viewer_a_, false, 10, "");
  ASSERT_TRUE(viewer_inbox.ok());
  ASSERT_EQ(viewer_inbox->items.size(), 1u);
  EXPECT_EQ(viewer_inbox->items[0].title, "[SignX] operations.alert_opened LED-MOD-12V");
  EXPECT_EQ(viewer_inbox->items[0].body.find("LED-MOD-12V: projected stock -56"), 0u);
  EXPECT_NE(viewer_inbox->items[0].body.find("Severity: critical"), std::string::npos);
  EXPECT_EQ(service_->FanOut(MakeEvent(a_.org.id, "project.status_changed")).value_or(-1), 3);
  EXPECT_EQ(service_->FanOut(MakeEvent(a_.org.id, "quote.created")).value_or(-1), 0);
  EXPECT_EQ(service_->UnreadCount(viewer_a_).value_or(-1), 2);
  EXPECT_EQ(service_->UnreadCount(member_b_).value_or(-1), 0);
  EXPECT_TRUE(Deliveries(admin_a_).empty());  // in-app only: no e-mail without an address
  // Saving preferences, even with no rules, replaces the defaults.
  Put(viewer_a_, Prefs({}));
  EXPECT_TRUE(service_->GetPreferences(viewer_a_)->rules.empty());
  EXPECT_EQ(service_->FanOut(MakeEvent(a_.org.id, "operations.alert_opened")).value_or(-1), 2);
  EXPECT_EQ(service_->UnreadCount(viewer_a_).value_or(-1), 2);
}

TEST_P(NotificationServiceTest, CatchUpJobNotifiesDispatchedEventsOnce) {
  Put(member_a_, Prefs({{"project.*", {Channel::kInApp}}}));
  // The first run only sets the cursor (events before it are history).
  auto first = service_->CatchUp(100);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  events::Dispatcher dispatcher(world_->store(), {}, nullptr, world_->clock());
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return outbox_
                        ->Append(txn, {.type = "project.created",
                                       .org_id = a_.org.id,
                                       .subject_id = "prj_7",
                                       .payload_json = R"({"name":"Lobby letters"})"})
                        .status();
                  })
                  .ok());
  ASSERT_TRUE(dispatcher.RunOnce().ok());
  auto through = service_->CatchUp(100);
  ASSERT_TRUE(through.ok()) << through.status().ToString();
  EXPECT_GT(*through, *first);
  EXPECT_EQ(service_->UnreadCount(member_a_).value_or(-1), 1);
  // Again (the live subscription saw it too): nothing new.
  EXPECT_EQ(service_->CatchUp(100).value_or(-1), *through);
  EXPECT_EQ(service_->UnreadCount(member_a_).value_or(-1), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationServiceTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return std::string(storage::testing::BackendName(info.param));
                         });

}  // namespace
}  // namespace signx::notifications
