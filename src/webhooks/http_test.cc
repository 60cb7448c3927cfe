// Webhook routes over real HTTP (a Server with AuthMiddleware, bearer tokens from /v1/auth/login)
// on SQLite and PostgreSQL: the secret shown once, 422 details, permissions, tenant isolation
// (404 for another org's ids), the delivery log and redelivery over HTTP, the OpenAPI entries.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/openapi.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "identity/auth_middleware.h"
#include "identity/routes.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/worker.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"
#include "webhooks/delivery.h"
#include "webhooks/routes.h"
#include "webhooks/testing/receiver.h"

namespace signx::webhooks {
namespace {

namespace json = boost::json;
using http::testing::RawClient;
using http::testing::RawResponse;
using identity::testing::IdentityWorld;
using identity::testing::kTestPassword;
using identity::testing::SeededOrg;
using storage::testing::Backend;
using Headers = std::map<std::string, std::string>;

class WebhookHttpTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(GetParam());
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    ASSERT_TRUE(receiver_.started());
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
    queue_ = std::make_unique<jobs::Queue>(world_->store(), world_->clock());
    // The receiver runs on loopback: allowed the way an operator would.
    WebhookSettings settings;
    settings.client.address_policy.allow = *http::ParseCidrList("127.0.0.0/8");
    service_ =
        std::make_unique<WebhookService>(world_->store(), *queue_, settings, world_->clock());
    ASSERT_TRUE(RegisterWebhookJobs(*queue_, world_->store(), settings, world_->clock()).ok());
    worker_ =
        std::make_unique<jobs::Worker>(*queue_, jobs::WorkerOptions{.run_maintenance = false});

    identity::AddIdentityRoutes(router_, schemas_, world_->service());
    AddWebhookRoutes(router_, schemas_, *service_);
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 2;
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    server_->Use(std::make_shared<identity::AuthMiddleware>(world_->service()));
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<RawClient>(server_->port());
    ASSERT_TRUE(client_->connected());
    admin_a_ = Login(a_.admin.email);
    admin_b_ = Login(b_.admin.email);
    viewer_a_ = Login(a_.viewer.email);
  }

  void TearDown() override {
    client_.reset();
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  RawResponse Call(const std::string& method, const std::string& target, const std::string& token,
                   const std::string& body = "") {
    Headers headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!body.empty()) headers["Content-Type"] = "application/json";
    auto r = client_->Request(method, target, body, headers);
    EXPECT_TRUE(r.has_value()) << method << " " << target;
    return r.value_or(RawResponse{});
  }
  std::string Login(const std::string& email) {
    auto r =
        Call("POST", "/v1/auth/login", "",
             R"({"email":")" + email + R"(","password":")" + std::string(kTestPassword) + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r).at("access_token").as_string().c_str();
  }
  static json::object Body(const RawResponse& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return !ec && v.is_object() ? v.get_object() : json::object{};
  }
  static std::vector<std::string> DetailFields(const RawResponse& r) {
    std::vector<std::string> out;
    const json::object b = Body(r);
    if (!b.contains("error")) return out;
    for (const auto& d : b.at("error").at("details").as_array()) {
      out.emplace_back(d.at("field").as_string());
    }
    return out;
  }
  int RunDue() {
    int n = 0;
    while (worker_->RunOnce().value_or(false)) ++n;
    return n;
  }

  testing::Receiver receiver_;
  std::unique_ptr<IdentityWorld> world_;
  SeededOrg a_, b_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<WebhookService> service_;
  std::unique_ptr<jobs::Worker> worker_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<RawClient> client_;
  std::string admin_a_, admin_b_, viewer_a_;
};

TEST_P(WebhookHttpTest, CreateShowsTheSecretOnceThenCrudAndRotate) {
  auto created = Call(
      "POST", "/v1/webhooks", admin_a_,
      R"({"url":")" + receiver_.url() + R"(","event_types":["project.*"],"description":"ERP"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("cache-control"), "no-store");
  const json::object ep = Body(created);
  const std::string id(ep.at("id").as_string());
  const std::string secret(ep.at("secret").as_string());
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(created.Header("location"), "/v1/webhooks/" + id);
  EXPECT_EQ(ep.at("active").as_bool(), true);

  auto got = Call("GET", "/v1/webhooks/" + id, admin_a_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_FALSE(Body(got).contains("secret"));
  EXPECT_EQ(got.body.find(secret), std::string::npos);
  auto list = Call("GET", "/v1/webhooks?limit=10", admin_a_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Body(list).at("items").as_array().size(), 1u);
  EXPECT_EQ(list.body.find(secret), std::string::npos);

  auto patched =
      Call("PATCH", "/v1/webhooks/" + id, admin_a_, R"({"event_types":["*"],"active":false})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(patched).at("active").as_bool(), false);
  EXPECT_EQ(Body(patched).at("event_types").as_array().at(0).as_string(), "*");
  EXPECT_EQ(Body(patched).at("description").as_string(), "ERP");

  auto rotated =
      Call("POST", "/v1/webhooks/" + id + "/rotate-secret", admin_a_, R"({"grace_seconds":600})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string secret2(Body(rotated).at("secret").as_string());
  EXPECT_NE(secret2, secret);
  EXPECT_FALSE(Body(rotated).at("previous_secret_expires_at").is_null());
  auto rotated_default = Call("POST", "/v1/webhooks/" + id + "/rotate-secret", admin_a_);
  EXPECT_EQ(rotated_default.status, 200) << rotated_default.body;
  EXPECT_EQ(
      Call("POST", "/v1/webhooks/" + id + "/rotate-secret", admin_a_, R"({"grace_seconds":-1})")
          .status,
      422);

  EXPECT_EQ(Call("DELETE", "/v1/webhooks/" + id, admin_a_).status, 204);
  EXPECT_EQ(Call("GET", "/v1/webhooks/" + id, admin_a_).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/webhooks/" + id, admin_a_).status, 404);
}

TEST_P(WebhookHttpTest, ValidationNamesEveryBadField) {
  auto r = Call("POST", "/v1/webhooks", admin_a_,
                R"({"url":"ftp://example.com/x","event_types":["ok.type","Bad Type"],"colour":1})");
  ASSERT_EQ(r.status, 422) << r.body;
  const auto fields = DetailFields(r);
  EXPECT_EQ(fields, (std::vector<std::string>{"colour"}));  // unknown fields first, alone
  r = Call("POST", "/v1/webhooks", admin_a_,
           R"({"url":"ftp://example.com/x","event_types":["ok.type","Bad Type"]})");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(DetailFields(r), (std::vector<std::string>{"url", "event_types[1]"}));
  EXPECT_NE(r.body.find("must be an http:// or https:// URL"), std::string::npos);
  r = Call("POST", "/v1/webhooks", admin_a_, R"({})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(DetailFields(r), (std::vector<std::string>{"url", "event_types"}));
  r = Call("POST", "/v1/webhooks", admin_a_, R"({"url":5,"event_types":"x","active":"yes"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(DetailFields(r), (std::vector<std::string>{"url", "event_types", "active"}));
  r = Call("POST", "/v1/webhooks", admin_a_, R"({"url":"https://e.com/","event_types":[]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(DetailFields(r), (std::vector<std::string>{"event_types"}));
  EXPECT_EQ(Call("GET", "/v1/webhooks?limit=0", admin_a_).status, 422);
}

// SSRF: a URL whose literal host is a refused address is a 422 naming `url` (the fixture allows
// 127.0.0.0/8 only, as an operator running a receiver on the same host would).
TEST_P(WebhookHttpTest, InternalAddressesAre422OnTheUrlField) {
  for (const std::string url :
       {"http://169.254.169.254/latest/meta-data/", "http://0x0a000001/", "http://[::1]:8080/",
        "http://localhost/", "http://192.168.0.1/", "gopher://127.0.0.1/"}) {
    auto r =
        Call("POST", "/v1/webhooks", admin_a_, R"({"url":")" + url + R"(","event_types":["*"]})");
    ASSERT_EQ(r.status, 422) << url << ": " << r.body;
    EXPECT_EQ(DetailFields(r), (std::vector<std::string>{"url"})) << r.body;
  }
  auto ok = Call("POST", "/v1/webhooks", admin_a_,
                 R"({"url":")" + receiver_.url() + R"(","event_types":["*"]})");
  EXPECT_EQ(ok.status, 201) << ok.body;
  const std::string id = Body(ok).at("id").as_string().c_str();
  auto patched = Call("PATCH", "/v1/webhooks/" + id, admin_a_,
                      R"({"url":"http://2852039166/latest/meta-data/"})");  // 169.254.169.254
  EXPECT_EQ(patched.status, 422) << patched.body;
  EXPECT_EQ(DetailFields(patched), (std::vector<std::string>{"url"}));
}

TEST_P(WebhookHttpTest, TheEndpointCapPerOrgIsA409) {
  const std::string body = R"({"url":")" + receiver_.url() + R"(","event_types":["*"]})";
  for (int i = 0; i < WebhookSettings{}.max_endpoints_per_org; ++i) {
    ASSERT_EQ(Call("POST", "/v1/webhooks", admin_a_, body).status, 201) << i;
  }
  auto over = Call("POST", "/v1/webhooks", admin_a_, body);
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_NE(over.body.find("already has 25 webhook endpoints"), std::string::npos) << over.body;
  EXPECT_EQ(Call("POST", "/v1/webhooks", admin_b_, body).status, 201);  // per org
}

TEST_P(WebhookHttpTest, PermissionsAndTenantIsolation) {
  auto created = Call("POST", "/v1/webhooks", admin_a_,
                      R"({"url":")" + receiver_.url() + R"(","event_types":["*"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(Body(created).at("id").as_string());
  auto test = Call("POST", "/v1/webhooks/" + id + "/test", admin_a_);
  ASSERT_EQ(test.status, 202) << test.body;
  const std::string delivery(Body(test).at("id").as_string());

  // No credentials: 401. A viewer lacks webhooks:admin: 403.
  EXPECT_EQ(Call("GET", "/v1/webhooks", "").status, 401);
  EXPECT_EQ(
      Call("POST", "/v1/webhooks", viewer_a_, R"({"url":"https://e.com/","event_types":["*"]})")
          .status,
      403);
  // Org B's admin: every id of org A is 404, and B's list is empty.
  const std::string b = admin_b_;
  EXPECT_EQ(Call("GET", "/v1/webhooks/" + id, b).status, 404);
  EXPECT_EQ(Call("PATCH", "/v1/webhooks/" + id, b, R"({"active":false})").status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/webhooks/" + id, b).status, 404);
  EXPECT_EQ(Call("POST", "/v1/webhooks/" + id + "/rotate-secret", b).status, 404);
  EXPECT_EQ(Call("POST", "/v1/webhooks/" + id + "/test", b).status, 404);
  EXPECT_EQ(Call("GET", "/v1/webhooks/" + id + "/deliveries", b).status, 404);
  EXPECT_EQ(Call("GET", "/v1/webhook-deliveries/" + delivery, b).status, 404);
  EXPECT_EQ(Call("POST", "/v1/webhook-deliveries/" + delivery + "/redeliver", b).status, 404);
  auto list_b = Call("GET", "/v1/webhooks", b);
  ASSERT_EQ(list_b.status, 200);
  EXPECT_TRUE(Body(list_b).at("items").as_array().empty());
  // Org A's endpoint is untouched.
  auto still = Call("GET", "/v1/webhooks/" + id, admin_a_);
  ASSERT_EQ(still.status, 200);
  EXPECT_TRUE(Body(still).at("active").as_bool());
}

TEST_P(WebhookHttpTest, DeliveryLogAndRedeliveryOverHttp) {
  auto created = Call("POST", "/v1/webhooks", admin_a_,
                      R"({"url":")" + receiver_.url() + R"(","event_types":["*"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(Body(created).at("id").as_string());
  receiver_.Script({500});
  auto test = Call("POST", "/v1/webhooks/" + id + "/test", admin_a_);
  ASSERT_EQ(test.status, 202) << test.body;
  EXPECT_EQ(Body(test).at("state").as_string(), "pending");
  EXPECT_EQ(Body(test).at("event_type").as_string(), "webhook.test");
  const std::string delivery(Body(test).at("id").as_string());
  EXPECT_EQ(RunDue(), 1);

  auto log = Call("GET", "/v1/webhooks/" + id + "/deliveries?limit=5", admin_a_);
  ASSERT_EQ(log.status, 200) << log.body;
  const json::object log_body = Body(log);
  const auto& items = log_body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  const auto& d = items[0].as_object();
  EXPECT_EQ(d.at("state").as_string(), "failed");
  EXPECT_EQ(d.at("last_status_code").as_int64(), 500);
  EXPECT_FALSE(d.at("next_attempt_at").is_null());
  ASSERT_EQ(d.at("attempts").as_array().size(), 1u);
  EXPECT_EQ(d.at("attempts").as_array()[0].at("status_code").as_int64(), 500);
  EXPECT_EQ(Call("GET", "/v1/webhooks/" + id + "/deliveries?state=failed", admin_a_).status, 200);
  EXPECT_EQ(Call("GET", "/v1/webhooks/" + id + "/deliveries?state=bogus", admin_a_).status, 400);
  // Reading the log needs events:read: whatever the roles table grants the viewer decides.
  const bool viewer_reads =
      identity::Allows(identity::PermissionsFor(identity::Role::kOrgViewer), "events:read");
  EXPECT_EQ(Call("GET", "/v1/webhooks/" + id + "/deliveries", viewer_a_).status,
            viewer_reads ? 200 : 403);

  auto again = Call("POST", "/v1/webhook-deliveries/" + delivery + "/redeliver", admin_a_);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(Body(again).at("redelivery_of").as_string(), delivery);
  EXPECT_EQ(RunDue(), 1);  // the redelivery (the original waits for its backoff)
  auto one = Call("GET", "/v1/webhook-deliveries/" + std::string(Body(again).at("id").as_string()),
                  admin_a_);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Body(one).at("state").as_string(), "succeeded");
  EXPECT_EQ(Body(one).at("attempts").as_array()[0].at("status_code").as_int64(), 200);
  ASSERT_EQ(receiver_.requests().size(), 2u);
  EXPECT_EQ(receiver_.requests()[0].body, receiver_.requests()[1].body);
}

TEST_P(WebhookHttpTest, OpenApiDocumentsEveryWebhookRoute) {
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  auto v = json::parse(doc).as_object();
  const auto& paths = v.at("paths").as_object();
  for (const auto& route : router_.routes()) {
    EXPECT_TRUE(paths.contains(route.pattern)) << route.pattern;
    EXPECT_FALSE(route.meta.permission.empty()) << route.pattern;
  }
  for (const char* p : {"/v1/webhooks", "/v1/webhooks/{id}", "/v1/webhooks/{id}/rotate-secret",
                        "/v1/webhooks/{id}/test", "/v1/webhooks/{id}/deliveries",
                        "/v1/webhook-deliveries/{id}", "/v1/webhook-deliveries/{id}/redeliver"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
  const auto& components = v.at("components").at("schemas").as_object();
  for (std::size_t pos = 0; (pos = doc.find("#/components/schemas/", pos)) != std::string::npos;) {
    pos += 21;
    const std::string name = doc.substr(pos, doc.find('"', pos) - pos);
    EXPECT_TRUE(components.contains(name)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhookHttpTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::webhooks
