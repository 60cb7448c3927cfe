#include "ml/xgboost.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace signx::ml {
namespace {

struct Data {
  std::vector<float> x;
  std::vector<float> y;
  std::size_t rows = 0;
  static constexpr std::size_t kCols = 4;
};

// y = 1 when x0 + 0.5*x1 + noise > 0.8; x2 is noise with 10 % missing; x3 is constant.
Data Make(std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Data d;
  d.rows = rows;
  for (std::size_t i = 0; i < rows; ++i) {
    const float x0 = u(rng), x1 = u(rng), x2 = u(rng), noise = u(rng) * 0.4f - 0.2f;
    d.x.push_back(x0);
    d.x.push_back(x1);
    d.x.push_back(u(rng) < 0.1f ? std::nanf("") : x2);
    d.x.push_back(1.0f);
    d.y.push_back(x0 + 0.5f * x1 + noise > 0.8f ? 1.0f : 0.0f);
  }
  return d;
}

DMatrix Matrix(const Data& d) {
  auto m = DMatrix::FromDense(d.x, d.rows, Data::kCols);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->SetLabels(d.y).ok());
  return std::move(m).value();
}

TrainOptions Options() {
  TrainOptions o;
  o.params = {{"objective", "binary:logistic"}, {"max_depth", "3"}, {"eta", "0.3"},
              {"subsample", "0.8"}, {"tree_method", "hist"}};
  o.num_rounds = 200;
  o.early_stopping_rounds = 10;
  o.eval_metric = "logloss";
  o.seed = 7;
  return o;
}

TEST(DMatrixTest, RejectsWrongShape) {
  std::vector<float> x(5);
  EXPECT_FALSE(DMatrix::FromDense(x, 2, 3).ok());
  EXPECT_FALSE(DMatrix::FromDense({}, 0, 3).ok());
  auto m = DMatrix::FromDense(std::vector<float>(6), 2, 3);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->SetLabels(std::vector<float>(3)).ok());
  EXPECT_TRUE(m->SetWeights(std::vector<float>(2, 1.0f)).ok());
}

TEST(BoosterTest, TrainingIsReproducible) {
  const Data train = Make(600, 1), valid = Make(200, 2);
  std::string bytes[2];
  for (auto& b : bytes) {
    DMatrix dt = Matrix(train), dv = Matrix(valid);
    TrainReport rep;
    auto booster = Booster::Train(dt, &dv, Options(), &rep);
    ASSERT_TRUE(booster.ok()) << booster.status().ToString();
    EXPECT_GT(rep.rounds_run, 0);
    EXPECT_GE(rep.best_round, 0);
    auto rounds = booster->BoostedRounds();
    ASSERT_TRUE(rounds.ok());
    EXPECT_EQ(*rounds, rep.best_round + 1);  // cut to the best round
    auto raw = booster->SaveRaw();
    ASSERT_TRUE(raw.ok());
    b = *raw;
  }
  EXPECT_FALSE(bytes[0].empty());
  EXPECT_EQ(bytes[0], bytes[1]);
}

TEST(BoosterTest, EarlyStoppingNeedsValidation) {
  const Data train = Make(100, 1);
  DMatrix dt = Matrix(train);
  EXPECT_FALSE(Booster::Train(dt, nullptr, Options()).ok());
}

TEST(BoosterTest, BadParameterIsAStatusWithXGBoostText) {
  const Data train = Make(100, 1);
  DMatrix dt = Matrix(train);
  TrainOptions o = Options();
  o.early_stopping_rounds = 0;
  o.params["objective"] = "no:such:objective";
  auto b = Booster::Train(dt, nullptr, o);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("xgboost"), std::string_view::npos);
  EXPECT_FALSE(Booster::LoadRaw("not a model").ok());
}

TEST(BoosterTest, ContribsSumToMarginAndSaveLoadRoundTrips) {
  const Data train = Make(600, 3), valid = Make(200, 4), test = Make(50, 5);
  DMatrix dt = Matrix(train), dv = Matrix(valid), de = Matrix(test);
  auto booster = Booster::Train(dt, &dv, Options());
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  auto margin = booster->PredictMargin(de);
  auto prob = booster->Predict(de);
  auto contribs = booster->PredictContribs(de);
  ASSERT_TRUE(margin.ok() && prob.ok() && contribs.ok());
  ASSERT_EQ(margin->size(), test.rows);
  ASSERT_EQ(contribs->size(), test.rows * (Data::kCols + 1));
  for (std::size_t r = 0; r < test.rows; ++r) {
    double sum = 0;
    for (std::size_t c = 0; c <= Data::kCols; ++c) sum += (*contribs)[r * (Data::kCols + 1) + c];
    EXPECT_NEAR(sum, (*margin)[r], 1e-4);
    EXPECT_NEAR((*prob)[r], 1.0 / (1.0 + std::exp(-(*margin)[r])), 1e-5);
    EXPECT_EQ((*contribs)[r * (Data::kCols + 1) + 3], 0.0f);  // constant column never splits
  }
  auto n = booster->NumFeatures();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, Data::kCols);
  auto gain = booster->FeatureGain();
  ASSERT_TRUE(gain.ok());
  EXPECT_GT((*gain)[0], (*gain)[2]);  // the strongest signal has the most gain
  EXPECT_FALSE(gain->contains(3));

  for (const auto format : {Booster::Format::kUbj, Booster::Format::kJson}) {
    auto raw = booster->SaveRaw(format);
    ASSERT_TRUE(raw.ok());
    auto loaded = Booster::LoadRaw(*raw);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    auto again = loaded->PredictMargin(de);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *margin);
  }
}

TEST(XGBoostVersionTest, Reports17) { EXPECT_TRUE(XGBoostVersion().starts_with("1.")); }

}  // namespace
}  // namespace signx::ml
