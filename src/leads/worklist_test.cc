// GET /v1/leads (the sales worklist) on SQLite and PostgreSQL.
#include "leads/worklist.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <cstdint>
#include <set>

#include "leads/outcome.h"
#include "leads/score_log.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

class WorklistTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    AddWorklistRoutes(router_, schemas_, db_->store());
    // org_a: L00..L11 with scores 0.95, 0.90, ... (tier by bucket); L03 and L04 tie at 0.80.
    metrics::Registry metrics;
    ScoreLog log(db_->store(), &metrics, {.capacity = 1000});
    for (int i = 0; i < 12; ++i) {
      const double score = (i == 4 ? 80 : 95 - 5 * i) / 100.0;
      const int bucket = 5 - std::min(4, i / 3);
      ASSERT_TRUE(log.Add({.org_id = "org_a",
                           .lead_id = fmt::format("L{:02d}", i),
                           .model_version = "leads-v1",
                           .score = score,
                           .bucket = bucket,
                           .tier = "EDCBA"[bucket - 1],
                           .request_id = "req",
                           .scored_at = clock_.Now() + std::chrono::minutes(i)}));
    }
    ASSERT_TRUE(log.Add({.org_id = "org_b",
                         .lead_id = "B1",
                         .model_version = "leads-v1",
                         .score = 0.99,
                         .bucket = 5,
                         .tier = 'A',
                         .request_id = "req",
                         .scored_at = clock_.Now()}));
    ASSERT_TRUE(log.Flush().ok());
    const identity::Actor actor{.kind = "user", .id = "usr_1", .request_id = "req"};
    ASSERT_TRUE(
        RecordOutcome(db_->store(), "org_a", "L00", {.converted = true}, actor, clock_).ok());
    ASSERT_TRUE(
        RecordOutcome(db_->store(), "org_a", "L02", {.converted = false}, actor, clock_).ok());
  }

  http::Response Get(const std::string& query, const std::string& org = "org_a") {
    http::Request req;
    req.method = "GET";
    req.path = "/v1/leads";
    req.target = req.path + (query.empty() ? "" : "?" + query);
    req.query = http::ParseQuery(query);
    req.request_id = "req-1";
    req.principal = http::Principal{.kind = "user",
                                    .subject_id = "usr_1",
                                    .org_id = org,
                                    .role = "org_member",
                                    .permissions = {"leads:read"}};
    http::Match m = router_.Find("GET", req.path);
    SIGNX_CHECK(m.route != nullptr, "no route");
    return m.route->handler(req);
  }
  static std::vector<std::string> Ids(const http::Response& r) {
    std::vector<std::string> ids;
    const json::value v = json::parse(r.body);
    for (const auto& it : v.at("items").as_array()) {
      ids.emplace_back(it.at("lead_id").as_string());
    }
    return ids;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  FakeClock clock_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(WorklistTest, BestFirstWithOutcomesAndOnlyTheCallersOrg) {
  const http::Response r = Get("limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"L00", "L01", "L02", "L03", "L04"}));
  const json::value v = json::parse(r.body);
  const json::object& first = v.at("items").at(0).as_object();
  EXPECT_EQ(first.at("score").as_double(), 0.95);
  EXPECT_EQ(first.at("tier"), "A");
  EXPECT_EQ(first.at("model_version"), "leads-v1");
  EXPECT_EQ(first.at("outcome").at("converted"), true);
  EXPECT_TRUE(v.at("items").at(1).at("outcome").is_null());
  EXPECT_FALSE(v.at("next_cursor").is_null());
  EXPECT_EQ(Ids(Get("", "org_b")), (std::vector<std::string>{"B1"}));
}

TEST_P(WorklistTest, CursorPagesThroughEveryLeadOnceIncludingTies) {
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const http::Response r = Get("limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    for (auto& id : Ids(r)) seen.push_back(id);
    const json::value next = json::parse(r.body).at("next_cursor");
    cursor = next.is_null() ? "" : std::string(next.as_string());
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(pages, 6);
  ASSERT_EQ(seen.size(), 12u);
  EXPECT_EQ(seen[3], "L03");  // the 0.80 tie: lead id order
  EXPECT_EQ(seen[4], "L04");
  EXPECT_EQ(seen.back(), "L11");
}

TEST_P(WorklistTest, FiltersByTierOutcomeAndTime) {
  EXPECT_EQ(Ids(Get("tier=A")), (std::vector<std::string>{"L00", "L01", "L02"}));
  EXPECT_EQ(Ids(Get("tier=A,B&outcome=none")),
            (std::vector<std::string>{"L01", "L03", "L04", "L05"}));
  EXPECT_EQ(Ids(Get("outcome=converted")), (std::vector<std::string>{"L00"}));
  EXPECT_EQ(Ids(Get("outcome=lost")), (std::vector<std::string>{"L02"}));
  const std::string since = FormatRfc3339(clock_.Now() + std::chrono::minutes(10));
  EXPECT_EQ(Ids(Get("scored_since=" + since)), (std::vector<std::string>{"L10", "L11"}));
}

TEST_P(WorklistTest, RepeatedTiersCountOnce) {
  EXPECT_EQ(Ids(Get("tier=B,A,A,B")), Ids(Get("tier=A,B")));
}

TEST_P(WorklistTest, AnOlderScoreNeverReplacesANewerOne) {
  // L00 was scored at t0 (0.95); a CSV job that started before that writes 0.10 for it.
  const ScoreLogEntry stale{.org_id = "org_a",
                            .lead_id = "L00",
                            .model_version = "leads-v0",
                            .score = 0.10,
                            .bucket = 1,
                            .tier = 'E',
                            .request_id = "job_old",
                            .scored_at = clock_.Now() - std::chrono::hours(1)};
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return WriteLeadScores(txn, std::span<const ScoreLogEntry>(&stale, 1));
                  })
                  .ok());
  const json::value v = json::parse(Get("limit=1").body);
  EXPECT_EQ(v.at("items").at(0).at("lead_id"), "L00");
  EXPECT_EQ(v.at("items").at(0).at("score").as_double(), 0.95);
}

TEST_P(WorklistTest, ALeadShowsWhoItIsItsReasonsAndItsScoreHistory) {
  LeadScore score{.lead_id = "L05",
                  .score = 0.42,
                  .bucket = 3,
                  .tier = 'C',
                  .model_version = "leads-v2",
                  .reasons = {{.field = "lead_source",
                               .text = "Lead source = Reference: +0.84",
                               .contribution = 0.84}}};
  json::object display{{"name", "Ada Lovelace"}, {"company", "Acme Signs"}};
  const ScoreLogEntry again =
      ScoreLogEntryOf("org_a", score, "req-2", clock_.Now() + std::chrono::hours(1), display);
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return WriteLeadScores(txn, std::span<const ScoreLogEntry>(&again, 1));
                  })
                  .ok());
  const json::value listed = json::parse(Get("outcome=none&tier=C").body);
  bool found = false;
  for (const auto& it : listed.at("items").as_array()) {
    if (it.at("lead_id") != "L05") continue;
    found = true;
    EXPECT_EQ(it.at("display").at("company"), "Acme Signs");
    EXPECT_EQ(it.at("reasons").at(0).at("text"), "Lead source = Reference: +0.84");
  }
  EXPECT_TRUE(found);

  auto d = GetLead(db_->store(), "org_a", "L05");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->lead.display.at("name"), "Ada Lovelace");
  ASSERT_EQ(d->history.size(), 2u);  // newest first
  EXPECT_EQ(d->history[0].model_version, "leads-v2");
  EXPECT_EQ(d->history[1].model_version, "leads-v1");
  // Another org's lead is not found, as an unknown one.
  EXPECT_EQ(GetLead(db_->store(), "org_b", "L05").status().code(), ErrorCode::kNotFound);
}

TEST_P(WorklistTest, AReasonsContributionComesBackAsTheExactDouble) {
  // The shortest round-trip text of this double is what the score answer gave and what is
  // stored; Boost.JSON 1.81's json::parse reads it back as 0.412933060312435, 1 ULP off.
  const double contribution = 0.41293306031243493;
  LeadScore score{
      .lead_id = "L07",
      .score = 0.61,
      .bucket = 4,
      .tier = 'B',
      .model_version = "leads-v2",
      .reasons = {
          {.field = "employees", .text = "Employees = 120: +0.41", .contribution = contribution},
          {.field = "source", .text = "Source = cold call: -1.3e-05", .contribution = -1.3e-05}}};
  const ScoreLogEntry entry =
      ScoreLogEntryOf("org_a", score, "req-4", clock_.Now() + std::chrono::hours(1));
  ASSERT_NE(entry.reasons_json.find("0.41293306031243493"), std::string::npos)
      << entry.reasons_json;
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return WriteLeadScores(txn, std::span<const ScoreLogEntry>(&entry, 1));
                  })
                  .ok());
  auto d = GetLead(db_->store(), "org_a", "L07");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->lead.reasons.size(), 2u);
  EXPECT_EQ(std::bit_cast<uint64_t>(d->lead.reasons[0].at("contribution").as_double()),
            std::bit_cast<uint64_t>(contribution));
  EXPECT_EQ(std::bit_cast<uint64_t>(d->lead.reasons[1].at("contribution").as_double()),
            std::bit_cast<uint64_t>(-1.3e-05));

  // GET /v1/leads/{lead_id} writes it as it was given.
  http::Request req;
  req.method = "GET";
  req.path = req.target = "/v1/leads/L07";
  req.request_id = "req-5";
  req.principal = http::Principal{.kind = "user",
                                  .subject_id = "usr_1",
                                  .org_id = "org_a",
                                  .role = "org_member",
                                  .permissions = {"leads:read"}};
  http::Match m = router_.Find("GET", req.path);
  ASSERT_NE(m.route, nullptr);
  req.path_params = m.params;
  const http::Response r = m.route->handler(req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("contribution":0.41293306031243493)"), std::string::npos) << r.body;
}

TEST_P(WorklistTest, AScoreAfterTheOutcomeGoesToTheHistoryOnly) {
  // L00 converted at 0.95; a re-score must not change the score monitoring judges.
  LeadScore score{
      .lead_id = "L00", .score = 0.10, .bucket = 1, .tier = 'E', .model_version = "leads-v2"};
  const ScoreLogEntry later =
      ScoreLogEntryOf("org_a", score, "req-3", clock_.Now() + std::chrono::hours(2));
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return WriteLeadScores(txn, std::span<const ScoreLogEntry>(&later, 1));
                  })
                  .ok());
  auto d = GetLead(db_->store(), "org_a", "L00");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->lead.score, 0.95);
  EXPECT_EQ(d->lead.model_version, "leads-v1");
  ASSERT_EQ(d->history.size(), 2u);
  EXPECT_EQ(d->history[0].score, 0.10);
}

TEST_P(WorklistTest, BadParametersAreNamed) {
  const http::Response r = Get("tier=F&outcome=maybe&limit=0&cursor=zz&scored_since=yesterday");
  EXPECT_EQ(r.status, 422);
  std::set<std::string> fields;
  const json::value v = json::parse(r.body);
  for (const auto& d : v.at("error").at("details").as_array()) {
    fields.insert(std::string(d.at("field").as_string()));
  }
  EXPECT_EQ(fields, (std::set<std::string>{"tier", "outcome", "limit", "cursor", "scored_since"}));
  EXPECT_EQ(Get("limit=201").status, 422);
}

INSTANTIATE_TEST_SUITE_P(Backends, WorklistTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::leads
