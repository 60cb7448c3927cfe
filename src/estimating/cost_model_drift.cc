#include "estimating/cost_model_drift.h"

#include <fmt/format.h>

#include <cmath>

namespace signx::estimating {

Result<DriftDecision> EvaluateDrift(std::span<const PredictionActual> pairs, double baseline_mape,
                                    const DriftOptions& o) {
  if (!(baseline_mape > 0) || !std::isfinite(baseline_mape)) {
    return InvalidArgument("drift: the baseline MAPE must be positive");
  }
  if (o.window == 0 || o.min_pairs == 0 || o.min_pairs > o.window || !(o.factor > 0)) {
    return InvalidArgument("drift: need 0 < min_pairs <= window and factor > 0");
  }
  DriftDecision d;
  d.baseline_mape = baseline_mape;
  d.threshold_mape = o.factor * baseline_mape;
  const std::size_t start = pairs.size() > o.window ? pairs.size() - o.window : 0;
  double ape = 0;
  for (std::size_t i = start; i < pairs.size(); ++i) {
    if (pairs[i].actual_cents <= 0) continue;
    ape += std::abs(static_cast<double>(pairs[i].predicted_cents - pairs[i].actual_cents)) /
           static_cast<double>(pairs[i].actual_cents);
    ++d.pairs;
  }
  d.enough_data = d.pairs >= o.min_pairs;
  d.rolling_mape = d.pairs > 0 ? ape / static_cast<double>(d.pairs) : 0.0;
  if (!d.enough_data) {
    d.reason =
        fmt::format("{} recorded actuals, {} needed before judging drift", d.pairs, o.min_pairs);
    return d;
  }
  d.drifted = d.rolling_mape > d.threshold_mape;
  d.reason = fmt::format(
      "rolling MAPE {:.2f}% over the last {} jobs {} {:.2f} x baseline "
      "{:.2f}% = {:.2f}%",
      100 * d.rolling_mape, d.pairs, d.drifted ? ">" : "<=", o.factor, 100 * baseline_mape,
      100 * d.threshold_mape);
  return d;
}

std::optional<double> DriftBaselineFromCard(const boost::json::object& card) {
  if (const auto* v = card.if_contains("drift_baseline_mape"); v && v->is_number()) {
    return v->to_number<double>();
  }
  if (const auto* t = card.if_contains("test"); t && t->is_object()) {
    if (const auto* m = t->get_object().if_contains("mape"); m && m->is_number()) {
      return m->to_number<double>();
    }
  }
  return std::nullopt;
}

}  // namespace signx::estimating
