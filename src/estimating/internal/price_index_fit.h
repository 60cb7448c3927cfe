// Fitting the cost model's yearly price index (PriceIndex in estimating/cost_model.h) from the
// residuals of a booster trained on log cost: used by training, defined in price_index.cc.
//
// Internal to the estimating module. Thread-safety: a free function without shared state.
#pragma once

#include <vector>

#include "estimating/cost_model.h"

namespace signx::estimating::internal {

// Adds the mean residual per year to `pi` (evaluated at each year before the update). Years with
// fewer than 20 rows (kMinYearRows) are interpolated from their neighbours, or left to
// extrapolation when at either end; the slope is the weighted least-squares slope over the years
// with data. When no year has enough rows, one pooled level covers the whole span. `years` and
// `residuals` are parallel and not empty; every value written is rounded to 12 significant digits.
void UpdatePriceIndex(const std::vector<int>& years, const std::vector<double>& residuals,
                      PriceIndex* pi);

}  // namespace signx::estimating::internal
