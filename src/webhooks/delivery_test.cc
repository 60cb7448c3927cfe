// Deliveries end to end on SQLite and PostgreSQL: events → deliveries (deduped) → the
// webhooks.deliver job → a real receiver on 127.0.0.1 that fails first; signatures checked by an
// independent verifier (OpenSSL HMAC() directly, header parsed here); retries through the job
// queue's backoff on a FakeClock; dead letters; redelivery; rotation grace; tenant isolation.
// Longer than ~700 lines: one fixture (store, queue, receiver) shared by every delivery case.
#include "webhooks/delivery.h"

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <thread>

#include "base/id.h"
#include "base/strings.h"
#include "events/dispatcher.h"
#include "events/outbox.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/worker.h"
#include "webhooks/service.h"
#include "webhooks/testing/receiver.h"

namespace signx::webhooks {
namespace {

namespace json = boost::json;
using identity::Role;
using identity::testing::IdentityWorld;
using identity::testing::SeededOrg;
using storage::testing::Backend;
using testing::ReceivedRequest;
using testing::Receiver;

// The receiver side of docs/security.md: parse X-Signature, recompute, compare in constant time,
// check the replay window. Returns how many v1 values verified with `secret`.
int VerifiedWith(const ReceivedRequest& req, const std::string& secret, int64_t now_unix) {
  auto it = req.headers.find("x-signature");
  if (it == req.headers.end()) return 0;
  std::string t;
  std::vector<std::string> v1;
  for (auto part : Split(it->second, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (part.substr(0, eq) == "t") t = std::string(part.substr(eq + 1));
    if (part.substr(0, eq) == "v1") v1.emplace_back(part.substr(eq + 1));
  }
  auto ts = ParseInt(t);
  if (!ts || std::llabs(now_unix - *ts) > 300) return 0;
  const std::string msg = t + "." + req.body;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  std::string expected;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    expected += buf;
  }
  int ok = 0;
  for (const auto& v : v1) {
    if (v.size() == expected.size() && CRYPTO_memcmp(v.data(), expected.data(), v.size()) == 0) {
      ++ok;
    }
  }
  return ok;
}

std::size_t CountV1(const ReceivedRequest& req) {
  std::size_t n = 0;
  for (auto part : Split(req.headers.at("x-signature"), ',')) n += part.rfind("v1=", 0) == 0;
  return n;
}

class WebhookDeliveryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(GetParam());
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    ASSERT_TRUE(receiver_.started());
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
    admin_a_ = IdentityWorld::PrincipalOf(a_.admin, a_.org, Role::kOrgAdmin);
    admin_b_ = IdentityWorld::PrincipalOf(b_.admin, b_.org, Role::kOrgAdmin);
    Build({});
  }

  // The receivers run on loopback, so the tests allow it the way an operator would
  // (webhooks.allow_private_cidrs); the SSRF tests build without it.
  static std::vector<http::Cidr> Loopback() { return *http::ParseCidrList("127.0.0.0/8,::1"); }

  void Build(WebhookSettings settings, bool allow_loopback = true) {
    if (allow_loopback) settings.client.address_policy.allow = Loopback();
    worker_.reset();
    service_.reset();
    queue_ = std::make_unique<jobs::Queue>(world_->store(), world_->clock(),
                                           jobs::QueueOptions{.seed = 7});
    if (settings.timeout == WebhookSettings{}.timeout) settings.timeout = std::chrono::seconds(5);
    service_ =
        std::make_unique<WebhookService>(world_->store(), *queue_, settings, world_->clock());
    ASSERT_TRUE(RegisterWebhookJobs(*queue_, world_->store(), settings, world_->clock()).ok());
    worker_ =
        std::make_unique<jobs::Worker>(*queue_, jobs::WorkerOptions{.run_maintenance = false});
  }

  // Runs every due job; returns how many ran.
  int RunDue() {
    int n = 0;
    while (true) {
      auto ran = worker_->RunOnce();
      EXPECT_TRUE(ran.ok()) << ran.status().ToString();
      if (!ran.ok() || !*ran) return n;
      ++n;
    }
  }
  // Moves past any backoff (the queue caps it at 1 h).
  void SkipBackoff() { world_->clock().Advance(std::chrono::hours(2)); }

  int64_t NowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               world_->clock().Now().time_since_epoch())
        .count();
  }

  events::Event MakeEvent(const std::string& org, const std::string& type) {
    events::Event e;
    e.id = NewId("evt");
    e.type = type;
    e.org_id = org;
    e.subject_id = "prj_1";
    e.payload_json = R"({"name":"Pylon sign","total_cents":123456})";
    e.created_at = world_->clock().Now();
    return e;
  }

  EndpointWithSecret Create(const http::Principal& p, std::vector<std::string> types,
                            std::string url = "") {
    auto created = service_->CreateEndpoint(
        p, {.url = url.empty() ? receiver_.url() : url, .event_types = std::move(types)}, "req");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.value_or(EndpointWithSecret{});
  }

  std::vector<Delivery> Deliveries(const std::string& endpoint_id) {
    auto page = service_->ListDeliveries(admin_a_, endpoint_id, 50, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<Delivery>{};
  }

  static std::vector<std::optional<int>> Codes(const Delivery& d) {
    std::vector<std::optional<int>> out;
    for (const auto& a : d.attempts) out.push_back(a.status_code);
    return out;
  }

  Receiver receiver_;
  std::unique_ptr<IdentityWorld> world_;
  SeededOrg a_, b_;
  http::Principal admin_a_, admin_b_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<WebhookService> service_;
  std::unique_ptr<jobs::Worker> worker_;
};

TEST_P(WebhookDeliveryTest, FailsTwiceWith500ThenSucceedsAndLogsEveryAttempt) {
  const EndpointWithSecret ep = Create(admin_a_, {"project.*"});
  receiver_.Script({500, 500});
  const events::Event event = MakeEvent(a_.org.id, "project.created");

  const int64_t sent_at = NowUnix();
  ASSERT_EQ(service_->EnqueueForEvent(event).value_or(-1), 1);
  // Another replica seeing the same event creates nothing; other types and orgs do not match.
  EXPECT_EQ(service_->EnqueueForEvent(event).value_or(-1), 0);
  EXPECT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "lead.scored")).value_or(-1), 0);
  EXPECT_EQ(service_->EnqueueForEvent(MakeEvent(b_.org.id, "project.created")).value_or(-1), 0);

  EXPECT_EQ(RunDue(), 1);
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state, "failed");
  EXPECT_EQ(log[0].last_status_code, 500);
  ASSERT_TRUE(log[0].next_attempt_at.has_value());  // the queue's backoff
  EXPECT_GT(*log[0].next_attempt_at, world_->clock().Now());
  EXPECT_EQ(RunDue(), 0);  // not due before the backoff passes

  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 0);

  log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  const Delivery& d = log[0];
  EXPECT_EQ(d.state, "succeeded");
  EXPECT_EQ(d.attempt_count, 3);
  EXPECT_EQ(Codes(d), (std::vector<std::optional<int>>{500, 500, 200}));
  EXPECT_EQ(d.attempts[0].error, "the endpoint answered HTTP 500");
  EXPECT_FALSE(d.attempts[2].error.has_value());
  // Status and timing only: no response body in the log unless the operator turns it on.
  EXPECT_FALSE(d.response_excerpt.has_value());
  for (const auto& a : d.attempts) EXPECT_FALSE(a.response_excerpt.has_value());
  EXPECT_TRUE(d.completed_at.has_value());
  EXPECT_FALSE(d.next_attempt_at.has_value());
  ASSERT_TRUE(d.job_id.has_value());
  auto job = queue_->Get(*d.job_id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, jobs::JobState::kSucceeded);
  EXPECT_EQ(job->attempts, 3);

  const auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const ReceivedRequest& req = got[i];
    // Each attempt is signed when it is sent (the clock moved 2 h between attempts).
    EXPECT_EQ(VerifiedWith(req, ep.secret, sent_at + 7200 * static_cast<int64_t>(i)), 1);
    EXPECT_EQ(CountV1(req), 1u);
    EXPECT_EQ(req.headers.at("content-type"), "application/json");
    EXPECT_EQ(req.headers.at("x-signx-event"), "project.created");
    EXPECT_EQ(req.headers.at("x-signx-delivery"), d.id);
    EXPECT_EQ(req.body, got[0].body);  // the same bytes on every attempt
  }
  // A wrong secret does not verify.
  EXPECT_EQ(VerifiedWith(got[0], ep.secret + "x", sent_at), 0);
  EXPECT_EQ(VerifiedWith(got[0], ep.secret, NowUnix()), 0);  // 4 h later: outside the window
  const json::object body = json::parse(got[0].body).as_object();
  EXPECT_EQ(body.at("id").as_string(), event.id);
  EXPECT_EQ(body.at("type").as_string(), "project.created");
  EXPECT_EQ(body.at("org_id").as_string(), a_.org.id);
  EXPECT_EQ(body.at("data").as_object().at("total_cents").as_int64(), 123456);
}

TEST_P(WebhookDeliveryTest, DeadAfterTheAttemptBudgetThenRedelivered) {
  Build({.max_attempts = 2});
  const EndpointWithSecret ep = Create(admin_a_, {"*"});
  receiver_.Script({503, 503});
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "quote.sent")).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 1);
  SkipBackoff();
  EXPECT_EQ(RunDue(), 0);
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  const Delivery dead = log[0];
  EXPECT_EQ(dead.state, "dead");
  EXPECT_EQ(Codes(dead), (std::vector<std::optional<int>>{503, 503}));
  EXPECT_EQ(queue_->Get(*dead.job_id)->state, jobs::JobState::kDead);

  // Manual redelivery: a new delivery of the same body, fresh attempt budget.
  auto again = service_->Redeliver(admin_a_, dead.id, "req");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE(again->id, dead.id);
  EXPECT_EQ(again->redelivery_of, dead.id);
  EXPECT_EQ(again->state, "pending");
  EXPECT_EQ(again->event_id, dead.event_id);
  EXPECT_EQ(RunDue(), 1);
  auto d = service_->GetDelivery(admin_a_, again->id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->state, "succeeded");
  EXPECT_EQ(Codes(*d), (std::vector<std::optional<int>>{200}));
  const auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].body, got[0].body);
  EXPECT_EQ(got[2].headers.at("x-signx-delivery"), again->id);
  EXPECT_EQ(VerifiedWith(got[2], ep.secret, NowUnix()), 1);
  // Redelivering a succeeded delivery is allowed too (another copy).
  EXPECT_TRUE(service_->Redeliver(admin_a_, again->id, "req").ok());
  EXPECT_EQ(Deliveries(ep.endpoint.id).size(), 3u);
}

TEST_P(WebhookDeliveryTest, RefusedConnectionIsAFailedAttemptWithoutStatus) {
  Build({.max_attempts = 1});
  const EndpointWithSecret ep = Create(admin_a_, {"*"}, "http://127.0.0.1:1/hook");
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "lead.scored")).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 1);
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state, "dead");
  ASSERT_EQ(log[0].attempts.size(), 1u);
  EXPECT_FALSE(log[0].attempts[0].status_code.has_value());
  ASSERT_TRUE(log[0].attempts[0].error.has_value());
  EXPECT_FALSE(log[0].attempts[0].error->empty());
}

TEST_P(WebhookDeliveryTest, TimeoutIsAFailedAttemptRetriedLater) {
  Build({.timeout = std::chrono::milliseconds(200), .max_attempts = 3});
  const EndpointWithSecret ep = Create(admin_a_, {"*"}, receiver_.slow_url());
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.b")).value_or(-1), 1);
  EXPECT_EQ(RunDue(), 1);
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state, "failed");  // retried with backoff, not dead
  ASSERT_EQ(log[0].attempts.size(), 1u);
  EXPECT_FALSE(log[0].attempts[0].status_code.has_value());
  ASSERT_TRUE(log[0].attempts[0].error.has_value());
  EXPECT_NE(log[0].attempts[0].error->find("deadline_exceeded"), std::string::npos)
      << *log[0].attempts[0].error;
  EXPECT_EQ(queue_->Get(*log[0].job_id)->state, jobs::JobState::kQueued);
}

TEST_P(WebhookDeliveryTest, RotationSignsWithBothSecretsDuringTheGraceOnly) {
  const EndpointWithSecret ep = Create(admin_a_, {"project.created"});
  auto rotated = service_->RotateSecret(admin_a_, ep.endpoint.id, std::chrono::seconds(3600), "r");
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_NE(rotated->secret, ep.secret);
  ASSERT_TRUE(rotated->endpoint.previous_secret_expires_at.has_value());

  ASSERT_TRUE(service_->SendTest(admin_a_, ep.endpoint.id, "r").ok());
  EXPECT_EQ(RunDue(), 1);
  world_->clock().Advance(std::chrono::seconds(3601));
  ASSERT_TRUE(service_->SendTest(admin_a_, ep.endpoint.id, "r").ok());
  EXPECT_EQ(RunDue(), 1);

  const auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 2u);
  // During the grace: v1 with the new secret, then v1 with the old one.
  EXPECT_EQ(CountV1(got[0]), 2u);
  EXPECT_EQ(VerifiedWith(got[0], rotated->secret, NowUnix() - 3601), 1);
  EXPECT_EQ(VerifiedWith(got[0], ep.secret, NowUnix() - 3601), 1);
  EXPECT_EQ(got[0].headers.at("x-signx-event"), "webhook.test");
  // After it: only the new secret.
  EXPECT_EQ(CountV1(got[1]), 1u);
  EXPECT_EQ(VerifiedWith(got[1], rotated->secret, NowUnix()), 1);
  EXPECT_EQ(VerifiedWith(got[1], ep.secret, NowUnix()), 0);
  // The replay window: a receiver rejects the first request an hour later.
  EXPECT_EQ(VerifiedWith(got[0], rotated->secret, NowUnix()), 0);

  // grace 0 revokes the old secret at once.
  auto now_only = service_->RotateSecret(admin_a_, ep.endpoint.id, std::chrono::seconds(0), "r");
  ASSERT_TRUE(now_only.ok());
  EXPECT_FALSE(now_only->endpoint.previous_secret_expires_at.has_value());
  ASSERT_TRUE(service_->SendTest(admin_a_, ep.endpoint.id, "r").ok());
  EXPECT_EQ(RunDue(), 1);
  const auto last = receiver_.requests().back();
  EXPECT_EQ(CountV1(last), 1u);
  EXPECT_EQ(VerifiedWith(last, now_only->secret, NowUnix()), 1);
  EXPECT_EQ(VerifiedWith(last, rotated->secret, NowUnix()), 0);

  EXPECT_EQ(service_->RotateSecret(admin_a_, ep.endpoint.id, std::chrono::hours(24 * 8), "r")
                .status()
                .code(),
            ErrorCode::kValidationFailed);
}

TEST_P(WebhookDeliveryTest, DisabledEndpointEndsQueuedDeliveriesWithoutSending) {
  const EndpointWithSecret ep = Create(admin_a_, {"*"});
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.b")).value_or(-1), 1);
  ASSERT_TRUE(service_->UpdateEndpoint(admin_a_, ep.endpoint.id, {.active = false}, "r").ok());
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(receiver_.requests().empty());
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state, "dead");
  EXPECT_EQ(log[0].last_error, "the webhook is disabled");
  EXPECT_EQ(queue_->Get(*log[0].job_id)->state, jobs::JobState::kFailed);  // not retried
  // Disabled endpoints get no new deliveries, and test/redeliver are refused.
  EXPECT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.b")).value_or(-1), 0);
  EXPECT_EQ(service_->SendTest(admin_a_, ep.endpoint.id, "r").status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(service_->Redeliver(admin_a_, log[0].id, "r").status().code(),
            ErrorCode::kFailedPrecondition);
}

TEST_P(WebhookDeliveryTest, AnotherOrgSeesNothing) {
  const EndpointWithSecret ep = Create(admin_a_, {"*"});
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.b")).value_or(-1), 1);
  const std::string delivery_id = Deliveries(ep.endpoint.id).at(0).id;
  const std::string& id = ep.endpoint.id;
  auto code = [](const auto& r) { return r.status().code(); };
  EXPECT_EQ(code(service_->GetEndpoint(admin_b_, id)), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->UpdateEndpoint(admin_b_, id, {.active = false}, "r")),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->DeleteEndpoint(admin_b_, id, "r").code(), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->RotateSecret(admin_b_, id, std::nullopt, "r")), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->SendTest(admin_b_, id, "r")), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->ListDeliveries(admin_b_, id, 10, "")), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->GetDelivery(admin_b_, delivery_id)), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->Redeliver(admin_b_, delivery_id, "r")), ErrorCode::kNotFound);
  auto list_b = service_->ListEndpoints(admin_b_, 50, "");
  ASSERT_TRUE(list_b.ok());
  EXPECT_TRUE(list_b->items.empty());
  // Nothing changed for org A, and its audit log has the create.
  auto still = service_->GetEndpoint(admin_a_, id);
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(still->active);
  auto audit = world_->store().WithTxnResult<identity::AuditPage>(
      [&](storage::Txn& txn) { return identity::ListAudit(txn, a_.org.id, 50, ""); });
  ASSERT_TRUE(audit.ok());
  bool created = false;
  for (const auto& e : audit->items) created |= e.action == "webhook.create" && e.subject_id == id;
  EXPECT_TRUE(created);
  // Deleting removes the endpoint and its log; the queued job then ends without sending.
  ASSERT_TRUE(service_->DeleteEndpoint(admin_a_, id, "r").ok());
  EXPECT_EQ(code(service_->GetDelivery(admin_a_, delivery_id)), ErrorCode::kNotFound);
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_P(WebhookDeliveryTest, PagesAreNewestFirstWithCursors) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Create(admin_a_, {"*"}).endpoint.id);
  auto p1 = service_->ListEndpoints(admin_a_, 2, "");
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 2u);
  EXPECT_EQ(p1->items[0].id, ids[4]);
  auto p2 = service_->ListEndpoints(admin_a_, 2, p1->next_cursor);
  auto p3 = service_->ListEndpoints(admin_a_, 2, p2->next_cursor);
  ASSERT_TRUE(p3.ok());
  ASSERT_EQ(p3->items.size(), 1u);
  EXPECT_EQ(p3->items[0].id, ids[0]);
  EXPECT_TRUE(p3->next_cursor.empty());
  EXPECT_EQ(service_->ListEndpoints(admin_a_, 0, "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->ListEndpoints(admin_a_, 10, "bogus").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(WebhookDeliveryTest, DispatchedOutboxEventsBecomeDeliveries) {
  const EndpointWithSecret ep = Create(admin_a_, {"project.created"});
  events::Outbox outbox;
  events::Dispatcher dispatcher(world_->store(), {.start_after_position = 0});
  events::Subscription sub = service_->Subscribe(dispatcher);
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return outbox.Append(txn, {"project.created", a_.org.id, "prj_9", R"({"k":1})"})
                        .status();
                  })
                  .ok());
  ASSERT_TRUE(dispatcher.RunOnce().ok());
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].event_type, "project.created");
  EXPECT_EQ(RunDue(), 1);
  ASSERT_EQ(receiver_.requests().size(), 1u);
  EXPECT_EQ(VerifiedWith(receiver_.requests()[0], ep.secret, NowUnix()), 1);
}

TEST_P(WebhookDeliveryTest, CatchUpJobDeliversEventsTheSubscriptionMissed) {
  const EndpointWithSecret ep = Create(admin_a_, {"project.*"});
  events::Outbox outbox;
  events::Dispatcher dispatcher(world_->store(), {.start_after_position = 0});
  auto append = [&](const std::string& type) {
    ASSERT_TRUE(world_->store()
                    .WithTxn([&](storage::Txn& txn) {
                      return outbox.Append(txn, {type, a_.org.id, "prj_1", "{}"}).status();
                    })
                    .ok());
  };
  auto catch_up = [&] {
    ASSERT_TRUE(queue_->Enqueue({.type = std::string(kCatchUpJobType)}).ok());
  };
  append("project.created");
  ASSERT_TRUE(dispatcher.RunOnce().ok());  // dispatched, but nobody subscribed (a crash, say)
  // The first catch-up reaches back to the oldest endpoint: the missed event is delivered.
  catch_up();
  EXPECT_EQ(RunDue(), 2);  // the catch-up and the delivery
  ASSERT_EQ(Deliveries(ep.endpoint.id).size(), 1u);

  append("project.approved");
  append("lead.scored");  // not subscribed
  append("project.cancelled");
  ASSERT_TRUE(dispatcher.RunOnce().ok());
  catch_up();
  EXPECT_EQ(RunDue(), 3);  // the catch-up and two deliveries
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].event_type, "project.cancelled");
  EXPECT_EQ(log[1].event_type, "project.approved");
  EXPECT_EQ(log[0].state, "succeeded");
  // Nothing new: the next run creates nothing, and the live subscription for the same events
  // (another replica's dispatcher starting from 0) adds no duplicates.
  catch_up();
  EXPECT_EQ(RunDue(), 1);
  events::Dispatcher replica(world_->store(), {.start_after_position = 0});
  events::Subscription sub = service_->Subscribe(replica);
  ASSERT_TRUE(replica.RunOnce().ok());
  EXPECT_EQ(RunDue(), 0);
  EXPECT_EQ(Deliveries(ep.endpoint.id).size(), 3u);
  EXPECT_EQ(receiver_.requests().size(), 3u);
}

TEST_P(WebhookDeliveryTest, AnEndpointGetsNoEventFromBeforeItWasCreated) {
  events::Outbox outbox(nullptr, world_->clock());
  ASSERT_TRUE(world_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return outbox.Append(txn, {"project.created", a_.org.id, "prj_0", "{}"})
                        .status();
                  })
                  .ok());
  events::Dispatcher dispatcher(world_->store(), {.start_after_position = 0});
  ASSERT_TRUE(dispatcher.RunOnce().ok());
  world_->clock().Advance(std::chrono::seconds(1));
  const EndpointWithSecret ep = Create(admin_a_, {"project.*"});
  ASSERT_TRUE(queue_->Enqueue({.type = std::string(kCatchUpJobType)}).ok());
  EXPECT_EQ(RunDue(), 1);  // the catch-up only
  EXPECT_TRUE(Deliveries(ep.endpoint.id).empty());
}

TEST_P(WebhookDeliveryTest, ResponseExcerptOnlyWhenTheOperatorTurnsItOn) {
  Build({.response_excerpt_bytes = 10});
  const EndpointWithSecret ep = Create(admin_a_, {"*"});
  ASSERT_TRUE(service_->SendTest(admin_a_, ep.endpoint.id, "r").ok());
  EXPECT_EQ(RunDue(), 1);
  auto log = Deliveries(ep.endpoint.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].response_excerpt, R"({"received)");
  ASSERT_EQ(log[0].attempts.size(), 1u);
  EXPECT_EQ(log[0].attempts[0].response_excerpt, R"({"received)");
  EXPECT_GE(log[0].attempts[0].duration_ms, 0);
}

// SSRF at creation: a URL whose literal host is loopback, private, link-local, ... in any
// spelling the resolver accepts is a 422 on `url` unless the operator's allow-list covers it.
TEST_P(WebhookDeliveryTest, CreateRefusesBlockedLiteralHostsUnlessAllowListed) {
  Build({}, /*allow_loopback=*/false);
  for (const std::string url : {"http://127.0.0.1/",
                                "http://127.0.0.1:8080/hook",
                                "http://localhost/x",
                                "http://LOCALHOST./x",
                                "http://api.localhost/x",
                                "http://2130706433/",
                                "http://0x7f000001/",
                                "http://127.1/",
                                "http://0177.0.0.1/",
                                "http://[::1]:81/",
                                "http://[::ffff:127.0.0.1]/",
                                "http://169.254.169.254/latest/meta-data/",
                                "http://0.0.0.0/",
                                "http://10.0.0.5/",
                                "https://192.168.1.10/",
                                "http://100.64.1.1/",
                                "http://[fd00::1]/",
                                "http://[fe80::1]/",
                                "http://224.0.0.1/",
                                "http://255.255.255.255/",
                                "http://198.51.100.7/",
                                "http://[2001:db8::1]/"}) {
    auto created = service_->CreateEndpoint(admin_a_, {.url = url, .event_types = {{"*"}}}, "r");
    ASSERT_FALSE(created.ok()) << url;
    EXPECT_EQ(created.status().code(), ErrorCode::kValidationFailed) << url;
    ASSERT_EQ(created.status().details().size(), 1u) << url;
    EXPECT_EQ(created.status().details()[0].field, "url");
    EXPECT_NE(created.status().details()[0].message.find("must not point to"), std::string::npos)
        << url << ": " << created.status().details()[0].message;
  }
  auto ftp =
      service_->CreateEndpoint(admin_a_, {.url = "ftp://8.8.8.8/", .event_types = {{"*"}}}, "r");
  ASSERT_EQ(ftp.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(ftp.status().details().at(0).field, "url");
  // Public literals and names are fine (names are checked when delivering).
  EXPECT_TRUE(
      service_->CreateEndpoint(admin_a_, {.url = "https://8.8.8.8/h", .event_types = {{"*"}}}, "r")
          .ok());
  auto named = service_->CreateEndpoint(
      admin_a_, {.url = "https://hooks.example.com/h", .event_types = {{"*"}}}, "r");
  ASSERT_TRUE(named.ok());
  // PATCH checks the new url the same way.
  auto patched =
      service_->UpdateEndpoint(admin_a_, named->endpoint.id, {.url = "http://0x7f000001:80/"}, "r");
  EXPECT_EQ(patched.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(service_->GetEndpoint(admin_a_, named->endpoint.id)->url,
            "https://hooks.example.com/h");
  EXPECT_TRUE(queue_->List({}).value().jobs.empty());

  // The operator's allow-list re-admits exactly its ranges.
  WebhookSettings allowed;
  allowed.client.address_policy.allow = *http::ParseCidrList("10.0.0.0/8");
  Build(allowed, /*allow_loopback=*/false);
  EXPECT_TRUE(
      service_->CreateEndpoint(admin_a_, {.url = "http://10.0.0.5/", .event_types = {{"*"}}}, "r")
          .ok());
  EXPECT_FALSE(
      service_->CreateEndpoint(admin_a_, {.url = "http://127.0.0.1/", .event_types = {{"*"}}}, "r")
          .ok());
}

// SSRF at delivery: the check runs again on what the host resolves to now. Endpoints created while
// loopback was allowed (or whose name later resolves to loopback) are refused: a failed attempt
// naming the address, no status, no body in the log, nothing received.
TEST_P(WebhookDeliveryTest, DeliveryToANameResolvingToLoopbackIsRefusedAndLoggedWithoutBody) {
  const std::string port = receiver_.url().substr(receiver_.url().rfind(':') + 1);
  const std::string by_name = "http://localhost:" + port;  // resolves to 127.0.0.1 / ::1
  const std::string odd = "http://2130706433:" + port.substr(0, port.find('/')) + "/hook";
  const EndpointWithSecret named = Create(admin_a_, {"*"}, by_name);
  const EndpointWithSecret numeric = Create(admin_a_, {"*"}, odd);
  ASSERT_FALSE(named.endpoint.id.empty());
  ASSERT_FALSE(numeric.endpoint.id.empty());

  Build({.max_attempts = 2}, /*allow_loopback=*/false);  // the operator drops the allow-list
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.b")).value_or(-1), 2);
  EXPECT_EQ(RunDue(), 2);
  for (const auto* ep : {&named, &numeric}) {
    auto log = Deliveries(ep->endpoint.id);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].state, "failed");  // retried later: DNS may change
    ASSERT_EQ(log[0].attempts.size(), 1u);
    const Attempt& a = log[0].attempts[0];
    EXPECT_FALSE(a.status_code.has_value());
    EXPECT_FALSE(a.response_excerpt.has_value());
    EXPECT_FALSE(log[0].response_excerpt.has_value());
    ASSERT_TRUE(a.error.has_value());
    EXPECT_NE(a.error->find("not a public address"), std::string::npos) << *a.error;
    EXPECT_TRUE(a.error->find("127.0.0.1") != std::string::npos ||
                a.error->find("::1") != std::string::npos)
        << *a.error;
  }
  EXPECT_TRUE(receiver_.requests().empty());

  // With the allow-list back, the allow-listed loopback receiver gets the retries.
  Build({.max_attempts = 2});
  SkipBackoff();
  EXPECT_EQ(RunDue(), 2);
  EXPECT_EQ(receiver_.requests().size(), 2u);
  EXPECT_EQ(Deliveries(numeric.endpoint.id).at(0).state, "succeeded");
}

TEST_P(WebhookDeliveryTest, EndpointsPerOrgAreCapped) {
  Build({.max_endpoints_per_org = 2});
  const std::string first = Create(admin_a_, {"*"}).endpoint.id;
  Create(admin_a_, {"*"});
  auto third =
      service_->CreateEndpoint(admin_a_, {.url = receiver_.url(), .event_types = {{"*"}}}, "r");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), ErrorCode::kConflict);
  EXPECT_NE(third.status().message().find("already has 2 webhook endpoints"), std::string::npos)
      << third.status().ToString();
  EXPECT_EQ(service_->ListEndpoints(admin_a_, 50, "")->items.size(), 2u);
  // Per org: org B is not affected; deleting one makes room again.
  EXPECT_TRUE(
      service_->CreateEndpoint(admin_b_, {.url = receiver_.url(), .event_types = {{"*"}}}, "r")
          .ok());
  ASSERT_TRUE(service_->DeleteEndpoint(admin_a_, first, "r").ok());
  EXPECT_TRUE(
      service_->CreateEndpoint(admin_a_, {.url = receiver_.url(), .event_types = {{"*"}}}, "r")
          .ok());
}

// Fairness: while org A's slow endpoint holds A's only in-flight slot, the next worker thread
// does not wait on A: A's next delivery is deferred (no attempt used) and org B's is sent.
TEST_P(WebhookDeliveryTest, OneOrgsSlowEndpointDoesNotHoldTheOtherWorkers) {
  Build({.max_in_flight_per_org = 1});
  const EndpointWithSecret slow = Create(admin_a_, {"*"}, receiver_.held_url());
  const EndpointWithSecret fast = Create(admin_b_, {"*"});
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.one")).value_or(-1), 1);
  world_->clock().Advance(std::chrono::milliseconds(5));
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(a_.org.id, "a.two")).value_or(-1), 1);
  world_->clock().Advance(std::chrono::milliseconds(5));
  ASSERT_EQ(service_->EnqueueForEvent(MakeEvent(b_.org.id, "b.one")).value_or(-1), 1);

  // Worker 1 takes A's first delivery (the oldest job) and waits on the held receiver.
  jobs::Worker other(*queue_, jobs::WorkerOptions{.run_maintenance = false});
  std::thread t([&] { EXPECT_TRUE(other.RunOnce().value_or(false)); });
  ASSERT_TRUE(receiver_.WaitHeld(1));
  // Worker 2: A's second delivery is deferred at once, then B's is delivered, both while A's
  // first is still in flight.
  EXPECT_EQ(worker_->RunOnce().value_or(false), true);
  EXPECT_EQ(worker_->RunOnce().value_or(false), true);
  EXPECT_EQ(receiver_.held(), 1);
  const auto b_log = service_->ListDeliveries(admin_b_, fast.endpoint.id, 10, "");
  ASSERT_TRUE(b_log.ok());
  ASSERT_EQ(b_log->items.size(), 1u);
  EXPECT_EQ(b_log->items[0].state, "succeeded");
  EXPECT_EQ(worker_->RunOnce().value_or(true), false);  // A's deferred delivery is not due yet
  receiver_.ReleaseHeld();
  t.join();

  auto a_log = Deliveries(slow.endpoint.id);  // newest first
  ASSERT_EQ(a_log.size(), 2u);
  EXPECT_EQ(a_log[1].state, "succeeded");
  const Delivery deferred = a_log[0];
  EXPECT_EQ(deferred.state, "pending");
  EXPECT_EQ(deferred.attempt_count, 0);  // the deferral used no attempt
  ASSERT_TRUE(deferred.next_attempt_at.has_value());
  EXPECT_GT(*deferred.next_attempt_at, world_->clock().Now());
  // The first job ended succeeded, pointing at the follow-up that now owns the delivery.
  auto jobs_of_a = queue_->List({.type = std::string(kDeliverJobType), .org_id = a_.org.id});
  ASSERT_TRUE(jobs_of_a.ok());
  ASSERT_EQ(jobs_of_a->jobs.size(), 3u);
  int deferrals = 0;
  for (const auto& j : jobs_of_a->jobs) {
    if (j.result_json && j.result_json->find("deferred_to") != std::string::npos) {
      ++deferrals;
      EXPECT_NE(j.result_json->find(*deferred.job_id), std::string::npos) << *j.result_json;
      EXPECT_EQ(j.state, jobs::JobState::kSucceeded);
    }
  }
  EXPECT_EQ(deferrals, 1);
  auto follow_up = queue_->Get(*deferred.job_id);
  ASSERT_TRUE(follow_up.ok());
  EXPECT_EQ(follow_up->max_attempts, deferred.max_attempts);  // the whole budget is left

  world_->clock().Advance(std::chrono::seconds(2));
  EXPECT_EQ(RunDue(), 1);
  auto done = service_->GetDelivery(admin_a_, deferred.id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, "succeeded");
  ASSERT_EQ(done->attempts.size(), 1u);
  EXPECT_EQ(done->attempts[0].attempt, 1);
}

TEST(OrgSlotsTest, CapsEachOrgAndPacesDeferrals) {
  OrgSlots slots(2);
  EXPECT_TRUE(slots.TryAcquire("org_a"));
  EXPECT_TRUE(slots.TryAcquire("org_a"));
  EXPECT_FALSE(slots.TryAcquire("org_a"));
  EXPECT_TRUE(slots.TryAcquire("org_b"));  // another org is unaffected
  EXPECT_EQ(slots.InFlight("org_a"), 2);
  slots.Release("org_a", std::chrono::milliseconds(3000));
  EXPECT_EQ(slots.InFlight("org_a"), 1);
  EXPECT_TRUE(slots.TryAcquire("org_a"));

  // Consecutive deferrals are spaced by average duration / slots, at least kMinStep.
  const Timestamp now{std::chrono::seconds(1000)};
  const Timestamp d1 = slots.NextDeferral("org_a", now);
  const Timestamp d2 = slots.NextDeferral("org_a", now);
  EXPECT_GT(d1, now);
  EXPECT_GT(d2, d1);
  EXPECT_GE(d2 - d1, std::chrono::microseconds(OrgSlots::kMinStep));
  // average = (4 * 1 s + 3 s) / 5 = 1.4 s over 2 slots: 700 ms per step.
  EXPECT_EQ(d2 - d1, std::chrono::milliseconds(700));
  // Another org's deferrals start from now.
  EXPECT_EQ(slots.NextDeferral("org_b", now) - now,
            std::chrono::microseconds(OrgSlots::kInitialAverage) / 2);
  // Long after, the next deferral is paced from the new now.
  const Timestamp later = now + std::chrono::hours(1);
  EXPECT_EQ(slots.NextDeferral("org_a", later) - later, std::chrono::milliseconds(700));
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhookDeliveryTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::webhooks
