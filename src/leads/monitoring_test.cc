// Monitoring math on hand-computed cases, and the leads.monitor pass on SQLite and PostgreSQL.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include <boost/json.hpp>

#include "blobs/blob_store.h"
#include "events/outbox.h"
#include "http/json.h"
#include "http/openapi.h"
#include "http/router.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "leads/monitoring.h"
#include "leads/outcome.h"
#include "leads/score_log.h"
#include "ml/registry.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

TEST(PsiTest, HandComputedCases) {
  const std::vector<double> uniform{0.2, 0.2, 0.2, 0.2, 0.2};
  // Identical distributions (counts are normalised): 0.
  EXPECT_NEAR(*PopulationStabilityIndex(uniform, std::vector<double>{7, 7, 7, 7, 7}), 0.0, 1e-12);
  // Shares .1 .2 .3 .2 .2 vs .2 each: (.1-.2)ln(.5) + (.3-.2)ln(1.5) = 0.0693147 + 0.0405465.
  EXPECT_NEAR(*PopulationStabilityIndex(uniform, std::vector<double>{10, 20, 30, 20, 20}),
              0.1098612, 1e-6);
  // An empty bucket is floored at 1e-4: (1e-4 - .5)ln(1e-4/.5) + (1 - .5)ln(1/.5).
  const double floored = (1e-4 - 0.5) * std::log(1e-4 / 0.5) + 0.5 * std::log(2.0);
  EXPECT_NEAR(*PopulationStabilityIndex(std::vector<double>{0.5, 0.5},
                                        std::vector<double>{0, 10}),
              floored, 1e-9);
  // Symmetric in the sense of the formula: swapping gives the same value for two buckets.
  EXPECT_NEAR(*PopulationStabilityIndex(std::vector<double>{0.3, 0.7},
                                        std::vector<double>{0.6, 0.4}),
              *PopulationStabilityIndex(std::vector<double>{0.6, 0.4},
                                        std::vector<double>{0.3, 0.7}),
              1e-12);
  EXPECT_FALSE(PopulationStabilityIndex(uniform, std::vector<double>{1, 2}).ok());
  EXPECT_FALSE(PopulationStabilityIndex(uniform, std::vector<double>{0, 0, 0, 0, 0}).ok());
}

TEST(PsiTest, TrainingSharesFromTheCardOrQuintiles) {
  bool from_card = true;
  auto shares = TrainingBucketShares(json::object{}, &from_card);
  EXPECT_FALSE(from_card);
  for (double s : shares) EXPECT_DOUBLE_EQ(s, 0.2);
  auto card = json::parse(R"({"model": {"training_bucket_shares": [1, 1, 1, 1, 4]}})");
  shares = TrainingBucketShares(card.as_object(), &from_card);
  EXPECT_TRUE(from_card);
  EXPECT_DOUBLE_EQ(shares[4], 0.5);
  EXPECT_DOUBLE_EQ(shares[0], 0.125);
  auto bad = json::parse(R"({"model": {"training_bucket_shares": [1, 1, "x", 1, 4]}})");
  shares = TrainingBucketShares(bad.as_object(), &from_card);
  EXPECT_FALSE(from_card);
}

std::vector<MonitoredLead> Leads(std::initializer_list<std::tuple<double, int, int>> rows) {
  // (score, bucket, outcome: -1 none, 0 lost, 1 converted)
  std::vector<MonitoredLead> out;
  for (const auto& [s, b, y] : rows) {
    MonitoredLead l{.score = s, .bucket = b};
    if (y >= 0) l.converted = y == 1;
    out.push_back(l);
  }
  return out;
}

TEST(EvaluateTest, AucBrierCalibrationAndTiersOnAHandComputedCase) {
  // Labelled: scores .1 (lost) .4 (lost) .35 (won) .8 (won): of the 4 (won, lost) pairs, 3 are
  // ordered right → AUC 0.75. Brier = (.01 + .16 + .4225 + .04) / 4 = 0.158125.
  const auto leads = Leads({{0.1, 1, 0}, {0.4, 3, 0}, {0.35, 2, 1}, {0.8, 5, 1}, {0.5, 4, -1}});
  const std::array<double, 5> uniform{0.2, 0.2, 0.2, 0.2, 0.2};
  auto r = Evaluate(leads, uniform, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scored, 5);
  EXPECT_EQ(r->labelled, 4);
  ASSERT_TRUE(r->auc.has_value());
  EXPECT_NEAR(*r->auc, 0.75, 1e-9);
  ASSERT_TRUE(r->brier.has_value());
  EXPECT_NEAR(*r->brier, 0.158125, 1e-6);
  ASSERT_TRUE(r->psi.has_value());
  EXPECT_NEAR(*r->psi, 0.0, 1e-12);  // one lead per bucket: exactly the training shares
  EXPECT_EQ(r->status, "insufficient_data");  // fewer than kMinScoredForPsi leads
  ASSERT_EQ(r->calibration.size(), 10u);
  EXPECT_EQ(r->calibration[8].count, 1u);  // 0.8
  EXPECT_DOUBLE_EQ(r->calibration[8].observed_rate, 1.0);
  EXPECT_EQ(r->converted_by_bucket[4], 1);
  EXPECT_EQ(r->labelled_by_bucket[3], 0);  // bucket 4 has no outcome
  const auto j = ToJson(*r);
  EXPECT_EQ(j.at("tiers").as_array()[0].at("tier").as_string(), "A");
  EXPECT_TRUE(j.at("tiers").as_array()[1].at("conversion_rate").is_null());  // B: no outcomes
}

TEST(EvaluateTest, StatusFollowsTheThresholds) {
  const std::array<double, 5> uniform{0.2, 0.2, 0.2, 0.2, 0.2};
  MonitorSettings s{.psi_warn = 0.1, .psi_alert = 0.25, .min_auc = 0.7, .min_labelled = 4};
  std::vector<MonitoredLead> same;
  for (int i = 0; i < 100; ++i) same.push_back({.score = 0.1 + 0.002 * i, .bucket = 1 + i % 5});
  EXPECT_EQ(Evaluate(same, uniform, s)->status, "ok");
  // 10/20/30/20/20 per 100: PSI 0.1099 → warn.
  std::vector<MonitoredLead> warn;
  const int per[5] = {10, 20, 30, 20, 20};
  for (int b = 0; b < 5; ++b) {
    for (int i = 0; i < per[b]; ++i) warn.push_back({.score = 0.5, .bucket = b + 1});
  }
  auto w = Evaluate(warn, uniform, s);
  EXPECT_EQ(w->status, "warn");
  EXPECT_NEAR(*w->psi, 0.1098612, 1e-6);
  // Everything in tier A: PSI far above 0.25 → alert.
  std::vector<MonitoredLead> skew(100, MonitoredLead{.score = 0.9, .bucket = 5});
  auto a = Evaluate(skew, uniform, s);
  EXPECT_EQ(a->status, "alert");
  EXPECT_NE(a->findings.at(0).find("psi_alert"), std::string::npos);
  // Stable tiers but the scores rank the outcomes backwards: AUC 0 < 0.7 with 4 outcomes → alert.
  auto backwards = same;
  backwards[0].converted = true;   // lowest score converted
  backwards[1].converted = true;
  backwards[98].converted = false;  // highest scores lost
  backwards[99].converted = false;
  auto b = Evaluate(backwards, uniform, s);
  EXPECT_NEAR(*b->auc, 0.0, 1e-12);
  EXPECT_EQ(b->status, "alert");
  s.min_labelled = 5;  // too few outcomes to judge the AUC
  EXPECT_EQ(Evaluate(backwards, uniform, s)->status, "ok");
}

http::Principal Reader(const std::string& org) {
  return {.kind = "user", .subject_id = "usr_" + org, .org_id = org, .role = "org_member",
          .permissions = {"leads:read", "leads:score"}};
}

class MonitorTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    root_ = std::filesystem::temp_directory_path() /
            ("signx-leadmon-" + std::to_string(::getpid()) + "-" +
             std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::move(blobs::BlobStore::Open(root_, 1 << 20)).value();
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, clock_);
    monitor_ = std::make_unique<LeadMonitor>(
        db_->store(), &outbox_, &metrics_,
        MonitorSettings{.window = std::chrono::hours(24), .min_labelled = 4}, clock_);
    AddMonitoringRoutes(router_, schemas_, *monitor_);
    AddOutcomeRoutes(router_, schemas_, db_->store(), clock_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!root_.empty()) std::filesystem::remove_all(root_, ec);
  }
  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& org, const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::ParseQuery(target.substr(q + 1));
    req.body = body;
    req.request_id = "req-m";
    req.principal = Reader(org);
    http::Match m = router_.Find(method, req.path);
    SIGNX_CHECK(m.route != nullptr, "no route for " + target);
    req.path_params = m.params;
    return m.route->handler(req);
  }
  // `n` leads of org/version, bucket by `bucket_of(i)`, scored an hour ago.
  void Score(const std::string& org, const std::string& version, int n,
             const std::function<int(int)>& bucket_of, const std::string& prefix) {
    ScoreLog log(db_->store(), nullptr);
    for (int i = 0; i < n; ++i) {
      const int b = bucket_of(i);
      ASSERT_TRUE(log.Add({.org_id = org,
                           .lead_id = prefix + std::to_string(i),
                           .model_version = version,
                           .score = 0.1 * b + 0.0001 * i,
                           .bucket = b,
                           .tier = "EDCBA"[b - 1],
                           .scored_at = clock_.Now() - std::chrono::hours(1)}));
    }
    ASSERT_TRUE(log.Flush().ok());
  }
  int64_t Events() {
    auto rs = db_->store().Query("SELECT COUNT(*) FROM events WHERE type = 'model.drift_detected'");
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    return rs->rows.at(0).Int(0);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  FakeClock clock_;
  std::filesystem::path root_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  events::Outbox outbox_;
  metrics::Registry metrics_;
  std::unique_ptr<LeadMonitor> monitor_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(MonitorTest, RunStoresReportsPerOrgRaisesDriftOnceAndExportsGauges) {
  // org_a: healthy spread over the tiers, with outcomes ranking perfectly; org_b: all tier A.
  Score("org_a", "leads-v1", 100, [](int i) { return 1 + i % 5; }, "A");
  Score("org_b", "leads-v1", 60, [](int) { return 5; }, "B");
  // Outcomes for org_a: leads in bucket 5 converted, bucket 1 did not.
  for (int i = 0; i < 10; ++i) {
    const int lead = i * 5 + (i % 2 == 0 ? 4 : 0);  // alternately a bucket-5 and a bucket-1 lead
    auto r = Call("POST", "/v1/leads/A" + std::to_string(lead) + "/outcome", "org_a",
                  i % 2 == 0 ? R"({"converted": true})" : R"({"converted": false})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A lead scored outside the window is ignored.
  {
    ScoreLog log(db_->store(), nullptr);
    ASSERT_TRUE(log.Add({.org_id = "org_a", .lead_id = "old", .model_version = "leads-v1",
                         .score = 0.5, .bucket = 3, .tier = 'C',
                         .scored_at = clock_.Now() - std::chrono::hours(48)}));
    ASSERT_TRUE(log.Flush().ok());
  }

  auto reports = monitor_->Run();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 3u);  // org "*", org_a, org_b for leads-v1
  std::map<std::string, MonitorReport> by_org;
  for (const auto& r : *reports) by_org[r.org_id] = r;
  EXPECT_EQ(by_org.at("org_a").scored, 100);
  EXPECT_EQ(by_org.at("org_a").labelled, 10);
  EXPECT_NEAR(*by_org.at("org_a").auc, 1.0, 1e-12);
  EXPECT_NEAR(*by_org.at("org_a").psi, 0.0, 1e-12);
  EXPECT_EQ(by_org.at("org_a").status, "ok");
  EXPECT_EQ(by_org.at("org_b").status, "alert");
  EXPECT_EQ(by_org.at("*").scored, 160);
  EXPECT_EQ(Events(), 1);  // org_b's transition into alert

  // Gauges carry the all-org numbers.
  const std::string exposition = metrics_.Render();
  EXPECT_NE(exposition.find(R"(leads_live_auc{model_version="leads-v1"} 1)"), std::string::npos)
      << exposition;
  EXPECT_NE(exposition.find(R"(leads_psi{model_version="leads-v1"})"), std::string::npos);
  EXPECT_NE(exposition.find(R"(leads_outcomes_labelled{model_version="leads-v1"} 10)"),
            std::string::npos);

  // Still drifting on the next run: no second event.
  clock_.Advance(std::chrono::minutes(15));
  ASSERT_TRUE(monitor_->Run().ok());
  EXPECT_EQ(Events(), 1);

  // The route shows the caller's org only, newest first.
  auto a = Call("GET", "/v1/leads/monitoring", "org_a");
  ASSERT_EQ(a.status, 200) << a.body;
  auto items = json::parse(a.body).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  for (const auto& it : items) EXPECT_EQ(it.at("org_id").as_string(), "org_a");
  EXPECT_EQ(items[0].at("scored").as_int64(), 100);
  EXPECT_EQ(items[0].at("training_shares_from").as_string(), "quintiles");
  auto b = Call("GET", "/v1/leads/monitoring?limit=1&model_version=leads-v1", "org_b");
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(json::parse(b.body).at("items").as_array().size(), 1u);
  EXPECT_EQ(json::parse(b.body).at("items").as_array()[0].at("status").as_string(), "alert");
  EXPECT_EQ(Call("GET", "/v1/leads/monitoring?limit=0", "org_b").status, 422);
  EXPECT_EQ(json::parse(Call("GET", "/v1/leads/monitoring", "org_c").body)
                .at("items").as_array().size(), 0u);

  // Another process's registry picks the gauges up from the table.
  metrics::Registry fresh;
  LeadMonitor replica(db_->store(), nullptr, &fresh, {}, clock_);
  ASSERT_TRUE(replica.RefreshGauges().ok());
  EXPECT_NE(fresh.Render().find(R"(leads_live_auc{model_version="leads-v1"} 1)"),
            std::string::npos);
}

TEST_P(MonitorTest, AnOutcomeIsJudgedOnTheScoreTheLeadHadWhenItWasRecorded) {
  ScoreLog log(db_->store(), nullptr);
  auto add = [&](const std::string& lead, const std::string& version, double score, int bucket,
                 Timestamp at) {
    ASSERT_TRUE(log.Add({.org_id = "org_a",
                         .lead_id = lead,
                         .model_version = version,
                         .score = score,
                         .bucket = bucket,
                         .tier = "EDCBA"[bucket - 1],
                         .scored_at = at}));
  };
  // L1: 0.9 (A) three hours ago, written; re-scored 0.2 (D) by leads-v2 two hours ago, a score
  // still queued when the outcome (converted) is recorded; re-scored 0.05 (E) after the outcome.
  // L2: 0.7 (B), lost, whose history is gone (pruned): its lead_scores row counts.
  add("L1", "leads-v1", 0.9, 5, clock_.Now() - std::chrono::hours(3));
  add("L2", "leads-v1", 0.7, 4, clock_.Now() - std::chrono::hours(3));
  ASSERT_TRUE(log.Flush().ok());
  add("L1", "leads-v2", 0.2, 2, clock_.Now() - std::chrono::hours(2));
  ASSERT_EQ(Call("POST", "/v1/leads/L1/outcome", "org_a", R"({"converted": true})").status, 200);
  ASSERT_EQ(Call("POST", "/v1/leads/L2/outcome", "org_a", R"({"converted": false})").status, 200);
  clock_.Advance(std::chrono::hours(1));
  add("L1", "leads-v2", 0.05, 1, clock_.Now());
  ASSERT_TRUE(log.Flush().ok());
  ASSERT_TRUE(
      db_->store()
          .WithTxn([](storage::Txn& txn) {
            return txn.Exec("DELETE FROM lead_score_history WHERE lead_id = 'L2'", {}).status();
          })
          .ok());

  auto reports = monitor_->Run();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  std::map<std::string, MonitorReport> org_a;
  for (const auto& r : *reports) {
    if (r.org_id == "org_a") org_a[r.model_version] = r;
  }
  // L1 with the 0.2 of leads-v2 it had when the outcome was recorded: Brier (1 - 0.2)^2 — neither
  // the 0.9 left in lead_scores (the 0.2 was still queued when the outcome arrived) nor the 0.05
  // after the outcome.
  ASSERT_TRUE(org_a.contains("leads-v2"));
  EXPECT_EQ(org_a.at("leads-v2").labelled, 1);
  EXPECT_EQ(org_a.at("leads-v2").labelled_by_bucket[1], 1);
  EXPECT_NEAR(*org_a.at("leads-v2").brier, 0.64, 1e-6);
  ASSERT_TRUE(org_a.contains("leads-v1"));
  EXPECT_EQ(org_a.at("leads-v1").labelled, 1);
  EXPECT_NEAR(*org_a.at("leads-v1").brier, 0.49, 1e-6);
  // The outcome shows the same score.
  const auto l1 = json::parse(Call("GET", "/v1/leads/L1/outcome", "org_a").body);
  EXPECT_EQ(l1.at("model_version").as_string(), "leads-v2");
  EXPECT_NEAR(l1.at("score").to_number<double>(), 0.2, 1e-6);
  EXPECT_EQ(l1.at("tier").as_string(), "D");
  const auto l2 = json::parse(Call("GET", "/v1/leads/L2/outcome", "org_a").body);
  EXPECT_NEAR(l2.at("score").to_number<double>(), 0.7, 1e-6);
}

TEST_P(MonitorTest, PsiIsAgainstTheTrainingSharesOfTheModelCard) {
  // The card says training put half the leads in bucket 5 and 1/8 in each other bucket; live
  // leads with the same spread have PSI 0, while quintile shares would have drifted.
  ASSERT_TRUE(registry_
                  ->Register(ml::Owner::Platform(), "leads", "leads-v3", "bundle bytes",
                             R"({"model": {"training_bucket_shares": [1, 1, 1, 1, 4]}})", "test")
                  .ok());
  Score("org_a", "leads-v3", 80, [](int i) { return i % 8 < 4 ? 5 : 1 + i % 8 - 4; }, "C");
  auto reports = monitor_->Run();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 2u);
  for (const auto& r : *reports) {
    EXPECT_TRUE(r.expected_from_card);
    EXPECT_NEAR(*r.psi, 0.0, 1e-12);
    EXPECT_EQ(r.status, "ok");
  }
}

TEST_P(MonitorTest, RecurringJobIsRegisteredAndRuns) {
  Score("org_a", "leads-v2", 60, [](int) { return 3; }, "J");
  // The `signx worker` shape: the handler owns its monitor, which appends through its own outbox.
  jobs::Queue queue(db_->store());
  auto owned = std::make_shared<LeadMonitor>(db_->store(), nullptr, nullptr,
                                             MonitorSettings{.window = std::chrono::hours(24)},
                                             clock_);
  ASSERT_TRUE(RegisterMonitorJob(queue, owned, "@every 15m").ok());
  auto rs = db_->store().Query("SELECT type FROM recurring_jobs WHERE name = 'leads.monitor'");
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  ASSERT_EQ(rs->rows.size(), 1u);
  EXPECT_EQ(rs->rows[0].Text(0), "leads.monitor");
  auto enq = queue.Enqueue({.type = std::string(kMonitorJob)});
  ASSERT_TRUE(enq.ok()) << enq.status().ToString();
  jobs::Worker worker(queue, {.threads = 1, .run_maintenance = false});
  auto ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_TRUE(*ran);
  auto job = queue.Get(enq->id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, jobs::JobState::kSucceeded) << job->last_error.value_or("");
  ASSERT_TRUE(job->result_json.has_value());
  const auto result = json::parse(*job->result_json);  // PostgreSQL re-formats JSONB
  EXPECT_EQ(result.at("models").as_array().at(0).at("status").as_string(), "alert")
      << *job->result_json;
  EXPECT_EQ(Events(), 1);  // all of org_a's leads in tier C

  jobs::Queue other(db_->store());
  EXPECT_FALSE(RegisterMonitorJob(other, *monitor_, "every now and then").ok());
  EXPECT_FALSE(other.FindHandler(kMonitorJob).has_value());
}

TEST_P(MonitorTest, OpenApiDocumentsTheRoutesAndEverySchemaResolves) {
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  auto v = json::parse(doc).as_object();
  const auto& paths = v.at("paths").as_object();
  ASSERT_EQ(router_.routes().size(), 3u);  // monitoring, outcome POST and GET
  for (const auto& route : router_.routes()) {
    EXPECT_TRUE(paths.contains(route.pattern)) << route.pattern;
    EXPECT_FALSE(route.meta.permission.empty()) << route.pattern;
  }
  const auto& components = v.at("components").at("schemas").as_object();
  for (std::size_t pos = 0; (pos = doc.find("#/components/schemas/", pos)) != std::string::npos;) {
    pos += 21;
    const std::string name = doc.substr(pos, doc.find('"', pos) - pos);
    EXPECT_TRUE(components.contains(name)) << name;
  }
  EXPECT_TRUE(components.contains("LeadOutcomeInput"));
  EXPECT_TRUE(components.contains("LeadMonitoringReport"));
}

// The real store, with the largest result any Query returned: what a pass holds at once.
class RowCountingStore : public storage::Store {
 public:
  explicit RowCountingStore(storage::Store& inner) : inner_(inner) {}
  storage::Dialect dialect() const override { return inner_.dialect(); }
  Status WithTxn(const std::function<Status(storage::Txn&)>& fn,
                 storage::TxnOptions options) override {
    return inner_.WithTxn(fn, options);
  }
  Result<storage::ResultSet> Query(std::string_view sql, const storage::Params& params) override {
    auto rs = inner_.Query(sql, params);
    if (rs.ok()) {
      ++queries_;
      max_rows_ = std::max(max_rows_, rs->rows.size());
    }
    return rs;
  }
  Status Ping() override { return inner_.Ping(); }
  storage::StoreStats Stats() const override { return inner_.Stats(); }
  std::size_t max_rows() const { return max_rows_; }
  int queries() const { return queries_; }

 private:
  storage::Store& inner_;
  std::size_t max_rows_ = 0;
  int queries_ = 0;
};

TEST_P(MonitorTest, PagesOfAFewLeadsGiveTheReportsOfOnePage) {
  // 90 leads over three orgs and two versions; every fourth has an outcome (in every org), and
  // every eighth was re-scored by the other version in another tier after its outcome, so its
  // at-outcome history row differs from lead_scores. One lead is outside the window.
  const std::vector<std::string> orgs{"org_a", "org_b", "org_c"};
  auto bucket_of = [](int i) { return 1 + (i * 7) % 5; };
  auto version_of = [](int i) { return std::string(i % 2 ? "leads-v1" : "leads-v2"); };
  {
    ScoreLog log(db_->store(), nullptr);
    for (int i = 0; i < 90; ++i) {
      const int b = bucket_of(i);
      ASSERT_TRUE(log.Add({.org_id = orgs[i % 3],
                           .lead_id = fmt::format("L{:03}", i),
                           .model_version = version_of(i),
                           .score = 0.2 * b - 0.15 + 0.001 * i,
                           .bucket = b,
                           .tier = "EDCBA"[b - 1],
                           .scored_at = clock_.Now() - std::chrono::hours(3)}));
    }
    ASSERT_TRUE(log.Add({.org_id = "org_b",
                         .lead_id = "L050x",
                         .model_version = "leads-v1",
                         .score = 0.5,
                         .bucket = 3,
                         .tier = 'C',
                         .scored_at = clock_.Now() - std::chrono::hours(48)}));
    ASSERT_TRUE(log.Flush().ok());
  }
  int outcomes = 0;
  for (int i = 0; i < 90; i += 4) {
    // Mostly the high tiers convert; every twelfth lead goes against its tier.
    const bool converted = (bucket_of(i) >= 3) != (i % 12 == 0);
    auto r = Call("POST", fmt::format("/v1/leads/L{:03}/outcome", i), orgs[i % 3],
                  converted ? R"({"converted": true})" : R"({"converted": false})");
    ASSERT_EQ(r.status, 200) << r.body;
    ++outcomes;
  }
  clock_.Advance(std::chrono::minutes(30));
  {
    ScoreLog log(db_->store(), nullptr);
    for (int i = 0; i < 90; i += 8) {
      const int b = 1 + bucket_of(i) % 5;
      ASSERT_TRUE(log.Add({.org_id = orgs[i % 3],
                           .lead_id = fmt::format("L{:03}", i),
                           .model_version = version_of(i + 1),
                           .score = 0.2 * b - 0.05,
                           .bucket = b,
                           .tier = "EDCBA"[b - 1],
                           .scored_at = clock_.Now()}));
    }
    ASSERT_TRUE(log.Flush().ok());
  }

  auto settings = [](int page_size) {
    return MonitorSettings{
        .window = std::chrono::hours(24), .min_labelled = 4, .page_size = page_size};
  };
  LeadMonitor one_page(db_->store(), &outbox_, nullptr, settings(1'000'000), clock_);
  auto whole = one_page.Run();
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  RowCountingStore counting(db_->store());
  LeadMonitor paged(counting, &outbox_, nullptr, settings(4), clock_);
  auto pages = paged.Run();
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();

  // Nothing larger than a page was read at once, over many pages.
  EXPECT_LE(counting.max_rows(), 4u);
  EXPECT_GE(counting.queries(), 90 / 4);

  ASSERT_EQ(pages->size(), whole->size());
  ASSERT_EQ(whole->size(), 8u);  // (org_a, org_b, org_c, *) × (leads-v1, leads-v2)
  int64_t all_scored = 0, all_labelled = 0;
  for (std::size_t k = 0; k < whole->size(); ++k) {
    const MonitorReport& w = (*whole)[k];
    const MonitorReport& p = (*pages)[k];
    SCOPED_TRACE(w.org_id + " " + w.model_version);
    EXPECT_EQ(p.org_id, w.org_id);
    EXPECT_EQ(p.model_version, w.model_version);
    EXPECT_EQ(p.scored, w.scored);
    EXPECT_EQ(p.labelled, w.labelled);
    EXPECT_EQ(p.bucket_counts, w.bucket_counts);
    EXPECT_EQ(p.labelled_by_bucket, w.labelled_by_bucket);
    EXPECT_EQ(p.converted_by_bucket, w.converted_by_bucket);
    for (std::size_t b = 0; b < 5; ++b) {
      EXPECT_NEAR(p.bucket_mean_score[b], w.bucket_mean_score[b], 1e-12);
    }
    EXPECT_EQ(p.psi.has_value(), w.psi.has_value());
    if (p.psi && w.psi) {
      EXPECT_NEAR(*p.psi, *w.psi, 1e-12);
    }
    EXPECT_EQ(p.auc, w.auc);
    EXPECT_EQ(p.brier.has_value(), w.brier.has_value());
    if (p.brier && w.brier) {
      EXPECT_NEAR(*p.brier, *w.brier, 1e-12);
    }
    EXPECT_EQ(p.calibration.size(), w.calibration.size());
    EXPECT_EQ(p.status, w.status);
    if (w.org_id == kAllOrgs) {
      all_scored += w.scored;
      all_labelled += w.labelled;
    }
  }
  EXPECT_EQ(all_scored, 90);
  EXPECT_EQ(all_labelled, outcomes);
  // The re-scored leads count with the score they had at their outcome: org_a's converted
  // bucket-1 leads of leads-v2 are L000 and L060; L000's lead_scores row is leads-v1, bucket 2 now.
  for (const auto& r : *pages) {
    if (r.org_id == "org_a" && r.model_version == "leads-v2") {
      EXPECT_EQ(r.converted_by_bucket[0], 2);
    }
  }
}

TEST_P(MonitorTest, StoredReportsShowTheExactDoublesTheyWereWrittenWith) {
  // Boost.JSON 1.81's json::parse reads 0.41293306031243493 as 0.412933060312435 (1 ULP off).
  const double psi = 0.41293306031243493;
  MonitorReport r{
      .org_id = "org_a", .model_version = "leads-v9", .scored = 60, .psi = psi, .status = "warn"};
  r.computed_at = r.window_end = clock_.Now();
  r.window_start = clock_.Now() - std::chrono::hours(24);
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return txn
                        .Exec(
                            "INSERT INTO lead_monitoring (id, org_id, model_version, "
                            "computed_at, window_start, window_end, scored, labelled, psi, "
                            "status, report) VALUES ('lmr_x', $1, $2, $3, $4, $5, 60, 0, $6, "
                            "'warn', $7)",
                            {std::string("org_a"), std::string("leads-v9"), r.computed_at,
                             r.window_start, r.window_end, psi,
                             storage::Json{json::serialize(ToJson(r))}})  // as Run writes it
                        .status();
                  })
                  .ok());
  auto listed = monitor_->List("org_a", std::string("leads-v9"), 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(std::bit_cast<uint64_t>(listed->at(0).at("psi").as_double()),
            std::bit_cast<uint64_t>(psi));
}

TEST_P(MonitorTest, APassReadsAtMostMaxLeadsTheFirstInKeyOrder) {
  Score("org_a", "leads-v1", 8, [](int i) { return 1 + i % 5; }, "K");
  Score("org_b", "leads-v1", 8, [](int i) { return 1 + i % 5; }, "K");
  LeadMonitor capped(db_->store(), &outbox_, nullptr,
                     {.window = std::chrono::hours(24), .page_size = 3, .max_leads = 10}, clock_);
  auto reports = capped.Run();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  std::map<std::string, int64_t> scored;
  for (const auto& r : *reports) scored[r.org_id] = r.scored;
  EXPECT_EQ(scored.at("org_a"), 8);
  EXPECT_EQ(scored.at("org_b"), 2);
  EXPECT_EQ(scored.at("*"), 10);
}

INSTANTIATE_TEST_SUITE_P(Backends, MonitorTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::leads
