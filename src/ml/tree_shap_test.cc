#include "ml/tree_shap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace signx::ml {
namespace {

struct Data {
  std::vector<float> x;
  std::vector<float> y;
  std::size_t rows = 0;
  std::size_t cols = 0;
};

// `cols` features, ~15 % missing; the label mixes several features non-linearly so deep trees
// split repeatedly on the same features.
Data Make(std::size_t rows, std::size_t cols, std::uint64_t seed, bool regression) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  Data d;
  d.rows = rows;
  d.cols = cols;
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<float> r(cols);
    for (auto& v : r) v = u(rng);
    // Integer-valued and binary columns like one-hot features.
    r[1] = std::floor(r[1] * 5);
    r[2] = r[2] < 0.3f ? 1.0f : 0.0f;
    const float z = std::sin(6 * r[0]) + r[1] * 0.4f - r[2] + (r[3] > 0.5f ? r[4] : -r[4]) +
                    noise(rng);
    for (std::size_t c = 0; c < cols; ++c) {
      if (u(rng) < 0.15f) r[c] = std::nanf("");
    }
    d.x.insert(d.x.end(), r.begin(), r.end());
    d.y.push_back(regression ? z * 3 + 10 : (z > 0.4f ? 1.0f : 0.0f));
  }
  return d;
}

Booster Train(const Data& d, const std::string& objective, int depth, int rounds) {
  auto m = DMatrix::FromDense(d.x, d.rows, d.cols);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->SetLabels(d.y).ok());
  TrainOptions o;
  o.params = {{"objective", objective}, {"max_depth", std::to_string(depth)}, {"eta", "0.1"},
              {"subsample", "0.9"}, {"colsample_bytree", "0.9"}, {"tree_method", "hist"}};
  if (objective == "binary:logistic") o.params["base_score"] = "0.3";
  o.num_rounds = rounds;
  o.nthread = 1;
  auto b = Booster::Train(*m, nullptr, o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).value();
}

// Compares margins and both SHAP algorithms with XGBoost's pred_contribs on fresh rows.
void ExpectMatchesXGBoost(const Booster& booster, const Data& test, bool expect_tables) {
  auto e = TreeEnsemble::FromBooster(booster);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->has_precomputed(), expect_tables);
  auto m = DMatrix::FromDense(test.x, test.rows, test.cols);
  ASSERT_TRUE(m.ok());
  auto margin = booster.PredictMargin(*m);
  auto pred = booster.Predict(*m);
  auto contribs = booster.PredictContribs(*m);
  ASSERT_TRUE(margin.ok() && pred.ok() && contribs.ok());
  EXPECT_TRUE(e->predict_matches_booster());
  ASSERT_EQ(contribs->size(), test.rows * (test.cols + 1));
  std::vector<double> poly(test.cols + 1), fast(test.cols + 1);
  double worst_poly = 0, worst_fast = 0, worst_margin = 0;
  for (std::size_t r = 0; r < test.rows; ++r) {
    const std::span<const float> row(test.x.data() + r * test.cols, test.cols);
    worst_margin = std::max(worst_margin, std::abs(e->PredictMargin(row) - (*margin)[r]));
    EXPECT_EQ(e->Predict(row), (*pred)[r]);  // bit for bit
    EXPECT_EQ(e->MarginAsXGBoost(row), (*margin)[r]);
    e->Contributions(row, poly, TreeEnsemble::Algorithm::kPolynomial);
    e->Contributions(row, fast, TreeEnsemble::Algorithm::kPrecomputed);
    double sum = 0;
    for (std::size_t c = 0; c <= test.cols; ++c) {
      const double xgb = (*contribs)[r * (test.cols + 1) + c];
      worst_poly = std::max(worst_poly, std::abs(poly[c] - xgb));
      worst_fast = std::max(worst_fast, std::abs(fast[c] - xgb));
      sum += fast[c];
    }
    EXPECT_NEAR(sum, (*margin)[r], 1e-4);  // efficiency: contributions add up to the margin
  }
  EXPECT_LE(worst_margin, 1e-5);
  EXPECT_LE(worst_poly, 1e-5);
  EXPECT_LE(worst_fast, 1e-5);
  std::printf("max |ours - xgboost|: polynomial %.3g, precomputed %.3g, margin %.3g\n",
              worst_poly, worst_fast, worst_margin);
}

TEST(TreeShapTest, MatchesXGBoostOnReferenceSizeClassifier) {
  // 300 trees of depth 6 over 12 features: repeated features on most paths, 15 % missing.
  const Data train = Make(2000, 12, 1, false);
  const Booster b = Train(train, "binary:logistic", 6, 300);
  ExpectMatchesXGBoost(b, Make(300, 12, 2, false), true);
}

TEST(TreeShapTest, MatchesXGBoostOnRegression) {
  const Data train = Make(1000, 30, 3, true);
  const Booster b = Train(train, "reg:squarederror", 4, 100);
  ExpectMatchesXGBoost(b, Make(200, 30, 4, true), true);
}

TEST(TreeShapTest, DeepTreesFallBackToPolynomial) {
  // Depth 14 over 16 features: some leaves have more than 10 distinct path features.
  const Data train = Make(4000, 16, 5, true);
  const Booster b = Train(train, "reg:squarederror", 14, 20);
  auto e = TreeEnsemble::FromBooster(b);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ExpectMatchesXGBoost(b, Make(200, 16, 6, true), e->has_precomputed());
  EXPECT_FALSE(e->has_precomputed());
}

TEST(TreeShapTest, RejectsWhatItCannotExplain) {
  EXPECT_FALSE(TreeEnsemble::FromXGBoostJson("not json").ok());
  EXPECT_FALSE(TreeEnsemble::FromXGBoostJson("{}").ok());
  EXPECT_FALSE(TreeEnsemble::FromXGBoostJson(
                   R"({"learner":{"learner_model_param":{"base_score":"5E-1","num_feature":"2"},
                      "objective":{"name":"multi:softprob"},
                      "gradient_booster":{"name":"gbtree","model":{"trees":[]}}}})")
                   .ok());
  // A single split tree by hand: f0 < 0.5 → -1 (cover 1) else +3 (cover 3); missing goes right.
  auto e = TreeEnsemble::FromXGBoostJson(
      R"({"learner":{"learner_model_param":{"base_score":"5E-1","num_feature":"2"},
          "objective":{"name":"reg:squarederror"},
          "gradient_booster":{"name":"gbtree","model":{"tree_info":[0],"trees":[{
            "left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[0,0,0],
            "split_conditions":[0.5,-1,3],"default_left":[0,0,0],"sum_hessian":[4,1,3],
            "split_type":[0,0,0]}]}}}})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  // E[f] = (−1·1 + 3·3)/4 = 2; bias = 0.5 + 2.
  std::vector<double> out(3);
  const float lo[2] = {0.1f, 7.0f};
  e->Contributions(lo, out);
  EXPECT_DOUBLE_EQ(out[2], 2.5);
  EXPECT_DOUBLE_EQ(out[0], -3.0);
  EXPECT_DOUBLE_EQ(out[1], 0.0);
  const float missing[2] = {std::nanf(""), 0.0f};
  e->Contributions(missing, out, TreeEnsemble::Algorithm::kPolynomial);
  EXPECT_DOUBLE_EQ(out[0], 1.0);
  EXPECT_DOUBLE_EQ(e->PredictMargin(missing), 3.5);
}

}  // namespace
}  // namespace signx::ml
