// The cost model: training is reproducible, the bundle round-trips, the card records the test
// metrics, the shop baseline and the grid; requests and the history file parse (cost_model_test.h
// lists the other cost model test files).
#include "estimating/cost_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <limits>
#include <sstream>

#include "estimating/cost_model_test.h"
#include "estimating/generator.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using cost_model_test::CostModelTest;
using cost_model_test::History;
using cost_model_test::RequestFor;
using cost_model_test::TestOptions;

TEST_F(CostModelTest, TrainingIsReproducibleWithTheSeed) {
  auto again = TrainCostModel(*jobs_, TestOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->model_version, bundle_->model_version);
  EXPECT_EQ(SerializeCostBundle(*again), SerializeCostBundle(*bundle_));
  ASSERT_TRUE(again->correction && bundle_->correction);
  EXPECT_EQ(again->correction->booster, bundle_->correction->booster);
  auto other = TestOptions();
  other.seed = 12;
  auto different = TrainCostModel(*jobs_, other);
  ASSERT_TRUE(different.ok());
  EXPECT_NE(different->model_version, bundle_->model_version);
}

TEST_F(CostModelTest, BundleRoundTripsAndPredictsTheSameBytes) {
  const std::string text = SerializeCostBundle(*bundle_);
  auto parsed = ParseCostBundle(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(SerializeCostBundle(*parsed), text);
  auto p2 = CostPredictor::Create(std::move(parsed).value());
  ASSERT_TRUE(p2.ok());
  for (std::size_t i : {4900u, 4950u, 4999u}) {
    auto a = predictor().Predict(RequestFor((*jobs_)[i]));
    auto b = (*p2)->Predict(RequestFor((*jobs_)[i]));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(json::serialize(ToJson(*a)), json::serialize(ToJson(*b)));
  }
  std::string tampered = text;
  tampered.replace(tampered.find("\"q_lo\":"), 7, "\"q_lo\": ");
  // Still valid JSON with the same content: only whitespace changed.
  EXPECT_TRUE(ParseCostBundle(tampered).ok());
  const auto pos = text.find("\"slope_per_year\":") + 17;
  std::string changed = text.substr(0, pos) + "0.5," + text.substr(text.find(',', pos) + 1);
  EXPECT_EQ(ParseCostBundle(changed).status().code(), ErrorCode::kDataLoss);
}

TEST_F(CostModelTest, CardHasTestMetricsAndTheShopBaseline) {
  const auto& card = bundle_->card;
  ASSERT_TRUE(card.contains("test"));
  const auto& t = card.at("test").as_object();
  for (const char* k : {"mae_usd", "mape", "rmse_usd", "r2", "interval_coverage_80"}) {
    EXPECT_TRUE(t.contains(k)) << k;
  }
  EXPECT_EQ(t.at("rows").to_number<int64_t>(), 750);
  EXPECT_GT(t.at("r2").to_number<double>(), 0.9);
  ASSERT_TRUE(card.contains("baseline_shop_estimate"));
  const double shop = card.at("baseline_shop_estimate").as_object().at("mape").to_number<double>();
  EXPECT_GT(shop, 0.03);
  EXPECT_LT(shop, 0.15);
  EXPECT_EQ(card.at("split").as_object().at("method").as_string(),
            "by time: ordered by project_date, then id");
  // The test rows are the newest.
  const auto& split = card.at("split").as_object();
  EXPECT_LE(split.at("validation").as_object().at("to").as_string(),
            split.at("test").as_object().at("from").as_string());
}

TEST_F(CostModelTest, CardRecordsTheGridAndKeepsTheSmallestModelWithinTolerance) {
  const auto& card = bundle_->card;
  ASSERT_TRUE(card.contains("model_selection"));
  const auto& sel = card.at("model_selection").as_object();
  const auto& grid = sel.at("grid").as_array();
  const CostTrainOptions o = TestOptions();
  ASSERT_EQ(grid.size(), o.grid_max_depth.size() * o.grid_eta.size());
  double best = 1e9;
  for (const auto& g : grid) {
    best = std::min(best, g.as_object().at("validation_mape").to_number<double>());
  }
  EXPECT_NEAR(sel.at("best_validation_mape").to_number<double>(), best, 1e-9);
  int chosen = 0;
  int64_t chosen_nodes = 0;
  int64_t min_nodes_within = std::numeric_limits<int64_t>::max();
  int64_t max_nodes = 0;
  for (const auto& gv : grid) {
    const auto& g = gv.as_object();
    const int64_t nodes = g.at("nodes").to_number<int64_t>();
    EXPECT_GE(g.at("trees").to_number<int64_t>(), 1);
    EXPECT_GT(nodes, 0);
    max_nodes = std::max(max_nodes, nodes);
    const double mape = g.at("validation_mape").to_number<double>();
    if (mape <= best * (1 + o.grid_mape_tolerance) + 1e-12) {
      min_nodes_within = std::min(min_nodes_within, nodes);
    }
    if (g.at("chosen").as_bool()) {
      ++chosen;
      chosen_nodes = nodes;
      EXPECT_LE(mape, best * (1 + o.grid_mape_tolerance) + 1e-12);
      EXPECT_EQ(card.at("params").as_object().at("max_depth").to_number<int64_t>(),
                g.at("max_depth").to_number<int64_t>());
      EXPECT_EQ(card.at("best_round").to_number<int64_t>(), g.at("trees").to_number<int64_t>());
    }
  }
  EXPECT_EQ(chosen, 1);
  EXPECT_EQ(chosen_nodes, min_nodes_within);
  EXPECT_EQ(card.at("tree_nodes").to_number<int64_t>(), chosen_nodes);
  std::printf("chosen model: %lld nodes (largest in the grid: %lld)\n",
              static_cast<long long>(chosen_nodes), static_cast<long long>(max_nodes));
}

TEST(CostModelGrid, EmptyGridTrainsTheSingleConfiguredModel) {
  CostTrainOptions o = TestOptions();
  o.grid_max_depth.clear();
  o.max_depth = 3;
  o.eta = 0.3;
  o.num_rounds = 30;
  auto b = TrainCostModel(History(600, 5), o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& sel = b->card.at("model_selection").as_object();
  ASSERT_EQ(sel.at("grid").as_array().size(), 1u);
  EXPECT_EQ(sel.at("chosen_max_depth").to_number<int64_t>(), 3);
  EXPECT_TRUE(sel.at("grid").as_array()[0].as_object().at("chosen").as_bool());
}

TEST(CostRequestTest, ShopEstimateCentsMustBeAPositiveInteger) {
  json::object body{
      {"width_in", 96}, {"height_in", 48}, {"wind_speed_mph", 115}, {"material", "aluminum"}};
  for (json::value bad : {json::value(0), json::value(-1), json::value(12.5), json::value("100"),
                          json::value(nullptr), json::value(int64_t{100'000'000'001})}) {
    body["shop_estimate_cents"] = bad;
    auto r = ParseCostRequest(body);
    ASSERT_FALSE(r.ok()) << json::serialize(bad);
    EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
    ASSERT_EQ(r.status().details().size(), 1u);
    EXPECT_EQ(r.status().details()[0].field, "shop_estimate_cents");
  }
  body["shop_estimate_cents"] = 450000;
  for (json::value bad : {json::value(""), json::value(3), json::value(std::string(65, 'x'))}) {
    body["estimator_id"] = bad;
    auto r = ParseCostRequest(body);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.status().details().size(), 1u);
    EXPECT_EQ(r.status().details()[0].field, "estimator_id");
  }
  body["estimator_id"] = "est_2";
  auto ok = ParseCostRequest(body);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok->context.shop_estimate_cents, 450000);
  EXPECT_EQ(*ok->context.estimator_id, "est_2");
}

TEST(CostRequestTest, ReportsSpecAndContextErrorsAtOnce) {
  json::object body{{"width_in", 96},         {"height_in", 48},   {"wind_speed_mph", 80},
                    {"material", "aluminum"}, {"region_index", 5}, {"project_date", "2024-13-01"}};
  auto r = ParseCostRequest(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  std::vector<std::string> fields;
  for (const auto& d : r.status().details()) fields.push_back(d.field);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"project_date", "region_index", "wind_speed_mph"}));
  body["wind_speed_mph"] = 115;
  body["region_index"] = 1.1;
  body["project_date"] = "2024-06-01";
  auto ok = ParseCostRequest(body);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok->context.region_index, 1.1);
  EXPECT_EQ(SpecHash(*ok), SpecHash(*ParseCostRequest(body)));
  body["region_index"] = 1.2;
  EXPECT_NE(SpecHash(*ok), SpecHash(*ParseCostRequest(body)));
}

TEST(CostHistoryTest, ParsesTheGeneratorNdjson) {
  GeneratorOptions o;
  o.projects = 50;
  o.seed = 5;
  std::ostringstream out;
  ASSERT_TRUE(WriteHistory(o, HistoryFormat::kNdjson, out).ok());
  int64_t skipped = -1;
  auto jobs =
      ParseHistoryNdjson(out.str() + "\n{\"id\":\"x\",\"drivers\":{\"width_in\":-1}}\n", &skipped);
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  EXPECT_EQ(jobs->size(), 50u);
  EXPECT_EQ(skipped, 1);
  const HistoryJob direct = JobFromRecord(GenerateProject(o, 7));
  EXPECT_EQ((*jobs)[7].id, direct.id);
  EXPECT_EQ((*jobs)[7].actual.total_cost_cents, direct.actual.total_cost_cents);
  EXPECT_EQ((*jobs)[7].estimate_total_cents, direct.estimate_total_cents);
  EXPECT_FALSE(direct.estimator_id.empty());
  EXPECT_EQ((*jobs)[7].estimator_id, direct.estimator_id);
  EXPECT_EQ(*(*jobs)[7].region_index, *direct.region_index);
  EXPECT_EQ(json::serialize(sign::ToDrivers((*jobs)[7].spec)),
            json::serialize(sign::ToDrivers(direct.spec)));
}

}  // namespace
}  // namespace signx::estimating
