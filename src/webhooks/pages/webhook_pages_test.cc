// Admin → Webhooks on the real IdentityService and WebhookService (SQLite): create shows the
// secret once, validation errors sit beside the fields, the delivery log lists a test delivery,
// redeliver queues a new one, a viewer is refused, and another org's endpoint is not found.
#include "webhooks/pages/webhook_pages.h"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <tuple>

#include "identity/testing/identity_fixture.h"
#include "jobs/queue.h"
#include "web/identity_backend.h"
#include "web/testing/page_checks.h"
#include "web/testing/page_client.h"

namespace signx::web {
namespace {

using identity::testing::IdentityWorld;
using webhooks::AddWebhookPages;
using identity::testing::kTestPassword;

class WebhookPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(storage::testing::Backend::kSqlite);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
    queue_ = std::make_unique<jobs::Queue>(world_->store());
    service_ = std::make_unique<webhooks::WebhookService>(world_->store(), *queue_);
    Shell shell = AddWebRoutes(router_, MakeIdentityBackend(world_->service()),
                               {.secret = "webhook-pages-test-secret-0123456789"});
    AddWebhookPages(shell, *service_);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return client_.Call(method, target, body);
  }

  void LogIn(const std::string& email) { client_.LogIn(email, std::string(kTestPassword)); }

  std::unique_ptr<IdentityWorld> world_;
  identity::testing::SeededOrg a_, b_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<webhooks::WebhookService> service_;
  http::Router router_;
  web::testing::PageClient client_{router_};
};

TEST_F(WebhookPagesTest, CreateShowsSecretOnceThenDeliveryLogAndRedeliver) {
  LogIn(a_.admin.email);
  auto index = Call("GET", "/admin/webhooks");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("data-testid=\"empty-webhooks\""), std::string::npos);

  // Invalid URL and pattern: 422 with messages beside the fields; the input is kept, escaped.
  auto bad = Call("POST", "/admin/webhooks",
                  "csrf_token=" + client_.csrf() + "&url=ftp%3A%2F%2Fx%3Cb%3E&event_types=BAD+TYPE%21");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("data-testid=\"field-error-url\""), std::string::npos);
  EXPECT_NE(bad.body.find("data-testid=\"field-error-event_types\""), std::string::npos);
  EXPECT_NE(bad.body.find("ftp://x&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(bad.body.find("ftp://x<b>"), std::string::npos);

  auto created = Call("POST", "/admin/webhooks",
                      "csrf_token=" + client_.csrf() +
                          "&url=https%3A%2F%2Fhooks.example.com%2Fsignx&event_types=quote.*%2C+"
                          "import.completed&description=CRM+%3Cscript%3E");
  ASSERT_EQ(created.status, 201) << created.body;
  static const std::regex secret_re("value=\"(whsec_[A-Za-z0-9_-]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.body, m, secret_re));
  EXPECT_NE(created.body.find("CRM &lt;script&gt;"), std::string::npos);
  static const std::regex id_re("/admin/webhooks/(whk_[A-Za-z0-9]+)");
  ASSERT_TRUE(std::regex_search(created.body, m, id_re));
  const std::string id = m[1].str();
  auto stored = service_->GetEndpoint(world_->PrincipalOf(a_.admin, a_.org, identity::Role::kOrgAdmin), id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->event_types, (std::vector<std::string>{"quote.*", "import.completed"}));

  // The list no longer shows the secret.
  auto listed = Call("GET", "/admin/webhooks");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find("whsec_"), std::string::npos);
  EXPECT_NE(listed.body.find("https://hooks.example.com/signx"), std::string::npos);

  auto detail = Call("GET", "/admin/webhooks/" + id);
  ASSERT_EQ(detail.status, 200);
  EXPECT_NE(detail.body.find("data-testid=\"empty-deliveries\""), std::string::npos);
  auto test = Call("POST", "/admin/webhooks/" + id + "/test", "csrf_token=" + client_.csrf());
  ASSERT_EQ(test.status, 303) << test.body;
  detail = Call("GET", "/admin/webhooks/" + id);
  ASSERT_EQ(detail.status, 200);
  EXPECT_NE(detail.body.find("webhook.test"), std::string::npos);
  static const std::regex redeliver_re("/admin/webhooks/deliveries/(whd_[A-Za-z0-9]+)/redeliver");
  ASSERT_TRUE(std::regex_search(detail.body, m, redeliver_re));
  auto again = Call("POST", "/admin/webhooks/deliveries/" + m[1].str() + "/redeliver",
                    "csrf_token=" + client_.csrf());
  ASSERT_EQ(again.status, 303) << again.body;
  detail = Call("GET", "/admin/webhooks/" + id);
  EXPECT_NE(detail.body.find("(redelivery)"), std::string::npos);
  // Two delivery jobs were queued for the worker.
  jobs::ListOptions jobs_of_type;
  jobs_of_type.type = std::string(webhooks::kDeliverJobType);
  auto jobs = queue_->List(jobs_of_type);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->jobs.size(), 2u);

  // Without the CSRF token nothing is created.
  auto no_csrf = Call("POST", "/admin/webhooks", "url=https%3A%2F%2Fx.example&event_types=*");
  EXPECT_EQ(no_csrf.status, 403);

  // Another org's admin cannot see it; a viewer cannot open the page.
  LogIn(b_.admin.email);
  EXPECT_EQ(Call("GET", "/admin/webhooks/" + id).status, 404);
  LogIn(a_.viewer.email);
  EXPECT_EQ(Call("GET", "/admin/webhooks").status, 403);
  EXPECT_EQ(Call("POST", "/admin/webhooks/" + id + "/test", "csrf_token=" + client_.csrf()).status, 403);
}

// The attempt log of a delivery: a successful attempt has no error and (excerpts off) no response
// body, a refused one no response either. Neither shows an empty " · " or an empty <code>, nor
// the delivery's last error (kainjow mustache renders {{#error}} for "" too, and a row's unset key
// falls back to the delivery's).
TEST_F(WebhookPagesTest, AttemptLogShowsOnlyWhatEachAttemptHas) {
  const auto admin = world_->PrincipalOf(a_.admin, a_.org, identity::Role::kOrgAdmin);
  auto endpoint = service_->CreateEndpoint(
      admin, {.url = "https://hooks.example.com/log", .event_types = std::vector<std::string>{"*"}},
      "req_1");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  auto delivery = service_->SendTest(admin, endpoint->endpoint.id, "req_2");
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  const Timestamp now = SystemClock::Get().Now();
  const Status seeded = world_->store().WithTxn([&](storage::Txn& txn) -> Status {
    for (const auto& [n, code, error] :
         {std::tuple<int, std::optional<int>, std::optional<std::string>>{1, std::nullopt,
                                                                          "connection refused"},
          {2, 200, std::nullopt}}) {
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO webhook_attempts (id, delivery_id, org_id, attempt, "
                   "started_at, duration_ms, status_code, error) VALUES ($1, $2, "
                   "$3, $4, $5, 12, $6, $7)",
                   {"wha_log" + std::to_string(n), delivery->id, a_.org.id, n, now, code, error})
              .status());
    }
    return txn
        .Exec(
            "UPDATE webhook_deliveries SET last_error = 'stale error', "
            "attempts = 2 WHERE id = $1",
            {delivery->id})
        .status();
  });
  ASSERT_TRUE(seeded.ok()) << seeded.ToString();
  LogIn(a_.admin.email);
  auto detail = Call("GET", "/admin/webhooks/" + endpoint->endpoint.id);
  ASSERT_EQ(detail.status, 200);
  const std::string log = detail.body.substr(detail.body.find("<summary>Attempts</summary>"));
  EXPECT_NE(log.find("#1 "), std::string::npos) << log;
  EXPECT_NE(log.find("status — · connection refused</li>"), std::string::npos) << log;
  EXPECT_NE(log.find("status 200</li>"), std::string::npos) << log;
  EXPECT_EQ(log.find("<code></code>"), std::string::npos) << log;
  EXPECT_EQ(log.find("stale error"), std::string::npos) << log;
}

}  // namespace
}  // namespace signx::web

namespace signx::webhooks {
namespace {

using web::testing::ExpectInert;
using web::testing::kXss;

using web::View;
using web::ViewList;
using web::Templates;

TEST(WorkTemplatesTest, WebhookPagesEscapeAndShowTheSecretOnce) {
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  ASSERT_TRUE(t.Has("admin_webhooks"));
  ASSERT_TRUE(t.Has("admin_webhook"));
  auto empty = t.Render("admin_webhooks", View(View::type::object));
  ASSERT_TRUE(empty.ok());
  EXPECT_NE(empty->find("No webhooks yet"), std::string::npos);
  EXPECT_EQ(empty->find("webhook-secret"), std::string::npos);

  View v(View::type::object);
  View e(View::type::object);
  e.set("id", "whk_1");
  e.set("url", kXss);
  e.set("event_types", kXss);
  e.set("description", kXss);
  e.set("active", true);
  v.set("endpoints", ViewList{e});
  v.set("has_endpoints", true);
  v.set("form_url", kXss);
  v.set("error_url", kXss);
  v.set("has_errors", true);
  View created = e;
  created.set("secret", "whsec_abc");
  v.set("created", created);
  v.set("has_created", true);
  auto html = t.Render("admin_webhooks", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_NE(html->find("value=\"whsec_abc\""), std::string::npos);
  EXPECT_NE(html->find("aria-describedby=\"webhook-url-error\""), std::string::npos);

  View d(View::type::object);
  d.set("endpoint", e);
  View delivery(View::type::object);
  delivery.set("id", "whd_1");
  delivery.set("event_type", kXss);
  View attempt(View::type::object);
  attempt.set("error", kXss);
  attempt.set("response", kXss);
  delivery.set("attempt_log", ViewList{attempt});
  delivery.set("has_attempts", true);
  d.set("deliveries", ViewList{delivery});
  d.set("has_deliveries", true);
  auto detail = t.Render("admin_webhook", d);
  ASSERT_TRUE(detail.ok());
  ExpectInert(*detail);
  EXPECT_NE(detail->find("/admin/webhooks/deliveries/whd_1/redeliver"), std::string::npos);
}

}  // namespace
}  // namespace signx::webhooks
