#include "forecast/metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "forecast/m4.h"
#include "forecast/methods.h"

namespace signx::forecast {
namespace {

TEST(Metrics, HandComputed) {
  const std::vector<double> a = {100, 200}, f = {110, 200};
  EXPECT_DOUBLE_EQ(Smape(a, f), (200.0 * 10 / 210) / 2);
  EXPECT_DOUBLE_EQ(MaseScale(std::vector<double>{1, 2, 4}, 1), 1.5);
  EXPECT_DOUBLE_EQ(MaseScale(std::vector<double>{1, 2, 4, 8}, 2), (3.0 + 6.0) / 2);
  EXPECT_EQ(MaseScale(std::vector<double>{1, 2}, 2), 0.0);
  AccuracyAccumulator acc;
  acc.Add(a, f, 2.0);
  EXPECT_DOUBLE_EQ(acc.mase(), 2.5);
  // The M4 README's example: Hourly sNaive from the rounded parts.
  EXPECT_NEAR(Owa(13.912, 1.193, 18.383, 2.395), 0.627454, 1e-6);
  EXPECT_EQ(Smape(std::vector<double>{0}, std::vector<double>{0}), 0.0);
}

TEST(M4Csv, ParsesPaddedQuotedRowsAndReportsBadFields) {
  auto rows = ParseM4Csv("\"V1\",\"V2\",\"V3\"\n\"H1\",\"1\",\"2.5\"\n\"H2\",\"3\",\"\"\n\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, "H1");
  EXPECT_EQ((*rows)[0].values, (std::vector<double>{1, 2.5}));
  EXPECT_EQ((*rows)[1].values, (std::vector<double>{3}));
  auto bad = ParseM4Csv("id,F1\nW1,1,x\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 2, column 3"), std::string_view::npos);
  EXPECT_EQ(M4FrequencyFor("H12")->horizon, 48);
  EXPECT_EQ(M4FrequencyFor("weekly")->mase_period, 1);
  EXPECT_FALSE(M4FrequencyFor("x").ok());
}

// The M4 data folder: $SIGNX_M4_DIR, else ../shared/data/m4 beside the repository.
std::filesystem::path M4Dir() {
  if (const char* env = std::getenv("SIGNX_M4_DIR")) return env;
  for (const char* p :
       {SIGNX_SOURCE_DIR "/../shared/data/m4", SIGNX_SOURCE_DIR "/../../shared/data/m4"}) {
    if (std::filesystem::exists(std::filesystem::path(p) / "Hourly-train.csv")) return p;
  }
  return {};
}

std::vector<NamedSeries> Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto rows = ParseM4Csv(ss.str());
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? std::move(*rows) : std::vector<NamedSeries>{};
}

// evaluate.py's numbers (the M4 README's verification table) on the official Naive2 forecasts,
// and our Naive2 reproducing them.
TEST(M4Official, Naive2ScoresMatchEvaluatePy) {
  const auto dir = M4Dir();
  if (dir.empty()) GTEST_SKIP() << "M4 data not found (set SIGNX_M4_DIR)";
  const auto official = Load(dir / "point-forecasts" / "submission-Naive2.csv");
  std::map<std::string, std::vector<double>> by_id;
  for (const auto& r : official) by_id[r.id] = r.values;
  struct Case {
    const char* freq;
    double smape, mase;
  };
  for (const Case& c : {Case{"Hourly", 18.383, 2.395}, Case{"Weekly", 9.161, 2.777}}) {
    const auto train = Load(dir / (std::string(c.freq) + "-train.csv"));
    const auto test = Load(dir / (std::string(c.freq) + "-test.csv"));
    ASSERT_EQ(train.size(), test.size());
    const M4Frequency fq = *M4FrequencyFor(c.freq);
    AccuracyAccumulator theirs, ours;
    for (std::size_t i = 0; i < test.size(); ++i) {
      ASSERT_EQ(train[i].id, test[i].id);
      const double scale = MaseScale(train[i].values, fq.mase_period);
      const auto& off = by_id.at(test[i].id);
      theirs.Add(test[i].values, std::span<const double>(off).subspan(0, fq.horizon), scale);
      const auto mine = Naive2(train[i].values, fq.horizon, fq.mase_period);
      for (int k = 0; k < fq.horizon; ++k)
        ASSERT_NEAR(mine[k], off[k], 1e-4) << test[i].id << " step " << k;
      ours.Add(test[i].values, mine, scale);
    }
    EXPECT_NEAR(theirs.smape(), c.smape, 5e-4) << c.freq;
    EXPECT_NEAR(theirs.mase(), c.mase, 5e-4) << c.freq;
    EXPECT_NEAR(ours.smape(), c.smape, 5e-4) << c.freq;
    EXPECT_NEAR(ours.mase(), c.mase, 5e-4) << c.freq;
  }
  // Daily: no train file; sMAPE only (3.045).
  const auto daily = Load(dir / "Daily-test.csv");
  AccuracyAccumulator d;
  for (const auto& r : daily)
    d.Add(r.values, std::span<const double>(by_id.at(r.id)).subspan(0, 14), 0.0);
  EXPECT_NEAR(d.smape(), 3.045, 5e-4);
}

}  // namespace
}  // namespace signx::forecast
