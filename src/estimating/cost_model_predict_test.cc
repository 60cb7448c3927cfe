// Cost predictions of the trained model (cost_model_test.h): the conformal 80 % interval, SHAP
// drivers against XGBoost's own contributions, the anomaly score, the breakdown, and the
// estimate-corrected model chosen by a shop estimate (with a bundle that has none).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <map>

#include "estimating/cost_model.h"
#include "estimating/cost_model_test.h"
#include "estimating/predict.h"
#include "ml/xgboost.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using cost_model_test::CostModelTest;
using cost_model_test::History;
using cost_model_test::RequestFor;
using cost_model_test::TestOptions;

TEST_F(CostModelTest, ConformalIntervalCoversEightyPercentOfTheTestSplit) {
  // Recompute the coverage through the public predictor on the newest 15 % (the test split).
  const std::size_t n = jobs_->size();
  const std::size_t first_test =
      n - (n - static_cast<std::size_t>(n * 0.70) - static_cast<std::size_t>(n * 0.15));
  std::size_t covered = 0, total = 0;
  for (std::size_t i = first_test; i < n; ++i) {
    auto p = predictor().Predict(RequestFor((*jobs_)[i]));
    ASSERT_TRUE(p.ok());
    const int64_t actual = (*jobs_)[i].actual.total_cost_cents;
    covered += actual >= p->p10_cents && actual <= p->p90_cents;
    ++total;
  }
  const double coverage = static_cast<double>(covered) / static_cast<double>(total);
  std::printf("test coverage of the 80%% interval: %.3f over %zu jobs\n", coverage, total);
  EXPECT_GE(coverage, 0.77);
  EXPECT_LE(coverage, 0.83);
  EXPECT_NEAR(coverage,
              bundle_->card.at("test").as_object().at("interval_coverage_80").to_number<double>(),
              0.005);
}

TEST_F(CostModelTest, ShapContributionsSumToPredictionMinusBase) {
  ml::Booster booster = std::move(ml::Booster::LoadRaw(bundle_->booster)).value();
  for (std::size_t i = 0; i < 50; ++i) {
    const HistoryJob& j = (*jobs_)[i * 97];
    auto p = predictor().Predict(RequestFor(j));
    ASSERT_TRUE(p.ok());
    std::vector<float> x(bundle_->encoder.width());
    bundle_->encoder.Encode(j.spec, j.region_index, x);
    auto d = ml::DMatrix::FromDense(x, 1, x.size());
    auto contribs = booster.PredictContribs(*d);
    ASSERT_TRUE(contribs.ok());
    double sum = 0;
    for (std::size_t c = 0; c + 1 < contribs->size(); ++c) sum += (*contribs)[c];
    const double bias = contribs->back();
    // Σ contributions (without the bias) = prediction − base value, in log cost.
    EXPECT_NEAR(sum, p->log_prediction - p->base_log, 1e-4);
    EXPECT_NEAR(sum + bias, p->booster_margin, 1e-4);
    EXPECT_NEAR(p->shap_sum, p->booster_margin, 1e-4);
    // The dollar drivers keep the sign of their log contribution.
    for (const auto& dr : p->drivers) {
      EXPECT_TRUE((dr.log_contribution >= 0) == (dr.contribution_cents >= 0) ||
                  dr.contribution_cents == 0)
          << dr.driver;
    }
  }
}

TEST_F(CostModelTest, DriversAreXGBoostContributionsPerDriver) {
  // The predictor's exact TreeSHAP (ml/tree_shap.h) against XGBoost's own pred_contribs, summed
  // per driver, over 400 jobs (specs with missing optional fields included).
  ml::Booster booster = std::move(ml::Booster::LoadRaw(bundle_->booster)).value();
  const FeatureEncoder& enc = bundle_->encoder;
  double worst = 0, worst_margin = 0;
  std::size_t checked = 0;
  for (std::size_t i = 0; i < 400; ++i) {
    const HistoryJob& j = (*jobs_)[(i * 37) % jobs_->size()];
    auto p = predictor().Predict(RequestFor(j));
    ASSERT_TRUE(p.ok());
    std::vector<float> x(enc.width());
    enc.Encode(j.spec, j.region_index, x);
    auto d = ml::DMatrix::FromDense(x, 1, x.size());
    auto contribs = booster.PredictContribs(*d);
    auto margin = booster.PredictMargin(*d);
    ASSERT_TRUE(contribs.ok() && margin.ok());
    std::map<std::string, double> by_driver;
    for (std::size_t c = 0; c < enc.width(); ++c) by_driver[enc.ColumnDriver(c)] += (*contribs)[c];
    for (const auto& dr : p->drivers) {
      worst = std::max(worst, std::abs(dr.log_contribution - by_driver.at(dr.driver)));
      ++checked;
    }
    worst_margin = std::max(worst_margin, std::abs(p->booster_margin - (*margin)[0]));
    EXPECT_NEAR(p->base_log - p->log_price_index, contribs->back(), 1e-5);
  }
  EXPECT_GT(checked, 400u);
  EXPECT_LE(worst, 1e-5);
  EXPECT_LE(worst_margin, 1e-5);
  std::printf("drivers vs XGBoost pred_contribs: %zu drivers, max |diff| %.3g; margin %.3g\n",
              checked, worst, worst_margin);
}

TEST_F(CostModelTest, DollarDriversAddUpToPredictionMinusBase) {
  // With every driver reported, the cents add up to cost − base (up to rounding per driver).
  const HistoryJob& j = (*jobs_)[4321];
  auto p = predictor().Predict(RequestFor(j));
  ASSERT_TRUE(p.ok());
  ml::Booster booster = std::move(ml::Booster::LoadRaw(bundle_->booster)).value();
  std::vector<float> x(bundle_->encoder.width());
  bundle_->encoder.Encode(j.spec, j.region_index, x);
  auto contribs = booster.PredictContribs(*ml::DMatrix::FromDense(x, 1, x.size()));
  ASSERT_TRUE(contribs.ok());
  const double pred = std::exp(p->log_prediction), base = std::exp(p->base_log);
  const double lmean = (pred - base) / (p->log_prediction - p->base_log);
  double dollars = 0;
  for (std::size_t c = 0; c + 1 < contribs->size(); ++c) dollars += (*contribs)[c] * lmean;
  EXPECT_NEAR(dollars, pred - base, 0.01 + 1e-4 * pred);
}

TEST_F(CostModelTest, AnomalyScoreIsHigherForAnOutOfDistributionSpec) {
  const HistoryJob& typical = (*jobs_)[4800];
  auto a = predictor().Predict(RequestFor(typical));
  ASSERT_TRUE(a.ok());
  CostRequest odd;
  odd.spec = typical.spec;
  odd.spec.sign_type = sign::SignType::kPostAndPanel;
  odd.spec.mounting_type = sign::MountingType::kPost;
  odd.spec.width_in = 600;
  odd.spec.height_in = 230;
  odd.spec.area_sqft = 600.0 * 230.0 / 144.0;
  odd.spec.wind_speed_mph = 200;
  odd.spec.quantity = 2000;
  odd.spec.travel_miles = 1900;
  auto b = predictor().Predict(odd);
  ASSERT_TRUE(b.ok());
  EXPECT_GT(b->anomaly_score, 3 * a->anomaly_score);
  EXPECT_TRUE(b->anomalous);
  EXPECT_FALSE(a->anomalous);
  EXPECT_LT(b->confidence, a->confidence);
  EXPECT_NEAR(a->confidence, 0.8, 1e-9);
  // Typical specs score around 1.
  double sum = 0;
  for (std::size_t i = 4500; i < 4600; ++i) {
    sum += predictor().Predict(RequestFor((*jobs_)[i]))->anomaly_score;
  }
  EXPECT_GT(sum / 100, 0.6);
  EXPECT_LT(sum / 100, 1.6);
}

TEST_F(CostModelTest, BreakdownAddsUpAndIntervalContainsThePoint) {
  auto p = predictor().Predict(RequestFor((*jobs_)[4444], false));
  ASSERT_TRUE(p.ok());
  const auto& b = p->breakdown;
  EXPECT_EQ(b.labor_cents + b.material_cents + b.equipment_cents + b.overhead_cents + b.other_cents,
            p->cost_cents);
  EXPECT_GT(b.labor_cents, 0);
  EXPECT_GT(b.material_cents, 0);
  EXPECT_LT(p->p10_cents, p->cost_cents);
  EXPECT_GT(p->p90_cents, p->cost_cents);
  EXPECT_EQ(p->project_date, bundle_->price_index.as_of_date);
  const std::string text = json::serialize(ToJson(*p));
  EXPECT_NE(text.find("region_index not given"), std::string::npos);
  EXPECT_EQ(text, json::serialize(ToJson(*predictor().Predict(RequestFor((*jobs_)[4444], false)))));
}

TEST_F(CostModelTest, EstimateCorrectedModelBeatsTheShopEstimateOnTheTestJobs) {
  ASSERT_TRUE(bundle_->correction.has_value());
  const auto& ec = bundle_->card.at("estimate_correction").as_object();
  ASSERT_TRUE(ec.at("trained").as_bool());
  const auto& t = ec.at("test").as_object();
  EXPECT_EQ(t.at("rows").to_number<int64_t>(), 750);  // every generated job has an estimate
  const double corrected = t.at("mape_estimate_corrected").to_number<double>();
  const double shop = t.at("mape_shop_estimate").to_number<double>();
  const double spec = t.at("mape_spec_only").to_number<double>();
  EXPECT_LT(corrected, shop);
  EXPECT_LT(corrected, spec);
  // The shop baseline of the card is the same number on the same rows.
  EXPECT_NEAR(shop,
              bundle_->card.at("baseline_shop_estimate").as_object().at("mape").to_number<double>(),
              1e-6);
  // 80 % intervals of both models on the test jobs (750 rows: ±3 points + sampling slack).
  for (const char* k : {"coverage_spec_only", "coverage_estimate_corrected"}) {
    EXPECT_NEAR(t.at(k).to_number<double>(), 0.8, 0.05) << k;
  }
  // Every sign type and size band is reported, with rows adding up.
  for (const char* group : {"by_sign_type", "by_size_band"}) {
    int64_t rows = 0;
    for (const auto& kv : t.at(group).as_object()) {
      rows += kv.value().as_object().at("rows").to_number<int64_t>();
    }
    EXPECT_EQ(rows, 750) << group;
  }
  EXPECT_EQ(t.at("by_sign_type").as_object().size(), 5u);
}

TEST_F(CostModelTest, ShopEstimateSelectsTheCorrectedModelElseSpecOnlyWithAnAssumption) {
  const HistoryJob& j = (*jobs_)[4990];
  CostRequest r = RequestFor(j);
  auto spec_only = predictor().Predict(r);
  ASSERT_TRUE(spec_only.ok());
  EXPECT_EQ(spec_only->method, kMethodSpecOnly);
  EXPECT_EQ(spec_only->spec_only_cents, spec_only->cost_cents);
  EXPECT_NE(std::find(spec_only->assumptions.begin(), spec_only->assumptions.end(),
                      "no shop estimate given: spec-only model"),
            spec_only->assumptions.end());
  const json::object js = ToJson(*spec_only);
  EXPECT_EQ(js.at("result").as_object().at("method").as_string(), "spec_only");

  r.context.shop_estimate_cents = j.estimate_total_cents;
  auto corrected = predictor().Predict(r);
  ASSERT_TRUE(corrected.ok());
  EXPECT_EQ(corrected->method, kMethodEstimateCorrected);
  EXPECT_EQ(corrected->spec_only_cents, spec_only->cost_cents);
  EXPECT_NE(SpecHash(r), SpecHash(RequestFor(j)));  // a different answer, a different cache key
  EXPECT_LT(corrected->p10_cents, corrected->cost_cents);
  EXPECT_GT(corrected->p90_cents, corrected->cost_cents);
  // The interval is the sign type's own (Mondrian) when the validation split had enough of it.
  const auto [q_lo, q_hi] = bundle_->correction->IntervalFor(j.spec.sign_type);
  EXPECT_EQ(corrected->p10_cents, std::llround(std::exp(corrected->log_prediction + q_lo) * 100.0));
  EXPECT_EQ(corrected->p90_cents, std::llround(std::exp(corrected->log_prediction + q_hi) * 100.0));
  EXPECT_FALSE(bundle_->correction->conformal_by_sign_type.empty());
  for (const auto& [type, q] : bundle_->correction->conformal_by_sign_type) {
    EXPECT_LT(q.first, 0) << type;
    EXPECT_GT(q.second, 0) << type;
  }
  // The answer follows the estimate: twice the estimate, about twice the price.
  r.context.shop_estimate_cents = 2 * j.estimate_total_cents;
  auto doubled = predictor().Predict(r);
  ASSERT_TRUE(doubled.ok());
  EXPECT_GT(doubled->cost_cents, corrected->cost_cents);
  const json::object jc = ToJson(*corrected);
  EXPECT_EQ(jc.at("result").as_object().at("method").as_string(), "estimate_corrected");
  auto says = [](const CostPrediction& p, std::string_view what) {
    return std::any_of(p.assumptions.begin(), p.assumptions.end(),
                       [&](const auto& s) { return s.find(what) != std::string::npos; });
  };
  EXPECT_TRUE(says(*corrected, "estimator_id not given"));
  // The estimator's bias moves the corrected price: the history's most optimistic and most
  // pessimistic estimators give different answers for the same estimate.
  const auto& bias = bundle_->correction->estimator_bias;
  ASSERT_GE(bias.size(), 2u);
  auto lo = std::min_element(bias.begin(), bias.end(),
                             [](const auto& a, const auto& c) { return a.second < c.second; });
  auto hi = std::max_element(bias.begin(), bias.end(),
                             [](const auto& a, const auto& c) { return a.second < c.second; });
  r.context.shop_estimate_cents = j.estimate_total_cents;
  r.context.estimator_id = lo->first;
  auto by_lo = predictor().Predict(r);
  r.context.estimator_id = hi->first;
  auto by_hi = predictor().Predict(r);
  ASSERT_TRUE(by_lo.ok() && by_hi.ok());
  EXPECT_LT(by_lo->cost_cents, by_hi->cost_cents);
  EXPECT_FALSE(says(*by_hi, "estimator_id"));
  r.context.estimator_id = "nobody";
  auto unknown = predictor().Predict(r);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->cost_cents, corrected->cost_cents);  // the average bias
  EXPECT_TRUE(says(*unknown, "estimator_id nobody has too few past estimates"));
}

TEST_F(CostModelTest, ABundleWithoutTheCorrectionStillLoadsAndPredictsSpecOnly) {
  CostBundle old = *bundle_;
  old.correction.reset();
  old.card.erase("estimate_correction");
  old.model_version = ComputeCostModelVersion(old);
  const std::string text = SerializeCostBundle(old);
  ASSERT_EQ(text.find("estimate_correction"), std::string::npos);
  auto parsed = ParseCostBundle(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FALSE(parsed->correction.has_value());
  EXPECT_NE(parsed->model_version, bundle_->model_version);
  auto p = CostPredictor::Create(std::move(parsed).value());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  CostRequest r = RequestFor((*jobs_)[4990]);
  auto a = (*p)->Predict(r);
  auto b = predictor().Predict(r);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->cost_cents, b->cost_cents);  // the same spec-only model
  r.context.shop_estimate_cents = 123456;
  auto c = (*p)->Predict(r);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, kMethodSpecOnly);
  EXPECT_EQ(c->cost_cents, a->cost_cents);
  EXPECT_TRUE(std::any_of(c->assumptions.begin(), c->assumptions.end(), [](const auto& s) {
    return s.find("no estimate-corrected part") != std::string::npos;
  }));
  // A correction with the wrong width is refused.
  CostBundle bad = *bundle_;
  bad.correction->booster = bad.booster;
  EXPECT_FALSE(CostPredictor::Create(bad).ok());
}

}  // namespace
}  // namespace signx::estimating
