#include "lake/lake_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.h"

namespace signx::lake {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "signx_lake_XXXXXX").string();
    SIGNX_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

DatasetSchema ScoresSchema() {
  return {"lead_scores",
          {{"request_id", ColumnType::kString},
           {"ts", ColumnType::kTimestamp},
           {"model_version", ColumnType::kString},
           {"score", ColumnType::kDouble},
           {"bucket", ColumnType::kInt64},
           {"tier", ColumnType::kString},
           {"explained", ColumnType::kBool}},
          "ts"};
}

Timestamp At(int year, int month, int day) {
  using namespace std::chrono;
  return Timestamp(sys_days(std::chrono::year{year} / month / day).time_since_epoch());
}

Row ScoreRow(int i, Timestamp ts) {
  return {std::string("req_") + std::to_string(i),
          ts,
          std::string("v1"),
          0.01 * (i % 100),
          int64_t{1 + i % 5},
          std::string(1, static_cast<char>('A' + i % 5)),
          i % 2 == 0};
}

// Parquet files (final names) under `dir`, recursively.
std::vector<fs::path> ParquetFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".parquet") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Scalar(const Result<duck::Rows>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || r->rows.empty() || r->rows[0].empty() || !r->rows[0][0]) return "<none>";
  return *r->rows[0][0];
}

struct Fixture {
  explicit Fixture(LakeOptions o = {}) {
    o.data_dir = dir.path();
    auto w = LakeWriter::Open(std::move(o), &registry, clock);
    SIGNX_CHECK(w.ok(), w.status().ToString());
    writer = std::move(w).value();
    SIGNX_CHECK(writer->Declare(ScoresSchema()).ok());
  }
  fs::path DatasetDir() const { return fs::path(dir.path()) / "lake" / "lead_scores"; }

  TempDir dir;
  FakeClock clock;
  metrics::Registry registry;
  std::unique_ptr<LakeWriter> writer;
};

LakeOptions Manual(size_t capacity = 100'000) {
  LakeOptions o;
  o.queue_capacity = capacity;
  o.flush_rows = 1'000'000;                   // never by size
  o.flush_interval = std::chrono::hours(24);  // never by time
  return o;
}

TEST(LakeWriterTest, FlushWritesOnePartitionFileAndQueryCountsRows) {
  Fixture f(Manual());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(i, At(2026, 3, 15))).ok());
  ASSERT_TRUE(f.writer->Flush().ok());

  const auto files = ParquetFiles(f.DatasetDir());
  ASSERT_THAT(files, SizeIs(1));
  EXPECT_EQ(files[0].parent_path(), f.DatasetDir() / "year=2026" / "month=03");
  EXPECT_THAT(files[0].filename().string(), ::testing::MatchesRegex("part-[0-9A-Z]{26}\\.parquet"));

  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), "10");
  EXPECT_EQ(Scalar(f.writer->Query("SELECT min(ts) FROM lead_scores")), "2026-03-15 00:00:00+00");
  auto r = f.writer->Query(
      "SELECT year, month, min(bucket), max(bucket), count(*) FILTER (WHERE explained), "
      "strftime(min(ts), '%Y-%m-%d') FROM lead_scores GROUP BY ALL");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_THAT(r->rows, SizeIs(1));
  EXPECT_EQ(r->rows[0],
            (std::vector<std::optional<std::string>>{"2026", "3", "1", "5", "5", "2026-03-15"}));
  const auto s = f.writer->stats();
  EXPECT_EQ(s.rows_written, 10u);
  EXPECT_EQ(s.files_written, 1u);
  EXPECT_EQ(s.queued, 0u);
  const std::string m = f.registry.Render();
  EXPECT_THAT(m, HasSubstr("lake_rows_written_total{dataset=\"lead_scores\"} 10"));
  EXPECT_THAT(m, HasSubstr("lake_files_written_total{dataset=\"lead_scores\"} 1"));
  EXPECT_THAT(m, HasSubstr("lake_queue_rows 0"));
}

TEST(LakeWriterTest, EveryTypeAndNullRoundTripAcrossSeveralVectors) {
  // 5,000 rows: more than two DuckDB vectors (2,048 rows each) in one file; every column but the
  // partition timestamp is NULL in some rows.
  Fixture f(Manual());
  int64_t score_cents = 0, bucket_sum = 0;
  for (int i = 0; i < 5000; ++i) {
    Row row = ScoreRow(i, At(2026, 4, 1) + std::chrono::microseconds(i));
    if (i % 7 == 0) row[0] = std::monostate{};
    if (i % 11 == 0) row[3] = std::monostate{};
    if (i % 13 == 0) row[4] = std::monostate{};
    if (i % 17 == 0) row[6] = std::monostate{};
    if (i % 11 != 0) score_cents += i % 100;
    if (i % 13 != 0) bucket_sum += std::get<int64_t>(row[4]);
    ASSERT_TRUE(f.writer->Append("lead_scores", std::move(row)).ok());
  }
  ASSERT_TRUE(f.writer->Flush().ok());
  ASSERT_THAT(ParquetFiles(f.DatasetDir()), SizeIs(1));
  auto r = f.writer->Query(
      "SELECT count(*), count(request_id), count(score), round(sum(score) * 100)::BIGINT, "
      "count(bucket), "
      "sum(bucket), count(explained), count(*) FILTER (WHERE explained), "
      "max(ts) - min(ts), max(request_id) FROM lead_scores");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int explained = 0, explained_non_null = 0;
  for (int i = 0; i < 5000; ++i) {
    if (i % 17 == 0) continue;
    ++explained_non_null;
    if (i % 2 == 0) ++explained;
  }
  EXPECT_EQ(r->rows[0], (std::vector<std::optional<std::string>>{
                            "5000", std::to_string(5000 - 715), std::to_string(5000 - 455),
                            std::to_string(score_cents), std::to_string(5000 - 385),
                            std::to_string(bucket_sum), std::to_string(explained_non_null),
                            std::to_string(explained), "00:00:00.004999", "req_999"}));
}

TEST(LakeWriterTest, RowsGoToThePartitionOfTheirTimestamp) {
  Fixture f(Manual());
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(1, At(2025, 12, 31))).ok());
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(2, At(2026, 1, 1))).ok());
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(3, At(2026, 1, 20))).ok());
  // NULL partition time: the writer's clock (FakeClock starts 2026-01-01).
  Row no_time = ScoreRow(4, At(2000, 1, 1));
  no_time[1] = std::monostate{};
  ASSERT_TRUE(f.writer->Append("lead_scores", no_time).ok());
  ASSERT_TRUE(f.writer->Flush().ok());

  EXPECT_TRUE(fs::is_directory(f.DatasetDir() / "year=2025" / "month=12"));
  EXPECT_TRUE(fs::is_directory(f.DatasetDir() / "year=2026" / "month=01"));
  EXPECT_THAT(ParquetFiles(f.DatasetDir()), SizeIs(2));
  auto r = f.writer->Query(
      "SELECT year, month, count(*) FROM lead_scores GROUP BY ALL ORDER BY year, month");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_THAT(r->rows, SizeIs(2));
  EXPECT_EQ(r->rows[0], (std::vector<std::optional<std::string>>{"2025", "12", "1"}));
  EXPECT_EQ(r->rows[1], (std::vector<std::optional<std::string>>{"2026", "1", "3"}));
}

TEST(LakeWriterTest, TwoFlushesWriteTwoFilesAndBothAreQueried) {
  Fixture f(Manual());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(i, At(2026, 2, 1))).ok());
  ASSERT_TRUE(f.writer->Flush().ok());
  for (int i = 5; i < 12; ++i)
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(i, At(2026, 2, 2))).ok());
  ASSERT_TRUE(f.writer->Flush().ok());

  EXPECT_THAT(ParquetFiles(f.DatasetDir() / "year=2026" / "month=02"), SizeIs(2));
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), "12");
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(DISTINCT filename) FROM "
                                   "read_parquet('" +
                                   (f.DatasetDir() / "**" / "*.parquet").string() +
                                   "', filename = true)")),
            "2");
  EXPECT_EQ(f.writer->stats().files_written, 2u);
  EXPECT_TRUE(f.writer->Flush().ok());  // nothing queued: no empty file
  EXPECT_THAT(ParquetFiles(f.DatasetDir()), SizeIs(2));
}

TEST(LakeWriterTest, TemporaryFileIsNeverVisibleToReaders) {
  TempDir dir;
  std::vector<std::string> seen_counts, temp_paths;
  bool temp_matched_glob = true;
  LakeOptions o = Manual();
  o.data_dir = dir.path();
  o.on_temp_file_for_test = [&](const std::string& temp) {
    temp_paths.push_back(temp);
    // The temporary file is complete on disk but not yet renamed: a reader sees none of it.
    auto r =
        QueryLake(dir.path(), "SELECT count(*) FROM lead_scores", {.declared = {ScoresSchema()}});
    seen_counts.push_back(r.ok() && !r->rows.empty() && r->rows[0][0] ? *r->rows[0][0]
                                                                      : r.status().ToString());
    temp_matched_glob = fs::path(temp).extension() == ".parquet" || !fs::exists(temp);
  };
  metrics::Registry registry;
  auto w = LakeWriter::Open(o, &registry);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Declare(ScoresSchema()).ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE((*w)->Append("lead_scores", ScoreRow(i, At(2026, 4, 1))).ok());
  ASSERT_TRUE((*w)->Flush().ok());
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE((*w)->Append("lead_scores", ScoreRow(i, At(2026, 4, 2))).ok());
  ASSERT_TRUE((*w)->Flush().ok());

  EXPECT_EQ(seen_counts, (std::vector<std::string>{"0", "3"}));
  EXPECT_FALSE(temp_matched_glob);  // existed, and its name is outside the *.parquet glob
  for (const auto& t : temp_paths) EXPECT_FALSE(fs::exists(t)) << t;  // renamed away
  EXPECT_EQ(Scalar((*w)->Query("SELECT count(*) FROM lead_scores")), "7");
}

TEST(LakeWriterTest, FullQueueDropsAndCountsWithoutBlocking) {
  TempDir dir;
  // Hold the flush thread inside its first write so nothing drains while we append.
  std::mutex mu;
  std::condition_variable cv;
  bool in_write = false, release = false;
  LakeOptions o = Manual(/*capacity=*/100);
  o.data_dir = dir.path();
  o.on_temp_file_for_test = [&](const std::string&) {
    std::unique_lock lock(mu);
    in_write = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  metrics::Registry registry;
  auto opened = LakeWriter::Open(o, &registry);
  ASSERT_TRUE(opened.ok());
  LakeWriter& w = **opened;
  ASSERT_TRUE(w.Declare(ScoresSchema()).ok());

  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE(w.Append("lead_scores", ScoreRow(i, At(2026, 5, 1))).ok());
  std::thread flusher([&] { EXPECT_TRUE(w.Flush().ok()); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_write; });
  }
  // The writer is stuck mid-write with 60 rows in flight; 40 more fit, the rest are dropped at
  // once (this loop would hang here if Append waited for the writer).
  int ok = 0, dropped = 0;
  for (int i = 0; i < 100; ++i) {
    const Status st = w.Append("lead_scores", ScoreRow(i, At(2026, 5, 1)));
    if (st.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(st.code(), ErrorCode::kOverloaded);
      ++dropped;
    }
  }
  EXPECT_EQ(ok, 40);
  EXPECT_EQ(dropped, 60);
  EXPECT_EQ(w.stats().queued, 100u);
  EXPECT_EQ(w.stats().rows_dropped, 60u);
  const std::string m = registry.Render();
  EXPECT_THAT(
      m, HasSubstr("lake_rows_dropped_total{dataset=\"lead_scores\",reason=\"queue_full\"} 60"));
  EXPECT_THAT(m, HasSubstr("lake_queue_rows 100"));

  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  flusher.join();
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(Scalar(w.Query("SELECT count(*) FROM lead_scores")), "100");
  EXPECT_EQ(w.stats().queued, 0u);
  EXPECT_TRUE(w.Append("lead_scores", ScoreRow(0, At(2026, 5, 1))).ok());  // room again
}

TEST(LakeWriterTest, ShutdownWritesEverythingQueued) {
  TempDir dir;
  {
    LakeOptions o = Manual();
    o.data_dir = dir.path();
    auto w = LakeWriter::Open(o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Declare(ScoresSchema()).ok());
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE((*w)->Append("lead_scores", ScoreRow(i, At(2026, 6 + i % 2, 1))).ok());
    }
    (*w)->Shutdown();
    EXPECT_EQ((*w)->Append("lead_scores", ScoreRow(0, At(2026, 6, 1))).code(),
              ErrorCode::kFailedPrecondition);
    EXPECT_TRUE((*w)->Flush().ok());
    (*w)->Shutdown();  // idempotent
  }
  EXPECT_EQ(ListDatasets(dir.path()), std::vector<std::string>{"lead_scores"});
  EXPECT_EQ(Scalar(QueryLake(dir.path(), "SELECT count(*) FROM lead_scores")), "1000");
  EXPECT_EQ(Scalar(QueryLake(dir.path(), "SELECT count(DISTINCT request_id) FROM lead_scores")),
            "1000");
}

TEST(LakeWriterTest, DestructorFlushes) {
  TempDir dir;
  {
    LakeOptions o = Manual();
    o.data_dir = dir.path();
    auto w = LakeWriter::Open(o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Declare(ScoresSchema()).ok());
    ASSERT_TRUE((*w)->Append("lead_scores", ScoreRow(1, At(2026, 6, 1))).ok());
  }
  EXPECT_EQ(Scalar(QueryLake(dir.path(), "SELECT count(*) FROM lead_scores")), "1");
}

TEST(LakeWriterTest, FlushesBySizeInTheBackground) {
  LakeOptions o = Manual();
  o.flush_rows = 10;
  Fixture f(o);
  for (int i = 0; i < 35; ++i)
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(i, At(2026, 7, 1))).ok());
  ASSERT_TRUE(f.writer->Flush().ok());
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), "35");
  EXPECT_GE(f.writer->stats().files_written, 1u);
}

TEST(LakeWriterTest, ConcurrentAppendersLoseNothing) {
  LakeOptions o = Manual();
  o.flush_rows = 500;
  Fixture f(o);
  constexpr int kThreads = 4, kRows = 5000;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRows; ++i) {
        if (!f.writer->Append("lead_scores", ScoreRow(t * kRows + i, At(2026, 8, 1))).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(f.writer->Flush().ok());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(DISTINCT request_id) FROM lead_scores")),
            std::to_string(kThreads * kRows));
  EXPECT_EQ(f.writer->stats().rows_written, static_cast<uint64_t>(kThreads * kRows));
}

TEST(LakeWriterTest, WriteErrorIsReportedCountedAndDoesNotStopTheWriter) {
  Fixture f(Manual());
  // A plain file where the dataset folder should be: creating the partition folder fails.
  { std::ofstream(f.DatasetDir()) << "x"; }
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(1, At(2026, 9, 1))).ok());
  const Status st = f.writer->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(f.writer->stats().rows_dropped, 1u);
  EXPECT_EQ(f.writer->stats().queued, 0u);
  EXPECT_THAT(
      f.registry.Render(),
      HasSubstr("lake_rows_dropped_total{dataset=\"lead_scores\",reason=\"write_error\"} 1"));
  fs::remove(f.DatasetDir());
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(2, At(2026, 9, 1))).ok());
  EXPECT_TRUE(f.writer->Flush().ok());
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), "1");
}

TEST(LakeWriterTest, RejectsUndeclaredDatasetsAndMismatchedRows) {
  Fixture f(Manual());
  EXPECT_EQ(f.writer->Append("nope", ScoreRow(1, At(2026, 1, 1))).code(), ErrorCode::kNotFound);
  Row short_row = {std::string("x")};
  EXPECT_EQ(f.writer->Append("lead_scores", short_row).code(), ErrorCode::kInvalidArgument);
  Row wrong = ScoreRow(1, At(2026, 1, 1));
  wrong[3] = std::string("0.5");  // score must be a double
  const Status st = f.writer->Append("lead_scores", wrong);
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("score"));

  EXPECT_TRUE(f.writer->Declare(ScoresSchema()).ok());  // same schema again: fine
  DatasetSchema other = ScoresSchema();
  other.columns.pop_back();
  EXPECT_EQ(f.writer->Declare(other).code(), ErrorCode::kAlreadyExists);
}

TEST(LakeWriterTest, DeclaredDatasetWithoutFilesIsAnEmptyView) {
  Fixture f(Manual());
  auto r = f.writer->Query("SELECT count(*), count(score) FROM lead_scores");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows[0], (std::vector<std::optional<std::string>>{"0", "0"}));
  auto cols = f.writer->Query("SELECT column_name FROM (DESCRIBE lead_scores)");
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  EXPECT_THAT(cols->rows, SizeIs(9));  // 7 columns + year + month
}

TEST(LakeWriterTest, QueryErrorsAreInvalidArgumentAndFileAccessStaysInsideTheLake) {
  Fixture f(Manual());
  auto bad = f.writer->Query("SELEC 1");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  auto outside = f.writer->Query("SELECT * FROM read_csv('/etc/hostname')");
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(std::string(outside.status().message()), HasSubstr("disabled"));
  auto reset = f.writer->Query("SET enable_external_access = true");
  EXPECT_FALSE(reset.ok());
}

TEST(LakeWriterTest, OpenValidatesOptions) {
  LakeOptions o;
  o.data_dir = "";
  o.queue_capacity = 0;
  auto w = LakeWriter::Open(o);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), ErrorCode::kValidationFailed);
  EXPECT_THAT(w.status().details(), SizeIs(2));
}

}  // namespace
}  // namespace signx::lake
