// lead_scores (ScoreLog) and POST/GET /v1/leads/{lead_id}/outcome on SQLite and PostgreSQL.
#include "leads/outcome.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "http/openapi.h"
#include "http/router.h"
#include "leads/score_log.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

http::Principal Member(const std::string& org) {
  return {.kind = "user",
          .subject_id = "usr_" + org,
          .org_id = org,
          .role = "org_member",
          .permissions = {"leads:score", "leads:read"}};
}

ScoreLogEntry Entry(std::string org, std::string lead, double score, int bucket, Timestamp at,
                    std::string version = "leads-aaaaaaaaaaaa") {
  return {.org_id = std::move(org),
          .lead_id = std::move(lead),
          .model_version = std::move(version),
          .score = score,
          .bucket = bucket,
          .tier = "EDCBA"[bucket - 1],
          .request_id = "req-test",
          .scored_at = at};
}

class OutcomeTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    AddOutcomeRoutes(router_, schemas_, db_->store(), clock_);
  }

  http::Response Call(const std::string& method, const std::string& path, const std::string& body,
                      std::optional<std::string> org) {
    http::Request req;
    req.method = method;
    req.target = path;
    req.path = path;
    req.body = body;
    req.request_id = "req-1";
    if (org) req.principal = Member(*org);
    http::Match m = router_.Find(method, req.path);
    SIGNX_CHECK(m.route != nullptr, "no route for " + path);
    req.path_params = m.params;
    return m.route->handler(req);
  }

  int64_t Count(const std::string& sql) {
    auto rs = db_->store().Query(sql);
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    return rs->rows.at(0).Int(0);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  FakeClock clock_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(OutcomeTest, ScoreLogKeepsTheLatestScorePerLeadAndSkipsRowsWithoutIds) {
  metrics::Registry metrics;
  ScoreLog log(db_->store(), &metrics, {.capacity = 1000, .batch_rows = 3});
  const Timestamp t = clock_.Now();
  EXPECT_TRUE(log.Add(Entry("org_a", "L1", 0.10, 1, t)));
  EXPECT_TRUE(log.Add(Entry("org_a", "L1", 0.90, 5, t + std::chrono::seconds(1), "leads-bbb")));
  EXPECT_TRUE(log.Add(Entry("org_b", "L1", 0.50, 3, t)));
  EXPECT_FALSE(log.Add(Entry("", "L2", 0.5, 3, t)));     // no org: nothing can refer to it
  EXPECT_FALSE(log.Add(Entry("org_a", "", 0.5, 3, t)));  // no lead id
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_TRUE(log.Add(Entry("org_a", "L2", 0.30, 2, t)));
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_scores"), 3);
  auto rs = db_->store().Query(
      "SELECT model_version, score, bucket, tier FROM lead_scores WHERE org_id = 'org_a' AND "
      "lead_id = 'L1'");
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->rows.at(0).Text(0), "leads-bbb");
  EXPECT_DOUBLE_EQ(rs->rows.at(0).Double(1), 0.90);
  EXPECT_EQ(rs->rows.at(0).Int(2), 5);
  EXPECT_EQ(rs->rows.at(0).Text(3), "A");
  const auto stats = log.stats();
  EXPECT_EQ(stats.accepted, 4u);
  EXPECT_EQ(stats.written, 4u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_NE(metrics.Render().find("leads_score_log_rows_written_total 4"), std::string::npos);
}

TEST_P(OutcomeTest, ALeadScoredAgainWhileQueuedKeepsOneFullEntryAndEveryHistoryRow) {
  // Nothing is written until Flush: 500 scores of 2 leads wait in the queue.
  ScoreLog log(db_->store(), nullptr,
               {.capacity = 1000, .batch_rows = 1000, .flush_interval = std::chrono::hours(1)});
  const Timestamp t = clock_.Now();
  for (int i = 0; i < 500; ++i) {
    const double score = (i + 1) / 1000.0;
    ASSERT_TRUE(log.Add(
        Entry("org_a", i % 2 == 0 ? "L1" : "L2", score, 1, t + std::chrono::milliseconds(i))));
  }
  const auto queued = log.stats();
  EXPECT_EQ(queued.queued, 500u);
  EXPECT_EQ(queued.queued_leads, 2u);  // the display values and reasons of 2 leads, not 500
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_score_history"), 500);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_score_history WHERE lead_id = 'L1'"), 250);
  auto rs = db_->store().Query(
      "SELECT lead_id, score FROM lead_scores WHERE org_id = 'org_a' ORDER BY lead_id");
  ASSERT_TRUE(rs.ok());
  ASSERT_EQ(rs->rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rs->rows.at(0).Double(1), 0.499);  // L1's last score (i = 498)
  EXPECT_DOUBLE_EQ(rs->rows.at(1).Double(1), 0.500);  // L2's last score (i = 499)
  rs = db_->store().Query(
      "SELECT MIN(score), MAX(score), MIN(scored_at) < MAX(scored_at) FROM lead_score_history "
      "WHERE lead_id = 'L2'");
  ASSERT_TRUE(rs.ok());
  EXPECT_DOUBLE_EQ(rs->rows.at(0).Double(0), 0.002);
  EXPECT_DOUBLE_EQ(rs->rows.at(0).Double(1), 0.500);
  EXPECT_EQ(log.stats().queued_leads, 0u);
}

TEST_P(OutcomeTest, ALeadScoredAgainWithTheSameResultQueuesNoHistoryRow) {
  ScoreLog log(db_->store(), nullptr,
               {.capacity = 1000, .batch_rows = 1000, .flush_interval = std::chrono::hours(1)});
  const Timestamp t = clock_.Now();
  // 300 scores of one lead: 0.4 a hundred times, then 0.6 a hundred times, then 0.4 again.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(log.Add(
        Entry("org_a", "L1", i / 100 == 1 ? 0.6 : 0.4, 1, t + std::chrono::milliseconds(i))));
  }
  EXPECT_EQ(log.stats().queued, 300u);  // every score is accepted (and counted as written)
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(log.stats().written, 300u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_score_history"), 3);
  // The next flush compares with the stored history: the same score again adds no row.
  ASSERT_TRUE(log.Add(Entry("org_a", "L1", 0.4, 1, t + std::chrono::seconds(1))));
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_score_history"), 3);
  // lead_scores has the last score's time even so.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_scores WHERE scored_at = " +
                  std::to_string(UnixMicros(t + std::chrono::seconds(1)))),
            1);
}

TEST_P(OutcomeTest, FullQueueDropsAndCountsInsteadOfBlocking) {
  metrics::Registry metrics;
  // A long interval and a large batch: nothing is written until Flush, so the queue fills.
  ScoreLog log(db_->store(), &metrics,
               {.capacity = 2, .batch_rows = 100, .flush_interval = std::chrono::hours(1)});
  const Timestamp t = clock_.Now();
  EXPECT_TRUE(log.Add(Entry("org_a", "L1", 0.1, 1, t)));
  EXPECT_TRUE(log.Add(Entry("org_a", "L2", 0.1, 1, t)));
  EXPECT_FALSE(log.Add(Entry("org_a", "L3", 0.1, 1, t)));
  EXPECT_EQ(log.stats().dropped, 1u);
  EXPECT_NE(metrics.Render().find(R"(leads_score_log_dropped_total{reason="queue_full"} 1)"),
            std::string::npos);
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_scores"), 2);
  log.Shutdown();
  EXPECT_FALSE(log.Add(Entry("org_a", "L4", 0.1, 1, t)));
}

TEST_P(OutcomeTest, RecordsIdempotentlyPerLeadScopedByOrgAndAudited) {
  {
    ScoreLog log(db_->store(), nullptr);
    ASSERT_TRUE(log.Add(Entry("org_a", "L1", 0.8, 5, clock_.Now())));
    ASSERT_TRUE(log.Add(Entry("org_b", "L9", 0.2, 1, clock_.Now())));
    ASSERT_TRUE(log.Flush().ok());
  }
  auto r = Call("POST", "/v1/leads/L1/outcome",
                R"({"converted": true, "occurred_at": "2025-12-30T10:00:00Z", "note": "signed"})",
                "org_a");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("converted").as_bool(), true);
  EXPECT_EQ(o.at("created").as_bool(), true);
  EXPECT_EQ(o.at("occurred_at").as_string(), "2025-12-30T10:00:00.000Z");
  EXPECT_EQ(o.at("tier").as_string(), "A");
  EXPECT_EQ(o.at("recorded_by").as_string(), "usr_org_a");

  // Posting again replaces the outcome (one row), and is audited again.
  r = Call("POST", "/v1/leads/L1/outcome", R"({"converted": false})", "org_a");
  ASSERT_EQ(r.status, 200) << r.body;
  o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("converted").as_bool(), false);
  EXPECT_EQ(o.at("created").as_bool(), false);
  EXPECT_TRUE(o.at("note").is_null());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM lead_outcomes"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'lead_outcome.record' AND "
                  "org_id = 'org_a' AND subject_id = 'L1' AND before_sha256 IS NOT NULL"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'lead_outcome.record'"), 2);

  // Another org's lead is invisible (404), whether recording or reading.
  EXPECT_EQ(Call("POST", "/v1/leads/L9/outcome", R"({"converted": true})", "org_a").status, 404);
  EXPECT_EQ(Call("GET", "/v1/leads/L1/outcome", "", "org_b").status, 404);
  EXPECT_EQ(Call("POST", "/v1/leads/unknown/outcome", R"({"converted": true})", "org_a").status,
            404);
  auto got = Call("GET", "/v1/leads/L1/outcome", "", "org_a");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json::parse(got.body).at("converted").as_bool(), false);
  // No principal: 401.
  EXPECT_EQ(Call("POST", "/v1/leads/L1/outcome", R"({"converted": true})", std::nullopt).status,
            401);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'lead_outcome.record'"), 2);
}

TEST_P(OutcomeTest, OutcomeRightAfterTheScoreWaitsForTheQueuedScore) {
  // The writer would only write in an hour: the route flushes it when the lead is not found.
  ScoreLog log(db_->store(), nullptr,
               {.capacity = 100, .batch_rows = 100, .flush_interval = std::chrono::hours(1)});
  http::Router router;
  http::SchemaRegistry schemas;
  AddOutcomeRoutes(router, schemas, db_->store(), clock_, &log);
  ASSERT_TRUE(log.Add(Entry("org_a", "L7", 0.7, 4, clock_.Now())));
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/v1/leads/L7/outcome";
  req.body = R"({"converted": true})";
  req.request_id = "req-7";
  req.principal = Member("org_a");
  http::Match m = router.Find("POST", req.path);
  ASSERT_NE(m.route, nullptr);
  req.path_params = m.params;
  const http::Response r = m.route->handler(req);
  EXPECT_EQ(r.status, 200) << r.body;
  // Without the writer (SetUp's routes) the same call for a lead never scored stays 404.
  EXPECT_EQ(Call("POST", "/v1/leads/L8/outcome", R"({"converted": true})", "org_a").status, 404);
}

TEST_P(OutcomeTest, ValidationNamesEveryFieldAndRule) {
  auto r =
      Call("POST", "/v1/leads/L1/outcome",
           R"({"converted": "yes", "occurred_at": "yesterday", "note": 5, "extra": 1})", "org_a");
  EXPECT_EQ(r.status, 422);
  const auto details = json::parse(r.body).at("error").at("details").as_array();
  std::set<std::string> fields;
  for (const auto& d : details) fields.insert(std::string(d.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"converted", "occurred_at", "note", "extra"}));
  EXPECT_NE(r.body.find("must be a boolean"), std::string::npos);
  r = Call("POST", "/v1/leads/L1/outcome", R"({})", "org_a");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find(R"("field":"converted")"), std::string::npos);
  EXPECT_NE(r.body.find("is required"), std::string::npos);
  r = Call("POST", "/v1/leads/L1/outcome",
           json::serialize(json::object{{"converted", true}, {"note", std::string(2001, 'x')}}),
           "org_a");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("at most 2000 bytes"), std::string::npos);
  EXPECT_EQ(Call("POST", "/v1/leads/L1/outcome", "[1]", "org_a").status / 100, 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutcomeTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::leads
