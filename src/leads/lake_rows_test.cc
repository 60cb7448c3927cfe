// The lake rows of scored leads: their columns, and the features text (each lead as sent, without
// the whitespace between tokens) read straight from the request body.
#include "leads/lake_rows.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/clock.h"

namespace signx::leads {
namespace {

TEST(LakeRowsTest, MinifiedJsonDropsOnlyTheSpaceBetweenTokens) {
  EXPECT_EQ(MinifiedJson(" {\n  \"a b\" : [1, 2.50 ,true],\t\"c\":\"x \\\" y\" }\r\n"),
            "{\"a b\":[1,2.50,true],\"c\":\"x \\\" y\"}");
  EXPECT_EQ(MinifiedJson("{}"), "{}");
}

// Strings are copied byte for byte whatever they hold (escaped quotes and backslashes,
// whitespace, UTF-8); text that has no space between tokens comes back as it is.
TEST(LakeRowsTest, MinifiedJsonKeepsStringsByteForByte) {
  EXPECT_EQ(MinifiedJson(R"([ "a\\" , "b\\\" c" , "\u00e9 \t" ,"é x", "" , "\\\\"] )"),
            R"(["a\\","b\\\" c","\u00e9 \t","é x","","\\\\"])");
  EXPECT_EQ(MinifiedJson(""), "");
  EXPECT_EQ(MinifiedJson("  7 "), "7");
  EXPECT_EQ(MinifiedJson("\t\r\n{ }\n"), "{}");
  const std::string compact =
      R"({"lead_id":"L 1","n":[1,-2.5e3,true,false,null,{"a":{}}],"s":"x\"y\\"})";
  EXPECT_EQ(MinifiedJson(compact), compact);
  std::string spaced;
  for (char c : compact) {
    spaced += c;
    if (c == ',' || c == ':' || c == '[' || c == '{') spaced += " \n\t";
  }
  EXPECT_EQ(MinifiedJson(spaced), compact);
  EXPECT_EQ(MinifiedJson(R"({ "a" : "x, y: [z { " , "b":[ "]" ] })"),
            R"({"a":"x, y: [z { ","b":["]"]})");
}

TEST(LakeRowsTest, MinifiedArrayElementsAreTheTopLevelArraysElements) {
  const std::string body =
      R"( {"model": {"leads": [9]}, "leads" : [ {"id": "a]", "n": [1, {"x": "}"}]} , 7,"s\"",)"
      R"( [ ], {} ,null ], "after": 1.5e3 })";
  auto e = MinifiedArrayElements(body, "leads");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, (std::vector<std::string>{R"({"id":"a]","n":[1,{"x":"}"}]})", "7", R"("s\"")", "[]",
                                          "{}", "null"}));
  auto empty = MinifiedArrayElements(R"({"leads": [ ]})", "leads");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  // No such array, twice, or spelt with escapes: the caller serialises instead.
  for (const char* none :
       {R"({"other": [1]})", R"({"leads": 1})", R"({"leads": [1], "leads": [2]})",
        R"({"le\u0061ds": [1]})", R"([{"leads": [1]}])", ""}) {
    EXPECT_FALSE(MinifiedArrayElements(none, "leads").has_value()) << none;
  }
}

TEST(LakeRowsTest, ALeadScoreRowHoldsTheDatasetsColumnsInOrder) {
  const LeadScore score{
      .lead_id = "L-1", .score = 0.25, .bucket = 2, .tier = 'D', .model_version = "leads-abc"};
  const Timestamp at = SystemClock::Get().Now();
  const lake::Row row = LeadScoreLakeRow(at, "req-9", score, R"({"lead_id":"L-1"})");
  EXPECT_EQ(row,
            (lake::Row{at, std::string("req-9"), std::string("leads-abc"), std::string("L-1"), 0.25,
                       int64_t{2}, std::string("D"), std::string(R"({"lead_id":"L-1"})")}));
  EXPECT_EQ(row.size(), LeadScoresDataset().columns.size());
}

// MinifiedArrayElements drops only the space between tokens, inside elements of any kind, and
// copies elements without such space as they are (escapes and UTF-8 untouched).
TEST(LakeRowsTest, MinifiedArrayElementsDropOnlyTheSpaceBetweenTokens) {
  auto texts = MinifiedArrayElements(
      R"({"leads":[{"a": "b c", "d" :[1, 2]},{"a":"b c"}, 7 ,"x y", -1.5e3 ,"\\"]})", "leads");
  ASSERT_TRUE(texts.has_value());
  EXPECT_EQ(*texts, (std::vector<std::string>{R"({"a":"b c","d":[1,2]})", R"({"a":"b c"})", "7",
                                              R"("x y")", "-1.5e3", R"("\\")"}));
  const std::string compact = R"({"lead_id":"L 1","x":[true,false,null]})";
  const std::string escaped = R"({"k":"\u00e9 \" "})";
  texts = MinifiedArrayElements(R"({"leads":[)" + compact + "," + escaped + "]}", "leads");
  ASSERT_TRUE(texts.has_value());
  EXPECT_EQ(*texts, (std::vector<std::string>{compact, escaped}));
}

}  // namespace
}  // namespace signx::leads
