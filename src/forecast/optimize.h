// A small Nelder-Mead minimiser for the smoothing-parameter fits (unconstrained; callers map
// bounded parameters through a logistic transform).
#pragma once

#include <functional>
#include <vector>

namespace signx::forecast {

struct NelderMeadResult {
  std::vector<double> x;
  double value = 0.0;
  int evaluations = 0;
};

// Minimises f from x0 with initial step `step` per coordinate; stops after max_evals evaluations or
// when the simplex's values differ by less than tol (relative). Non-finite f values count as +inf.
NelderMeadResult NelderMead(const std::function<double(const std::vector<double>&)>& f,
                            std::vector<double> x0, double step, int max_evals, double tol = 1e-7);

}  // namespace signx::forecast
