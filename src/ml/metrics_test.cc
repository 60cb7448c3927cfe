#include "ml/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ml/base64.h"
#include "ml/calibration.h"

namespace signx::ml {
namespace {

TEST(MetricsTest, AucRocHandComputed) {
  // Pairs (pos, neg): (0.8>0.1),(0.8>0.4),(0.35<0.4),(0.35>0.1) -> 3/4.
  const std::vector<float> s = {0.1f, 0.4f, 0.35f, 0.8f}, y = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*AucRoc(s, y), 0.75);
  // A tie between a positive and a negative counts one half.
  const std::vector<float> s2 = {0.5f, 0.5f, 0.9f}, y2 = {0, 1, 1};
  EXPECT_DOUBLE_EQ(*AucRoc(s2, y2), 0.75);
  EXPECT_FALSE(AucRoc(s, std::vector<float>{1, 1, 1, 1}).ok());
  EXPECT_FALSE(AucRoc(s, std::vector<float>{1, 0}).ok());
}

TEST(MetricsTest, AucPrMatchesScikitLearnExample) {
  // sklearn docs: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) == 0.8333...
  const std::vector<float> s = {0.1f, 0.4f, 0.35f, 0.8f}, y = {0, 0, 1, 1};
  EXPECT_NEAR(*AucPr(s, y), 0.8333333333, 1e-9);
}

TEST(MetricsTest, LogLossAndBrier) {
  const std::vector<float> p = {0.9f, 0.2f}, y = {1, 0};
  const double expected = -(std::log(0.9) + std::log(0.8)) / 2;
  EXPECT_NEAR(*LogLoss(p, y), expected, 1e-6);
  EXPECT_NEAR(*Brier(p, y), (0.01 + 0.04) / 2, 1e-7);
  const std::vector<float> certain = {1.0f}, wrong = {0};
  EXPECT_NEAR(*LogLoss(certain, wrong), -std::log(1e-15), 1e-3);  // clipped, finite
}

TEST(MetricsTest, CalibrationTable) {
  const std::vector<float> p = {0.05f, 0.15f, 0.12f, 0.95f, 1.0f}, y = {0, 1, 0, 1, 1};
  auto t = CalibrationTable(p, y, 10);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 10u);
  EXPECT_EQ((*t)[0].count, 1u);
  EXPECT_EQ((*t)[1].count, 2u);
  EXPECT_NEAR((*t)[1].mean_predicted, 0.135, 1e-6);
  EXPECT_DOUBLE_EQ((*t)[1].observed_rate, 0.5);
  EXPECT_EQ((*t)[9].count, 2u);  // 1.0 falls in the last bin
  EXPECT_EQ((*t)[5].count, 0u);
  EXPECT_DOUBLE_EQ((*t)[9].lower, 0.9);
  EXPECT_GT(ExpectedCalibrationError(*t), 0.0);
}

TEST(MetricsTest, StratifiedSplitKeepsRatioAndIsSeeded) {
  std::vector<float> y(1000);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = i % 4 == 0 ? 1.0f : 0.0f;  // 25 % positive
  auto a = StratifiedSplit(y, 0.7, 0.15, 42);
  auto b = StratifiedSplit(y, 0.7, 0.15, 42);
  auto c = StratifiedSplit(y, 0.7, 0.15, 43);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->train, b->train);
  EXPECT_EQ(a->test, b->test);
  EXPECT_NE(a->train, c->train);
  EXPECT_EQ(a->train.size() + a->valid.size() + a->test.size(), y.size());
  auto positives = [&](const std::vector<std::size_t>& idx) {
    std::size_t n = 0;
    for (auto i : idx) n += y[i] > 0.5f;
    return n;
  };
  EXPECT_EQ(a->train.size(), 700u);
  EXPECT_EQ(positives(a->train), 175u);
  EXPECT_EQ(positives(a->valid), 38u);  // round(250 * 0.15) = 38 (37.5 rounds away from zero)
  EXPECT_FALSE(StratifiedSplit(y, 0.9, 0.2, 1).ok());
}

TEST(MetricsTest, QuantilesInterpolateLikeNumpy) {
  const std::vector<float> v = {4, 1, 3, 2, 5};
  const std::vector<double> q = {0.0, 0.2, 0.5, 0.8, 1.0};
  auto r = Quantiles(v, q);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ((*r)[0], 1.0);
  EXPECT_DOUBLE_EQ((*r)[1], 1.8);  // numpy.quantile([1..5], 0.2) == 1.8
  EXPECT_DOUBLE_EQ((*r)[2], 3.0);
  EXPECT_DOUBLE_EQ((*r)[3], 4.2);
  EXPECT_DOUBLE_EQ((*r)[4], 5.0);
  EXPECT_FALSE(Quantiles(v, std::vector<double>{1.5}).ok());
}

TEST(CalibrationTest, IsotonicIsMonotoneAndFitsSteps) {
  const std::vector<float> p = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, y = {0, 1, 0, 0, 1, 1};
  auto c = Calibrator::FitIsotonic(p, y);
  ASSERT_TRUE(c.ok());
  // PAV: [0], [1,0,0] pooled -> 1/3, [1], [1].
  EXPECT_DOUBLE_EQ(c->Apply(0.05), 0.0);
  EXPECT_NEAR(c->Apply(0.3), 1.0 / 3, 1e-6);
  EXPECT_DOUBLE_EQ(c->Apply(0.9), 1.0);
  double prev = -1;
  for (double x = 0; x <= 1.0; x += 0.01) {
    EXPECT_GE(c->Apply(x), prev);
    prev = c->Apply(x);
  }
  auto back = Calibrator::FromJson(c->ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_DOUBLE_EQ(back->Apply(0.33), c->Apply(0.33));
}

TEST(CalibrationTest, PlattCorrectsOverconfidence) {
  // Scores twice as extreme (in logit) as the truth: Platt should find a ≈ 0.5.
  std::vector<float> p, y;
  for (int i = 0; i < 2000; ++i) {
    const double true_logit = -3.0 + 6.0 * (i % 100) / 99.0;
    const double truth = 1.0 / (1.0 + std::exp(-true_logit));
    p.push_back(static_cast<float>(1.0 / (1.0 + std::exp(-2 * true_logit))));
    y.push_back((i / 100) < truth * 20 ? 1.0f : 0.0f);  // deterministic, matches rate per score
  }
  auto c = Calibrator::FitPlatt(p, y);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind(), Calibrator::Kind::kPlatt);
  const auto before = *LogLoss(p, y);
  const auto after = *LogLoss(c->ApplyAll(p), y);
  EXPECT_LT(after, before);
  auto back = Calibrator::FromJson(c->ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_DOUBLE_EQ(back->Apply(0.7), c->Apply(0.7));
  EXPECT_FALSE(Calibrator::FromJson(boost::json::value("x")).ok());
}

TEST(Base64Test, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  std::string bin;
  for (int i = 0; i < 256; ++i) bin += static_cast<char>(i);
  EXPECT_EQ(*Base64Decode(Base64Encode(bin)), bin);
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_FALSE(Base64Decode("Zm8").ok());
  EXPECT_FALSE(Base64Decode("Z=8=").ok());
  EXPECT_FALSE(Base64Decode("Zm!=").ok());
}

}  // namespace
}  // namespace signx::ml
