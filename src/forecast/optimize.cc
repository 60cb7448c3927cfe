#include "forecast/optimize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace signx::forecast {

NelderMeadResult NelderMead(const std::function<double(const std::vector<double>&)>& f,
                            std::vector<double> x0, double step, int max_evals, double tol) {
  const std::size_t d = x0.size();
  int evals = 0;
  auto eval = [&](const std::vector<double>& x) {
    ++evals;
    const double v = f(x);
    return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
  };
  std::vector<std::vector<double>> pts(d + 1, x0);
  for (std::size_t i = 0; i < d; ++i) pts[i + 1][i] += step;
  std::vector<double> vals(d + 1);
  for (std::size_t i = 0; i <= d; ++i) vals[i] = eval(pts[i]);
  std::vector<std::size_t> order(d + 1);
  std::vector<double> centroid(d), xr(d), xe(d), xc(d);
  while (evals < max_evals) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return vals[a] < vals[b]; });
    const std::size_t best = order[0], worst = order[d], second = order[d - 1];
    const double spread = std::abs(vals[worst] - vals[best]);
    if (std::isfinite(spread) && spread <= tol * (std::abs(vals[best]) + 1e-12)) break;
    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (std::size_t i = 0; i <= d; ++i) {
      if (i == worst) continue;
      for (std::size_t j = 0; j < d; ++j) centroid[j] += pts[i][j] / static_cast<double>(d);
    }
    for (std::size_t j = 0; j < d; ++j) xr[j] = centroid[j] + (centroid[j] - pts[worst][j]);
    const double fr = eval(xr);
    if (fr < vals[best]) {
      for (std::size_t j = 0; j < d; ++j) xe[j] = centroid[j] + 2.0 * (centroid[j] - pts[worst][j]);
      const double fe = eval(xe);
      if (fe < fr) {
        pts[worst] = xe;
        vals[worst] = fe;
      } else {
        pts[worst] = xr;
        vals[worst] = fr;
      }
      continue;
    }
    if (fr < vals[second]) {
      pts[worst] = xr;
      vals[worst] = fr;
      continue;
    }
    const bool outside = fr < vals[worst];
    for (std::size_t j = 0; j < d; ++j) {
      xc[j] = outside ? centroid[j] + 0.5 * (xr[j] - centroid[j])
                      : centroid[j] + 0.5 * (pts[worst][j] - centroid[j]);
    }
    const double fc = eval(xc);
    if (fc < std::min(fr, vals[worst])) {
      pts[worst] = xc;
      vals[worst] = fc;
      continue;
    }
    for (std::size_t i = 0; i <= d; ++i) {  // shrink towards the best point
      if (i == best) continue;
      for (std::size_t j = 0; j < d; ++j)
        pts[i][j] = pts[best][j] + 0.5 * (pts[i][j] - pts[best][j]);
      vals[i] = eval(pts[i]);
    }
  }
  const auto it = std::min_element(vals.begin(), vals.end());
  return {pts[static_cast<std::size_t>(it - vals.begin())], *it, evals};
}

}  // namespace signx::forecast
