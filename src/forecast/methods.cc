#include "forecast/methods.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "forecast/optimize.h"

namespace signx::forecast {
namespace {

double Mean(Series y) {
  return y.empty() ? 0.0 : std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
}
double Sigmoid(double u) { return 1.0 / (1.0 + std::exp(-u)); }
double Logit(double p) { return std::log(p / (1.0 - p)); }
bool AllPositive(Series y) {
  return std::all_of(y.begin(), y.end(), [](double v) { return v > 0.0; });
}

}  // namespace

// ------------------------------------------------------------------------------ seasonality

std::vector<double> Acf(Series y, int max_lag) {
  const std::size_t n = y.size();
  std::vector<double> r(static_cast<std::size_t>(std::max(max_lag, 0)), 0.0);
  if (n == 0) return r;
  const double mean = Mean(y);
  double denom = 0.0;
  for (double v : y) denom += (v - mean) * (v - mean);
  if (denom <= 0.0) return r;
  for (std::size_t k = 1; k <= r.size() && k < n; ++k) {
    double s = 0.0;
    for (std::size_t t = 0; t + k < n; ++t) s += (y[t] - mean) * (y[t + k] - mean);
    r[k - 1] = s / denom;
  }
  return r;
}

bool IsSeasonal(Series y, int m) {
  const std::size_t n = y.size();
  if (m <= 1 || n < 3 * static_cast<std::size_t>(m)) return false;
  const std::vector<double> r = Acf(y, m);
  double sum = 0.0;
  for (int k = 0; k < m - 1; ++k)
    sum += r[static_cast<std::size_t>(k)] * r[static_cast<std::size_t>(k)];
  const double limit = 1.645 / std::sqrt(static_cast<double>(n)) * std::sqrt(1.0 + 2.0 * sum);
  return std::abs(r[static_cast<std::size_t>(m - 1)]) > limit;
}

std::vector<double> ClassicalIndices(Series y, int m, bool multiplicative) {
  const double neutral = multiplicative ? 1.0 : 0.0;
  std::vector<double> figure(static_cast<std::size_t>(std::max(m, 1)), neutral);
  if (m <= 1) return figure;
  const std::size_t n = y.size();
  const std::size_t half = static_cast<std::size_t>(m / 2);
  if (n < 2 * half + 1 + static_cast<std::size_t>(m) - 1) return figure;
  const bool even = m % 2 == 0;
  std::vector<double> sum(figure.size(), 0.0);
  std::vector<int> count(figure.size(), 0);
  // Running centred moving average: for even m weights 0.5,1,...,1,0.5 over m+1 points.
  for (std::size_t t = half; t + half < n; ++t) {
    double trend = 0.0;
    if (even) {
      for (std::size_t j = t - half + 1; j < t + half; ++j) trend += y[j];
      trend += 0.5 * (y[t - half] + y[t + half]);
    } else {
      for (std::size_t j = t - half; j <= t + half; ++j) trend += y[j];
    }
    trend /= m;
    double ratio;
    if (multiplicative) {
      if (trend == 0.0) continue;
      ratio = y[t] / trend;
    } else {
      ratio = y[t] - trend;
    }
    sum[t % figure.size()] += ratio;
    ++count[t % figure.size()];
  }
  for (std::size_t j = 0; j < figure.size(); ++j) {
    if (count[j] == 0) return std::vector<double>(figure.size(), neutral);
    figure[j] = sum[j] / count[j];
  }
  const double mean = Mean(figure);
  for (double& f : figure) {
    if (multiplicative) {
      f = mean > 0.0 ? f / mean : 1.0;
    } else {
      f -= mean;
    }
  }
  if (multiplicative &&
      std::any_of(figure.begin(), figure.end(), [](double f) { return !(f > 0.0); })) {
    return std::vector<double>(figure.size(), neutral);
  }
  return figure;
}

Seasonality DetectSeasonality(Series y, int m) {
  Seasonality s;
  s.m = m;
  if (!IsSeasonal(y, m)) return s;
  s.multiplicative = AllPositive(y);
  s.index = ClassicalIndices(y, m, s.multiplicative);
  return s;
}

std::vector<double> Deseasonalize(Series y, const Seasonality& s) {
  std::vector<double> out(y.begin(), y.end());
  if (!s.active()) return out;
  for (std::size_t t = 0; t < out.size(); ++t) {
    const double idx = s.index[t % s.index.size()];
    out[t] = s.multiplicative ? out[t] / idx : out[t] - idx;
  }
  return out;
}

void Reseasonalize(std::vector<double>& forecast, std::size_t n, const Seasonality& s) {
  if (!s.active()) return;
  for (std::size_t i = 0; i < forecast.size(); ++i) {
    const double idx = s.index[(n + i) % s.index.size()];
    forecast[i] = s.multiplicative ? forecast[i] * idx : forecast[i] + idx;
  }
}

// ------------------------------------------------------------------------------ naive family

std::vector<double> Naive(Series y, int h) {
  return std::vector<double>(static_cast<std::size_t>(h), y.empty() ? 0.0 : y.back());
}

std::vector<double> SeasonalNaive(Series y, int h, int m) {
  if (m <= 1 || y.size() < static_cast<std::size_t>(m)) return Naive(y, h);
  std::vector<double> out(static_cast<std::size_t>(h));
  const std::size_t start = y.size() - static_cast<std::size_t>(m);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = y[start + i % static_cast<std::size_t>(m)];
  return out;
}

std::vector<double> Naive2(Series y, int h, int m) {
  const Seasonality s = DetectSeasonality(y, m);
  const std::vector<double> adjusted = Deseasonalize(y, s);
  std::vector<double> out = Naive(adjusted, h);
  Reseasonalize(out, y.size(), s);
  return out;
}

std::vector<double> SeasonalMean(Series y, int h, int m, int k) {
  const std::size_t n = y.size();
  if (m <= 1 || n < static_cast<std::size_t>(m)) return Naive(y, h);
  const std::size_t um = static_cast<std::size_t>(m);
  const std::size_t cycles =
      std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(k), n / um));
  std::vector<double> out(static_cast<std::size_t>(h));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t phase_back = um - i % um;  // y[n - phase_back] has the phase of step i
    double s = 0.0;
    for (std::size_t c = 0; c < cycles; ++c) s += y[n - phase_back - c * um];
    out[i] = s / static_cast<double>(cycles);
  }
  return out;
}

// ------------------------------------------------------------------------------ ETS

std::string EtsModel::Name() const {
  const char* t = trend == Trend::kNone ? "N" : trend == Trend::kAdditive ? "A" : "Ad";
  const char* s = season == Season::kNone ? "N" : season == Season::kAdditive ? "A" : "M";
  return std::string("ETS(A,") + t + "," + s + ")";
}

namespace {

// The filter's inner loop, specialised per form (no branches, no modulo per step).
template <bool kTrend, int kSeason>  // kSeason: 0 none, 1 additive, 2 multiplicative
double EtsLoop(Series y, double alpha, double beta, double gamma, double phi, double& l, double& b,
               std::vector<double>& s) {
  const std::size_t m = s.empty() ? 1 : s.size();
  std::size_t phase = 0;
  double sse = 0.0;
  const std::size_t n = y.size();
  for (std::size_t t = 0; t < n; ++t) {
    const double base = kTrend ? l + phi * b : l;
    if constexpr (kSeason == 0) {
      const double e = y[t] - base;
      sse += e * e;
      l = base + alpha * e;
      if constexpr (kTrend) b = phi * b + beta * e;
    } else if constexpr (kSeason == 1) {
      const double si = s[phase];
      const double e = y[t] - (base + si);
      sse += e * e;
      l = base + alpha * e;
      if constexpr (kTrend) b = phi * b + beta * e;
      s[phase] = si + gamma * e;
    } else {
      const double si = s[phase];
      const double e = y[t] - base * si;
      sse += e * e;
      const double safe_s = std::abs(si) > 1e-12 ? si : 1e-12;
      const double safe_base = std::abs(base) > 1e-12 ? base : 1e-12;
      l = base + alpha * e / safe_s;
      if constexpr (kTrend) b = phi * b + beta * e / safe_s;
      s[phase] = si + gamma * e / safe_base;
    }
    if constexpr (kSeason != 0) {
      if (++phase == m) phase = 0;
    }
  }
  return sse;
}

// Runs the filter; returns SSE (+inf when it diverges) and leaves the final states in `model`.
double EtsFilter(Series y, EtsModel& model, double l0, double b0, const std::vector<double>& s0) {
  const bool has_trend = model.trend != Trend::kNone;
  const double phi = model.trend == Trend::kDamped ? model.phi : 1.0;
  double l = l0, b = has_trend ? b0 : 0.0;
  std::vector<double>& s = model.seasonal;
  const int form = model.season == Season::kNone ? 0 : model.season == Season::kAdditive ? 1 : 2;
  if (form == 0) {
    s.clear();
  } else {
    s = s0;
  }
  const double a = model.alpha, be = model.beta, g = model.gamma;
  double sse;
  if (has_trend) {
    sse = form == 0   ? EtsLoop<true, 0>(y, a, be, g, phi, l, b, s)
          : form == 1 ? EtsLoop<true, 1>(y, a, be, g, phi, l, b, s)
                      : EtsLoop<true, 2>(y, a, be, g, phi, l, b, s);
  } else {
    sse = form == 0   ? EtsLoop<false, 0>(y, a, be, g, phi, l, b, s)
          : form == 1 ? EtsLoop<false, 1>(y, a, be, g, phi, l, b, s)
                      : EtsLoop<false, 2>(y, a, be, g, phi, l, b, s);
  }
  model.level = l;
  model.slope = b;
  model.n = y.size();
  if (!std::isfinite(sse) || !std::isfinite(l) || !std::isfinite(b))
    return std::numeric_limits<double>::infinity();
  return sse;
}

}  // namespace

namespace {

// SES: for a given alpha the SSE is quadratic in the initial level, so l0 has a closed form and
// alpha alone is searched (golden section). Returns the SSE; *l0 receives the best initial level.
double SesSse(Series y, double alpha, double* l0) {
  double c = 0.0, d = 1.0, sdr = 0.0, sdd = 0.0, srr = 0.0;
  for (double v : y) {
    const double r = v - c;
    sdr += d * r;
    sdd += d * d;
    srr += r * r;
    c += alpha * (v - c);
    d *= 1.0 - alpha;
  }
  *l0 = sdd > 0.0 ? sdr / sdd : 0.0;
  return std::max(0.0, srr - (sdd > 0.0 ? sdr * sdr / sdd : 0.0));
}

double FitSesAlpha(Series y, double* l0) {
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = 1e-4, b = 1.0 - 1e-4;
  double x1 = b - g * (b - a), x2 = a + g * (b - a), tmp;
  double f1 = SesSse(y, x1, &tmp), f2 = SesSse(y, x2, &tmp);
  for (int it = 0; it < 40 && b - a > 1e-5; ++it) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = SesSse(y, x1, &tmp);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = SesSse(y, x2, &tmp);
    }
  }
  // The ends are often optimal (alpha -> 1 on random walks).
  double best = f1 <= f2 ? x1 : x2;
  double fbest = std::min(f1, f2);
  for (double edge : {1e-4, 1.0 - 1e-4}) {
    const double fe = SesSse(y, edge, &tmp);
    if (fe < fbest) {
      fbest = fe;
      best = edge;
    }
  }
  SesSse(y, best, l0);
  return best;
}

}  // namespace

// Holt / damped trend: for fixed alpha, beta, phi the one-step errors are linear in the initial
// level and slope, so both have a least-squares closed form (a 2x2 system); only the smoothing
// parameters are searched. Returns the SSE at the best (l0, b0).
static double TrendSse(Series y, double a, double be, double phi, double* l0_out, double* b0_out) {
  double l = 0.0, b = 0.0;
  double pl = 1.0, pb = 0.0, ql = 0.0, qb = 1.0;  // d(l, b)/d l0 and d(l, b)/d b0
  double spp = 0.0, spq = 0.0, sqq = 0.0, spr = 0.0, sqr = 0.0, srr = 0.0;
  for (double v : y) {
    const double base = l + phi * b;
    const double p = pl + phi * pb, q = ql + phi * qb;
    const double r = v - base;
    spp += p * p;
    spq += p * q;
    sqq += q * q;
    spr += p * r;
    sqr += q * r;
    srr += r * r;
    l = base + a * r;
    b = phi * b + be * r;
    pl = (1.0 - a) * p;
    pb = phi * pb - be * p;
    ql = (1.0 - a) * q;
    qb = phi * qb - be * q;
  }
  const double ridge = 1e-10 * (spp + sqq) + 1e-300;
  const double a11 = spp + ridge, a22 = sqq + ridge;
  const double det = a11 * a22 - spq * spq;
  double l0 = 0.0, b0 = 0.0;
  if (std::abs(det) > 1e-300) {
    l0 = (spr * a22 - sqr * spq) / det;
    b0 = (sqr * a11 - spr * spq) / det;
  } else if (a11 > 0.0) {
    l0 = spr / a11;
  }
  *l0_out = l0;
  *b0_out = b0;
  const double sse =
      srr - 2.0 * (l0 * spr + b0 * sqr) + l0 * l0 * spp + 2.0 * l0 * b0 * spq + b0 * b0 * sqq;
  return std::isfinite(sse) ? std::max(sse, 0.0) : std::numeric_limits<double>::infinity();
}

EtsModel FitEts(Series y, Trend trend, Season season, int m) {
  EtsModel model;
  model.trend = trend;
  model.season = season;
  model.m = season == Season::kNone ? 1 : m;
  const std::size_t n = y.size();
  if (trend == Trend::kNone && season == Season::kNone && n >= 2) {
    double l0 = 0.0;
    model.alpha = FitSesAlpha(y, &l0);
    model.sse = EtsFilter(y, model, l0, 0.0, {});
    const double k = 3.0, dn = static_cast<double>(n);
    const double loglik = -0.5 * dn * std::log(std::max(model.sse / dn, 1e-300));
    model.aicc = dn - k - 1.0 > 0.0 ? -2.0 * loglik + 2.0 * k + 2.0 * k * (k + 1.0) / (dn - k - 1.0)
                                    : std::numeric_limits<double>::infinity();
    if (!std::isfinite(model.sse)) model.aicc = std::numeric_limits<double>::infinity();
    return model;
  }
  auto finish = [&](double params) {
    const double k = params, dn = static_cast<double>(n);
    const double loglik = -0.5 * dn * std::log(std::max(model.sse / dn, 1e-300));
    model.aicc = dn - k - 1.0 > 0.0 ? -2.0 * loglik + 2.0 * k + 2.0 * k * (k + 1.0) / (dn - k - 1.0)
                                    : std::numeric_limits<double>::infinity();
    if (!std::isfinite(model.sse)) model.aicc = std::numeric_limits<double>::infinity();
  };
  if (trend != Trend::kNone && season == Season::kNone && n >= 4) {
    const bool damped = trend == Trend::kDamped;
    auto unpack = [&](const std::vector<double>& x, EtsModel& mdl) {
      mdl.alpha = 1e-4 + (1.0 - 2e-4) * Sigmoid(x[0]);
      mdl.beta = mdl.alpha * 0.999 * Sigmoid(x[1]);
      mdl.phi = damped ? 0.8 + 0.18 * Sigmoid(x[2]) : 1.0;
    };
    std::vector<double> x0 = {Logit(0.5), Logit(0.1)};
    if (damped) x0.push_back(Logit((0.95 - 0.8) / 0.18));
    auto objective = [&](const std::vector<double>& x) {
      EtsModel mdl = model;
      unpack(x, mdl);
      double l0, b0;
      return TrendSse(y, mdl.alpha, mdl.beta, mdl.phi, &l0, &b0);
    };
    const NelderMeadResult best =
        NelderMead(objective, x0, 1.0, 40 * static_cast<int>(x0.size()), 1e-7);
    unpack(best.x, model);
    double l0, b0;
    TrendSse(y, model.alpha, model.beta, model.phi, &l0, &b0);
    model.sse = EtsFilter(y, model, l0, b0, {});
    finish(static_cast<double>(x0.size() + 3));
    return model;
  }
  const bool seasonal = season != Season::kNone;
  const bool mult = season == Season::kMultiplicative;
  std::vector<double> s0;
  double l0 = y.empty() ? 0.0 : y[0];
  double b0 = n >= 2 ? y[1] - y[0] : 0.0;
  if (seasonal) {
    s0 = ClassicalIndices(y, m, mult);
    const std::size_t um = static_cast<std::size_t>(m);
    double first = 0.0, second = 0.0;
    for (std::size_t t = 0; t < um; ++t) {
      first += mult ? y[t] / s0[t] : y[t] - s0[t];
      second += mult ? y[t + um] / s0[t] : y[t + um] - s0[t];
    }
    first /= m;
    second /= m;
    b0 = (second - first) / m;
    l0 = first - b0 * (m - 1) / 2.0;
  } else if (n >= 4) {
    const std::size_t k = std::min<std::size_t>(n, 10);
    l0 = Mean(y.subspan(0, k));
    if (trend != Trend::kNone)
      b0 = (Mean(y.subspan(k / 2, k - k / 2)) - Mean(y.subspan(0, k / 2))) / (k / 2.0);
  }
  const double scale = std::max(1e-8, std::abs(Mean(y)) * 0.1 + 1e-8);
  // Parameters: u_alpha, [u_beta], [u_gamma], [u_phi], l0 offset (scaled), [b0 offset (scaled)].
  const bool has_trend = trend != Trend::kNone;
  const bool damped = trend == Trend::kDamped;
  auto unpack = [&](const std::vector<double>& x, EtsModel& mdl, double& l, double& b) {
    std::size_t i = 0;
    mdl.alpha = 1e-4 + (1.0 - 2e-4) * Sigmoid(x[i++]);
    mdl.beta = has_trend ? mdl.alpha * 0.999 * Sigmoid(x[i++]) : 0.0;
    mdl.gamma = seasonal ? (1.0 - mdl.alpha) * 0.999 * Sigmoid(x[i++]) : 0.0;
    mdl.phi = damped ? 0.8 + 0.18 * Sigmoid(x[i++]) : 1.0;
    l = l0;
    b = b0;
    if (!seasonal) {
      l = l0 + scale * x[i++];
      if (has_trend) b = b0 + scale * 0.1 * x[i++];
    }
  };
  std::vector<double> x0;
  x0.push_back(Logit(seasonal ? 0.2 : 0.5));
  if (has_trend) x0.push_back(Logit(0.1));
  if (seasonal) x0.push_back(Logit(0.05));
  if (damped) x0.push_back(Logit((0.95 - 0.8) / 0.18));
  if (!seasonal) {
    x0.push_back(0.0);
    if (has_trend) x0.push_back(0.0);
  }
  auto objective = [&](const std::vector<double>& x) {
    EtsModel mdl = model;
    double l, b;
    unpack(x, mdl, l, b);
    return EtsFilter(y, mdl, l, b, s0);
  };
  const int evals = 40 * static_cast<int>(x0.size());
  const NelderMeadResult best = NelderMead(objective, x0, 1.0, evals, 1e-7);
  double l, b;
  unpack(best.x, model, l, b);
  model.sse = EtsFilter(y, model, l, b, s0);
  const double k = static_cast<double>(x0.size() + 1 + (seasonal ? m - 1 : 0) +
                                       (seasonal ? 1 + (has_trend ? 1 : 0) : 0));
  const double dn = static_cast<double>(n);
  const double sigma2 = std::max(model.sse / dn, 1e-300);
  const double loglik = -0.5 * dn * std::log(sigma2);
  model.aicc = dn - k - 1.0 > 0.0 ? -2.0 * loglik + 2.0 * k + 2.0 * k * (k + 1.0) / (dn - k - 1.0)
                                  : std::numeric_limits<double>::infinity();
  if (!std::isfinite(model.sse)) model.aicc = std::numeric_limits<double>::infinity();
  return model;
}

std::vector<double> ForecastEts(const EtsModel& model, int h) {
  std::vector<double> out(static_cast<std::size_t>(h));
  const double phi = model.trend == Trend::kDamped ? model.phi : 1.0;
  double damp = 0.0, p = 1.0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (model.trend != Trend::kNone) {
      p *= phi;
      damp += p;
    }
    double v = model.level + damp * model.slope;
    if (model.season != Season::kNone && !model.seasonal.empty()) {
      const double si = model.seasonal[(model.n + i) % model.seasonal.size()];
      v = model.season == Season::kMultiplicative ? v * si : v + si;
    }
    out[i] = v;
  }
  return out;
}

namespace {
std::vector<double> EtsOrNaive(Series y, int h, Trend trend) {
  const std::size_t need = trend == Trend::kNone ? 2 : 4;
  if (y.size() < need) return Naive(y, h);
  std::vector<double> f = ForecastEts(FitEts(y, trend, Season::kNone, 1), h);
  for (double v : f) {
    if (!std::isfinite(v)) return Naive(y, h);
  }
  return f;
}
}  // namespace

std::vector<double> Ses(Series y, int h) { return EtsOrNaive(y, h, Trend::kNone); }
std::vector<double> Holt(Series y, int h) { return EtsOrNaive(y, h, Trend::kAdditive); }
std::vector<double> Damped(Series y, int h) { return EtsOrNaive(y, h, Trend::kDamped); }

std::vector<double> EtsForm(Series y, int h, int m, Trend trend, Season season) {
  const bool seasonal = season != Season::kNone;
  if (y.size() < 4 || (seasonal && (m < 2 || y.size() < 2 * static_cast<std::size_t>(m) + 2)) ||
      (season == Season::kMultiplicative && !AllPositive(y))) {
    return AutoEts(y, h, m);
  }
  std::vector<double> f = ForecastEts(FitEts(y, trend, season, m), h);
  for (double v : f) {
    if (!std::isfinite(v)) return AutoEts(y, h, m);
  }
  return f;
}

std::vector<double> AutoEts(Series y, int h, int m, std::string* chosen, EtsModel* selected) {
  if (y.size() < 4) {
    if (chosen) *chosen = "Naive";
    return Naive(y, h);
  }
  struct Spec {
    Trend t;
    Season s;
  };
  std::vector<Spec> specs = {{Trend::kNone, Season::kNone},
                             {Trend::kAdditive, Season::kNone},
                             {Trend::kDamped, Season::kNone}};
  if (m >= 2 && y.size() >= 2 * static_cast<std::size_t>(m) + 2) {
    specs.push_back({Trend::kNone, Season::kAdditive});
    specs.push_back({Trend::kDamped, Season::kAdditive});
    if (AllPositive(y)) {
      specs.push_back({Trend::kNone, Season::kMultiplicative});
      specs.push_back({Trend::kDamped, Season::kMultiplicative});
    }
  }
  EtsModel best;
  best.aicc = std::numeric_limits<double>::infinity();
  bool found = false;
  for (const Spec& sp : specs) {
    EtsModel mdl = FitEts(y, sp.t, sp.s, m);
    if (!std::isfinite(mdl.aicc)) continue;
    std::vector<double> f = ForecastEts(mdl, h);
    if (!std::all_of(f.begin(), f.end(), [](double v) { return std::isfinite(v); })) continue;
    if (!found || mdl.aicc < best.aicc) {
      best = std::move(mdl);
      found = true;
    }
  }
  if (!found) {
    if (chosen) *chosen = "Naive";
    return Naive(y, h);
  }
  if (chosen) *chosen = best.Name();
  std::vector<double> out = ForecastEts(best, h);
  if (selected) *selected = std::move(best);
  return out;
}

// ------------------------------------------------------------------------------ Theta

namespace {

struct Line {
  double a = 0.0, b = 0.0;  // y ≈ a + b * t, t = 1..n
  double At(double t) const { return a + b * t; }
};

Line FitLine(Series y) {
  const double n = static_cast<double>(y.size());
  const double tbar = (n + 1.0) / 2.0;
  const double ybar = Mean(y);
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double dt = static_cast<double>(i + 1) - tbar;
    sxy += dt * (y[i] - ybar);
    sxx += dt * dt;
  }
  Line line;
  line.b = sxx > 0.0 ? sxy / sxx : 0.0;
  line.a = ybar - line.b * tbar;
  return line;
}

std::vector<double> ThetaCore(Series y, int h, int m, bool optimise) {
  const std::size_t n = y.size();
  if (n < 3) return Naive2(y, h, m);
  const Seasonality s = DetectSeasonality(y, m);
  const std::vector<double> x = Deseasonalize(y, s);
  const Line line = FitLine(x);
  auto theta_forecast = [&](double theta, double* in_sample_mse) {
    std::vector<double> z(n);
    for (std::size_t t = 0; t < n; ++t)
      z[t] = theta * x[t] + (1.0 - theta) * line.At(static_cast<double>(t + 1));
    const EtsModel ses = FitEts(z, Trend::kNone, Season::kNone, 1);
    const double w = 1.0 / theta;
    if (in_sample_mse) {
      // One-step fitted values: the SES recursion with the fitted alpha from z's early mean.
      const std::size_t k = std::min<std::size_t>(n, 10);
      double l = Mean(std::span<const double>(z).subspan(0, k));
      double mse = 0.0;
      for (std::size_t t = 0; t < n; ++t) {
        const double fit = (1.0 - w) * line.At(static_cast<double>(t + 1)) + w * l;
        mse += (x[t] - fit) * (x[t] - fit);
        l += ses.alpha * (z[t] - l);
      }
      *in_sample_mse = mse / static_cast<double>(n);
    }
    std::vector<double> f(static_cast<std::size_t>(h));
    for (std::size_t i = 0; i < f.size(); ++i) {
      f[i] = (1.0 - w) * line.At(static_cast<double>(n + i + 1)) + w * ses.level;
    }
    return f;
  };
  std::vector<double> out;
  if (!optimise) {
    out = theta_forecast(2.0, nullptr);
  } else {
    double best_mse = std::numeric_limits<double>::infinity();
    for (double theta = 1.0; theta <= 4.0 + 1e-9; theta += 0.5) {
      double mse = 0.0;
      std::vector<double> f = theta_forecast(theta, &mse);
      if (mse < best_mse) {
        best_mse = mse;
        out = std::move(f);
      }
    }
  }
  Reseasonalize(out, n, s);
  for (double v : out) {
    if (!std::isfinite(v)) return Naive2(y, h, m);
  }
  return out;
}

}  // namespace

std::vector<double> Theta(Series y, int h, int m) { return ThetaCore(y, h, m, false); }
std::vector<double> OptimisedTheta(Series y, int h, int m) { return ThetaCore(y, h, m, true); }

// ------------------------------------------------------------------------------ intermittent

std::vector<double> CrostonFamily(Series y, int h, Intermittent variant, double alpha,
                                  double beta) {
  double z = 0.0, p = 0.0, prob = 0.0;
  bool started = false;
  std::size_t since = 0;
  for (std::size_t t = 0; t < y.size(); ++t) {
    ++since;
    const bool demand = y[t] > 0.0;
    if (variant == Intermittent::kTsb) {
      if (!started) {
        if (demand) {
          started = true;
          z = y[t];
          prob = 1.0 / static_cast<double>(t + 1);
        }
        continue;
      }
      prob += beta * ((demand ? 1.0 : 0.0) - prob);
      if (demand) z += alpha * (y[t] - z);
      continue;
    }
    if (!demand) continue;
    if (!started) {
      started = true;
      z = y[t];
      p = static_cast<double>(since);
    } else {
      z += alpha * (y[t] - z);
      p += alpha * (static_cast<double>(since) - p);
    }
    since = 0;
  }
  double f = 0.0;
  if (started) {
    switch (variant) {
      case Intermittent::kCroston:
        f = z / p;
        break;
      case Intermittent::kSba:
        f = (1.0 - alpha / 2.0) * z / p;
        break;
      case Intermittent::kTsb:
        f = prob * z;
        break;
    }
  }
  return std::vector<double>(static_cast<std::size_t>(h), std::isfinite(f) ? f : 0.0);
}

// ------------------------------------------------------------------------------ multi-seasonal

std::vector<double> MultiSeasonal(Series y, int h, std::span<const int> periods,
                                  const std::string& inner, int cycles) {
  const std::size_t n = y.size();
  const bool use_log = AllPositive(y);
  std::vector<double> z(y.begin(), y.end());
  if (use_log) {
    for (double& v : z) v = std::log(v);
  }
  std::vector<std::vector<double>> components;
  std::vector<int> used;
  for (int p : periods) {
    const std::size_t up = static_cast<std::size_t>(p);
    if (p <= 1 || n < 2 * up + 2) continue;
    // Estimate from the last `cycles` cycles (plus the half windows the moving average needs).
    const std::size_t take = std::min(n, up * static_cast<std::size_t>(cycles) + up);
    const std::size_t start = n - take;
    std::vector<double> idx = ClassicalIndices(std::span<const double>(z).subspan(start), p, false);
    // Re-phase: ClassicalIndices' phase 0 is position `start`.
    std::vector<double> by_phase(up);
    for (std::size_t j = 0; j < up; ++j) by_phase[(start + j) % up] = idx[j];
    for (std::size_t t = 0; t < n; ++t) z[t] -= by_phase[t % up];
    components.push_back(std::move(by_phase));
    used.push_back(p);
  }
  std::vector<double> f;
  if (inner == "theta") {
    f = Theta(z, h, 1);
  } else if (inner == "damped") {
    f = Damped(z, h);
  } else {
    f = Ses(z, h);
  }
  for (std::size_t c = 0; c < components.size(); ++c) {
    const std::size_t up = static_cast<std::size_t>(used[c]);
    for (std::size_t i = 0; i < f.size(); ++i) f[i] += components[c][(n + i) % up];
  }
  if (use_log) {
    for (double& v : f) v = std::exp(std::min(v, 700.0));
  }
  for (double v : f) {
    if (!std::isfinite(v)) return SeasonalNaive(y, h, periods.empty() ? 1 : periods.front());
  }
  return f;
}

}  // namespace signx::forecast
