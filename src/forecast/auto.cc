#include "forecast/auto.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>

#include "forecast/forecast.h"
#include "forecast/metrics.h"

namespace signx::forecast {
namespace {

// A method on the seasonally adjusted series (M4 rule), seasonality put back.
std::function<std::vector<double>(Series, int)> Adjusted(std::vector<double> (*fn)(Series, int),
                                                         int m) {
  return [fn, m](Series y, int h) {
    const Seasonality s = DetectSeasonality(y, m);
    const std::vector<double> x = Deseasonalize(y, s);
    std::vector<double> f = fn(x, h);
    Reseasonalize(f, y.size(), s);
    return f;
  };
}

bool AllFinite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

constexpr int kMaxWindows = 3;

}  // namespace

bool LooksIntermittent(Series y) {
  if (y.empty()) return false;
  std::size_t zeros = 0;
  for (double v : y) {
    if (v < 0.0) return false;
    if (v == 0.0) ++zeros;
  }
  return static_cast<double>(zeros) >= 0.3 * static_cast<double>(y.size());
}

std::vector<Candidate> CandidatesFor(std::size_t n, int m, bool intermittent) {
  std::vector<Candidate> c;
  c.push_back({"Naive2", [m](Series y, int h) { return Naive2(y, h, m); }});
  if (intermittent) {
    c.push_back({"SES", [](Series y, int h) { return Ses(y, h); }});
    c.push_back(
        {"Croston", [](Series y, int h) { return CrostonFamily(y, h, Intermittent::kCroston); }});
    c.push_back({"SBA", [](Series y, int h) { return CrostonFamily(y, h, Intermittent::kSba); }});
    c.push_back({"TSB", [](Series y, int h) { return CrostonFamily(y, h, Intermittent::kTsb); }});
    return c;
  }
  const std::size_t um = static_cast<std::size_t>(std::max(m, 1));
  if (m > 1 && n >= um)
    c.push_back({"sNaive", [m](Series y, int h) { return SeasonalNaive(y, h, m); }});
  if (n >= 4) {
    c.push_back({"SES", Adjusted(&Ses, m)});
    c.push_back({"Damped", Adjusted(&Damped, m)});
    c.push_back({"Theta", [m](Series y, int h) { return Theta(y, h, m); }});
    c.push_back({"OTM", [m](Series y, int h) { return OptimisedTheta(y, h, m); }});
  }
  if (n >= 8) c.push_back({"Holt", Adjusted(&Holt, m)});
  if (n >= 10) {
    // Seasonal ETS for m <= 24 (as R's ets); longer periods get the non-seasonal models.
    const int em = m <= 24 ? m : 1;
    // The form is chosen by AICc on the first history this candidate sees (the backtest's
    // longest window) and refitted on the others: the AICc search is the expensive part.
    auto form = std::make_shared<std::optional<std::pair<Trend, Season>>>();
    c.push_back({"ETS", [em, form](Series y, int h) {
                   if (form->has_value()) return EtsForm(y, h, em, (*form)->first, (*form)->second);
                   EtsModel selected;
                   std::string name;
                   std::vector<double> f = AutoEts(y, h, em, &name, &selected);
                   if (name != "Naive") *form = std::pair(selected.trend, selected.season);
                   return f;
                 }});
  }
  if (m == 24 && n >= 2 * 168 + 2) {
    static constexpr int kHourly[] = {24, 168};
    c.push_back(
        {"MSD-SES", [](Series y, int h) { return MultiSeasonal(y, h, kHourly, "ses", 4); }});
    c.push_back(
        {"MSD-Damped", [](Series y, int h) { return MultiSeasonal(y, h, kHourly, "damped", 4); }});
    c.push_back(
        {"MSD-Theta", [](Series y, int h) { return MultiSeasonal(y, h, kHourly, "theta", 4); }});
    c.push_back({"sNaive168", [](Series y, int h) { return SeasonalNaive(y, h, 168); }});
    c.push_back({"sMean168", [](Series y, int h) { return SeasonalMean(y, h, 168, 3); }});
  }
  return c;
}

BacktestResult Backtest(Series y, int h, int m, const std::vector<Candidate>& candidates,
                        bool intermittent, std::size_t min_train) {
  BacktestResult r;
  const std::size_t n = y.size();
  const std::size_t uh = static_cast<std::size_t>(h);
  int windows = 0;
  while (windows < kMaxWindows && n >= uh * static_cast<std::size_t>(windows + 1) + min_train)
    ++windows;
  r.windows = windows;
  const std::size_t nc = candidates.size();
  for (std::size_t i = 0; i < nc; ++i) {
    r.names.push_back(candidates[i].name);
    r.members.push_back({i});
  }
  if (windows == 0 || nc == 0) {
    r.score.assign(nc, 0.0);
    return r;
  }
  // fc[c][w] and the actuals per window.
  std::vector<std::vector<std::vector<double>>> fc(
      nc, std::vector<std::vector<double>>(static_cast<std::size_t>(windows)));
  std::vector<double> scale(static_cast<std::size_t>(windows));
  for (int w = 0; w < windows; ++w) {
    const std::size_t origin = n - uh * static_cast<std::size_t>(w + 1);
    const Series train = y.subspan(0, origin);
    double s = MaseScale(train, m);
    if (!(s > 0.0)) s = MaseScale(train, 1);
    if (!(s > 0.0)) s = std::max(1e-8, std::abs(train.back()));
    scale[static_cast<std::size_t>(w)] = s;
    for (std::size_t c = 0; c < nc; ++c) {
      std::vector<double> f = candidates[c].fn(train, h);
      if (!AllFinite(f) || f.size() != uh) f = Naive(train, h);
      fc[c][static_cast<std::size_t>(w)] = std::move(f);
    }
  }
  auto evaluate = [&](const std::vector<std::size_t>& members,
                      std::vector<std::vector<double>>* resid) {
    AccuracyAccumulator acc;
    if (resid) resid->assign(static_cast<std::size_t>(windows), std::vector<double>(uh));
    std::vector<double> f(uh);
    for (int w = 0; w < windows; ++w) {
      const std::size_t uw = static_cast<std::size_t>(w);
      const std::size_t origin = n - uh * (uw + 1);
      std::fill(f.begin(), f.end(), 0.0);
      for (std::size_t c : members) {
        for (std::size_t i = 0; i < uh; ++i)
          f[i] += fc[c][uw][i] / static_cast<double>(members.size());
      }
      const Series actual = y.subspan(origin, uh);
      acc.Add(actual, f, scale[uw]);
      if (resid) {
        for (std::size_t i = 0; i < uh; ++i) (*resid)[uw][i] = actual[i] - f[i];
      }
    }
    return std::pair<double, double>(acc.smape(), acc.mase());
  };
  const auto [smape_n2, mase_n2] = evaluate({0}, nullptr);
  auto score_of = [&](const std::vector<std::size_t>& members) {
    const auto [smape, mase] = evaluate(members, nullptr);
    const double rel_mase = (mase + 1e-9) / (mase_n2 + 1e-9);
    if (intermittent) return rel_mase;
    return 0.5 * ((smape + 1e-9) / (smape_n2 + 1e-9) + rel_mase);
  };
  for (std::size_t c = 0; c < nc; ++c) r.score.push_back(score_of({c}));
  std::vector<std::size_t> order(nc);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return r.score[a] < r.score[b]; });
  for (std::size_t k : {2u, 3u, 4u, 5u}) {
    if (nc < k) break;
    std::vector<std::size_t> members(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < k; ++i) parts.push_back(candidates[members[i]].name);
    std::sort(parts.begin(), parts.end());
    std::string name = "Comb(";
    for (std::size_t i = 0; i < k; ++i) name += (i ? "," : "") + parts[i];
    name += ")";
    r.names.push_back(name);
    r.score.push_back(score_of(members));
    r.members.push_back(std::move(members));
  }
  r.best =
      static_cast<std::size_t>(std::min_element(r.score.begin(), r.score.end()) - r.score.begin());
  evaluate(r.members[r.best], &r.residuals);
  return r;
}

Result<Forecast> AutoForecast(std::span<const double> history, const Options& options) {
  return AutoForecastWith(history, options, {});
}

double ConformalQuantile(const std::vector<std::vector<double>>& residuals, double level,
                         std::size_t from_window) {
  std::vector<double> u;
  for (std::size_t w = from_window; w < residuals.size(); ++w) {
    const auto& row = residuals[w];
    for (std::size_t i = 0; i < row.size(); ++i) {
      u.push_back(std::abs(row[i]) / std::sqrt(static_cast<double>(i + 1)));
    }
  }
  if (u.empty()) return 0.0;
  std::sort(u.begin(), u.end());
  const double rank = std::ceil((static_cast<double>(u.size()) + 1.0) * level);
  const double q =
      u[static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(u.size()))) - 1];
  return std::isfinite(q) ? q : 0.0;
}

void ApplyInterval(Forecast& f, double q, bool nonnegative) {
  const std::size_t h = f.point.size();
  f.lower.resize(h);
  f.upper.resize(h);
  for (std::size_t i = 0; i < h; ++i) {
    const double p = f.point[i];
    const double half = std::isfinite(q) ? q * std::sqrt(static_cast<double>(i + 1)) : 0.0;
    double lo = p - half, hi = p + half;
    if (!std::isfinite(lo) || !std::isfinite(hi)) lo = hi = p;
    if (nonnegative) lo = std::max(lo, 0.0);
    f.lower[i] = std::min(lo, p);
    f.upper[i] = std::max(hi, p);
  }
}

Result<Forecast> AutoForecastWith(Series history, const Options& options,
                                  const std::vector<Candidate>& extra,
                                  std::vector<std::vector<double>>* residuals_out) {
  std::vector<FieldError> errors;
  if (options.horizon < 1) errors.push_back({"horizon", "must be at least 1"});
  if (options.period < 1) errors.push_back({"period", "must be at least 1"});
  if (!(options.level > 0.0 && options.level < 1.0))
    errors.push_back({"level", "must be in (0, 1)"});
  if (history.empty()) errors.push_back({"history", "must have at least one value"});
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (!std::isfinite(history[i])) {
      errors.push_back({"history[" + std::to_string(i) + "]", "must be a finite number"});
      break;
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid forecast input");

  const int h = options.horizon;
  const int m = options.period;
  const std::size_t n = history.size();
  const std::size_t uh = static_cast<std::size_t>(h);
  Forecast out;
  out.level = options.level;
  const bool intermittent = LooksIntermittent(history);
  // Each backtest origin keeps at least this much history, so the candidates compared in the
  // backtest are the ones that fit the full history too.
  const std::size_t min_train = std::max<std::size_t>({10, 3 * static_cast<std::size_t>(m), uh});
  std::vector<Candidate> candidates;
  BacktestResult bt;
  if (n >= min_train + uh) {
    const std::size_t shortest =
        n - uh * std::min<std::size_t>(static_cast<std::size_t>(kMaxWindows), (n - min_train) / uh);
    candidates = CandidatesFor(shortest, m, intermittent);
    if (!intermittent) candidates.insert(candidates.end(), extra.begin(), extra.end());
    bt = Backtest(history, h, m, candidates, intermittent, min_train);
  }
  std::vector<double> point(uh, 0.0);
  if (bt.windows > 0) {
    out.method = bt.names[bt.best];
    const auto& members = bt.members[bt.best];
    for (std::size_t c : members) {
      std::vector<double> f = candidates[c].fn(history, h);
      if (!AllFinite(f) || f.size() != uh) {
        f = Naive(history, h);
        out.notes.push_back(candidates[c].name +
                            " failed on the full history: used Naive in its place");
      }
      for (std::size_t i = 0; i < uh; ++i) point[i] += f[i] / static_cast<double>(members.size());
    }
  } else {
    // Too short to backtest: the M4 benchmark that needs least.
    if (n >= 4) {
      point = Theta(history, h, m);
      out.method = "Theta";
    } else {
      point = Naive(history, h);
      out.method = "Naive";
    }
    out.notes.push_back("series of " + std::to_string(n) +
                        " values too short for a backtest with horizon " + std::to_string(h) +
                        " (needs " + std::to_string(min_train + uh) + "): used " + out.method +
                        " without selection");
  }
  if (intermittent)
    out.notes.push_back("intermittent demand (30 % or more zeros): Croston-type methods tried");

  // Conformal intervals: nonconformity |e| / sqrt(step) from the backtest residuals of the chosen
  // entry; without a backtest, one-step naive changes of the history.
  double q = 0.0;
  if (bt.windows > 0) {
    q = ConformalQuantile(bt.residuals, options.level, 0);
    if (residuals_out) *residuals_out = bt.residuals;
  } else {
    // Every one-step change counts as a step-1 residual.
    std::vector<std::vector<double>> changes(1);
    for (std::size_t t = 1; t < n; ++t) changes[0].push_back(history[t] - history[t - 1]);
    std::vector<std::vector<double>> as_step1;
    for (double v : changes[0]) as_step1.push_back({v});
    q = ConformalQuantile(as_step1, options.level, 0);
    out.notes.push_back("interval from one-step naive changes (no backtest residuals)");
  }
  const bool nonnegative =
      std::all_of(history.begin(), history.end(), [](double v) { return v >= 0.0; });
  out.point.resize(uh);
  for (std::size_t i = 0; i < uh; ++i) {
    const double p = std::isfinite(point[i]) ? point[i] : history.back();
    out.point[i] = nonnegative ? std::max(p, 0.0) : p;
  }
  ApplyInterval(out, q, nonnegative);
  return out;
}

}  // namespace signx::forecast
