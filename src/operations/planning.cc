#include "operations/planning.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace signx::operations {
namespace {

namespace json = boost::json;

}  // namespace

Accuracy ComputeAccuracy(std::span<const double> forecast, std::span<const double> actual,
                         std::span<const double> history, int period) {
  Accuracy a;
  const std::size_t n = std::min(forecast.size(), actual.size());
  a.points = static_cast<int>(n);
  if (n == 0) return a;
  double abs_err = 0, pct = 0, bias = 0;
  int pct_n = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = forecast[i] - actual[i];
    abs_err += std::abs(e);
    bias += e;
    if (actual[i] != 0) {
      pct += std::abs(e) / std::abs(actual[i]);
      ++pct_n;
    }
  }
  a.bias = bias / static_cast<double>(n);
  if (pct_n > 0) a.mape = 100.0 * pct / pct_n;
  const std::size_t m = static_cast<std::size_t>(std::max(1, period));
  const std::size_t lag = history.size() > m ? m : 1;
  if (history.size() > lag) {
    double scale = 0;
    for (std::size_t t = lag; t < history.size(); ++t)
      scale += std::abs(history[t] - history[t - lag]);
    scale /= static_cast<double>(history.size() - lag);
    if (scale > 0) a.mase = (abs_err / static_cast<double>(n)) / scale;
  }
  return a;
}

std::string_view RuleName(Rule r) {
  switch (r) {
    case Rule::kStockout:
      return "stockout";
    case Rule::kAccuracyDegraded:
      return "accuracy_degraded";
    case Rule::kDemandSpike:
      return "demand_spike";
    case Rule::kDemandDrop:
      return "demand_drop";
  }
  return "stockout";
}

std::optional<Rule> ParseRule(std::string_view name) {
  for (Rule r : kRules) {
    if (RuleName(r) == name) return r;
  }
  return std::nullopt;
}

RuleConfig DefaultRule(Rule r) { return RuleConfig{.rule = r}; }

json::object ParamsJson(const RuleConfig& c) {
  switch (c.rule) {
    case Rule::kStockout:
      return {};
    case Rule::kAccuracyDegraded:
      return {{"max_mase", c.max_mase}, {"min_points", c.min_points}};
    case Rule::kDemandSpike:
    case Rule::kDemandDrop:
      return {{"factor", c.factor}};
  }
  return {};
}

Result<RuleConfig> RuleFromJson(Rule r, bool enabled, const json::object& params) {
  RuleConfig c = DefaultRule(r);
  c.enabled = enabled;
  std::vector<FieldError> bad;
  for (const auto& [k, v] : params) {
    const std::string key(k);
    if (r == Rule::kAccuracyDegraded && key == "max_mase") {
      if (!v.is_number() || v.to_number<double>() <= 0 || v.to_number<double>() > 100) {
        bad.push_back({"params.max_mase", "a number > 0 and <= 100"});
      } else {
        c.max_mase = v.to_number<double>();
      }
    } else if (r == Rule::kAccuracyDegraded && key == "min_points") {
      std::error_code ec;
      const int64_t n = v.is_number() ? v.to_number<int64_t>(ec) : -1;
      if (ec || n < 1 || n > 366) {
        bad.push_back({"params.min_points", "an integer from 1 to 366"});
      } else {
        c.min_points = static_cast<int>(n);
      }
    } else if ((r == Rule::kDemandSpike || r == Rule::kDemandDrop) && key == "factor") {
      if (!v.is_number() || v.to_number<double>() < 1 || v.to_number<double>() > 100) {
        bad.push_back({"params.factor", "a number from 1 to 100"});
      } else {
        c.factor = v.to_number<double>();
      }
    } else {
      bad.push_back({"params." + key, fmt::format("not a parameter of {}", RuleName(r))});
    }
  }
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  return c;
}

StockoutCheck CheckStockout(const StockoutInput& in) {
  StockoutCheck c;
  const std::size_t days = static_cast<std::size_t>(std::max(1, in.lead_time_days));
  double cumulative = 0;
  for (std::size_t i = 0; i < in.daily_forecast.size(); ++i) {
    cumulative += std::max(0.0, in.daily_forecast[i]);
    if (i < days) c.demand_over_lead_time = cumulative;
    if (!c.days_to_safety && in.on_hand + in.on_order - cumulative < in.safety_stock) {
      c.days_to_safety = static_cast<int>(i + 1);
    }
  }
  c.projected = in.on_hand + in.on_order - c.demand_over_lead_time;
  c.breach = c.projected < in.safety_stock;
  c.critical = c.projected < 0;
  return c;
}

std::vector<Finding> Evaluate(const ItemSignals& s, std::span<const RuleConfig> rules) {
  std::vector<Finding> out;
  for (const RuleConfig& rule : rules) {
    if (!rule.enabled) continue;
    switch (rule.rule) {
      case Rule::kStockout: {
        if (s.stock.daily_forecast.empty()) break;
        const StockoutCheck c = CheckStockout(s.stock);
        if (!c.breach) break;
        out.push_back(
            {.rule = rule.rule,
             .severity = c.critical ? "critical" : "warning",
             .message = fmt::format(
                 "{}: projected stock {:.1f} at the end of the {}-day lead time is below safety "
                 "stock {:.1f} (on hand {:.1f} + on order {:.1f} − forecast demand {:.1f})",
                 s.sku, c.projected, std::max(1, s.stock.lead_time_days), s.stock.safety_stock,
                 s.stock.on_hand, s.stock.on_order, c.demand_over_lead_time),
             .details = {{"on_hand", s.stock.on_hand},
                         {"on_order", s.stock.on_order},
                         {"safety_stock", s.stock.safety_stock},
                         {"lead_time_days", s.stock.lead_time_days},
                         {"demand_over_lead_time", c.demand_over_lead_time},
                         {"projected", c.projected},
                         {"days_to_safety_stock", c.days_to_safety ? json::value(*c.days_to_safety)
                                                                   : json::value(nullptr)}}});
        break;
      }
      case Rule::kAccuracyDegraded: {
        if (!s.accuracy || !s.accuracy->mase || s.accuracy->points < rule.min_points) break;
        if (*s.accuracy->mase <= rule.max_mase) break;
        out.push_back(
            {.rule = rule.rule,
             .severity = "warning",
             .message = fmt::format("{}: forecast MASE {:.2f} over {} days is above {:.2f}", s.sku,
                                    *s.accuracy->mase, s.accuracy->points, rule.max_mase),
             .details = {
                 {"mase", *s.accuracy->mase},
                 {"mape", s.accuracy->mape ? json::value(*s.accuracy->mape) : json::value(nullptr)},
                 {"bias", s.accuracy->bias},
                 {"points", s.accuracy->points},
                 {"max_mase", rule.max_mase}}});
        break;
      }
      case Rule::kDemandSpike:
      case Rule::kDemandDrop: {
        if (!s.last_actual || !s.last_lower || !s.last_upper) break;
        const bool spike = rule.rule == Rule::kDemandSpike;
        const double bound = spike ? *s.last_upper * rule.factor : *s.last_lower / rule.factor;
        if (spike ? !(*s.last_actual > bound) : !(*s.last_actual < bound)) break;
        out.push_back(
            {.rule = rule.rule,
             .severity = "warning",
             .message = fmt::format("{}: demand {:.1f} on {} is {} the forecast band "
                                    "[{:.1f}, {:.1f}]",
                                    s.sku, *s.last_actual, s.last_day, spike ? "above" : "below",
                                    *s.last_lower, *s.last_upper),
             .details = {{"day", s.last_day},
                         {"actual", *s.last_actual},
                         {"lower", *s.last_lower},
                         {"upper", *s.last_upper},
                         {"factor", rule.factor}}});
        break;
      }
    }
  }
  return out;
}

}  // namespace signx::operations
