#include "search/semantic.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace signx::search {
namespace {

// Two topics: words that occur together get closer vectors than words that never do.
TEST(SemanticModelTest, CooccurringTermsAreCloser) {
  std::vector<std::vector<std::pair<std::string, unsigned>>> docs;
  std::unordered_map<std::string, unsigned> df;
  const std::vector<std::vector<std::string>> topics = {
      {"Zpylon", "Zfooting", "Zconcrete", "Zanchor", "Zsteel"},
      {"Zvinyl", "Zbanner", "Zgrommet", "Zprint", "Zink"}};
  for (int i = 0; i < 40; ++i) {
    const auto& words = topics[i % 2];
    std::vector<std::pair<std::string, unsigned>> doc;
    for (std::size_t w = 0; w < words.size(); ++w) {
      if ((i / 2 + w) % 3 == 0) continue;  // each document lacks some of its topic's words
      doc.emplace_back(words[w], 1 + static_cast<unsigned>(w % 2));
    }
    doc.emplace_back("Zcommon" + std::to_string(i % 7), 1);
    for (const auto& [t, wdf] : doc) ++df[t];
    docs.push_back(std::move(doc));
  }
  auto model = SemanticModel::Build(docs, df, {.dim = 2});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const int pylon = (*model)->Find("Zpylon");
  const int footing = (*model)->Find("Zfooting");
  const int vinyl = (*model)->Find("Zvinyl");
  ASSERT_GE(pylon, 0);
  ASSERT_GE(footing, 0);
  ASSERT_GE(vinyl, 0);
  EXPECT_EQ((*model)->Find("Znever"), -1);
  EXPECT_GT((*model)->TermCosine(pylon, footing), 0.8f);
  EXPECT_LT((*model)->TermCosine(pylon, vinyl), 0.3f);
  EXPECT_NEAR((*model)->TermCosine(pylon, pylon), 1.0f, 1e-4);
}

TEST(SemanticModelTest, TooSmallCorpusIsRefused) {
  std::vector<std::vector<std::pair<std::string, unsigned>>> docs(3);
  EXPECT_EQ(SemanticModel::Build(docs, {}, {}).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signx::search
