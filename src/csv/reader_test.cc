#include "csv/reader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace signx::csv {
namespace {

using Records = std::vector<std::vector<std::string>>;

// Every record of `text`, or the error.
Result<Records> All(std::string_view text, const ReaderOptions& options = {}) {
  Reader reader(text, options);
  Records out;
  std::vector<std::string> rec;
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(const bool more, reader.Next(&rec));
    if (!more) return out;
    out.push_back(rec);
  }
}

bool Contains(const Status& status, std::string_view part) {
  return status.message().find(part) != std::string_view::npos;
}

TEST(ReaderTest, QuotedNewlinesDelimitersQuotesAndBom) {
  auto t = ReadTable(
      "\xEF\xBB\xBF"
      "a,b,c\n1,\"x, y\",\"multi\nline\"\n\n2,\"say \"\"hi\"\"\",\r\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][1], "x, y");
  EXPECT_EQ(t->rows[0][2], "multi\nline");
  EXPECT_EQ(t->rows[1][1], "say \"hi\"");
  EXPECT_EQ(t->rows[1][2], "");
  EXPECT_EQ(t->ColumnIndex("c"), 2);
  EXPECT_EQ(t->ColumnIndex("d"), -1);
}

TEST(ReaderTest, OtherDelimitersAndDetection) {
  auto semi = ReadTable("a;b\n1;\"2;3\"\n", {.delimiter = ';'});
  ASSERT_TRUE(semi.ok());
  EXPECT_EQ(semi->rows[0][1], "2;3");
  EXPECT_EQ(DetectDelimiter("a;b;\"c,d\"\n1;2;3"), ';');
  EXPECT_EQ(DetectDelimiter("a\tb\n"), '\t');
  EXPECT_EQ(DetectDelimiter("a|b|c,d\n"), '|');
  EXPECT_EQ(DetectDelimiter("single"), ',');
}

TEST(ReaderTest, EmptyInputAndRaggedRecords) {
  EXPECT_FALSE(ReadTable("").ok());
  EXPECT_FALSE(ReadTable("\xEF\xBB\xBF").ok());
  auto bad = ReadTable("a,b\n1,2\n1,2,3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "CSV record 3 has 3 fields, the header has 2");
  // Without equal_width, ragged records are handed out for the caller to judge.
  auto lenient = All("a,b\n1\n1,2,3\n", {.equal_width = false});
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ((*lenient)[1].size(), 1u);
  EXPECT_EQ((*lenient)[2].size(), 3u);
}

TEST(ReaderTest, StrictModeRejectsAStrayQuoteAndAnOpenQuote) {
  auto stray = ReadTable("a,b\n1,x\"y\n");
  ASSERT_FALSE(stray.ok());
  EXPECT_TRUE(Contains(stray.status(), "CSV parse error near record 2"));
  auto open = ReadTable("a,b\n1,\"never closed\n");
  ASSERT_FALSE(open.ok());
  EXPECT_TRUE(Contains(open.status(), "at end of input"));
  EXPECT_TRUE(All("a,b\n1,x\"y\n", {.strict = false}).ok());
}

TEST(ReaderTest, RecordsBeforeAnErrorAreHandedOutThenTheErrorStays) {
  Reader reader("a,b\n1,2\n3\n");
  std::vector<std::string> rec;
  ASSERT_TRUE(*reader.Next(&rec));
  ASSERT_TRUE(*reader.Next(&rec));
  EXPECT_EQ(reader.record_number(), 2u);
  EXPECT_FALSE(reader.Next(&rec).ok());
  EXPECT_FALSE(reader.Next(&rec).ok());
}

TEST(ReaderTest, FieldCountLimitNamesTheRecordAndTheLimit) {
  auto ok = All("a,b,c\n1,2,3\n", {.limits = {.max_fields = 3}});
  EXPECT_TRUE(ok.ok());
  auto over = All("a,b,c\n1,2,3\n", {.limits = {.max_fields = 2}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(over.status().message(), "CSV record 1 exceeds the limit of 2 fields per record");
}

// Issue 19: 4 MiB of commas is one record of 4 Mi + 1 empty fields; it used to become 4 Mi
// strings in memory. The default limit stops it at the 513th field.
TEST(ReaderTest, FourMebibytesOfCommasAreRejectedByTheFieldLimit) {
  const std::string commas(4 << 20, ',');
  Reader reader(commas);
  std::vector<std::string> rec;
  auto r = reader.Next(&rec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "CSV record 1 exceeds the limit of 512 fields per record");
  EXPECT_LE(reader.bytes_read(), kChunkBytes);  // stopped in the first chunk
  auto table = ReadTable(commas);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(), "CSV record 1 exceeds the limit of 512 fields per record");
}

TEST(ReaderTest, FieldBytesLimitAlsoWhileTheFieldIsBeingRead) {
  auto ok = All("a\n12345\n", {.limits = {.max_field_bytes = 5}});
  EXPECT_TRUE(ok.ok());
  auto over = All("a\n123456\n", {.limits = {.max_field_bytes = 5}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "CSV record 2 has a field longer than the limit of 5 bytes per field");
  // A quoted field that never ends is stopped after the chunk that crosses the limit, not at the
  // end of the input.
  const std::string huge = "a\n\"" + std::string(8 * kChunkBytes, 'x');
  Reader reader(huge, {.limits = {.max_field_bytes = 1000}});
  std::vector<std::string> rec;
  ASSERT_TRUE(*reader.Next(&rec));
  auto r = reader.Next(&rec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "CSV record 2 has a field longer than the limit of 1000 bytes per field");
  EXPECT_LE(reader.bytes_read(), kChunkBytes);
}

TEST(ReaderTest, RecordBytesLimit) {
  auto ok = All("a,b\n123,45\n", {.limits = {.max_record_bytes = 5}});
  EXPECT_TRUE(ok.ok());
  auto over = All("a,b\n123,456\n", {.limits = {.max_record_bytes = 5}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "CSV record 2 exceeds the limit of 5 bytes per record");
}

TEST(ReaderTest, RecordCountLimit) {
  EXPECT_TRUE(All("a\n1\n2\n", {.limits = {.max_records = 3}}).ok());
  auto over = All("a\n1\n2\n3\n", {.limits = {.max_records = 3}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "CSV record 4 exceeds the limit of 3 records");
}

TEST(ReaderTest, StreamsAStreamInChunksAcrossRecordBoundaries) {
  std::string text = "\xEF\xBB\xBFid,note\n";
  for (int i = 0; i < 5000; ++i) text += std::to_string(i) + ",\"line\nbreak, " + "x\"\n";
  std::istringstream in(text);
  Reader reader(in);
  std::vector<std::string> rec;
  ASSERT_TRUE(*reader.Next(&rec));
  EXPECT_EQ(rec[0], "id");  // BOM stripped from the stream too
  int rows = 0;
  while (true) {
    auto more = reader.Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ASSERT_EQ(rec[0], std::to_string(rows));
    ASSERT_EQ(rec[1], "line\nbreak, x");
    ++rows;
  }
  EXPECT_EQ(rows, 5000);
  EXPECT_EQ(reader.record_number(), 5001u);
  EXPECT_EQ(reader.bytes_read(), text.size() - 3);
}

}  // namespace
}  // namespace signx::csv
