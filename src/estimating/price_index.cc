// PriceIndex: the cost model's yearly log price level (read at prediction time, fitted during
// training).
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "estimating/cost_model.h"
#include "estimating/internal/cost_json.h"
#include "estimating/internal/price_index_fit.h"

namespace signx::estimating {

double PriceIndex::LogIndexAt(int year) const {
  if (log_index.empty()) return 0;
  const int last = first_year + static_cast<int>(log_index.size()) - 1;
  if (year < first_year) return log_index.front() - slope_per_year * (first_year - year);
  if (year > last) return log_index.back() + slope_per_year * (year - last);
  return log_index[static_cast<std::size_t>(year - first_year)];
}

namespace internal {
namespace {

constexpr int kMinYearRows = 20;  // a year needs this many rows for its own index

}  // namespace

void UpdatePriceIndex(const std::vector<int>& years, const std::vector<double>& residuals,
                      PriceIndex* pi) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  const int lo = *std::min_element(years.begin(), years.end());
  const int hi = *std::max_element(years.begin(), years.end());
  std::vector<double> sum(static_cast<std::size_t>(hi - lo + 1)), cnt(sum.size());
  for (std::size_t i = 0; i < years.size(); ++i) {
    sum[static_cast<std::size_t>(years[i] - lo)] += residuals[i];
    cnt[static_cast<std::size_t>(years[i] - lo)] += 1;
  }
  // Trim thin trailing/leading years: they are priced by extrapolation instead.
  int first = lo, last = hi;
  while (first < last && cnt[static_cast<std::size_t>(first - lo)] < kMinYearRows) ++first;
  while (last > first && cnt[static_cast<std::size_t>(last - lo)] < kMinYearRows) --last;
  std::vector<double> base(static_cast<std::size_t>(last - first + 1));
  for (int y = first; y <= last; ++y) base[static_cast<std::size_t>(y - first)] = pi->LogIndexAt(y);
  std::vector<double> idx(base.size(), kNan);
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int y = first; y <= last; ++y) {
    const std::size_t k = static_cast<std::size_t>(y - lo);
    if (cnt[k] >= kMinYearRows) {
      const double v = base[static_cast<std::size_t>(y - first)] + sum[k] / cnt[k];
      idx[static_cast<std::size_t>(y - first)] = v;
      const double w = cnt[k];
      sw += w;
      sx += w * y;
      sy += w * v;
      sxx += w * y * y;
      sxy += w * y * v;
    }
  }
  const double denom = sw * sxx - sx * sx;
  pi->slope_per_year = std::abs(denom) > 1e-9 ? R12((sw * sxy - sx * sy) / denom) : 0.0;
  if (sw == 0) {
    // No year has enough rows for a level of its own (a small history spread over many years):
    // one pooled level for the whole span, no trend.
    double total = 0, n = 0;
    for (std::size_t k = 0; k < sum.size(); ++k) {
      total += sum[k];
      n += cnt[k];
    }
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = base[i] + total / n;
  }
  // Interpolate interior gaps linearly.
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (!std::isnan(idx[i])) continue;
    std::size_t a = i, b = i;
    while (a > 0 && std::isnan(idx[a])) --a;
    while (b + 1 < idx.size() && std::isnan(idx[b])) ++b;
    idx[i] = std::isnan(idx[a])   ? idx[b]
             : std::isnan(idx[b]) ? idx[a]
                                  : idx[a] + (idx[b] - idx[a]) * double(i - a) / double(b - a);
  }
  for (double& v : idx) v = R12(v);
  pi->first_year = first;
  pi->log_index = std::move(idx);
}

}  // namespace internal

}  // namespace signx::estimating
