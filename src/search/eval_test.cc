#include "search/eval.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace signx::search {
namespace {

// Hand-computed: DCG = Σ grade / log2(rank + 1).
TEST(NdcgTest, BinaryGradesByHand) {
  // Relevant a, b, c; ranking a, x, b. DCG = 1/log2(2) + 1/log2(4) = 1.5;
  // IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.1309298; nDCG = 0.7039180.
  const std::map<std::string, int> judged{{"a", 1}, {"b", 1}, {"c", 1}};
  EXPECT_NEAR(NdcgAt({"a", "x", "b"}, judged, 10), 0.7039180, 1e-6);
  // Cut at 1: only "a" counts; IDCG@1 = 1.
  EXPECT_NEAR(NdcgAt({"a", "x", "b"}, judged, 1), 1.0, 1e-12);
  EXPECT_NEAR(NdcgAt({"x", "a"}, judged, 1), 0.0, 1e-12);
  // Perfect ranking.
  EXPECT_NEAR(NdcgAt({"c", "b", "a"}, judged, 10), 1.0, 1e-12);
}

TEST(NdcgTest, GradedAndNonRelevantJudgments) {
  // a:2, b:1, z:0 (judged non-relevant). Ranking b, a: DCG = 1 + 2/log2(3) = 2.2618595;
  // IDCG = 2 + 1/log2(3) = 2.6309298; nDCG = 0.8597187.
  const std::map<std::string, int> judged{{"a", 2}, {"b", 1}, {"z", 0}};
  EXPECT_NEAR(NdcgAt({"b", "a"}, judged, 10), 0.8597187, 1e-6);
  EXPECT_NEAR(NdcgAt({"z"}, judged, 10), 0.0, 1e-12);
  EXPECT_EQ(NdcgAt({"a"}, {{"z", 0}}, 10), 0.0);  // no relevant document
}

TEST(RecallTest, ByHand) {
  const std::map<std::string, int> judged{{"a", 1}, {"b", 1}, {"c", 1}};
  EXPECT_NEAR(RecallAt({"a", "x", "b"}, judged, 2), 1.0 / 3, 1e-12);
  EXPECT_NEAR(RecallAt({"a", "x", "b"}, judged, 100), 2.0 / 3, 1e-12);
  EXPECT_EQ(RecallAt({}, judged, 100), 0.0);
}

TEST(BeirTest, ReadsTheLayoutWithHeaderAndCrlf) {
  const auto dir = std::filesystem::temp_directory_path() / "signx_eval_test_beir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "qrels");
  std::ofstream(dir / "corpus.jsonl")
      << R"({"_id": "d1", "title": "T", "text": "x", "metadata": {}})"
      << "\n"
      << R"({"_id": 2, "title": "", "text": "y"})"
      << "\n";
  std::ofstream(dir / "queries.jsonl") << R"({"_id": "q1", "text": "what"})"
                                       << "\n";
  std::ofstream(dir / "qrels" / "test.tsv") << "query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\n";
  auto set = ReadBeir(dir.string(), "test");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->corpus.size(), 2u);
  EXPECT_EQ(set->corpus[1].id, "2");
  EXPECT_EQ(set->queries.at("q1"), "what");
  EXPECT_EQ(set->qrels.at("q1").at("d1"), 1);
  EXPECT_EQ(ReadBeir(dir.string(), "train").status().code(), ErrorCode::kNotFound);
  std::ofstream(dir / "qrels" / "bad.tsv") << "q1\td1\n";
  EXPECT_EQ(ReadBeir(dir.string(), "bad").status().code(), ErrorCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace signx::search
