// Lake writer throughput and flush cost (issue 20 §2). Not a Google Benchmark: it prints the rows
// per second the writer sustains and percentiles of one flush, through LakeWriter's public API
// only (so the same program measures any version of the writer).
//
//   signx_lake_bench [--rows 200000] [--flush-rows 4000] [--flushes 100] [--offer-seconds 5]
//                    [--queue-rows 20000] [--data-dir DIR] [--nice 0] [--offer-rate 0]
//                    [--sync-ms 200] [--sync-rows 10000] [--memory-rows 3700]
//
// Rows look like the scoring API's lead_scores rows: 8 columns, a ~1.2 KB features JSON each.
//   1. drain:  --rows rows appended --queue-rows at a time, each slice followed by Flush();
//              rows/s = rows / total time; CPU µs per row of the whole process.
//   2. flush:  --flushes times: --flush-rows rows appended, then Flush() timed: wall p50/p90/p99/
//              max, and the process CPU it used (what a flush takes from request threads).
//   3. offer:  one thread appends --offer-rate rows/s (0: as fast as it can) for --offer-seconds
//              with the server's default bounds (--queue-rows, --flush-rows): rows offered,
//              written, dropped per second.
//   4. encode: CPU µs per row of the two DuckDB encode paths for in-memory rows, twice each: a
//              table function read by COPY (what the writer does) and duckdb_append_data_chunk
//              into a table followed by COPY of the table.
//   5. memory: one conversion of --memory-rows rows (3,700: a 4 MB segment of lead rows) with
//              row groups of 2,048, 4,096 and 8,192 rows, three times each: the peak of DuckDB's
//              own allocator (allocated / resident, sampled every 0.2 ms), the time, the bytes.
// --nice sets the convert thread's nice value (default 0 here so runs on a busy machine compare;
// the server runs it at 10).
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "lake/duck.h"
#include "lake/lake_writer.h"
#include "leads/lake_rows.h"
#include "metrics/process_metrics.h"

namespace {

using namespace signx;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Args {
  size_t rows = 200'000;
  size_t flush_rows = 4000;
  size_t flushes = 100;
  double offer_seconds = 5;
  size_t queue_rows = 20'000;
  std::string data_dir;
  int nice = 0;  // convert thread's nice value (the server's default is 10)
  double offer_rate = 0;
  int sync_ms = 200;          // the spool's fsync policy (lake.sync_interval_ms)
  size_t memory_rows = 3700;  // phase 5: rows of one conversion (a 4 MB segment of lead rows)
  size_t sync_rows =
      10'000;  // (lake.sync_rows)  // rows/s offered in phase 3; 0 = as fast as one thread can
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// A lead-like row: a features JSON of ~1.2 KB with varied numbers and categories.
class RowMaker {
 public:
  lake::Row Make() {
    ++n_;
    std::string features = "{";
    static constexpr const char* kSources[] = {"Google",     "Direct Traffic",
                                               "Olark Chat", "Organic Search",
                                               "Reference",  "Welingak Website"};
    static constexpr const char* kCities[] = {"Mumbai", "Thane & Outskirts", "Other Cities",
                                              "Other Metro Cities", "Tier II Cities"};
    for (int i = 0; i < 24; ++i) {
      features += fmt::format("\"field_{:02d}\":{:.4f},", i, uni_(rng_) * 1000);
    }
    for (int i = 0; i < 12; ++i) {
      features += fmt::format("\"cat_{:02d}\":\"{}\",", i,
                              i % 2 ? kSources[rng_() % 6] : kCities[rng_() % 5]);
    }
    features += fmt::format("\"lead_number\":{}}}", 600000 + n_);
    const double score = uni_(rng_);
    return {Timestamp(std::chrono::microseconds(1'796'000'000'000'000 + n_)),
            fmt::format("req_{:016x}", rng_()),
            std::string("lead_model@3"),
            fmt::format("lead_{:08d}", n_),
            score,
            int64_t{1 + static_cast<int64_t>(score * 5) % 5},
            std::string(1, static_cast<char>('A' + rng_() % 5)),
            std::move(features)};
  }

 private:
  std::mt19937_64 rng_{42};
  std::uniform_real_distribution<double> uni_{0, 1};
  int64_t n_ = 0;
};

// Fills DuckDB vectors column-wise from in-memory rows (both encode paths of phase 4 use it).
void FillChunk(const lake::DatasetSchema& schema, const std::vector<lake::Row>& rows, size_t begin,
               size_t n, duckdb_data_chunk out) {
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    duckdb_vector vec = duckdb_data_chunk_get_vector(out, c);
    for (size_t r = 0; r < n; ++r) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              lake::duck::SetNull(vec, r);
            } else if constexpr (std::is_same_v<T, std::string>) {
              lake::duck::SetString(vec, r, x);
            } else if constexpr (std::is_same_v<T, Timestamp>) {
              lake::duck::SetValue(vec, r, UnixMicros(x));
            } else {
              lake::duck::SetValue(vec, r, x);
            }
          },
          rows[begin + r][c]);
    }
  }
  duckdb_data_chunk_set_size(out, n);
}

class RowsSource final : public lake::duck::ScanSource {
 public:
  RowsSource(const lake::DatasetSchema& schema, const std::vector<lake::Row>& rows)
      : schema_(schema), rows_(rows) {}
  std::vector<ColumnSpec> Columns() const override {
    std::vector<ColumnSpec> out;
    for (const auto& c : schema_.columns) out.push_back({c.name, DuckType(c.type)});
    return out;
  }
  size_t Fill(duckdb_data_chunk out) override {
    const size_t n = std::min<size_t>(duckdb_vector_size(), rows_.size() - next_);
    FillChunk(schema_, rows_, next_, n, out);
    next_ += n;
    return n;
  }
  static duckdb_type DuckType(lake::ColumnType t) {
    switch (t) {
      case lake::ColumnType::kBool:
        return DUCKDB_TYPE_BOOLEAN;
      case lake::ColumnType::kInt64:
        return DUCKDB_TYPE_BIGINT;
      case lake::ColumnType::kDouble:
        return DUCKDB_TYPE_DOUBLE;
      case lake::ColumnType::kTimestamp:
        return DUCKDB_TYPE_TIMESTAMP_TZ;
      case lake::ColumnType::kString:
        break;
    }
    return DUCKDB_TYPE_VARCHAR;
  }

 private:
  const lake::DatasetSchema& schema_;
  const std::vector<lake::Row>& rows_;
  size_t next_ = 0;
};

constexpr const char* kCopyOptions =
    "(FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 8192)";

// Phase 4: CPU µs per row of two ways to get in-memory rows into one Parquet file:
//   scan:     COPY (SELECT * FROM table_function()) TO — the writer's way, no intermediate table
//   appender: duckdb_append_data_chunk of column-filled chunks into a table, then COPY t TO
void CompareEncodePaths(const std::string& dir, const std::vector<lake::Row>& rows) {
  const lake::DatasetSchema schema = leads::LeadScoresDataset();
  auto db = lake::duck::Database::Open("", {{"threads", "1"}, {"memory_limit", "256MB"}});
  if (!db.ok()) return;
  auto conn = lake::duck::Connection::Open(*db);
  if (!conn.ok() || !conn->Execute("SET TimeZone = 'UTC'").ok()) return;
  auto scan = lake::duck::ScanFunction::Register(*conn, "bench_rows");
  if (!scan.ok()) return;
  for (int round = 0; round < 2; ++round) {
    {
      RowsSource src(schema, rows);
      (*scan)->set_source(&src);
      const double c0 = CpuSeconds();
      const Status st = conn->Execute(fmt::format(
          "COPY (SELECT * FROM bench_rows()) TO '{}/scan.parquet' {}", dir, kCopyOptions));
      const double cpu = CpuSeconds() - c0;
      (*scan)->set_source(nullptr);
      std::printf("encode via table function + COPY: %.2f us/row CPU%s\n",
                  cpu * 1e6 / static_cast<double>(rows.size()), st.ok() ? "" : " (failed)");
    }
    {
      std::string ddl = "CREATE OR REPLACE TABLE t (";
      for (size_t c = 0; c < schema.columns.size(); ++c) {
        ddl += fmt::format("{}{} {}", c ? ", " : "", schema.columns[c].name,
                           lake::SqlType(schema.columns[c].type));
      }
      ddl += ")";
      if (!conn->Execute(ddl).ok()) return;
      const double c0 = CpuSeconds();
      duckdb_appender app = nullptr;
      if (duckdb_appender_create(conn->get(), nullptr, "t", &app) == DuckDBError) return;
      std::vector<duckdb_logical_type> types;
      for (const auto& c : schema.columns) {
        types.push_back(duckdb_create_logical_type(RowsSource::DuckType(c.type)));
      }
      duckdb_data_chunk chunk = duckdb_create_data_chunk(types.data(), types.size());
      bool ok = true;
      for (size_t begin = 0; begin < rows.size(); begin += duckdb_vector_size()) {
        duckdb_data_chunk_reset(chunk);
        const size_t n = std::min<size_t>(duckdb_vector_size(), rows.size() - begin);
        FillChunk(schema, rows, begin, n, chunk);
        ok = ok && duckdb_append_data_chunk(app, chunk) == DuckDBSuccess;
      }
      ok = ok && duckdb_appender_flush(app) == DuckDBSuccess;
      duckdb_appender_destroy(&app);
      duckdb_destroy_data_chunk(&chunk);
      for (auto& t : types) duckdb_destroy_logical_type(&t);
      const Status st = conn->Execute(
          fmt::format("COPY t TO '{}/appender.parquet' {}; DROP TABLE t", dir, kCopyOptions));
      const double cpu = CpuSeconds() - c0;
      std::printf("encode via duckdb_append_data_chunk + COPY: %.2f us/row CPU%s\n",
                  cpu * 1e6 / static_cast<double>(rows.size()), ok && st.ok() ? "" : " (failed)");
    }
  }
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

int g_nice = 0;
int g_sync_ms = 200;
size_t g_sync_rows = 10'000;

std::unique_ptr<lake::LakeWriter> OpenWriter(const std::string& dir, size_t queue_rows,
                                             size_t flush_rows) {
  lake::LakeOptions o;
  o.data_dir = dir;
  o.queue_capacity = queue_rows;
  o.flush_rows = flush_rows;
  o.duckdb_memory_mb = 32;
  o.convert_nice = g_nice;
  o.sync_interval = std::chrono::milliseconds(g_sync_ms);
  o.sync_rows = g_sync_rows;
  auto w = lake::LakeWriter::Open(std::move(o));
  if (!w.ok()) {
    std::fprintf(stderr, "open: %s\n", w.status().ToString().c_str());
    std::exit(1);
  }
  if (!(*w)->Declare(leads::LeadScoresDataset()).ok()) std::exit(1);
  return std::move(w).value();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--rows")
      a.rows = std::stoul(v);
    else if (k == "--flush-rows")
      a.flush_rows = std::stoul(v);
    else if (k == "--flushes")
      a.flushes = std::stoul(v);
    else if (k == "--offer-seconds")
      a.offer_seconds = std::stod(v);
    else if (k == "--queue-rows")
      a.queue_rows = std::stoul(v);
    else if (k == "--data-dir")
      a.data_dir = v;
    else if (k == "--nice")
      a.nice = std::stoi(v);
    else if (k == "--offer-rate")
      a.offer_rate = std::stod(v);
    else if (k == "--sync-ms")
      a.sync_ms = std::stoi(v);
    else if (k == "--memory-rows")
      a.memory_rows = std::stoul(v);
    else if (k == "--sync-rows")
      a.sync_rows = std::stoul(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  std::string base = a.data_dir;
  if (base.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "signx_lake_bench_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return 1;
    base = tmpl;
  }
  g_nice = a.nice;
  g_sync_ms = a.sync_ms;
  g_sync_rows = a.sync_rows;
  RowMaker maker;
  std::vector<lake::Row> rows;
  rows.reserve(a.rows);
  for (size_t i = 0; i < a.rows; ++i) rows.push_back(maker.Make());

  {  // 1. drain
    auto w = OpenWriter(base + "/drain", a.queue_rows, a.queue_rows);
    const double cpu0 = CpuSeconds();
    const auto t0 = SteadyClock::now();
    for (size_t begin = 0; begin < rows.size(); begin += a.queue_rows) {
      const size_t end = std::min(rows.size(), begin + a.queue_rows);
      for (size_t i = begin; i < end; ++i) {
        if (!w->Append("lead_scores", rows[i]).ok()) return 1;
      }
      if (Status st = w->Flush(); !st.ok()) {
        std::printf("drain: flush failed: %s\n", st.ToString().substr(0, 120).c_str());
      }
    }
    const auto t2 = SteadyClock::now();
    const double cpu = CpuSeconds() - cpu0;
    const auto s = w->stats();
    std::printf(
        "drain: %zu rows, %zu per Flush: %.3f s, %.0f rows/s; CPU %.2f us/row; written %llu "
        "dropped %llu files %llu\n",
        a.rows, a.queue_rows, Seconds(t2 - t0), static_cast<double>(a.rows) / Seconds(t2 - t0),
        cpu * 1e6 / static_cast<double>(a.rows), static_cast<unsigned long long>(s.rows_written),
        static_cast<unsigned long long>(s.rows_dropped),
        static_cast<unsigned long long>(s.files_written));
  }
  {  // 2. flush
    auto w = OpenWriter(base + "/flush", a.flush_rows * 2, a.flush_rows * 2);
    std::vector<double> ms, cpu_ms;
    size_t next = 0;
    for (size_t f = 0; f < a.flushes; ++f) {
      for (size_t i = 0; i < a.flush_rows; ++i) {
        if (!w->Append("lead_scores", rows[next++ % rows.size()]).ok()) return 1;
      }
      const auto t0 = SteadyClock::now();
      const double c0 = CpuSeconds();
      if (Status st = w->Flush(); !st.ok()) {
        std::printf("flush: failed: %s\n", st.ToString().substr(0, 120).c_str());
      }
      ms.push_back(Seconds(SteadyClock::now() - t0) * 1e3);
      cpu_ms.push_back((CpuSeconds() - c0) * 1e3);
    }
    std::printf(
        "flush of %zu rows (%zu flushes): wall p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; "
        "CPU p50 %.2f ms, p99 %.2f ms\n",
        a.flush_rows, a.flushes, Percentile(ms, 0.5), Percentile(ms, 0.9), Percentile(ms, 0.99),
        Percentile(ms, 1.0), Percentile(cpu_ms, 0.5), Percentile(cpu_ms, 0.99));
  }
  {  // 3. offer
    auto w = OpenWriter(base + "/offer", a.queue_rows, a.flush_rows);
    size_t offered = 0, refused = 0;
    const auto t0 = SteadyClock::now();
    const auto end = t0 + std::chrono::duration<double>(a.offer_seconds);
    while (SteadyClock::now() < end) {
      if (a.offer_rate > 0) {
        const auto due =
            t0 + std::chrono::duration<double>(static_cast<double>(offered) / a.offer_rate);
        std::this_thread::sleep_until(std::chrono::time_point_cast<SteadyClock::duration>(due));
      }
      for (int i = 0; i < 256; ++i) {
        if (!w->Append("lead_scores", rows[offered % rows.size()]).ok()) ++refused;
        ++offered;
      }
    }
    const auto t1 = SteadyClock::now();
    (void)w->Flush();
    const auto t2 = SteadyClock::now();
    const auto s = w->stats();
    std::printf(
        "offer (queue %zu, flush %zu, %.1f s): offered %.0f rows/s, written %llu (%.0f rows/s over "
        "%.2f s incl. final flush), dropped %llu (%.1f %%)\n",
        a.queue_rows, a.flush_rows, a.offer_seconds,
        static_cast<double>(offered) / Seconds(t1 - t0),
        static_cast<unsigned long long>(s.rows_written),
        static_cast<double>(s.rows_written) / Seconds(t2 - t0), Seconds(t2 - t0),
        static_cast<unsigned long long>(refused),
        100.0 * static_cast<double>(refused) / static_cast<double>(offered));
  }
  {  // 4. encode paths
    fs::create_directories(base + "/encode");
    CompareEncodePaths(base + "/encode", rows);
  }
  {  // 5. memory of one conversion
    const lake::duck::AllocatorCtl ctl = lake::duck::DuckdbMallctl();
    for (const size_t group : {size_t{2048}, size_t{4096}, size_t{8192}}) {
      lake::LakeOptions o;
      o.data_dir = base + "/memory" + std::to_string(group);
      o.queue_capacity = a.memory_rows * 2;
      o.flush_rows = a.memory_rows * 2;
      o.row_group_rows = group;
      o.convert_nice = 0;
      o.duckdb_memory_mb = 32;
      auto w = lake::LakeWriter::Open(std::move(o));
      if (!w.ok() || !(*w)->Declare(leads::LeadScoresDataset()).ok()) return 1;
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < a.memory_rows; ++i) {
          if (!(*w)->Append("lead_scores", rows[i % rows.size()]).ok()) return 1;
        }
        if (!(*w)->Sync().ok()) return 1;
        const metrics::AllocatorStats before = metrics::ReadAllocatorStats(ctl);
        std::atomic<bool> done{false};
        double peak_allocated = 0, peak_resident = 0;
        std::thread sampler([&] {
          while (!done.load()) {
            const metrics::AllocatorStats s = metrics::ReadAllocatorStats(ctl);
            peak_allocated = std::max(peak_allocated, s.allocated);
            peak_resident = std::max(peak_resident, s.resident);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
          }
        });
        const auto t0 = SteadyClock::now();
        const Status st = (*w)->Flush();
        const double ms = Seconds(SteadyClock::now() - t0) * 1e3;
        done = true;
        sampler.join();
        uintmax_t bytes = 0;
        for (const auto& e :
             fs::recursive_directory_iterator(base + "/memory" + std::to_string(group))) {
          if (e.is_regular_file() && e.path().extension() == ".parquet") bytes += e.file_size();
        }
        std::printf(
            "memory: one conversion of %zu rows, row groups of %zu: DuckDB allocator peak %.1f MB "
            "allocated / %.1f MB resident (before %.1f / %.1f); %.1f ms; Parquet so far %.0f "
            "KB%s\n",
            a.memory_rows, group, peak_allocated / 1048576.0, peak_resident / 1048576.0,
            before.allocated / 1048576.0, before.resident / 1048576.0, ms, bytes / 1024.0,
            st.ok() ? "" : " (failed)");
      }
    }
  }
  if (a.data_dir.empty()) fs::remove_all(base);
  return 0;
}
