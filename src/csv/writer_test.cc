#include "csv/writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "csv/reader.h"

namespace signx::csv {
namespace {

TEST(WriterTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(Field("plain"), "plain");
  EXPECT_EQ(Field(""), "");
  EXPECT_EQ(Field("a,b"), "\"a,b\"");
  EXPECT_EQ(Field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(Field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(Field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(Field("a;b"), "a;b");
  EXPECT_EQ(Field("a;b", {.also_quote = ";\t|"}), "\"a;b\"");
  EXPECT_EQ(Field("a;b", {.delimiter = ';'}), "\"a;b\"");
}

TEST(WriterTest, RecordsEndWithTheLineEnd) {
  std::string out;
  AppendRecord(out, {"a", "b,c", ""});
  EXPECT_EQ(out, "a,\"b,c\",\r\n");
  out.clear();
  const std::vector<std::string> fields = {"x", "y"};
  AppendRecord(out, fields, {.line_end = "\n"});
  EXPECT_EQ(out, "x,y\n");
}

TEST(WriterTest, WhatIsWrittenReadsBack) {
  const std::vector<std::string> fields = {"id", "a,b", "\"q\"", "multi\r\nline", ""};
  std::string out;
  AppendRecord(out, fields);
  AppendRecord(out, fields);
  auto table = ReadTable(out);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->header, fields);
  ASSERT_EQ(table->rows.size(), 1u);
  EXPECT_EQ(table->rows[0], fields);
}

}  // namespace
}  // namespace signx::csv
