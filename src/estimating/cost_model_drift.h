// The drift rule of seed 000 for the cost model: when actual costs come in, compare them with the
// predictions a model version made; if the rolling MAPE over the most recent pairs exceeds
// 1.2 × the MAPE the model card promised (card.drift_baseline_mape, the test-split MAPE), the
// model has drifted and should be retrained.
//
// The rule only fires on enough evidence: at least `min_pairs` pairs in the window. Pairs with a
// non-positive actual are ignored (no percentage error exists).
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/status.h"

namespace signx::estimating {

struct PredictionActual {
  int64_t predicted_cents = 0;
  int64_t actual_cents = 0;
};

struct DriftOptions {
  std::size_t window = 200;    // most recent pairs considered
  std::size_t min_pairs = 30;  // fewer pairs in the window → no decision
  double factor = 1.2;         // seed 000: "MAPE > baseline × 1.2 (20% worse)"
};

struct DriftDecision {
  bool drifted = false;
  bool enough_data = false;
  std::size_t pairs = 0;  // pairs in the window that were used
  double rolling_mape = 0;
  double baseline_mape = 0;
  double threshold_mape = 0;  // factor × baseline
  std::string reason;
};

// `pairs` in time order (oldest first); only the last `window` count. kInvalidArgument when the
// baseline is not positive or the options are inconsistent.
Result<DriftDecision> EvaluateDrift(std::span<const PredictionActual> pairs, double baseline_mape,
                                    const DriftOptions& options = {});

// The baseline of a cost model card (drift_baseline_mape, else test.mape).
std::optional<double> DriftBaselineFromCard(const boost::json::object& card);

}  // namespace signx::estimating
