// DiffTexts and value extraction (pure), for the project's "what changed" view (changes.h).
#include "documents/changes.h"

#include <gtest/gtest.h>

namespace signx::documents {
namespace {

std::vector<PageRow> Pages(std::initializer_list<std::string> texts) {
  std::vector<PageRow> out;
  int n = 0;
  for (const auto& t : texts) out.push_back({++n, t, false});
  return out;
}

TEST(ChangesTest, ExtractsAmountsDatesAndQuantities) {
  EXPECT_EQ(ExtractValues("Install 2 pylon signs for $12,500.00 by March 15, 2027 within 30 days."),
            (std::vector<std::pair<std::string, std::string>>{{"quantity", "2 pylon"},
                                                              {"amount", "$12,500.00"},
                                                              {"date", "March 15, 2027"},
                                                              {"quantity", "30 days"}}));
  EXPECT_EQ(ExtractValues("Due 2027-01-31, retainage 10 percent, 4,000 USD."),
            (std::vector<std::pair<std::string, std::string>>{
                {"date", "2027-01-31"}, {"quantity", "10 percent"}, {"amount", "4,000 USD"}}));
}

TEST(ChangesTest, AlignsSentencesAndReportsAddedRemovedAndChangedValues) {
  const auto rfp =
      Pages({"Request for Proposal. The vendor shall install 2 pylon signs at the "
             "north entrance. Work must finish by March 15, 2027. The budget is "
             "$12,500.00 including permits.",
             "Insurance certificates are due before mobilisation. Night work is "
             "not permitted."});
  const auto contract =
      Pages({"Request for Proposal. The vendor shall install 3 pylon signs at "
             "the north entrance. Work must finish by April 30, 2027. The "
             "budget is $14,200.00 including permits.",
             "Insurance certificates are due before mobilisation. Liquidated "
             "damages of $250 per day apply after the completion date."});
  const TextDiff d = DiffTexts(rfp, contract);
  EXPECT_EQ(d.unchanged, 2);  // the title and the insurance sentence
  std::vector<std::string> kinds;
  for (const auto& c : d.changes) kinds.push_back(c.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"changed", "changed", "changed", "removed", "added"}));
  ASSERT_EQ(d.changes.size(), 5u);
  const Change& signs = d.changes[0];
  ASSERT_TRUE(signs.from && signs.to);
  EXPECT_EQ(signs.from->page, 1);
  EXPECT_EQ(rfp[0].text.substr(signs.from->start, signs.from->end - signs.from->start),
            signs.from->text);
  ASSERT_EQ(signs.values.size(), 1u);
  EXPECT_EQ(signs.values[0].kind, "quantity");
  EXPECT_EQ(signs.values[0].from, "2 pylon");
  EXPECT_EQ(signs.values[0].to, "3 pylon");
  bool saw_delete = false, saw_insert = false;
  for (const auto& w : signs.diff) {
    saw_delete |= w.op == "delete" && w.text == "2";
    saw_insert |= w.op == "insert" && w.text == "3";
  }
  EXPECT_TRUE(saw_delete && saw_insert);
  ASSERT_EQ(d.changes[1].values.size(), 1u);
  EXPECT_EQ(d.changes[1].values[0].kind, "date");
  EXPECT_EQ(d.changes[1].values[0].from, "March 15, 2027");
  EXPECT_EQ(d.changes[1].values[0].to, "April 30, 2027");
  ASSERT_EQ(d.changes[2].values.size(), 1u);
  EXPECT_EQ(d.changes[2].values[0].kind, "amount");
  EXPECT_EQ(d.changes[2].values[0].from, "$12,500.00");
  EXPECT_EQ(d.changes[2].values[0].to, "$14,200.00");
  EXPECT_EQ(d.changes[3].from->text, "Night work is not permitted.");
  EXPECT_EQ(d.changes[3].from->page, 2);
  EXPECT_EQ(d.changes[4].to->page, 2);
  EXPECT_NE(d.changes[4].to->text.find("Liquidated damages"), std::string::npos);
}

TEST(ChangesTest, IdenticalDocumentsHaveNoChanges) {
  const auto a = Pages({"One sentence. Another one.", "Page two."});
  const TextDiff d = DiffTexts(a, a);
  EXPECT_TRUE(d.changes.empty());
  EXPECT_EQ(d.unchanged, 3);
}

}  // namespace
}  // namespace signx::documents
