// The KeyedIn-style connector against a fake ERP: a real http::Server on 127.0.0.1 speaking the
// REST shape of connector.h, reached through the real HttpClient, on SQLite and PostgreSQL.
// Covers: sync imports (paging, totals), re-sync idempotent, the auth header, a server error →
// the job is retried, and the body of a pushed estimate.
#include "estimating/connector.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <mutex>

#include "estimating/service.h"
#include "http/json.h"
#include "http/server.h"
#include "jobs/worker.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

constexpr std::string_view kToken = "tok_keyedin_123";

json::object Line(std::string cost_type, std::string code, int64_t est, int64_t lab, int64_t bur,
                  int64_t mat) {
  return json::object{{"cost_type", cost_type},   {"date", "2026-10-05"},
                      {"work_dept", "FAB"},       {"work_code", code},
                      {"est_hrs", 4.0},           {"act_hrs", 5.0},
                      {"est_cost_cents", est},    {"act_lab_cents", lab},
                      {"act_bur_cents", bur},     {"act_mat_cents", mat},
                      {"job_cost_cents", lab + bur + mat}};
}

// The fake ERP: pages of orders, an estimates sink, and what it was sent.
class FakeKeyedIn {
 public:
  FakeKeyedIn() {
    orders_ = {
        json::object{{"work_order", "WO-1"},
                     {"updated_at", "2026-11-01T10:00:00Z"},
                     {"name", "NRG LED conversion"},
                     {"customer", "NRG"},
                     {"status", "closed"},
                     {"order_date", "2026-10-01"},
                     {"close_date", "2026-11-01"},
                     {"sign", json::object{{"width_in", 64}, {"height_in", 240},
                                           {"wind_speed_mph", 115}, {"material", "aluminum"}}},
                     {"cost_summary", json::array{Line("Labor", "0200", 26000, 30000, 27900, 0),
                                                  Line("Material", "0260", 50000, 0, 0, 61000)}}},
        json::object{{"work_order", "WO-2"}, {"updated_at", "2026-11-03T08:30:00Z"},
                     {"status", "open"}, {"order_date", "2026-11-02"}},
        json::object{{"work_order", "WO-3"},
                     {"updated_at", "2026-11-02T12:00:00+02:00"},
                     {"cost_summary", json::array{Line("Labor", "0340", 10000, 12000, 11160, 0)}}}};
    router_.Add("GET", "/api/v1/orders",
                {.summary = "orders", .permission = std::string(http::kPublic)},
                [this](http::Request& req) { return Orders(req); });
    router_.Add("POST", "/api/v1/orders/{id}/estimates",
                {.summary = "estimates", .permission = std::string(http::kPublic)},
                [this](http::Request& req) { return Estimate(req); });
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 1;
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, pool_, false);
    SIGNX_CHECK(server_->Start().ok(), "fake server");
  }
  std::string base_url() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

  void set_fail_status(int s) {
    std::lock_guard l(mu_);
    fail_status_ = s;
  }
  std::vector<std::string> auth_headers() {
    std::lock_guard l(mu_);
    return auth_;
  }
  std::vector<std::string> sinces() {
    std::lock_guard l(mu_);
    return since_;
  }
  std::vector<std::tuple<std::string, std::string, std::string>> pushes() {
    std::lock_guard l(mu_);
    return pushes_;  // (order id, idempotency key, body)
  }

 private:
  http::Response Orders(http::Request& req) {
    std::lock_guard l(mu_);
    auth_.emplace_back(req.Header("Authorization").value_or(""));
    if (fail_status_) return http::JsonResponse(fail_status_, json::object{{"error", "down"}});
    if (auth_.back() != "Bearer " + std::string(kToken)) {
      return http::JsonResponse(401, json::object{{"error", "unauthorized"}});
    }
    since_.emplace_back(req.Query("since").value_or(""));
    // Two per page; `since` is deliberately ignored so a re-sync sees every order again.
    const int page = std::stoi(std::string(req.Query("page").value_or("1")));
    json::array out;
    for (std::size_t i = static_cast<std::size_t>(page - 1) * 2;
         i < orders_.size() && i < static_cast<std::size_t>(page) * 2; ++i) {
      out.push_back(orders_[i]);
    }
    const bool more = static_cast<std::size_t>(page) * 2 < orders_.size();
    return http::JsonResponse(200, json::object{{"orders", std::move(out)},
                                                {"next_page", more ? json::value(page + 1)
                                                                   : json::value(nullptr)}});
  }
  http::Response Estimate(http::Request& req) {
    std::lock_guard l(mu_);
    auth_.emplace_back(req.Header("Authorization").value_or(""));
    pushes_.emplace_back(std::string(req.PathParam("id")),
                         std::string(req.Header("Idempotency-Key").value_or("")), req.body);
    return http::JsonResponse(201, json::object{{"ok", true}});
  }

  std::vector<json::object> orders_;
  http::Router router_;
  metrics::Registry metrics_;
  runtime::BlockingPool pool_{2, 64};
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  int fail_status_ = 0;
  std::vector<std::string> auth_, since_;
  std::vector<std::tuple<std::string, std::string, std::string>> pushes_;
};

class ConnectorTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-connector-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    client_ = std::make_shared<http::HttpClient>();
    connector_ = std::make_unique<KeyedInConnector>(
        *client_, KeyedInOptions{.base_url = fake_.base_url(), .api_token = std::string(kToken),
                                 .page_size = 2});
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }
  int64_t Count(const std::string& sql, const storage::Params& params) {
    auto rs = db_->store().Query(sql, params);
    SIGNX_CHECK(rs.ok(), std::string(rs.status().message()));
    return rs->rows[0].Int(0);
  }
  config::ConnectorsConfig Config() {
    config::ConnectorsConfig c;
    c.keyedin_base_url = fake_.base_url();
    c.keyedin_api_token = std::string(kToken);
    c.keyedin_org_id = "org_k";
    c.keyedin_page_size = 2;
    return c;
  }

  FakeKeyedIn fake_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::shared_ptr<http::HttpClient> client_;
  std::unique_ptr<KeyedInConnector> connector_;
};

TEST_P(ConnectorTest, SyncImportsAndResyncIsIdempotent) {
  const Scope scope{"org_k", "test"};
  auto first = SyncOrdersInto(db_->store(), outbox_, queue_.get(), *connector_, scope);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->fetched, 3);
  EXPECT_EQ(first->imported, 3);
  EXPECT_EQ(first->skipped, 0);
  // The newest updated_at (WO-3's +02:00 is 10:00Z, older than WO-2's 08:30Z on the 3rd).
  EXPECT_EQ(first->synced_until, "2026-11-03T08:30:00.000Z");

  auto rs = db_->store().Query(
      "SELECT p.name, p.status, p.source, c.total_cost_cents, c.labor_cost_cents, "
      "c.overhead_cost_cents, c.material_cost_cents, c.est_total_cost_cents, c.cost_date "
      "FROM projects p JOIN cost_records c ON c.project_id = p.id WHERE p.org_id = $1 AND "
      "p.external_ref = $2",
      {std::string("org_k"), std::string("keyedin:WO-1")});
  ASSERT_TRUE(rs.ok() && rs->rows.size() == 1u);
  const auto& r = rs->rows[0];
  EXPECT_EQ(r.Text(0), "NRG LED conversion");
  EXPECT_EQ(r.Text(1), "closed");  // KeyedIn "closed" (migration 0016 names)
  EXPECT_EQ(r.Text(2), "keyedin");
  EXPECT_EQ(r.Int(3), 30000 + 27900 + 61000);
  EXPECT_EQ(r.Int(4), 30000);
  EXPECT_EQ(r.Int(5), 27900);
  EXPECT_EQ(r.Int(6), 61000);
  EXPECT_EQ(r.Int(7), 26000 + 50000);
  EXPECT_EQ(r.Text(8), "2026-11-01");
  // WO-2 has no cost lines: a project without a cost record.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM projects WHERE org_id = $1", {std::string("org_k")}), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cost_records WHERE org_id = $1", {std::string("org_k")}),
            2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = $1", {std::string("order.imported")}),
            3);
  // Actual costs came in: the learning loop's evaluation is enqueued.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = $1 AND org_id = $2",
                  {std::string("estimating.evaluate_drift"), std::string("org_k")}),
            1);

  auto again = SyncOrdersInto(db_->store(), outbox_, queue_.get(), *connector_, scope);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->fetched, 3);
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->skipped, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM projects WHERE org_id = $1", {std::string("org_k")}), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = $1", {std::string("order.imported")}),
            3);
  // The second sync asked from where the first ended; pages 1-2 each time.
  const auto sinces = fake_.sinces();
  ASSERT_EQ(sinces.size(), 4u);
  EXPECT_EQ(sinces[0], "");
  EXPECT_EQ(sinces[2], "2026-11-03T08:30:00.000Z");
  // Every call carried the token.
  for (const auto& a : fake_.auth_headers()) EXPECT_EQ(a, "Bearer " + std::string(kToken));
  // Another org is untouched.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM projects WHERE org_id = $1", {std::string("org_x")}), 0);
}

TEST_P(ConnectorTest, WrongTokenIsPermissionDenied) {
  KeyedInConnector bad(*client_, {.base_url = fake_.base_url(), .api_token = "nope"});
  auto r = bad.SyncOrders("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(fake_.auth_headers().back(), "Bearer nope");
}

TEST_P(ConnectorTest, ServerErrorRetriesTheSyncJob) {
  ASSERT_TRUE(RegisterKeyedInJobs(*queue_, Config(), client_).ok());
  auto schedules = queue_->ListRecurring();
  ASSERT_TRUE(schedules.ok());
  bool scheduled = false;
  for (const auto& s : *schedules) {
    if (s.spec.type == kKeyedInSyncJob) {
      scheduled = true;
      EXPECT_EQ(s.spec.org_id.value_or(""), "org_k");
    }
  }
  EXPECT_TRUE(scheduled);
  fake_.set_fail_status(503);
  auto job = queue_->Enqueue({.type = std::string(kKeyedInSyncJob), .org_id = "org_k"});
  ASSERT_TRUE(job.ok());
  jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
  auto ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok() && *ran);
  auto j = queue_->Get(job->id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->state, jobs::JobState::kQueued);  // retried after a backoff
  EXPECT_EQ(j->attempts, 1);
  ASSERT_TRUE(j->last_error.has_value());
  EXPECT_NE(j->last_error->find("HTTP 503"), std::string::npos) << *j->last_error;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM projects WHERE org_id = $1", {std::string("org_k")}), 0);
}

TEST_P(ConnectorTest, QuoteForAnImportedOrderIsPushedBack) {
  ASSERT_TRUE(RegisterKeyedInJobs(*queue_, Config(), client_).ok());
  const Scope scope{"org_k", "test"};
  ASSERT_TRUE(SyncOrdersInto(db_->store(), outbox_, nullptr, *connector_, scope).ok());
  auto rs = db_->store().Query("SELECT id FROM projects WHERE org_id = $1 AND external_ref = $2",
                               {std::string("org_k"), std::string("keyedin:WO-1")});
  ASSERT_TRUE(rs.ok() && rs->rows.size() == 1u);
  const std::string project_id = rs->rows[0].Text(0);

  EstimatingService svc(db_->store(), outbox_, *queue_, blobs_);
  json::object body = json::parse(R"({"price_list": {"id": "pl", "version": "1",
      "method": "markup", "rate_pct": 50,
      "materials": {"acm": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 450}}},
      "request": {"quantity": 1, "parts": [{"kind": "material", "key": "acm", "usage": 10}]}})")
                          .as_object();
  body["project_id"] = project_id;
  bool replayed = false;
  auto q = svc.CreateQuote(scope, body, std::nullopt, &replayed);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = $1", {std::string("estimate.created")}),
            1);
  // A quote without an imported project pushes nothing.
  body.erase("project_id");
  ASSERT_TRUE(svc.CreateQuote(scope, body, std::nullopt, &replayed).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = $1", {std::string(kKeyedInPushJob)}), 1);

  jobs::Worker worker(*queue_, {.threads = 1, .types = {std::string(kKeyedInPushJob)},
                                .run_maintenance = false});
  auto ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok() && *ran);
  auto pushes = fake_.pushes();
  ASSERT_EQ(pushes.size(), 1u);
  const auto& [order_id, idem, sent] = pushes[0];
  EXPECT_EQ(order_id, "WO-1");
  EXPECT_EQ(idem, q->id);
  const json::object e = json::parse(sent).as_object();
  EXPECT_EQ(e.at("estimate_id").as_string(), q->id);
  EXPECT_EQ(e.at("source").as_string(), "signx");
  EXPECT_EQ(e.at("price_list_version").as_string(), "pl@1");
  EXPECT_EQ(e.at("quantity").as_int64(), 1);
  EXPECT_EQ(e.at("total_cost_cents").as_int64(), 4500);  // 10 sqft × $4.50
  EXPECT_EQ(e.at("price_cents").as_int64(), 6750);       // 50 % markup
  ASSERT_EQ(e.at("lines").as_array().size(), 1u);
  const auto& line = e.at("lines").as_array()[0].as_object();
  EXPECT_EQ(line.at("cost_cents").as_int64(), 4500);
  EXPECT_EQ(line.at("unit").as_string(), "sqft");
  EXPECT_TRUE(line.contains("description"));
  EXPECT_EQ(fake_.auth_headers().back(), "Bearer " + std::string(kToken));
  // Pushed once: a repeat (a job re-run) sends nothing.
  auto again = PushQuoteEstimate(db_->store(), *connector_, scope, q->id);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(fake_.pushes().size(), 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM connector_pushes WHERE org_id = $1",
                  {std::string("org_k")}),
            1);
}

TEST_P(ConnectorTest, OffWithoutBaseUrl) {
  ASSERT_TRUE(RegisterKeyedInJobs(*queue_, config::ConnectorsConfig{}, client_).ok());
  EXPECT_FALSE(queue_->FindHandler(kKeyedInSyncJob).has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectorTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::estimating
