// Dispatch to a PM system on SQLite and PostgreSQL, against a local receiver on 127.0.0.1 (a real
// http::Server): signed like webhooks, retried after a 503 with the same idempotency key,
// delivered once with the report link, logged; refused for a project that is not approved, a
// permanent 4xx fails at once, and 127.0.0.1 is refused when the SSRF policy does not allow it.
#include "studio/dispatch.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "estimating/service.h"
#include "http/handler.h"
#include "http/server.h"
#include "jobs/worker.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"
#include "studio/service.h"
#include "webhooks/webhook.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

struct Received {
  std::string body;
  std::string signature, delivery, key, event;
};

class StudioDispatchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-studio-dispatch-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(
        db_->store(), SystemClock::Get(),
        jobs::QueueOptions{.backoff_base = std::chrono::milliseconds(1),
                           .backoff_max = std::chrono::milliseconds(1)});
    estimating_ =
        std::make_unique<estimating::EstimatingService>(db_->store(), outbox_, *queue_, blobs_);
    studio_ = std::make_unique<StudioService>(db_->store(), outbox_, *queue_, blobs_, nullptr,
                                              *estimating_);
    // The PM system: answers the statuses queued in `answers_` (then 200).
    router_.Add(
        "POST", "/pm", {.summary = "test PM sink", .permission = std::string(http::kPublic)},
        [this](http::Request& req) {
          std::lock_guard lock(mu_);
          received_.push_back({req.body, std::string(req.Header("X-Signature").value_or("")),
                               std::string(req.Header("X-SignX-Delivery").value_or("")),
                               std::string(req.Header("Idempotency-Key").value_or("")),
                               std::string(req.Header("X-SignX-Event").value_or(""))});
          int status = 200;
          if (!answers_.empty()) {
            status = answers_.front();
            answers_.erase(answers_.begin());
          }
          return http::Response::Json(status, R"({"ok": true})");
        });
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 1;
    pool_ = std::make_unique<runtime::BlockingPool>(2, 16);
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& txn) -> Status {
                      for (const char* s : {"approved", "design"}) {
                        SIGNX_RETURN_IF_ERROR(
                            txn.Exec("INSERT INTO projects (id, org_id, name, customer, status, "
                                     "metadata, version, created_at, updated_at) VALUES ($1, "
                                     "'org_d', 'Bank sign', 'First Bank', $2, '{}', 6, 1, 1)",
                                     {std::string("prj_") + s, std::string(s)})
                                .status());
                      }
                      return Status::Ok();
                    })
                    .ok());
    auto saved = studio_->SavePayload(scope_, "prj_approved", "cabinet", {.must_not_exist = true},
                                      json::parse(R"({"material": "aluminum", "faces": 1})"));
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  DispatchSettings Settings(bool allow_loopback, int max_attempts = 5) {
    DispatchSettings s;
    s.url = fmt::format("http://127.0.0.1:{}/pm", server_->port());
    s.secret = "pm-secret";
    s.max_attempts = max_attempts;
    s.client.address_policy.enforce = true;
    if (allow_loopback) s.client.address_policy.allow = *http::ParseCidrList("127.0.0.0/8");
    return s;
  }
  // Runs dispatch jobs until the dispatch is no longer pending (bounded).
  StoredDispatch RunUntilSettled(const DispatchSettings& s, const std::string& id) {
    jobs::Queue queue(db_->store(), SystemClock::Get(),
                      {.backoff_base = std::chrono::milliseconds(1),
                       .backoff_max = std::chrono::milliseconds(1)});
    EXPECT_TRUE(RegisterDispatchJobs(queue, db_->store(), blobs_, s).ok());
    jobs::Worker worker(queue, {.types = {std::string(kDispatchJob)}});
    for (int i = 0; i < 2000; ++i) {
      auto d = studio_->GetDispatch(scope_, "prj_approved", id, nullptr);
      if (!d.ok() || d->status != "pending") break;
      if (!*worker.RunOnce()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return *studio_->GetDispatch(scope_, "prj_approved", id, nullptr);
  }

  const Scope scope_{"org_d", "usr_d"};
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<estimating::EstimatingService> estimating_;
  std::unique_ptr<StudioService> studio_;
  http::Router router_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<int> answers_;
  std::vector<Received> received_;
};

TEST_P(StudioDispatchTest, SignedRetriedIdempotentAndLogged) {
  const DispatchSettings s = Settings(true);
  studio_->SetDispatch(s);
  bool created = false;
  auto refused = studio_->RequestDispatch(scope_, "prj_design", std::nullopt, &created);
  ASSERT_EQ(refused.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(refused.status().details()[0].message, "approved");

  auto d = studio_->RequestDispatch(scope_, "prj_approved", std::nullopt, &created);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(created);
  EXPECT_EQ(d->idempotency_key, "prj_approved@v6");
  auto again = studio_->RequestDispatch(scope_, "prj_approved", std::nullopt, &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(again->id, d->id);

  answers_ = {503};
  StoredDispatch done = RunUntilSettled(s, d->id);
  EXPECT_EQ(done.status, "delivered");
  EXPECT_EQ(done.attempts, 2);
  std::vector<DispatchAttempt> log;
  ASSERT_TRUE(studio_->GetDispatch(scope_, "prj_approved", d->id, &log).ok());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].status_code, 503);
  EXPECT_EQ(log[1].status_code, 200);

  std::lock_guard lock(mu_);
  ASSERT_EQ(received_.size(), 2u);
  for (const Received& r : received_) {
    EXPECT_EQ(r.delivery, d->id);
    EXPECT_EQ(r.key, "prj_approved@v6");
    EXPECT_EQ(r.event, "project.submitted");
    // The signature verifies as a webhook receiver checks it.
    const auto t = r.signature.substr(2, r.signature.find(',') - 2);
    EXPECT_EQ(r.signature, webhooks::SignatureHeader(std::stoll(t), r.body, {"pm-secret"}));
  }
  auto body = json::parse(received_[1].body).as_object();
  EXPECT_EQ(body.at("project").at("id").as_string(), "prj_approved");
  EXPECT_EQ(body.at("project").at("customer").as_string(), "First Bank");
  EXPECT_EQ(body.at("payloads").as_array().size(), 1u);
  const std::string url(body.at("report").at("url").as_string());
  EXPECT_TRUE(url.starts_with("/v1/projects/prj_approved/reports/prp_")) << url;
  const std::string report_id(body.at("report").at("id").as_string());
  auto report = studio_->GetReport(scope_, "prj_approved", report_id);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->status, "ready");
  EXPECT_EQ(body.at("report").at("sha256").as_string(), *report->blob_sha256);
}

TEST_P(StudioDispatchTest, PermanentErrorFailsAtOnceAndTheSsrfPolicyApplies) {
  DispatchSettings s = Settings(true);
  studio_->SetDispatch(s);
  bool created = false;
  auto d = studio_->RequestDispatch(scope_, "prj_approved", "k-400", &created);
  ASSERT_TRUE(d.ok());
  answers_ = {400};
  StoredDispatch done = RunUntilSettled(s, d->id);
  EXPECT_EQ(done.status, "failed");
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(done.last_status_code, 400);

  // Without the loopback allowance the receiver is never contacted.
  DispatchSettings strict = Settings(false, 2);
  studio_->SetDispatch(strict);
  auto d2 = studio_->RequestDispatch(scope_, "prj_approved", "k-ssrf", &created);
  ASSERT_TRUE(d2.ok());
  const std::size_t before = received_.size();
  StoredDispatch blocked = RunUntilSettled(strict, d2->id);
  EXPECT_EQ(blocked.status, "failed");
  EXPECT_EQ(blocked.attempts, 2);
  EXPECT_FALSE(blocked.last_status_code.has_value());
  EXPECT_TRUE(blocked.last_error.has_value());
  EXPECT_EQ(received_.size(), before);

  // Off without a URL.
  studio_->SetDispatch({});
  EXPECT_EQ(studio_->RequestDispatch(scope_, "prj_approved", "k-off", &created).status().code(),
            ErrorCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Backends, StudioDispatchTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::studio
