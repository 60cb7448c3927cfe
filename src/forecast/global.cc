#include "forecast/global.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace signx::forecast {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

struct Layout {
  int m = 1, m2 = 0, recent = 12;
  int min_history = 0;
  int width() const { return recent + (m > 1 ? 6 : 0) + (m2 > 0 ? 3 : 0) + 4; }
};

Layout LayoutFor(int period) {
  Layout l;
  l.m = period;
  l.m2 = period == 24 ? 168 : 0;
  l.recent = std::clamp(period, 12, 52);
  l.min_history = std::max(l.recent, 2 * std::max(period, 1));
  return l;
}

// The recent level: mean of the last max(m, 8) values (of |y| when that mean is not positive).
double Level(std::span<const double> y, std::size_t t, int m) {
  const std::size_t w = std::min<std::size_t>(t, static_cast<std::size_t>(std::max(m, 8)));
  double s = 0.0, a = 0.0;
  for (std::size_t i = t - w; i < t; ++i) {
    s += y[i];
    a += std::abs(y[i]);
  }
  s /= static_cast<double>(w);
  a /= static_cast<double>(w);
  return s > 1e-9 ? s : a + 1e-9;
}

// Features of the target y[t - 1 + k] given y[0..t-1]; writes layout.width() floats.
void Features(std::span<const double> y, std::size_t t, int k, double level, const Layout& l,
              float* out) {
  auto at = [&](long long idx) -> float {
    if (idx < 0 || idx >= static_cast<long long>(t)) return kMissing;
    return static_cast<float>(y[static_cast<std::size_t>(idx)] / level);
  };
  const long long j = static_cast<long long>(t) - 1 + k;
  int f = 0;
  for (int i = 1; i <= l.recent; ++i) out[f++] = at(static_cast<long long>(t) - i);
  if (l.m > 1) {
    const long long c0 = (k + l.m - 1) / l.m;
    for (int c = 0; c < 6; ++c) out[f++] = at(j - l.m * (c0 + c));
  }
  if (l.m2 > 0) {
    const long long c0 = (k + l.m2 - 1) / l.m2;
    for (int c = 0; c < 3; ++c) out[f++] = at(j - l.m2 * (c0 + c));
  }
  const int block = l.m2 > 0 ? l.m2 : std::max(4 * l.m, 12);
  auto block_mean = [&](long long from, long long to) -> float {  // [from, to)
    if (from < 0) return kMissing;
    double s = 0.0;
    for (long long i = from; i < to; ++i) s += y[static_cast<std::size_t>(i)];
    return static_cast<float>(s / static_cast<double>(to - from) / level);
  };
  const long long tt = static_cast<long long>(t);
  out[f++] = block_mean(tt - block, tt);
  out[f++] = block_mean(tt - 2 * block, tt - block);
  out[f++] = static_cast<float>(k);
  out[f++] = static_cast<float>(std::log10(std::abs(level) + 1e-9));
}

std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Status Check(int rc, const char* what) {
  if (rc == 0) return Status::Ok();
  return Internal(std::string(what) + ": " + XGBGetLastError());
}

}  // namespace

GlobalModel::~GlobalModel() {
  if (booster_) XGBoosterFree(booster_);
}

Result<std::unique_ptr<GlobalModel>> GlobalModel::Train(std::span<const std::vector<double>> series,
                                                        const GlobalModelOptions& o) {
  const Layout l = LayoutFor(o.period);
  const int width = l.width();
  // Count usable (origin, step) pairs to choose a stride.
  std::size_t pairs = 0, usable = 0;
  for (const auto& y : series) {
    const long long end = static_cast<long long>(y.size()) - o.holdout;  // targets < end
    const long long first = l.min_history;
    if (end - first < o.horizon) continue;
    ++usable;
    pairs += static_cast<std::size_t>(end - first) * static_cast<std::size_t>(o.horizon);
  }
  if (usable < 10) return FailedPrecondition("global model: fewer than 10 series long enough");
  const double keep = std::min(
      1.0, static_cast<double>(o.max_rows) / static_cast<double>(std::max<std::size_t>(pairs, 1)));
  std::vector<float> x, label;
  x.reserve(static_cast<std::size_t>(o.max_rows + 1000) * static_cast<std::size_t>(width));
  std::vector<float> row(static_cast<std::size_t>(width));
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& y = series[s];
    const long long end = static_cast<long long>(y.size()) - o.holdout;
    for (long long t = l.min_history; t < end; ++t) {
      for (int k = 1; k <= o.horizon && t - 1 + k < end; ++k) {
        const std::uint64_t hsh =
            Mix((s << 40) ^ (static_cast<std::uint64_t>(t) << 8) ^ static_cast<std::uint64_t>(k));
        if (static_cast<double>(hsh >> 11) * 0x1.0p-53 >= keep) continue;
        const double level = Level(y, static_cast<std::size_t>(t), l.m);
        Features(y, static_cast<std::size_t>(t), k, level, l, row.data());
        const double target = y[static_cast<std::size_t>(t - 1 + k)] / level;
        if (!std::isfinite(target)) continue;
        x.insert(x.end(), row.begin(), row.end());
        label.push_back(static_cast<float>(target));
      }
    }
  }
  const std::size_t rows = label.size();
  if (rows < 100) return FailedPrecondition("global model: too few training rows");
  DMatrixHandle dm = nullptr;
  SIGNX_RETURN_IF_ERROR(
      Check(XGDMatrixCreateFromMat_omp(x.data(), rows, static_cast<bst_ulong>(width), kMissing, &dm,
                                       o.threads),
            "XGDMatrixCreateFromMat"));
  std::unique_ptr<GlobalModel> model(new GlobalModel());
  model->options_ = o;
  model->rows_ = rows;
  Status st =
      Check(XGDMatrixSetFloatInfo(dm, "label", label.data(), rows), "XGDMatrixSetFloatInfo");
  BoosterHandle b = nullptr;
  if (st.ok()) st = Check(XGBoosterCreate(&dm, 1, &b), "XGBoosterCreate");
  if (st.ok()) {
    model->booster_ = b;
    const std::pair<const char*, std::string> params[] = {{"objective", "reg:squarederror"},
                                                          {"tree_method", "hist"},
                                                          {"max_depth", "6"},
                                                          {"eta", "0.1"},
                                                          {"subsample", "0.8"},
                                                          {"colsample_bytree", "0.8"},
                                                          {"min_child_weight", "5"},
                                                          {"seed", "7"},
                                                          {"nthread", std::to_string(o.threads)},
                                                          {"verbosity", "0"}};
    for (const auto& [k, v] : params) {
      if (st.ok()) st = Check(XGBoosterSetParam(b, k, v.c_str()), "XGBoosterSetParam");
    }
  }
  for (int it = 0; st.ok() && it < o.rounds; ++it)
    st = Check(XGBoosterUpdateOneIter(b, it, dm), "XGBoosterUpdateOneIter");
  XGDMatrixFree(dm);
  if (!st.ok()) return st;
  // Prediction threads: one per call (the callers parallelise over series).
  if (Status p = Check(XGBoosterSetParam(b, "nthread", "1"), "XGBoosterSetParam"); !p.ok())
    return p;
  return model;
}

std::vector<double> GlobalModel::Forecast(std::span<const double> y, int h) const {
  const Layout l = LayoutFor(options_.period);
  if (h > options_.horizon || y.size() < static_cast<std::size_t>(l.recent)) return {};
  const int width = l.width();
  const double level = Level(y, y.size(), l.m);
  std::vector<float> x(static_cast<std::size_t>(h) * static_cast<std::size_t>(width));
  for (int k = 1; k <= h; ++k)
    Features(y, y.size(), k, level, l,
             x.data() + static_cast<std::size_t>(k - 1) * static_cast<std::size_t>(width));
  DMatrixHandle dm = nullptr;
  if (XGDMatrixCreateFromMat(x.data(), static_cast<bst_ulong>(h), static_cast<bst_ulong>(width),
                             kMissing, &dm) != 0)
    return {};
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  const char* config =
      R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";
  std::vector<double> f;
  if (XGBoosterPredictFromDMatrix(booster_, dm, config, &shape, &dim, &out) == 0) {
    f.resize(static_cast<std::size_t>(h));
    for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<double>(out[i]) * level;
  }
  XGDMatrixFree(dm);
  for (double v : f) {
    if (!std::isfinite(v)) return {};
  }
  return f;
}

}  // namespace signx::forecast
