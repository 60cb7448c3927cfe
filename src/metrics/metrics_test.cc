#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "metrics/process_metrics.h"

namespace signx::metrics {
namespace {

TEST(FormatValue, FollowsTextFormat) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.0005), "0.0005");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(Escape, LabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue(R"(a"b\c)" "\n"), R"(a\"b\\c\n)");
  EXPECT_EQ(EscapeHelp("line1\nback\\slash \"quoted\""), R"(line1\nback\\slash "quoted")");
}

TEST(Registry, RendersCounterWithLabels) {
  Registry r;
  auto& f = r.AddCounter("http_requests_total", "Requests answered", {"method", "status"});
  f.WithLabels({"GET", "200"}).Inc();
  f.WithLabels({"GET", "200"}).Inc(2);
  f.WithLabels({"POST", "4\"0\n0"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP http_requests_total Requests answered\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{method=\"GET\",status=\"200\"} 3\n"
            "http_requests_total{method=\"POST\",status=\"4\\\"0\\n0\"} 1\n");
}

TEST(Registry, GaugeWithoutLabels) {
  Registry r;
  auto& g = r.AddGauge("in_flight", "Now").WithLabels({});
  g.Inc();
  g.Inc();
  g.Dec();
  g.Set(g.Value() + 0.5);
  EXPECT_EQ(r.Render(), "# HELP in_flight Now\n# TYPE in_flight gauge\nin_flight 1.5\n");
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("d_seconds", "Duration", {"route"}, {0.1, 1}).WithLabels({"/x"});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(r.Render(),
            "# HELP d_seconds Duration\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "d_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{route=\"/x\"} 7.65\n"
            "d_seconds_count{route=\"/x\"} 4\n");
}

TEST(Registry, FamiliesInRegistrationOrderThenCollectors) {
  Registry r;
  r.AddGauge("b_gauge", "B").WithLabels({}).Set(1);
  r.AddCounter("a_total", "A").WithLabels({}).Inc();
  r.AddCollector([](Writer& w) {
    w.Header("c_info", "C", Type::kGauge);
    w.Sample("c_info", {{"k", "v\""}}, 1);
  });
  const std::string out = r.Render();
  EXPECT_LT(out.find("b_gauge 1"), out.find("a_total 1"));
  EXPECT_NE(out.find("c_info{k=\"v\\\"\"} 1\n"), std::string::npos);
}

TEST(Registry, RejectsBadNamesAndDuplicates) {
  Registry r;
  r.AddCounter("ok_total", "x");
  EXPECT_DEATH(r.AddCounter("ok_total", "again"), "duplicate metric");
  EXPECT_DEATH(r.AddCounter("9bad", "x"), "invalid metric name");
  EXPECT_DEATH(r.AddCounter("x_total", "x", {"le"}), "reserved");
  EXPECT_DEATH(r.AddCounter("y_total", "x", {"a"}).WithLabels({"1", "2"}), "label values");
}

TEST(Counter, ConcurrentIncrementsAreNotLost) {
  Registry r;
  auto& c = r.AddCounter("n_total", "n").WithLabels({});
  auto& h = r.AddHistogram("h", "h", {}, {1}).WithLabels({});
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        h.Observe(0.5);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.Value(), 40000);
  EXPECT_EQ(h.Snap().count, 40000u);
}

TEST(ProcessMetrics, ReadsProcSelf) {
  const ProcessStats s = ReadProcessStats();
  EXPECT_GT(s.resident_bytes, 0);
  EXPECT_GE(s.cpu_seconds, 0);
  EXPECT_GT(s.open_fds, 0);
  EXPECT_GT(s.threads, 0);
  EXPECT_GT(s.start_time_seconds, 1.6e9);

  Registry r;
  RegisterProcessMetrics(r, {.version = "1.2.3", .git_sha = "abc", .compiler = "g++",
                             .build_type = "Release"});
  const std::string out = r.Render();
  EXPECT_NE(out.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(out.find("signx_build_info{version=\"1.2.3\",git_sha=\"abc\",compiler=\"g++\","
                     "build_type=\"Release\"} 1\n"),
            std::string::npos);
}

// A stand-in for jemalloc's mallctl: "epoch" must be written before the stats are read.
int FakeMallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t) {
  static bool refreshed = false;
  const std::string n = name;
  if (n == "epoch") {
    refreshed = newp != nullptr;
    return 0;
  }
  const std::size_t values[] = {100, 110, 7, 140, 150, 60};
  const char* names[] = {"stats.allocated", "stats.active", "stats.metadata",
                         "stats.resident",  "stats.mapped", "stats.retained"};
  for (int i = 0; i < 6; ++i) {
    if (n == names[i] && refreshed && *oldlenp == sizeof(std::size_t)) {
      *static_cast<std::size_t*>(oldp) = values[i] << 20;
      return 0;
    }
  }
  return 2;  // ENOENT
}

TEST(ProcessMetrics, ReadsJemallocStatsThroughMallctl) {
  const AllocatorStats s = ReadAllocatorStats(&FakeMallctl);
  EXPECT_EQ(s.allocated, 100 << 20);
  EXPECT_EQ(s.active, 110 << 20);
  EXPECT_EQ(s.metadata, 7 << 20);
  EXPECT_EQ(s.resident, 140 << 20);
  EXPECT_EQ(s.mapped, 150 << 20);
  EXPECT_EQ(s.retained, 60 << 20);

  const AllocatorStats none = ReadAllocatorStats(nullptr);
  EXPECT_EQ(none.allocated, -1);
  EXPECT_EQ(none.resident, -1);
}

TEST(ProcessMetrics, JemallocGaugesOnlyWhenTheProcessHasJemalloc) {
  // Test programs use glibc's malloc (only the signx executable links jemalloc).
  Registry r;
  RegisterProcessMetrics(r, {});
  const std::string out = r.Render();
  EXPECT_EQ(out.find("signx_jemalloc_") != std::string::npos, ProcessMallctl() != nullptr);
}

}  // namespace
}  // namespace signx::metrics
