// E-mailing a report on SQLite and PostgreSQL, against the local SMTP sink: the message parses,
// its PDF attachment has the report blob's SHA-256, a 4xx reply is retried by the job queue and
// the send is on the timeline once; bad addresses are a 422 naming to[i], e-mail off is a 409, a
// 5xx fails the job at once.
#include "studio/email.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <thread>

#include "base/sha256.h"
#include "estimating/service.h"
#include "jobs/worker.h"
#include "mail/testing/mime.h"
#include "mail/testing/smtp_sink.h"
#include "storage/testing/test_stores.h"
#include "studio/service.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

class StudioEmailTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    ASSERT_TRUE(sink_.started());
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-studio-email-" + std::to_string(::getpid()) + "-" +
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
    ASSERT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& txn) -> Status {
                      return txn
                          .Exec(
                              "INSERT INTO projects (id, org_id, name, customer, status, "
                              "metadata, version, created_at, updated_at) VALUES ('prj_m', "
                              "'org_m', 'Bank sign', 'First Bank', 'design', '{}', 1, 1, 1)")
                          .status();
                    })
                    .ok());
    auto saved = studio_->SavePayload(scope_, "prj_m", "cabinet", {.must_not_exist = true},
                                      json::parse(R"({"material": "aluminum", "faces": 1})"));
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
    bool created = false;
    auto r = studio_->RequestReport(scope_, "prj_m", &created);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto ready = GenerateReport(db_->store(), *blobs_, scope_, r->id);
    ASSERT_TRUE(ready.ok()) << ready.status().ToString();
    report_ = *ready;
    ASSERT_EQ(report_.status, "ready");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  mail::SmtpSettings Settings() {
    mail::SmtpSettings s;
    s.url = sink_.url();
    s.from = "SignX <no-reply@signx.test>";
    s.address_policy.allow = *http::ParseCidrList("127.0.0.0/8");
    return s;
  }
  // Runs e-mail jobs until the job is no longer queued (bounded); returns its final state.
  jobs::Job RunJob(const std::string& job_id) {
    jobs::Queue queue(db_->store(), SystemClock::Get(),
                      {.backoff_base = std::chrono::milliseconds(1),
                       .backoff_max = std::chrono::milliseconds(1)});
    EXPECT_TRUE(RegisterEmailJobs(queue, db_->store(), blobs_, Settings()).ok());
    jobs::Worker worker(queue, {.types = {std::string(kEmailJob)}});
    for (int i = 0; i < 2000; ++i) {
      auto j = queue_->Get(job_id);
      if (!j.ok() || jobs::IsTerminal(j->state)) break;
      if (!*worker.RunOnce()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return *queue_->Get(job_id);
  }
  std::vector<ProjectEvent> MailEvents() {
    std::vector<ProjectEvent> out;
    auto page = studio_->ListEvents(scope_, "prj_m", "", 100);
    EXPECT_TRUE(page.ok());
    for (const ProjectEvent& e : page->items) {
      if (e.data_json.find("report_emailed") != std::string::npos) out.push_back(e);
    }
    return out;
  }

  const Scope scope_{"org_m", "usr_m"};
  mail::testing::SmtpSink sink_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<estimating::EstimatingService> estimating_;
  std::unique_ptr<StudioService> studio_;
  StoredReport report_;
};

TEST_P(StudioEmailTest, SendsThePdfRetriesAndRecordsTheSend) {
  studio_->SetEmailEnabled(true);
  sink_.Refuse(1, 451);  // the first attempt is told to try later
  auto q = studio_->EmailReport(scope_, "prj_m", report_.id,
                                {.to = {"Ann <ann@example.com>", "bob@example.com"},
                                 .message = "Here is the report we discussed."});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  jobs::Job job = RunJob(q->job_id);
  EXPECT_EQ(job.state, jobs::JobState::kSucceeded) << job.last_error.value_or("");
  EXPECT_EQ(job.attempts, 2);
  ASSERT_TRUE(sink_.WaitFor(1));
  auto received = sink_.messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].rcpt_to, (std::vector<std::string>{"ann@example.com", "bob@example.com"}));
  mail::testing::MimeMessage m = mail::testing::ParseMime(received[0].data);
  EXPECT_EQ(m.subject, "Project report: Bank sign");
  const mail::testing::MimePart* text = m.Find("text/plain");
  ASSERT_NE(text, nullptr);
  EXPECT_NE(text->body.find("Here is the report we discussed."), std::string::npos);
  const mail::testing::MimePart* pdf = m.Find("application/pdf");
  ASSERT_NE(pdf, nullptr);
  EXPECT_EQ(pdf->filename, report_.id + ".pdf");
  EXPECT_TRUE(pdf->body.starts_with("%PDF-"));
  EXPECT_EQ(Sha256Hex(pdf->body), *report_.blob_sha256);

  std::vector<ProjectEvent> sent = MailEvents();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].actor, "usr_m");
  json::object data = json::parse(sent[0].data_json).as_object();
  EXPECT_EQ(data.at("note").as_string(),
            "report e-mailed to Ann <ann@example.com>, bob@example.com");
  EXPECT_EQ(data.at("sha256").as_string(), *report_.blob_sha256);

  // The same job run again (a crash after the send) does not send twice.
  mail::SmtpClient client(Settings());
  ASSERT_TRUE(SendReportEmail(db_->store(), *blobs_, client, scope_, q->job_id, "prj_m", report_.id,
                              {.to = {"ann@example.com"}})
                  .ok());
  EXPECT_EQ(sink_.messages().size(), 1u);
  EXPECT_EQ(MailEvents().size(), 1u);
}

TEST_P(StudioEmailTest, RefusesBadAddressesOffAndPermanentErrors) {
  studio_->SetEmailEnabled(true);
  auto bad = studio_->EmailReport(scope_, "prj_m", report_.id,
                                  {.to = {"ann@example.com", "not an address"}});
  ASSERT_EQ(bad.status().code(), ErrorCode::kValidationFailed);
  ASSERT_EQ(bad.status().details().size(), 1u);
  EXPECT_EQ(bad.status().details()[0].field, "to[1]");
  EXPECT_EQ(studio_->EmailReport(scope_, "prj_m", report_.id, {}).status().code(),
            ErrorCode::kValidationFailed);
  // Another org sees no report.
  EXPECT_EQ(
      studio_->EmailReport({"org_other", "usr_x"}, "prj_m", report_.id, {.to = {"ann@example.com"}})
          .status()
          .code(),
      ErrorCode::kNotFound);

  studio_->SetEmailEnabled(false);
  auto off = studio_->EmailReport(scope_, "prj_m", report_.id, {.to = {"ann@example.com"}});
  ASSERT_EQ(off.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(off.status().message().find("smtp.url"), std::string::npos);

  // A 5xx refusal fails the job at once: one attempt, nothing recorded.
  studio_->SetEmailEnabled(true);
  sink_.Refuse(1, 550, mail::testing::Stage::kRcpt);
  auto q = studio_->EmailReport(scope_, "prj_m", report_.id, {.to = {"gone@example.com"}});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  jobs::Job job = RunJob(q->job_id);
  EXPECT_EQ(job.state, jobs::JobState::kFailed);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_TRUE(sink_.messages().empty());
  EXPECT_TRUE(MailEvents().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StudioEmailTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::studio
