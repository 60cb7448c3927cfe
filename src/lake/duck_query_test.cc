#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/duck.h"
#include "lake/query.h"
#include "lake/schema.h"

namespace signx::lake {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using Cells = std::vector<std::optional<std::string>>;

TEST(DuckTest, LibraryIsThePinnedVersion) { EXPECT_EQ(duck::LibraryVersion(), "v1.4.4"); }

TEST(DuckTest, QuotingDoublesQuotes) {
  EXPECT_EQ(duck::QuoteIdent("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(duck::QuoteString("it's"), "'it''s'");
}

TEST(DuckTest, PreparedAndQueryRoundTrip) {
  auto db = duck::Database::Open("");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto conn = duck::Connection::Open(*db);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Execute("SET TimeZone = 'UTC'; "
                            "CREATE TABLE t (b BOOLEAN, i BIGINT, d DOUBLE, s VARCHAR, "
                            "ts TIMESTAMPTZ)")
                  .ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (true, 42, 2.5, 'h\"i''', "
                            "'2026-01-01 00:00:00+00'), (NULL, NULL, NULL, NULL, NULL)")
                  .ok());
  auto prep = duck::Prepared::Create(
      *conn, "SELECT b, i, d, s, ts::VARCHAR AS ts FROM t WHERE i = $1 OR $2");
  ASSERT_TRUE(prep.ok()) << prep.status().ToString();
  ASSERT_TRUE(prep->Bind(1, int64_t{42}).ok());
  ASSERT_TRUE(prep->Bind(2, false).ok());
  auto rows = prep->Execute();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"b", "i", "d", "s", "ts"}));
  EXPECT_EQ(rows->types[1], "BIGINT");
  EXPECT_EQ(rows->types[4], "VARCHAR");
  ASSERT_THAT(rows->rows, SizeIs(1));
  EXPECT_EQ(rows->rows[0], (Cells{"true", "42", "2.5", "h\"i'", "2026-01-01 00:00:00+00"}));

  // A single SELECT renders every type through DuckDB's VARCHAR cast and keeps the real types.
  auto all = conn->Query(
      "SELECT ts, [i, i + 1] AS l, {'k': i} AS st, 'x'::ENUM('x', 'y') AS e FROM t WHERE i = 42;");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->types,
            (std::vector<std::string>{"TIMESTAMP WITH TIME ZONE", "LIST", "STRUCT", "ENUM"}));
  EXPECT_EQ(all->rows[0], (Cells{"2026-01-01 00:00:00+00", "[42, 43]", "{'k': 42}", "x"}));
  // Several statements: all run, the last one's rows come back.
  auto multi = conn->Query("CREATE TABLE u AS SELECT 7 AS v; SELECT v * 6 AS w FROM u");
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  EXPECT_EQ(multi->rows[0], (Cells{"42"}));

  auto nulls = conn->Query("SELECT * FROM t WHERE i IS NULL");
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(nulls->rows[0], (Cells(5, std::nullopt)));

  auto limited = conn->Query("SELECT * FROM range(10)", 3);
  ASSERT_TRUE(limited.ok());
  EXPECT_THAT(limited->rows, SizeIs(3));
  EXPECT_TRUE(limited->truncated);

  EXPECT_EQ(conn->Query("SELECT nope FROM t").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(duck::Prepared::Create(*conn, "SELEC").ok());
}

// Three columns of 3,000 generated rows (more than one DuckDB vector), every fifth string NULL.
class CountingSource final : public duck::ScanSource {
 public:
  std::vector<ColumnSpec> Columns() const override {
    return {
        {"n", DUCKDB_TYPE_BIGINT}, {"s", DUCKDB_TYPE_VARCHAR}, {"ts", DUCKDB_TYPE_TIMESTAMP_TZ}};
  }
  size_t Fill(duckdb_data_chunk out) override {
    const size_t n = std::min<size_t>(duckdb_vector_size(), 3000 - next_);
    for (size_t r = 0; r < n; ++r) {
      const int64_t v = static_cast<int64_t>(next_ + r);
      duck::SetValue(duckdb_data_chunk_get_vector(out, 0), r, v);
      if (v % 5 == 0) {
        duck::SetNull(duckdb_data_chunk_get_vector(out, 1), r);
      } else {
        duck::SetString(duckdb_data_chunk_get_vector(out, 1), r, "row " + std::to_string(v));
      }
      duck::SetValue(duckdb_data_chunk_get_vector(out, 2), r, int64_t{1'767'225'600'000'000} + v);
    }
    next_ += n;
    return n;
  }
  size_t next_ = 0;
};

TEST(DuckTest, ScanFunctionFeedsRowsFromCxx) {
  auto db = duck::Database::Open("");
  ASSERT_TRUE(db.ok());
  auto conn = duck::Connection::Open(*db);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Execute("SET TimeZone = 'UTC'").ok());
  auto scan = duck::ScanFunction::Register(*conn, "cxx_rows");
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  // Without a source installed the statement fails cleanly.
  EXPECT_EQ(conn->Query("SELECT * FROM cxx_rows()").status().code(), ErrorCode::kInvalidArgument);

  CountingSource source;
  (*scan)->set_source(&source);
  auto rows = conn->Query(
      "SELECT count(*), sum(n), count(s), max(s), min(ts)::VARCHAR, max(ts) - min(ts) "
      "FROM cxx_rows()");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->rows[0], (Cells{"3000", "4498500", "2400", "row 999", "2026-01-01 00:00:00+00",
                                  "00:00:00.002999"}));
  // A second scan reads the source where it stands (exhausted): sources are single-use.
  auto again = conn->Query("SELECT count(*) FROM cxx_rows()");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rows[0], (Cells{"0"}));
}

TEST(SchemaTest, ValidatesNamesTypesAndPartitionColumn) {
  EXPECT_TRUE(ValidateSchema({"lead_scores", {{"ts", ColumnType::kTimestamp}}, "ts"}).ok());
  const Status st = ValidateSchema(
      {"Bad-Name",
       {{"year", ColumnType::kInt64}, {"x", ColumnType::kString}, {"x", ColumnType::kString}},
       "x"});
  EXPECT_EQ(st.code(), ErrorCode::kValidationFailed);
  EXPECT_THAT(st.details(), SizeIs(4));  // name, reserved, duplicate, partition not a timestamp
  EXPECT_FALSE(ValidateSchema({"d", {}, ""}).ok());
  EXPECT_FALSE(ValidateSchema({"d", {{"a", ColumnType::kInt64}}, "missing"}).ok());
}

TEST(SchemaTest, PartitionOfUsesUtcCalendarMonth) {
  EXPECT_EQ(PartitionOf(FromUnixMicros(1'767'225'599'999'999)), (Partition{2025, 12}));
  EXPECT_EQ(PartitionOf(FromUnixMicros(1'767'225'600'000'000)), (Partition{2026, 1}));
  EXPECT_EQ(PartitionPath({2026, 3}), "year=2026/month=03");
}

duck::Rows Sample() {
  duck::Rows r;
  r.columns = {"name", "n", "x", "ok"};
  r.types = {"VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN"};
  r.rows = {{"plain", "12", "0.5", "true"},
            {"a,\"b\"\nc", std::nullopt, "inf", "false"},
            {"żółw", "-3", "1e+20", std::nullopt}};
  return r;
}

TEST(FormatTest, Table) {
  duck::Rows r;
  r.columns = {"tier", "n", "note"};
  r.types = {"VARCHAR", "BIGINT", "VARCHAR"};
  r.rows = {{"A", "12", "żółw"}, {"B", std::nullopt, std::string(100, 'x')}};
  EXPECT_EQ(FormatTable(r),
            "tier |    n | note\n"
            "-----+------+-" +
                std::string(80, '-') +
                "\n"
                "A    |   12 | żółw\n"
                "B    | NULL | " +
                std::string(77, 'x') +
                "...\n"
                "(2 rows)\n");
  r.rows.pop_back();
  r.truncated = true;
  EXPECT_THAT(FormatTable(r), HasSubstr("(1 row, truncated)\n"));
}

TEST(FormatTest, Json) {
  EXPECT_EQ(FormatJson(Sample()),
            "[{\"name\":\"plain\",\"n\":12,\"x\":0.5,\"ok\":true},"
            "{\"name\":\"a,\\\"b\\\"\\nc\",\"n\":null,\"x\":\"inf\",\"ok\":false},"
            "{\"name\":\"żółw\",\"n\":-3,\"x\":1e+20,\"ok\":null}]\n");
}

TEST(FormatTest, Csv) {
  EXPECT_EQ(FormatCsv(Sample()),
            "name,n,x,ok\r\n"
            "plain,12,0.5,true\r\n"
            "\"a,\"\"b\"\"\nc\",,inf,false\r\n"
            "żółw,-3,1e+20,\r\n");
}

}  // namespace
}  // namespace signx::lake
