// Lake writer throughput and flush cost (issue 20 §2). Not a Google Benchmark: it prints the rows
// per second the writer sustains and percentiles of one flush, through LakeWriter's public API
// only (so the same program measures any version of the writer).
//
//   signx_lake_bench [--rows 200000] [--flush-rows 4000] [--flushes 100] [--offer-seconds 5]
//                    [--queue-rows 20000] [--data-dir DIR] [--nice 0] [--offer-rate 0]
//
// Rows look like the scoring API's lead_scores rows: 8 columns, a ~1.2 KB features JSON each.
//   1. drain:  --rows rows appended --queue-rows at a time, each slice followed by Flush();
//              rows/s = rows / total time; CPU µs per row of the whole process.
//   2. flush:  --flushes times: --flush-rows rows appended, then Flush() timed: wall p50/p90/p99/
//              max, and the process CPU it used (what a flush takes from request threads).
//   3. offer:  one thread appends --offer-rate rows/s (0: as fast as it can) for --offer-seconds
//              with the server's default bounds (--queue-rows, --flush-rows): rows offered,
//              written, dropped per second.
// --nice sets the convert thread's nice value (default 0 here so runs on a busy machine compare;
// the server runs it at 10).
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lake/lake_writer.h"

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
  int nice = 0;           // convert thread's nice value (the server's default is 10)
  double offer_rate = 0;  // rows/s offered in phase 3; 0 = as fast as one thread can
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

lake::DatasetSchema Schema() {
  using lake::ColumnType;
  return {.name = "lead_scores",
          .columns = {{"scored_at", ColumnType::kTimestamp},
                      {"request_id", ColumnType::kString},
                      {"model_version", ColumnType::kString},
                      {"lead_id", ColumnType::kString},
                      {"score", ColumnType::kDouble},
                      {"bucket", ColumnType::kInt64},
                      {"tier", ColumnType::kString},
                      {"features", ColumnType::kString}},
          .partition_by = "scored_at"};
}

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

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

int g_nice = 0;

std::unique_ptr<lake::LakeWriter> OpenWriter(const std::string& dir, size_t queue_rows,
                                             size_t flush_rows) {
  lake::LakeOptions o;
  o.data_dir = dir;
  o.queue_capacity = queue_rows;
  o.flush_rows = flush_rows;
  o.duckdb_memory_mb = 32;
  o.convert_nice = g_nice;
  auto w = lake::LakeWriter::Open(std::move(o));
  if (!w.ok()) {
    std::fprintf(stderr, "open: %s\n", w.status().ToString().c_str());
    std::exit(1);
  }
  if (!(*w)->Declare(Schema()).ok()) std::exit(1);
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
  if (a.data_dir.empty()) fs::remove_all(base);
  return 0;
}
