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
  // Two tables, each written in statements of 64, 32, ..., 1 rows: small prepared statements
  // (each connection of the pool caches every shape it ran).
  EXPECT_LE(texts.size(), 14u);
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

INSTANTIATE_TEST_SUITE_P(Backends, WriteLeadScoresTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::leads
