#include "lake/lake_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lake/duck.h"
#include "lake/spool.h"
#include "metrics/metrics.h"
#include "metrics/process_metrics.h"
#include "runtime/background_thread.h"

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

// Files in the spool folder.
std::vector<std::string> SpoolFiles(const std::string& data_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(data_dir) / "lake" / "_spool", ec), end; !ec && it != end;
       it.increment(ec)) {
    out.push_back(it->path().filename().string());
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

TEST(LakeWriterTest, StuckConverterSpillsToTheSpoolWithoutDrops) {
  TempDir dir;
  // Hold the convert thread inside its first write so nothing reaches Parquet while we append
  // ten times the in-memory capacity.
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
  // The converter is stuck mid-write: every further row goes to the spool on disk, none is
  // dropped and Append never waits (this loop would hang if it did).
  for (int i = 60; i < 1060; ++i) {
    ASSERT_TRUE(w.Append("lead_scores", ScoreRow(i, At(2026, 5, 1))).ok());
    if (i % 90 == 0) {
      ASSERT_TRUE(w.Sync().ok());  // the spool thread keeps writing meanwhile
    }
  }
  ASSERT_TRUE(w.Sync().ok());
  EXPECT_EQ(w.stats().rows_dropped, 0u);
  EXPECT_EQ(w.stats().rows_durable, 1060u);
  EXPECT_LE(w.stats().queued, 100u);
  EXPECT_EQ(w.stats().spool_rows, 1060u);
  const std::string m = registry.Render();
  EXPECT_THAT(
      m, HasSubstr("lake_rows_dropped_total{dataset=\"lead_scores\",reason=\"spool_full\"} 0"));
  EXPECT_THAT(m, HasSubstr("lake_spool_rows 1060"));
  EXPECT_THAT(m, ::testing::ContainsRegex("lake_spool_bytes [1-9][0-9]+"));

  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  flusher.join();
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(Scalar(w.Query("SELECT count(DISTINCT request_id) FROM lead_scores")), "1060");
  EXPECT_EQ(Scalar(w.Query("SELECT count(*) FROM lead_scores")), "1060");
  EXPECT_EQ(w.stats().spool_rows, 0u);
  EXPECT_EQ(w.stats().rows_written, 1060u);
  // Converted segments are deleted.
  EXPECT_THAT(SpoolFiles(dir.path()), SizeIs(0));
}

TEST(LakeWriterTest, SpoolWriteFailureDropsOnlyOnceTheBufferIsFullAndCountsIt) {
  Fixture f(Manual(/*capacity=*/50));
  // The spool folder replaced by a file: segments cannot be created (as on a full disk).
  const fs::path spool = fs::path(f.dir.path()) / "lake" / "_spool";
  fs::remove_all(spool);
  { std::ofstream(spool) << "x"; }
  int ok = 0, dropped = 0;
  for (int i = 0; i < 200; ++i) {
    const Status st = f.writer->Append("lead_scores", ScoreRow(i, At(2026, 5, 1)));
    if (st.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(st.code(), ErrorCode::kOverloaded);
      ++dropped;
    }
  }
  EXPECT_FALSE(f.writer->Sync().ok());
  EXPECT_GE(ok, 50);
  EXPECT_EQ(static_cast<uint64_t>(dropped), f.writer->stats().rows_dropped);
  EXPECT_GT(dropped, 0);
  EXPECT_THAT(f.registry.Render(),
              HasSubstr("lake_rows_dropped_total{dataset=\"lead_scores\",reason=\"spool_full\"} " +
                        std::to_string(dropped)));
  // The disk comes back: the kept rows are written, nothing more is lost.
  fs::remove(spool);
  fs::create_directories(spool);
  ASSERT_TRUE(f.writer->Sync().ok());
  ASSERT_TRUE(f.writer->Flush().ok());
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), std::to_string(ok));
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

TEST(LakeWriterTest, ConversionErrorIsReportedAndTheRowsAreRetriedNotDropped) {
  Fixture f(Manual());
  // A plain file where the dataset folder should be: creating the partition folder fails.
  { std::ofstream(f.DatasetDir()) << "x"; }
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(1, At(2026, 9, 1))).ok());
  const Status st = f.writer->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(f.writer->stats().rows_dropped, 0u);
  EXPECT_EQ(f.writer->stats().spool_rows, 1u);  // kept in the spool
  // At least this flush's failed conversion (the background converter may have tried too).
  const std::string metrics = f.registry.Render();
  const std::string errors_line = "lake_write_errors_total{dataset=\"lead_scores\"} ";
  const std::size_t at = metrics.find(errors_line);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoi(metrics.substr(at + errors_line.size())), 1) << metrics;
  fs::remove(f.DatasetDir());
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(2, At(2026, 9, 1))).ok());
  EXPECT_TRUE(f.writer->Flush().ok());
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), "2");
  EXPECT_EQ(f.writer->stats().spool_rows, 0u);
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

// A spool segment as a process killed mid-write leaves it: `rows` complete records, then the
// first `torn` bytes of one more.
std::string LeftoverSegment(int first, int rows, size_t torn) {
  std::string bytes(spool::kMagic);
  spool::AppendDatasetRecord(3, ScoresSchema(), &bytes);
  for (int i = first; i < first + rows; ++i) {
    spool::AppendRowRecord(3, {2026, 10}, ScoreRow(i, At(2026, 10, 2)), &bytes);
  }
  std::string last;
  spool::AppendRowRecord(3, {2026, 10}, ScoreRow(first + rows, At(2026, 10, 2)), &last);
  return bytes + last.substr(0, torn);
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(LakeWriterTest, OpenConvertsLeftoverSegmentsAndSkipsTheTornLastRecord) {
  TempDir dir;
  const fs::path spool = fs::path(dir.path()) / "lake" / "_spool";
  WriteFile(spool / "seg-01JBCDEFGHJKMNPQRSTVWXYZ00.spool", LeftoverSegment(0, 500, 17));
  WriteFile(spool / "seg-01JBCDEFGHJKMNPQRSTVWXYZ01.spool", LeftoverSegment(500, 300, 0));
  WriteFile(spool / "seg-01JBCDEFGHJKMNPQRSTVWXYZ03.spool", LeftoverSegment(5000, 0, 30));
  // An uncommitted batch of a dead process: its job runs again, so it is discarded.
  WriteFile(spool / "batch-job_1.01JBCDEFGHJKMNPQRSTVWXYZ02.open", LeftoverSegment(900, 9, 0));
  metrics::Registry registry;
  LakeOptions o = Manual();
  o.data_dir = dir.path();
  auto w = LakeWriter::Open(o, &registry);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Flush().ok());
  EXPECT_EQ(Scalar((*w)->Query("SELECT count(DISTINCT request_id) FROM lead_scores")), "800");
  // The torn record (row 500 of the first segment) is not there; the last complete one is.
  EXPECT_EQ(Scalar((*w)->Query("SELECT count(*) FROM lead_scores WHERE request_id = 'req_499'")),
            "1");
  EXPECT_EQ(Scalar((*w)->Query("SELECT count(*) FROM lead_scores WHERE request_id = 'req_500'")),
            "1");  // from the second segment, which starts at row 500
  const auto s = (*w)->stats();
  EXPECT_EQ(s.rows_recovered, 800u);
  EXPECT_GT(s.skipped_bytes, 0u);
  EXPECT_THAT(registry.Render(), HasSubstr("lake_spool_recovered_rows_total 800"));
  EXPECT_THAT(SpoolFiles(dir.path()), SizeIs(0));
  // Parquet names come from the segments.
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "lake" / "lead_scores" / "year=2026" / "month=10" /
                         "part-01JBCDEFGHJKMNPQRSTVWXYZ00.parquet"));
}

TEST(LakeWriterTest, ConvertingASegmentAgainReplacesItsFilesInsteadOfDuplicatingRows) {
  // A crash between renaming the Parquet file into place and deleting the segment: the next
  // start converts the segment again.
  TempDir dir;
  const fs::path seg =
      fs::path(dir.path()) / "lake" / "_spool" / "seg-01JBCDEFGHJKMNPQRSTVWXYZ00.spool";
  const std::string bytes = LeftoverSegment(0, 100, 0);
  LakeOptions o = Manual();
  o.data_dir = dir.path();
  for (int run = 0; run < 2; ++run) {
    WriteFile(seg, bytes);
    auto w = LakeWriter::Open(o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Flush().ok());
  }
  EXPECT_EQ(Scalar(QueryLake(dir.path(), "SELECT count(*) FROM lead_scores")), "100");
}

TEST(LakeWriterTest, ASegmentHeldByALiveWriterIsNotTakenByAnother) {
  TempDir dir;
  LakeOptions o = Manual();
  o.data_dir = dir.path();
  auto first = LakeWriter::Open(o);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Declare(ScoresSchema()).ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE((*first)->Append("lead_scores", ScoreRow(i, At(2026, 3, 1))).ok());
  ASSERT_TRUE((*first)->Sync().ok());
  ASSERT_THAT(SpoolFiles(dir.path()), SizeIs(1));
  {
    auto second = LakeWriter::Open(o);  // another process starting on the same lake
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE((*second)->Flush().ok());
    EXPECT_EQ((*second)->stats().rows_recovered, 0u);
  }
  ASSERT_THAT(SpoolFiles(dir.path()), SizeIs(1));
  ASSERT_TRUE((*first)->Flush().ok());
  EXPECT_EQ(Scalar((*first)->Query("SELECT count(*) FROM lead_scores")), "10");
}

TEST(LakeWriterTest, SyncCoversEveryRowAcceptedBeforeIt) {
  LakeOptions o = Manual();
  o.sync_interval = std::chrono::hours(1);  // only Sync() and sync_rows sync
  o.sync_rows = 1'000'000;
  Fixture f(o);
  for (int i = 0; i < 1234; ++i)
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(i, At(2026, 3, 1))).ok());
  ASSERT_TRUE(f.writer->Sync().ok());
  EXPECT_EQ(f.writer->stats().rows_durable, 1234u);
  EXPECT_EQ(f.writer->stats().queued, 0u);
  EXPECT_EQ(f.writer->stats().rows_written, 0u);  // durable in the spool, not yet Parquet
  EXPECT_THAT(f.registry.Render(), ::testing::ContainsRegex("lake_spool_syncs_total [1-9]"));
}

TEST(LakeWriterTest, ARetriedBatchReplacesTheEarlierAttemptsRowsEverywhere) {
  Fixture f(Manual());
  // Attempt 1 appends 30 rows over two months, commits, then (say) the job fails later on.
  {
    auto b = f.writer->OpenBatch("lead_scores", "job_01ABC");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    for (int i = 0; i < 30; ++i)
      ASSERT_TRUE((*b)->Append(ScoreRow(i, At(2026, 1 + i % 2, 5))).ok());
    ASSERT_TRUE((*b)->Commit().ok());
  }
  ASSERT_TRUE(f.writer->Flush().ok());
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(*) FROM lead_scores")), "30");
  // Attempt 2 fails before committing: nothing of it is visible.
  {
    auto b = f.writer->OpenBatch("lead_scores", "job_01ABC");
    ASSERT_TRUE(b.ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*b)->Append(ScoreRow(i, At(2026, 1, 5))).ok());
  }
  // Attempt 3 runs in another month and commits: its rows replace attempt 1's in both months.
  {
    auto b = f.writer->OpenBatch("lead_scores", "job_01ABC");
    ASSERT_TRUE(b.ok());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE((*b)->Append(ScoreRow(i, At(2026, 3, 5))).ok());
    ASSERT_TRUE((*b)->Commit().ok());
  }
  // Another job's batch and plain rows are untouched.
  {
    auto b = f.writer->OpenBatch("lead_scores", "job_02XYZ");
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE((*b)->Append(ScoreRow(100, At(2026, 1, 5))).ok());
    ASSERT_TRUE((*b)->Commit().ok());
  }
  ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(200, At(2026, 1, 5))).ok());
  ASSERT_TRUE(f.writer->Flush().ok());
  auto r = f.writer->Query(
      "SELECT count(*), count(DISTINCT request_id), count(*) FILTER (WHERE month = 3) "
      "FROM lead_scores");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows[0], (std::vector<std::optional<std::string>>{"32", "32", "30"}));
  EXPECT_THAT(SpoolFiles(f.dir.path()), SizeIs(0));

  EXPECT_EQ(f.writer->OpenBatch("lead_scores", "../x").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.writer->OpenBatch("nope", "job_1").status().code(), ErrorCode::kNotFound);
}

TEST(LakeWriterTest, ACommittedBatchSurvivesARestartBeforeConversion) {
  TempDir dir;
  LakeOptions o = Manual();
  o.data_dir = dir.path();
  {
    // The converter is stuck, as if the process died right after Commit.
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    o.on_temp_file_for_test = [&](const std::string&) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
    };
    auto w = LakeWriter::Open(o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Declare(ScoresSchema()).ok());
    auto b = (*w)->OpenBatch("lead_scores", "job_7");
    ASSERT_TRUE(b.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*b)->Append(ScoreRow(i, At(2026, 2, 1))).ok());
    ASSERT_TRUE((*b)->Commit().ok());
    // Copy the committed file aside before the converter can delete it: it is what a crash
    // would have left.
    std::vector<std::string> files = SpoolFiles(dir.path());
    ASSERT_THAT(files, SizeIs(1));
    fs::copy_file(fs::path(dir.path()) / "lake" / "_spool" / files[0],
                  fs::path(dir.path()) / "saved");
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    ASSERT_TRUE((*w)->Flush().ok());
    fs::rename(fs::path(dir.path()) / "saved", fs::path(dir.path()) / "lake" / "_spool" / files[0]);
  }
  o.on_temp_file_for_test = nullptr;
  auto again = LakeWriter::Open(o);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Flush().ok());
  EXPECT_EQ(Scalar(QueryLake(dir.path(), "SELECT count(*) FROM lead_scores")), "5");
}

// Memory of a conversion (docs/operations.md "Memory").

TEST(LakeWriterTest, ASegmentIsConvertedOnceItHoldsSegmentMaxBytes) {
  // The converter maps a whole segment: segment_max_bytes (lake.segment_max_mb) bounds that.
  LakeOptions o = Manual();
  o.segment_max_bytes = 64u << 10;
  Fixture f(o);
  // One ~40 KB row per write (Sync writes exactly what was appended, so how the spool thread
  // batches cannot change the segments): the first write leaves a segment under 64 KiB, the
  // second takes it over and seals it. 8 rows → 4 segments → 4 Parquet files.
  for (int i = 0; i < 8; ++i) {
    Row row = ScoreRow(i, At(2026, 3, 15));
    row[2] = std::string(40'000, 'v');
    ASSERT_TRUE(f.writer->Append("lead_scores", std::move(row)).ok());
    ASSERT_TRUE(f.writer->Sync().ok());
  }
  ASSERT_TRUE(f.writer->Flush().ok());
  EXPECT_THAT(ParquetFiles(f.DatasetDir()), SizeIs(4));
  EXPECT_EQ(Scalar(f.writer->Query("SELECT count(DISTINCT request_id) FROM lead_scores")), "8");
}

TEST(LakeWriterTest, TheConverterRunsAtConvertNice) {
  // convert_nice lowers the convert thread's priority by that much; 0 leaves it as the caller's
  // (bench/lake_bench.cc runs it so). Before, 0 still gave +10.
  const int base = runtime::CurrentThreadNice();
  for (const int nice : {0, 5}) {
    LakeOptions o = Manual();
    o.convert_nice = nice;
    int seen = -100;
    o.on_temp_file_for_test = [&](const std::string&) { seen = runtime::CurrentThreadNice(); };
    Fixture f(o);
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(1, At(2026, 3, 15))).ok());
    ASSERT_TRUE(f.writer->Flush().ok());
    EXPECT_EQ(seen, std::min(base + nice, 19)) << "convert_nice " << nice;
  }
}

// Resident kB of the process's mappings of spool files (/proc/self/smaps), -1 if none is mapped.
long SpoolMappingResidentKb() {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_spool = false;
  long kb = -1;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') != std::string::npos && line.find(' ') > line.find('-')) {
      in_spool = line.find("/_spool/") != std::string::npos;  // a mapping's header line
    } else if (in_spool && line.rfind("Rss:", 0) == 0) {
      kb = std::max(kb, 0L) + std::stol(line.substr(4));
    }
  }
  return kb;
}

TEST(LakeWriterTest, AConvertedSegmentsPagesLeaveTheResidentSet) {
  // The converter maps the segment it converts; the pages it has read are dropped as it goes, so
  // a segment does not stay resident whole while DuckDB encodes it (docs/operations.md "Memory").
  // Before: the whole ~2.6 MB segment was resident here.
  LakeOptions o = Manual();
  std::vector<long> resident_kb;
  o.on_temp_file_for_test = [&](const std::string&) {
    resident_kb.push_back(SpoolMappingResidentKb());
  };
  Fixture f(o);
  for (int i = 0; i < 2000; ++i) {
    Row row = ScoreRow(i, At(2026, 3, 15));
    row[2] = std::string(1300, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(f.writer->Append("lead_scores", std::move(row)).ok());
  }
  ASSERT_TRUE(f.writer->Flush().ok());
  ASSERT_EQ(f.writer->stats().rows_written, 2000u);
  ASSERT_THAT(resident_kb, SizeIs(1));
  EXPECT_EQ(resident_kb[0], 0) << "the segment is still mapped (-1: not mapped at all)";
}

TEST(LakeWriterTest, RowGroupsHoldAtMostRowGroupRows) {
  // DuckDB's Parquet writer holds one row group in memory: row_group_rows (lake.row_group_rows)
  // bounds it. (DuckDB rounds it up to a multiple of its vector size, 2,048 rows.)
  LakeOptions o = Manual();
  o.row_group_rows = 2048;
  Fixture f(o);
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(f.writer->Append("lead_scores", ScoreRow(i, At(2026, 3, 15))).ok());
  ASSERT_TRUE(f.writer->Flush().ok());
  const auto files = ParquetFiles(f.DatasetDir());
  ASSERT_THAT(files, SizeIs(1));
  auto db = duck::Database::Open("");
  ASSERT_TRUE(db.ok());
  auto conn = duck::Connection::Open(*db);
  ASSERT_TRUE(conn.ok());
  auto r = conn->Query(
      "SELECT count(DISTINCT row_group_id), max(row_group_num_rows), "
      "sum(row_group_num_rows) FILTER (WHERE column_id = 0) FROM parquet_metadata(" +
      duck::QuoteString(files[0].string()) + ")");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows[0], (std::vector<std::optional<std::string>>{"3", "2048", "5000"}));
}

TEST(LakeWriterTest, AConversionGivesDuckdbsFreedPagesBack) {
  const duck::AllocatorCtl ctl = duck::DuckdbMallctl();
  if (ctl == nullptr) GTEST_SKIP() << "this DuckDB build has no allocator of its own";
  Fixture f(Manual());
  // ~26 MB of rows in row groups of 8,192: DuckDB allocates and frees ~10 MB per row group.
  for (int i = 0; i < 20'000; ++i) {
    Row row = ScoreRow(i, At(2026, 3, 15));
    row[2] = std::string(1300, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(f.writer->Append("lead_scores", std::move(row)).ok());
  }
  ASSERT_TRUE(f.writer->Flush().ok());
  ASSERT_EQ(f.writer->stats().rows_written, 20'000u);
  // What DuckDB's allocator keeps resident beyond what DuckDB holds and its bookkeeping: the
  // freed pages. Before, they stayed resident (~20 MB) until DuckDB's next allocations.
  const metrics::AllocatorStats a = metrics::ReadAllocatorStats(ctl);
  ASSERT_GE(a.resident, 0);
  EXPECT_LT(a.resident - a.allocated - a.metadata, 2.0 * (1 << 20))
      << "resident " << a.resident << ", allocated " << a.allocated << ", metadata " << a.metadata;
  EXPECT_THAT(f.registry.Render(), HasSubstr("lake_duckdb_resident_bytes "));
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
