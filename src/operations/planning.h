// Planning rules, pure: forecast accuracy against actuals, and the alert rules (as data) that
// turn an item's stock, forecast and recent demand into alerts.
//
//   stockout           projected = on hand + on order − forecast demand over the lead time; an
//                      alert when it falls below safety stock (severity critical when below 0).
//   accuracy_degraded  the item's latest accuracy has MASE above max_mase (worse than the
//                      in-sample seasonal naive by that factor) over at least min_points days.
//   demand_spike/drop  the last day's actual demand above the forecast's upper bound × factor /
//                      below its lower bound ÷ factor.
//
// Thread-safety: pure functions over value types.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::operations {

struct Accuracy {
  int points = 0;              // forecast steps with an actual
  std::optional<double> mape;  // percent, over the steps whose actual is not 0; nullopt if none
  std::optional<double> mase;  // mean |error| / in-sample mean |y_t − y_{t−period}|; nullopt if 0
  double bias = 0;             // mean(forecast − actual): > 0 over-forecasts
};

// `forecast` and `actual` are aligned step by step (the shorter decides); `history` is what the
// forecast was made from (oldest first) and scales MASE.
Accuracy ComputeAccuracy(std::span<const double> forecast, std::span<const double> actual,
                         std::span<const double> history, int period);

enum class Rule { kStockout, kAccuracyDegraded, kDemandSpike, kDemandDrop };
std::string_view RuleName(
    Rule r);  // "stockout", "accuracy_degraded", "demand_spike", "demand_drop"
std::optional<Rule> ParseRule(std::string_view name);
inline constexpr Rule kRules[] = {Rule::kStockout, Rule::kAccuracyDegraded, Rule::kDemandSpike,
                                  Rule::kDemandDrop};

// One rule's settings (forecast_alert_rules.params; defaults when an org has none).
struct RuleConfig {
  Rule rule = Rule::kStockout;
  bool enabled = true;
  double max_mase = 1.5;  // accuracy_degraded
  int min_points = 7;     // accuracy_degraded
  double factor = 1.0;    // demand_spike / demand_drop: beyond the band by this factor
};
RuleConfig DefaultRule(Rule r);
boost::json::object ParamsJson(const RuleConfig& c);
// Reads `params` over the defaults; kValidationFailed naming a bad field.
Result<RuleConfig> RuleFromJson(Rule r, bool enabled, const boost::json::object& params);

// What the stock-out rule looks at.
struct StockoutInput {
  double on_hand = 0;
  double on_order = 0;
  double safety_stock = 0;
  int lead_time_days = 0;
  std::span<const double> daily_forecast;  // from tomorrow on
};
struct StockoutCheck {
  double demand_over_lead_time = 0;   // forecast summed over max(1, lead time) days
  double projected = 0;               // on hand + on order − that demand
  bool breach = false;                // projected < safety stock
  bool critical = false;              // projected < 0
  std::optional<int> days_to_safety;  // first day (1-based) cumulative demand takes on hand + on
                                      // order below safety stock, within the forecast
};
StockoutCheck CheckStockout(const StockoutInput& in);

// A fired rule, ready to be an alert.
struct Finding {
  Rule rule = Rule::kStockout;
  std::string severity;  // "warning" or "critical"
  std::string message;
  boost::json::object details;
};

struct ItemSignals {
  std::string sku;
  StockoutInput stock;
  std::optional<Accuracy> accuracy;  // the latest evaluated run's
  // The last complete day's demand and the forecast band for that day, when a run covered it.
  std::optional<double> last_actual;
  std::optional<double> last_lower, last_upper;
  std::string last_day;
};

// The rules that fire for one item (disabled rules never fire).
std::vector<Finding> Evaluate(const ItemSignals& signals, std::span<const RuleConfig> rules);

}  // namespace signx::operations
