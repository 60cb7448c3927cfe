// WriteLeadScores on SQLite and PostgreSQL: what it writes, and the shapes of its statements.
#include "leads/score_log.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

using storage::testing::Backend;

// A real transaction that remembers the text of every statement run through it.
class RecordingTxn final : public storage::Txn {
 public:
  explicit RecordingTxn(storage::Txn& inner) : inner_(inner) {}
  storage::Dialect dialect() const override { return inner_.dialect(); }
  Result<storage::ResultSet> Query(std::string_view sql, const storage::Params& params) override {
    texts.emplace(sql);
    return inner_.Query(sql, params);
  }
  Status ExecScript(std::string_view sql) override { return inner_.ExecScript(sql); }

  std::set<std::string, std::less<>> texts;

 private:
  storage::Txn& inner_;
};

class WriteLeadScoresTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
  }
  std::unique_ptr<storage::testing::TestDatabase> db_;
};

// Each connection prepares (and caches) every distinct statement text once: batches of any size
// must come down to a few statement shapes, or a long-running writer fills every connection's
// statement cache with large one-off INSERTs (issue 19's soak: RSS +40 % in 10 minutes).
TEST_P(WriteLeadScoresTest, BatchesOfAnySizeUseAFewStatementShapes) {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 40; ++n) sizes.push_back(n);
  for (std::size_t n : {97, 255, 499, 500, 501, 777, 1000, 1234, 2000}) sizes.push_back(n);
  const Timestamp at = FromUnixMicros(1'790'000'000'000'000);
  std::set<std::string, std::less<>> texts;
  std::size_t total = 0;
  for (std::size_t n : sizes) {
    std::vector<ScoreLogEntry> batch;
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back({.org_id = "org_a",
                       .lead_id = fmt::format("L{}-{}", n, i),
                       .model_version = "leads-v1",
                       .score = 0.5,
                       .bucket = 3,
                       .tier = 'C',
                       .request_id = "req",
                       .scored_at = at});
    }
    total += n;
    ASSERT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& txn) {
                      RecordingTxn recording(txn);
                      Status st = WriteLeadScores(recording, batch);
                      texts.merge(recording.texts);
                      return st;
                    })
                    .ok());
  }
  // Two tables written and the history's newest rows read, each in statements of 64, 32, ..., 1
  // rows: small prepared statements (each connection of the pool caches every shape it ran).
  EXPECT_LE(texts.size(), 21u);
  for (const std::string& text : texts) {
    std::size_t rows = 0;
    for (std::size_t at = text.find("($"); at != std::string::npos; at = text.find("($", at + 1)) {
      ++rows;
    }
    EXPECT_LE(rows, 64u) << text.substr(0, 80);
  }
  auto count = [&](const char* table) {
    auto rs = db_->store().Query(fmt::format("SELECT count(*) FROM {} WHERE org_id = $1", table),
                                 {"org_a"});
    EXPECT_TRUE(rs.ok()) << rs.status().message();
    return rs.ok() ? static_cast<std::size_t>(rs->rows.at(0).Int(0)) : 0;
  };
  EXPECT_EQ(count("lead_scores"), total);
  EXPECT_EQ(count("lead_score_history"), total);
}

// The history is a change log: a lead scored again with the same model, score and tier keeps its
// earlier row, within one call and across calls; a new score or a new model adds a row.
TEST_P(WriteLeadScoresTest, HistoryKeepsARowForEachChangeOfALeadsScore) {
  const Timestamp t0 = FromUnixMicros(1'790'000'000'000'000);
  int tick = 0;
  auto entry = [&](std::string lead, std::string model, double score, char tier) {
    return ScoreLogEntry{.org_id = "org_a",
                         .lead_id = std::move(lead),
                         .model_version = std::move(model),
                         .score = score,
                         .bucket = 3,
                         .tier = tier,
                         .request_id = fmt::format("req-{}", tick),
                         .scored_at = t0 + std::chrono::seconds(tick++)};
  };
  auto write = [&](std::vector<ScoreLogEntry> batch) {
    ASSERT_TRUE(
        db_->store().WithTxn([&](storage::Txn& txn) { return WriteLeadScores(txn, batch); }).ok());
  };
  // One call: L1 repeats, changes, repeats, changes back; L2 once.
  write({entry("L1", "m1", 0.5, 'C'), entry("L1", "m1", 0.5, 'C'), entry("L2", "m1", 0.9, 'A'),
         entry("L1", "m1", 0.7, 'B'), entry("L1", "m1", 0.7, 'B'), entry("L1", "m1", 0.5, 'C')});
  // Later calls compare with the stored history: a repeat of L1's newest row adds nothing, a new
  // model with the same score adds a row, and so does a new lead in another org.
  write({entry("L1", "m1", 0.5, 'C'), entry("L2", "m1", 0.9, 'A')});
  write({entry("L1", "m2", 0.5, 'C')});
  std::vector<ScoreLogEntry> other{entry("L1", "m1", 0.5, 'C')};
  other[0].org_id = "org_b";
  write(other);

  auto rs = db_->store().Query(
      "SELECT org_id, lead_id, model_version, score, tier, request_id FROM lead_score_history "
      "ORDER BY org_id, lead_id, scored_at");
  ASSERT_TRUE(rs.ok()) << rs.status().message();
  std::vector<std::string> got;
  for (const storage::Row& r : rs->rows) {
    got.push_back(fmt::format("{} {} {} {} {} {}", r.Text(0), r.Text(1), r.Text(2), r.Double(3),
                              r.Text(4), r.Text(5)));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"org_a L1 m1 0.5 C req-0", "org_a L1 m1 0.7 B req-3",
                                           "org_a L1 m1 0.5 C req-5", "org_a L1 m2 0.5 C req-8",
                                           "org_a L2 m1 0.9 A req-2", "org_b L1 m1 0.5 C req-9"}));
  // lead_scores still has every lead's latest score (its scored_at and request id included).
  rs = db_->store().Query(
      "SELECT request_id FROM lead_scores WHERE org_id = 'org_a' ORDER BY lead_id");
  ASSERT_TRUE(rs.ok()) << rs.status().message();
  ASSERT_EQ(rs->rows.size(), 2u);
  EXPECT_EQ(rs->rows[0].Text(0), "req-8");
  EXPECT_EQ(rs->rows[1].Text(0), "req-7");
}

INSTANTIATE_TEST_SUITE_P(Backends, WriteLeadScoresTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::leads
