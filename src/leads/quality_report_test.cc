#include "leads/quality_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace signx::leads {
namespace {

const MetricDifference& Find(const PairedComparison& c, std::string_view metric) {
  for (const auto& m : c.metrics) {
    if (m.metric == metric) return m;
  }
  ADD_FAILURE() << "no metric " << metric;
  static const MetricDifference kNone;
  return kNone;
}

TEST(PercentileTest, InterpolatesLinearlyBetweenOrderStatistics) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(Percentile(v, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.25), 1.75);
}

// Two rows, one of each class: every resample that keeps both classes holds the two rows in some
// multiplicity, so each per-row metric difference is the same in every resample and the interval
// collapses onto the full-sample difference (known in closed form).
TEST(PairedBootstrapTest, TinyCaseHasTheClosedFormDifferences) {
  const std::vector<float> y = {0, 1};
  const std::vector<float> ours = {0.2f, 0.8f};
  const std::vector<float> ref = {0.8f, 0.2f};
  auto c = PairedBootstrap(y, ours, ref, {.resamples = 200, .seed = 7, .level = 0.95});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->rows, 2u);
  EXPECT_EQ(c->positives, 1u);
  EXPECT_EQ(c->resamples, 200);
  const auto& auc = Find(*c, "auc_roc");
  EXPECT_DOUBLE_EQ(auc.ours, 1.0);
  EXPECT_DOUBLE_EQ(auc.reference, 0.0);
  EXPECT_DOUBLE_EQ(auc.lower, 1.0);
  EXPECT_DOUBLE_EQ(auc.upper, 1.0);
  EXPECT_EQ(auc.verdict, "better");
  const auto& brier = Find(*c, "brier");
  EXPECT_NEAR(brier.difference, 0.04 - 0.64, 1e-6);
  EXPECT_NEAR(brier.lower, -0.6, 1e-6);
  EXPECT_NEAR(brier.upper, -0.6, 1e-6);
  EXPECT_EQ(brier.verdict, "better");
  const auto& ll = Find(*c, "log_loss");
  EXPECT_NEAR(ll.difference, std::log(0.2) - std::log(0.8), 1e-6);
  EXPECT_NEAR(ll.lower, ll.difference, 1e-6);
  EXPECT_EQ(ll.verdict, "better");
}

TEST(PairedBootstrapTest, SwappedScorersAreWorse) {
  const std::vector<float> y = {0, 1};
  auto c = PairedBootstrap(y, std::vector<float>{0.8f, 0.2f}, std::vector<float>{0.2f, 0.8f},
                           {.resamples = 50, .seed = 1, .level = 0.95});
  ASSERT_TRUE(c.ok());
  for (const auto& m : c->metrics) EXPECT_EQ(m.verdict, "worse") << m.metric;
}

TEST(PairedBootstrapTest, IdenticalScorersDifferByNothing) {
  const std::vector<float> y = {0, 0, 1, 1, 0, 1, 0, 1};
  const std::vector<float> p = {0.1f, 0.6f, 0.7f, 0.4f, 0.2f, 0.9f, 0.3f, 0.55f};
  auto c = PairedBootstrap(y, p, p, {.resamples = 300, .seed = 3, .level = 0.95});
  ASSERT_TRUE(c.ok());
  for (const auto& m : c->metrics) {
    EXPECT_EQ(m.difference, 0.0) << m.metric;
    EXPECT_EQ(m.lower, 0.0) << m.metric;
    EXPECT_EQ(m.upper, 0.0) << m.metric;
    EXPECT_EQ(m.verdict, "no difference") << m.metric;
  }
}

// A scorer that is better on some rows and worse on others: the interval straddles the
// full-sample difference and is the same for the same seed.
TEST(PairedBootstrapTest, IntervalBracketsTheDifferenceAndIsSeeded) {
  const std::vector<float> y = {0, 0, 0, 0, 1, 1, 1, 1, 0, 1};
  const std::vector<float> a = {0.1f, 0.3f, 0.6f, 0.2f, 0.7f, 0.8f, 0.4f, 0.9f, 0.5f, 0.65f};
  const std::vector<float> b = {0.2f, 0.1f, 0.4f, 0.5f, 0.6f, 0.9f, 0.7f, 0.45f, 0.3f, 0.8f};
  const BootstrapOptions o{.resamples = 500, .seed = 11, .level = 0.9};
  auto c1 = PairedBootstrap(y, a, b, o);
  auto c2 = PairedBootstrap(y, a, b, o);
  ASSERT_TRUE(c1.ok() && c2.ok());
  for (std::size_t k = 0; k < c1->metrics.size(); ++k) {
    const auto& m = c1->metrics[k];
    EXPECT_LT(m.lower, m.upper) << m.metric;
    EXPECT_LE(m.lower, m.difference) << m.metric;
    EXPECT_GE(m.upper, m.difference) << m.metric;
    EXPECT_EQ(m.lower, c2->metrics[k].lower);
    EXPECT_EQ(m.upper, c2->metrics[k].upper);
  }
  auto c3 = PairedBootstrap(y, a, b, {.resamples = 500, .seed = 12, .level = 0.9});
  ASSERT_TRUE(c3.ok());
  EXPECT_NE(c1->metrics[1].lower, c3->metrics[1].lower);  // another seed, another draw
}

TEST(PairedBootstrapTest, RejectsBadInput) {
  const std::vector<float> y = {0, 1, 1};
  const std::vector<float> p = {0.1f, 0.2f, 0.3f};
  EXPECT_FALSE(PairedBootstrap(y, p, std::vector<float>{0.1f, 0.2f}).ok());
  EXPECT_FALSE(PairedBootstrap(std::vector<float>{1, 1, 1}, p, p).ok());
  EXPECT_FALSE(PairedBootstrap(y, p, p, {.resamples = 0}).ok());
  EXPECT_FALSE(PairedBootstrap(y, p, p, {.resamples = 10, .seed = 1, .level = 1.0}).ok());
}

TEST(ReadReferenceScoresTest, ReadsThePeersFormat) {
  auto r = ReadReferenceScores(
      "lead_id,converted,score,bucket\n623420,1,0.903092802,4\n614238,0,0.0001,1\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->ids.size(), 2u);
  EXPECT_EQ(r->ids[0], "623420");
  EXPECT_FLOAT_EQ(r->scores[0], 0.903092802f);
  ASSERT_TRUE(r->labels[1].has_value());
  EXPECT_EQ(*r->labels[1], 0.0f);
  auto no_label = ReadReferenceScores("lead_id,score\na,0.5\n");
  ASSERT_TRUE(no_label.ok());
  EXPECT_FALSE(no_label->labels[0].has_value());
}

TEST(ReadReferenceScoresTest, RejectsBadRows) {
  EXPECT_FALSE(ReadReferenceScores("id_of_lead,score\na,0.5\n").ok());
  EXPECT_FALSE(ReadReferenceScores("lead_id,score\na,0.5\na,0.4\n").ok());
  EXPECT_FALSE(ReadReferenceScores("lead_id,score\na,1.5\n").ok());
  EXPECT_FALSE(ReadReferenceScores("lead_id,score\na,x\n").ok());
  EXPECT_FALSE(ReadReferenceScores("lead_id,converted,score\na,2,0.5\n").ok());
  EXPECT_FALSE(ReadReferenceScores("lead_id,score\n").ok());
}

TEST(MapIdsTest, TranslatesBetweenColumns) {
  auto t = csv::ReadTable("Prospect ID,Lead Number\nu-1,101\nu-2,102\nu-3,103\n");
  ASSERT_TRUE(t.ok());
  const std::vector<std::string> ids = {"103", "101"};
  auto m = MapIds(*t, "Lead Number", "Prospect ID", ids);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, (std::vector<std::string>{"u-3", "u-1"}));
  const std::vector<std::string> unknown = {"999"};
  EXPECT_FALSE(MapIds(*t, "Lead Number", "Prospect ID", unknown).ok());
  EXPECT_FALSE(MapIds(*t, "Nope", "Prospect ID", ids).ok());
  auto dup = csv::ReadTable("A,B\nx,1\nx,2\n");
  ASSERT_TRUE(dup.ok());
  const std::vector<std::string> x = {"x"};
  EXPECT_FALSE(MapIds(*dup, "A", "B", x).ok());
}

}  // namespace
}  // namespace signx::leads
