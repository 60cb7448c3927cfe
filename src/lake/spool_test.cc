#include "lake/spool.h"

#include <gtest/gtest.h>

#include <string>

namespace signx::lake::spool {
namespace {

DatasetSchema Schema() {
  return {"scores",
          {{"id", ColumnType::kString},
           {"ts", ColumnType::kTimestamp},
           {"score", ColumnType::kDouble},
           {"bucket", ColumnType::kInt64},
           {"ok", ColumnType::kBool}},
          "ts"};
}

Row RowOf(int i) {
  Row r = {std::string("row_") + std::to_string(i), FromUnixMicros(1'767'225'600'000'000 + i),
           0.5 * i, int64_t{i} - 3, i % 2 == 0};
  if (i % 3 == 0) r[2] = std::monostate{};
  if (i % 4 == 0) r[0] = std::string();  // empty, not NULL
  return r;
}

std::string File(int rows) {
  std::string out(kMagic);
  AppendDatasetRecord(7, Schema(), &out);
  for (int i = 0; i < rows; ++i) AppendRowRecord(7, {2026, 1 + i % 12}, RowOf(i), &out);
  return out;
}

TEST(SpoolTest, Crc32cMatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  const std::string long_text(1000, 'x');
  // Hardware and table paths agree on lengths that are not multiples of 8 as well.
  EXPECT_NE(Crc32c(long_text), Crc32c(long_text.substr(1)));
}

TEST(SpoolTest, RowsRoundTripWithEveryTypeAndNull) {
  const std::string bytes = File(20);
  auto c = Parse(bytes);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->skipped_bytes, 0u);
  EXPECT_EQ(c->valid_bytes, bytes.size());
  ASSERT_EQ(c->datasets.size(), 1u);
  EXPECT_EQ(c->datasets.at(7).name, "scores");
  EXPECT_EQ(c->datasets.at(7).partition_by, "ts");
  ASSERT_EQ(c->rows.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(c->rows[i].dataset_id, 7u);
    EXPECT_EQ(c->rows[i].partition, (Partition{2026, 1 + i % 12}));
    EXPECT_EQ(DecodeRow(Schema(), c->rows[i].cells), RowOf(i)) << i;
  }
}

TEST(SpoolTest, ATornTailAtAnyByteKeepsEveryCompleteRecordBeforeIt) {
  const std::string bytes = File(5);
  // Record boundaries: parse the whole file record by record.
  std::vector<size_t> ends;
  for (int n = 0; n <= 5; ++n) ends.push_back(File(n).size());
  for (size_t cut = kMagic.size() + 1; cut < bytes.size(); ++cut) {
    auto c = Parse(std::string_view(bytes).substr(0, cut));
    ASSERT_TRUE(c.ok()) << cut;
    size_t complete = 0;
    while (complete + 1 < ends.size() && ends[complete + 1] <= cut) ++complete;
    EXPECT_EQ(c->rows.size(), complete) << "cut at " << cut;
    EXPECT_EQ(c->valid_bytes + c->skipped_bytes, cut);
    EXPECT_EQ(c->skipped_bytes > 0, cut != ends[complete]) << cut;
  }
  // Cut inside the magic: an empty file, nothing to convert.
  auto head = Parse(std::string_view(bytes).substr(0, 3));
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(head->rows.empty());
}

TEST(SpoolTest, DamageStopsReadingAtTheDamagedRecord) {
  std::string bytes = File(6);
  const size_t third_row_start = File(2).size();
  bytes[third_row_start + 12] ^= 0x40;  // a payload byte of row 2
  auto c = Parse(bytes);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rows.size(), 2u);
  EXPECT_EQ(c->valid_bytes, third_row_start);
  EXPECT_NE(c->skipped_reason.find("checksum"), std::string::npos) << c->skipped_reason;

  // A tail of zeros (a file extended but never written, after a machine crash).
  std::string zeros = File(3) + std::string(64, '\0');
  auto z = Parse(zeros);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->rows.size(), 3u);
  EXPECT_EQ(z->skipped_bytes, 64u);
}

TEST(SpoolTest, RowsOfAnUnknownDatasetAreDamageAndOtherFilesAreRefused) {
  std::string bytes(kMagic);
  AppendRowRecord(1, {2026, 1}, RowOf(1), &bytes);
  auto c = Parse(bytes);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->rows.empty());
  EXPECT_GT(c->skipped_bytes, 0u);

  EXPECT_FALSE(Parse("PAR1 something else").ok());
}

}  // namespace
}  // namespace signx::lake::spool
