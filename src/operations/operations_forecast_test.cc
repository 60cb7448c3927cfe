// Forecast runs on SQLite and PostgreSQL (operations_test.h): every item covered, accuracy scored,
// alerts driven, the daily schedule (one run per org, retention); and the planning rules
// (stock-out, accuracy, bands) on their own.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "operations/forecast_run.h"
#include "operations/operations_test.h"
#include "operations/planning.h"
#include "storage/testing/test_stores.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using operations_test::OperationsTest;

TEST_P(OperationsTest, AForecastRunCoversEveryItem) {
  // 10 items × 120 days by default; SIGNX_BENCH_FORECAST_ITEMS / _DAYS make it the bench.
  int items = 10, days = 120;
  if (const char* env = std::getenv("SIGNX_BENCH_FORECAST_ITEMS")) items = std::atoi(env);
  if (const char* env = std::getenv("SIGNX_BENCH_FORECAST_DAYS")) days = std::atoi(env);
  std::string skus = "sku,lead_time_days,safety_stock\n", use = "sku,quantity,at\n";
  for (int i = 0; i < items; ++i) skus += "F-" + std::to_string(i) + ",14,5\n";
  for (int d = 1; d <= days; ++d) {
    const std::string day = DayOf(clock_.Now() - std::chrono::days(d));
    for (int i = 0; i < items; ++i) {
      // Weekly pattern plus a per-item level; every 5th item intermittent.
      const int q = i % 5 == 4 ? (d % 9 == 0 ? 6 : 0) : 5 + i % 7 + (d % 7 < 2 ? 0 : 4);
      use += "F-" + std::to_string(i) + "," + std::to_string(q) + "," + day + "\n";
    }
  }
  ASSERT_EQ(Ingest("entity=items", skus).at("status").as_string(), "normalized");
  ASSERT_EQ(Ingest("entity=consumption", use).at("status").as_string(), "normalized");
  auto started = Call("POST", "/v1/forecast-runs", "{}");
  ASSERT_EQ(started.status, 202);
  const auto start = std::chrono::steady_clock::now();
  Drain();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto run = Obj(Call("GET", "/v1/forecast-runs/" + Str(Obj(started).at("id"))));
  EXPECT_EQ(run.at("status").as_string(), "succeeded");
  EXPECT_EQ(run.at("items").as_int64(), items);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecasts"), int64_t{items} * 28);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecasts WHERE NOT (lower <= point AND point <= upper)"),
            0);
  std::printf("[ forecast ] %s: %d items x %d days in %.2f s = %.0f items/s\n",
              storage::testing::BackendName(GetParam()).c_str(), items, days, seconds,
              items / seconds);
}

TEST_P(OperationsTest, ForecastRunsScoreAccuracyAndDriveAlerts) {
  // Clock: 2026-11-20 12:00 UTC. Three items: steady demand 10/day with little stock (a stock-out
  // within its 7-day lead time), the same demand with plenty of stock, and one without history.
  Ingest("entity=items",
         "sku,lead_time_days,safety_stock\nLOW-STOCK,7,20\nWELL-STOCKED,7,20\nNO-HISTORY,7,5\n");
  std::string use = "sku,quantity,at\n";
  for (int d = 1; d <= 60; ++d) {
    const std::string day = DayOf(clock_.Now() - std::chrono::days(d));
    use += "LOW-STOCK,10," + day + "\nWELL-STOCKED,10," + day + "\n";
  }
  ASSERT_EQ(Ingest("entity=consumption", use).at("status").as_string(), "normalized");
  Ingest("entity=inventory",
         "sku,on_hand,on_order,at\nLOW-STOCK,60,0,2026-11-20T00:00:00Z\n"
         "WELL-STOCKED,900,0,2026-11-20T00:00:00Z\n");
  const std::string low = ItemId("LOW-STOCK"), well = ItemId("WELL-STOCKED");

  EXPECT_EQ(Call("GET", "/v1/items/" + low + "/forecast").status, 404);
  EXPECT_EQ(Call("POST", "/v1/forecast-runs", R"({"horizon": 0, "level": 2})").status, 422);
  auto started = Call("POST", "/v1/forecast-runs", R"({"horizon": 14})");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string run = Str(Obj(started).at("id"));
  EXPECT_EQ(Drain(), 1);
  auto r1 = Obj(Call("GET", "/v1/forecast-runs/" + run));
  EXPECT_EQ(r1.at("status").as_string(), "succeeded") << json::serialize(r1);
  EXPECT_EQ(r1.at("items").as_int64(), 2);
  EXPECT_EQ(r1.at("skipped").as_int64(), 1);

  auto fc = Obj(Call("GET", "/v1/items/" + low + "/forecast"));
  const auto& points = fc.at("points").as_array();
  ASSERT_EQ(points.size(), 14u);  // max(horizon 14, lead time 7)
  EXPECT_EQ(points[0].at("day").as_string(), "2026-11-20");
  for (const auto& p : points) {
    EXPECT_LE(p.at("lower").to_number<double>(), p.at("point").to_number<double>());
    EXPECT_LE(p.at("point").to_number<double>(), p.at("upper").to_number<double>());
    EXPECT_NEAR(p.at("point").to_number<double>(), 10, 0.5);
  }
  EXPECT_FALSE(fc.at("model").as_string().empty());
  EXPECT_EQ(fc.at("version").as_string(), kForecastVersion);

  // 60 on hand − ~70 over the lead time < 20 safety stock: one critical stock-out alert.
  auto inbox = Obj(Call("GET", "/v1/forecast-alerts"));
  ASSERT_EQ(inbox.at("items").as_array().size(), 1u) << json::serialize(inbox);
  const auto alert = inbox.at("items").as_array()[0].as_object();
  EXPECT_EQ(alert.at("rule").as_string(), "stockout");
  EXPECT_EQ(alert.at("sku").as_string(), "LOW-STOCK");
  EXPECT_EQ(alert.at("severity").as_string(), "critical");
  EXPECT_EQ(alert.at("status").as_string(), "open");
  EXPECT_NEAR(alert.at("details").at("projected").to_number<double>(), -10, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.alert_opened'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.forecast_run_completed'"),
            1);
  const std::string alert_id = Str(alert.at("id"));

  // A second run the same day refreshes the alert instead of adding another.
  ASSERT_EQ(Call("POST", "/v1/forecast-runs", "").status, 202);
  Drain();
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts")).at("items").as_array().size(), 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_alerts"), 1);

  // People: open → acknowledged → resolved, with who and when; other orgs see nothing.
  EXPECT_EQ(Call("POST", "/v1/forecast-alerts/" + alert_id + "/acknowledge", "", "org_b").status,
            404);
  auto ack = Call("POST", "/v1/forecast-alerts/" + alert_id + "/acknowledge", "");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(Obj(ack).at("acknowledged_by").as_string(), "usr_org_a");
  EXPECT_EQ(Obj(ack).at("acknowledged_at").as_string(), "2026-11-20T12:00:00.000Z");
  EXPECT_EQ(Call("POST", "/v1/forecast-alerts/" + alert_id + "/acknowledge", "").status, 409);
  auto resolved = Call("POST", "/v1/forecast-alerts/" + alert_id + "/resolve", "");
  ASSERT_EQ(resolved.status, 200);
  EXPECT_EQ(Obj(resolved).at("status").as_string(), "resolved");
  EXPECT_EQ(Call("POST", "/v1/forecast-alerts/" + alert_id + "/resolve", "").status, 409);
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts")).at("items").as_array().size(), 0u);
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts?status=resolved")).at("items").as_array().size(),
            1u);

  // The next day: a receipt fixes the stock; yesterday's demand of WELL-STOCKED spiked to 100.
  clock_.Advance(std::chrono::hours(24));
  Ingest("entity=receipts", "sku,quantity,at\nLOW-STOCK,500,2026-11-20T15:00:00Z\n");
  Ingest("entity=consumption",
         "sku,quantity,at\nLOW-STOCK,10,2026-11-20T16:00:00Z\n"
         "WELL-STOCKED,100,2026-11-20T16:00:00Z\n");
  // Actuals arrived: the consumption batch scored the previous forecast already.
  auto scored = Obj(Call("GET", "/v1/items/" + well + "/accuracy"));
  ASSERT_EQ(scored.at("items").as_array().size(), 1u) << json::serialize(scored);
  EXPECT_EQ(scored.at("items").as_array()[0].at("points").as_int64(), 1);
  ASSERT_EQ(Call("POST", "/v1/forecast-runs", "").status, 202);
  Drain();
  inbox = Obj(Call("GET", "/v1/forecast-alerts"));
  ASSERT_EQ(inbox.at("items").as_array().size(), 1u) << json::serialize(inbox);
  EXPECT_EQ(inbox.at("items").as_array()[0].at("rule").as_string(), "demand_spike");
  EXPECT_EQ(inbox.at("items").as_array()[0].at("sku").as_string(), "WELL-STOCKED");
  // Accuracy of the previous forecast on the day that now has an actual.
  auto acc = Obj(Call("GET", "/v1/items/" + well + "/accuracy"));
  ASSERT_FALSE(acc.at("items").as_array().empty());
  const auto& a0 = acc.at("items").as_array()[0];
  EXPECT_EQ(a0.at("points").as_int64(), 1);
  EXPECT_NEAR(a0.at("bias").to_number<double>(), 10 - 100, 1);
  EXPECT_NEAR(a0.at("mape").to_number<double>(), 90, 1);

  // Rules are data: switching demand_spike off resolves its alert at the next run.
  auto rules = Call("PUT", "/v1/forecast-alert-rules/demand_spike", R"({"enabled": false})");
  ASSERT_EQ(rules.status, 200) << rules.body;
  EXPECT_EQ(
      Call("PUT", "/v1/forecast-alert-rules/demand_spike", R"({"params": {"factor": 0}})").status,
      422);
  EXPECT_EQ(Call("PUT", "/v1/forecast-alert-rules/nope", R"({})").status, 404);
  ASSERT_EQ(Call("POST", "/v1/forecast-runs", "").status, 202);
  Drain();
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts")).at("items").as_array().size(), 0u);
  auto all = Obj(Call("GET", "/v1/forecast-alerts?all=true"));
  ASSERT_EQ(all.at("items").as_array().size(), 2u);
  EXPECT_EQ(all.at("items").as_array()[0].at("resolved_by").as_string(), "system");
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-runs")).at("items").as_array().size(), 4u);
  EXPECT_EQ(Call("GET", "/v1/forecast-runs/" + run, "", "org_b").status, 404);
}

TEST_P(OperationsTest, TheDailyScheduleQueuesOneRunPerOrgWithItems) {
  Ingest("entity=items", "sku\nA-1\n");
  Ingest("entity=items", "sku\nB-1\n", "text/csv", "org_b");
  for (int i = 0; i < 2; ++i) {  // two schedulers on the same slot
    ASSERT_TRUE(queue_->Enqueue({.type = std::string(kScheduleForecastsJob)}).ok());
    Drain();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs WHERE status = 'succeeded'"), 2);
  auto runs = Obj(Call("GET", "/v1/forecast-runs"));
  ASSERT_EQ(runs.at("items").as_array().size(), 1u);
  EXPECT_EQ(runs.at("items").as_array()[0].at("skipped").as_int64(), 1);  // no demand yet
  EXPECT_EQ(runs.at("items").as_array()[0].at("created_by").as_string(), kScheduleForecastsJob);
  // The next day queues again.
  clock_.Advance(std::chrono::hours(24));
  ASSERT_TRUE(queue_->Enqueue({.type = std::string(kScheduleForecastsJob)}).ok());
  Drain();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs"), 4);
  // Points of runs older than the retention go; the runs (and accuracy) stay.
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return txn
                        .Exec(
                            "INSERT INTO forecast_runs (id, org_id, status, horizon, period, "
                            "level, created_at) VALUES ('fcr_old', 'org_a', 'succeeded', 1, 7, "
                            "0.8, $1)",
                            {clock_.Now() - std::chrono::hours(24 * 91)})
                        .status();
                  })
                  .ok());
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return txn
                        .Exec(
                            "INSERT INTO forecasts (run_id, org_id, item_id, step, day, point, "
                            "lower, upper, level, model, version) VALUES ('fcr_old', 'org_a', "
                            "'itm_x', 1, '2026-08-21', 1, 0, 2, 0.8, 'Naive', 'auto-1')")
                        .status();
                  })
                  .ok());
  clock_.Advance(std::chrono::hours(24));
  ASSERT_TRUE(queue_->Enqueue({.type = std::string(kScheduleForecastsJob)}).ok());
  Drain();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecasts WHERE run_id = 'fcr_old'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs WHERE id = 'fcr_old'"), 1);
}

TEST(OperationsPlanningTest, StockoutRuleCases) {
  const std::vector<double> ten(30, 10.0);
  // Plenty: 100 − 5×10 = 50 ≥ 20.
  auto c = CheckStockout(
      {.on_hand = 100, .safety_stock = 20, .lead_time_days = 5, .daily_forecast = ten});
  EXPECT_FALSE(c.breach);
  EXPECT_DOUBLE_EQ(c.projected, 50);
  EXPECT_EQ(c.days_to_safety, 9);  // 100 − 9×10 = 10 < 20
  // On order counts: 40 + 10 − 50 = 0 < 20 → warning (not below zero); safety crossed on day 4.
  c = CheckStockout({.on_hand = 40,
                     .on_order = 10,
                     .safety_stock = 20,
                     .lead_time_days = 5,
                     .daily_forecast = ten});
  EXPECT_TRUE(c.breach);
  EXPECT_FALSE(c.critical);
  EXPECT_DOUBLE_EQ(c.projected, 0);
  EXPECT_EQ(c.days_to_safety, 4);
  // Below zero → critical.
  c = CheckStockout({.on_hand = 30, .safety_stock = 0, .lead_time_days = 5, .daily_forecast = ten});
  EXPECT_TRUE(c.critical);
  EXPECT_DOUBLE_EQ(c.projected, -20);
  // Lead time 0 still looks one day ahead; a lead time past the forecast sums what there is.
  c = CheckStockout(
      {.on_hand = 15, .safety_stock = 10, .lead_time_days = 0, .daily_forecast = ten});
  EXPECT_DOUBLE_EQ(c.demand_over_lead_time, 10);
  EXPECT_TRUE(c.breach);
  const std::vector<double> three = {5, 5, 5};
  c = CheckStockout({.on_hand = 100, .lead_time_days = 60, .daily_forecast = three});
  EXPECT_DOUBLE_EQ(c.demand_over_lead_time, 15);
  // Negative forecast values are no demand.
  const std::vector<double> neg = {-5, 10};
  c = CheckStockout({.on_hand = 10, .safety_stock = 1, .lead_time_days = 2, .daily_forecast = neg});
  EXPECT_DOUBLE_EQ(c.projected, 0);
  // Disabled rules never fire; enabled ones carry their numbers.
  ItemSignals s{.sku = "X",
                .stock = {.on_hand = 40,
                          .on_order = 10,
                          .safety_stock = 20,
                          .lead_time_days = 5,
                          .daily_forecast = ten}};
  RuleConfig off = DefaultRule(Rule::kStockout);
  off.enabled = false;
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{off}).empty());
  auto f = Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kStockout)});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, "warning");
  EXPECT_EQ(f[0].details.at("days_to_safety_stock").as_int64(), 4);
  // No forecast: nothing to judge.
  s.stock.daily_forecast = {};
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kStockout)}).empty());
}

TEST(OperationsPlanningTest, AccuracyAndBandRules) {
  const std::vector<double> f = {10, 10}, a = {8, 0}, h = {1, 2, 4};
  Accuracy acc = ComputeAccuracy(f, a, h, 1);
  EXPECT_EQ(acc.points, 2);
  ASSERT_TRUE(acc.mape.has_value());
  EXPECT_DOUBLE_EQ(*acc.mape, 25);  // only the non-zero actual: |10-8|/8
  EXPECT_DOUBLE_EQ(acc.bias, 6);    // (2 + 10) / 2
  ASSERT_TRUE(acc.mase.has_value());
  EXPECT_DOUBLE_EQ(*acc.mase, 4);  // mean |e| 6 / in-sample naive (1 + 2) / 2
  const std::vector<double> flat = {3, 3, 3};
  EXPECT_FALSE(ComputeAccuracy(f, a, flat, 1).mase.has_value());
  const std::vector<double> zeros = {0, 0};
  EXPECT_FALSE(ComputeAccuracy(f, zeros, h, 1).mape.has_value());

  ItemSignals s{.sku = "X", .accuracy = Accuracy{.points = 10, .mase = 2.0}};
  auto fired = Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kAccuracyDegraded)});
  ASSERT_EQ(fired.size(), 1u);
  s.accuracy->points = 3;  // below min_points
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kAccuracyDegraded)}).empty());
  s.last_actual = 50;
  s.last_lower = 5;
  s.last_upper = 20;
  s.last_day = "2026-11-19";
  const std::vector<RuleConfig> band = {DefaultRule(Rule::kDemandSpike),
                                        DefaultRule(Rule::kDemandDrop)};
  fired = Evaluate(s, band);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, Rule::kDemandSpike);
  s.last_actual = 2;
  fired = Evaluate(s, band);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, Rule::kDemandDrop);
  s.last_actual = 10;
  EXPECT_TRUE(Evaluate(s, band).empty());
  RuleConfig wide = DefaultRule(Rule::kDemandSpike);
  wide.factor = 3;  // 50 is not above 3 × 20
  s.last_actual = 50;
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{wide}).empty());
  EXPECT_FALSE(RuleFromJson(Rule::kStockout, true, {{"factor", 2}}).ok());
  EXPECT_TRUE(RuleFromJson(Rule::kDemandDrop, true, {{"factor", 2}}).ok());
}

}  // namespace
}  // namespace signx::operations
