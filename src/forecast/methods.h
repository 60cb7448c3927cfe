// The forecasting methods AutoForecast chooses among, each usable on its own.
//
// Every function takes a history y (oldest first, finite values, size n >= 1) and a horizon
// h >= 1 and returns h finite values. A method that needs more data than y has falls back to a
// simpler one (documented per function); AutoForecast only offers a method when y is long enough.
// Seasonal period m: position t of y (0-based) has seasonal phase t % m, the forecast step i
// (0-based) has phase (n + i) % m. Pure functions; safe to call concurrently.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace signx::forecast {

using Series = std::span<const double>;

// ----------------------------------------------------------------------------------------------
// Seasonality (the M4 benchmarks' rules)

// Sample autocorrelations r_1..r_max_lag (biased estimator, as R's acf); zeros when y is constant.
std::vector<double> Acf(Series y, int max_lag);

// M4's 90 % test: n >= 3m and |r_m| > 1.645/sqrt(n) * sqrt(1 + 2 * sum_{k<m} r_k^2). False for m
// <= 1.
bool IsSeasonal(Series y, int m);

// Seasonal indices of a classical decomposition with a centred moving-average trend, one per
// phase 0..m-1, normalised to mean 1 (multiplicative) or 0 (additive). Needs n >= m + 2*(m/2)
// (one full centred window); otherwise returns neutral indices.
std::vector<double> ClassicalIndices(Series y, int m, bool multiplicative);

// A seasonal adjustment: `index` is empty when there is none.
struct Seasonality {
  int m = 1;
  bool multiplicative = true;
  std::vector<double> index;  // size m, by phase
  bool active() const { return !index.empty(); }
};

// M4 rule: seasonal iff IsSeasonal(y, m); multiplicative when every value is > 0, else additive.
Seasonality DetectSeasonality(Series y, int m);
// y with the seasonality taken out (a copy when none).
std::vector<double> Deseasonalize(Series y, const Seasonality& s);
// Puts the seasonality back into a forecast that starts at time n.
void Reseasonalize(std::vector<double>& forecast, std::size_t n, const Seasonality& s);

// ----------------------------------------------------------------------------------------------
// Naive family

std::vector<double> Naive(Series y, int h);
// Last season repeated; Naive when n < m or m <= 1.
std::vector<double> SeasonalNaive(Series y, int h, int m);
// M4 Naive2: Naive on the seasonally adjusted series (DetectSeasonality), seasonality put back.
std::vector<double> Naive2(Series y, int h, int m);
// Mean of the last k seasons at each phase (k = min(k, n / m)); Naive when n < m.
std::vector<double> SeasonalMean(Series y, int h, int m, int k);

// ----------------------------------------------------------------------------------------------
// Exponential smoothing (additive errors; innovations state space form)

enum class Trend { kNone, kAdditive, kDamped };
enum class Season { kNone, kAdditive, kMultiplicative };

struct EtsModel {
  Trend trend = Trend::kNone;
  Season season = Season::kNone;
  int m = 1;
  double alpha = 0.5, beta = 0.0, gamma = 0.0, phi = 1.0;
  // Final states after filtering the history.
  double level = 0.0, slope = 0.0;
  std::vector<double> seasonal;  // size m, by phase
  std::size_t n = 0;             // history length (phase of the first forecast is n % m)
  double sse = 0.0;
  double aicc = 0.0;
  std::string Name() const;  // "ETS(A,Ad,M)"
};

// Fits by least squares. Non-seasonal: the initial level (and slope) in closed form, alpha by
// golden section (SES) or alpha, beta, phi by Nelder-Mead (Holt, damped). Seasonal: Nelder-Mead
// over the smoothing parameters; initial level and slope from the first two seasons, initial
// seasonal states from ClassicalIndices. Bounds (reparametrised): 0 < beta < alpha < 1, 0 < gamma <
// 1 - alpha, 0.8 <= phi <= 0.98. Seasonal models need n >= 2m and m >= 2; a multiplicative season
// needs y > 0. The caller checks (AutoEts does).
EtsModel FitEts(Series y, Trend trend, Season season, int m);
std::vector<double> ForecastEts(const EtsModel& model, int h);

// SES, Holt and damped trend on y as it is (no seasonal adjustment).
std::vector<double> Ses(Series y, int h);
std::vector<double> Holt(Series y, int h);
std::vector<double> Damped(Series y, int h);

// ETS with automatic model selection by AICc among ANN, AAN, AAdN and, when 2 <= m and n >= 2m,
// ANA, AAdA (and ANM, AAdM for positive y). `chosen` (optional) receives the model name.
// `selected` (optional) receives the chosen model (its trend and season say the form).
std::vector<double> AutoEts(Series y, int h, int m, std::string* chosen = nullptr,
                            EtsModel* selected = nullptr);
// One ETS form refitted on y (as chosen before by AutoEts on a related history); AutoEts when the
// form does not fit y (too short for the season, or a multiplicative season with y <= 0).
std::vector<double> EtsForm(Series y, int h, int m, Trend trend, Season season);

// ----------------------------------------------------------------------------------------------
// Theta

// The M4 Theta benchmark: seasonal adjustment by the M4 rule, then the average of the linear
// trend (theta = 0) and SES on the theta = 2 line, seasonality put back. n < 3 → Naive2.
std::vector<double> Theta(Series y, int h, int m);
// Optimised Theta (Fiorucci et al.): theta in [1, 4] chosen by in-sample one-step MSE; forecast
// (1 - 1/theta) * trend + (1/theta) * SES(theta line). n < 3 → Naive2.
std::vector<double> OptimisedTheta(Series y, int h, int m);

// ----------------------------------------------------------------------------------------------
// Intermittent demand (y >= 0 with many zeros); alpha (and beta for TSB) = 0.1. No demand yet → 0.

enum class Intermittent { kCroston, kSba, kTsb };
std::vector<double> CrostonFamily(Series y, int h, Intermittent variant, double alpha = 0.1,
                                  double beta = 0.1);

// ----------------------------------------------------------------------------------------------
// Multiple-seasonal decomposition (hourly data: periods 24 and 168)

// Log-transforms positive data, removes each period's seasonal component in turn (classical
// additive decomposition on what the previous periods left, from the last `cycles` cycles of each
// period), forecasts the adjusted series with `inner` ("ses", "damped" or "theta") and puts the
// seasonal components back. Periods that do not fit twice into y are skipped (all skipped → the
// inner method alone).
std::vector<double> MultiSeasonal(Series y, int h, std::span<const int> periods,
                                  const std::string& inner, int cycles = 8);

}  // namespace signx::forecast
