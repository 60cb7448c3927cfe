// Exact SHAP contributions and plain prediction per row for a model the size of the reference
// service's (XGBClassifier 300 trees, depth 6, learning rate 0.1, subsample/colsample 0.9) on
// synthetic data shaped like the encoded X Education leads (194 columns: 8 numeric with missing
// values, the rest one-hot groups). Compares XGBoost 1.7 (pred_contribs through a one-row
// DMatrix; predict through a one-row DMatrix and through inplace prediction) with
// ml::TreeEnsemble (ml/tree_shap.h: Algorithm 2 and Fast TreeSHAP v2, and its plain margin).
// Rows are cycled from 1,000 held-out rows. Usage: bench/ml.sh.
#include <benchmark/benchmark.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ml/tree_shap.h"
#include "ml/xgboost.h"

namespace {
using signx::ml::Booster;
using signx::ml::DMatrix;
using signx::ml::TreeEnsemble;

constexpr std::size_t kCols = 194;
constexpr std::size_t kNumeric = 8;
constexpr std::size_t kGroup = 31;  // one-hot groups of 31 columns after the numeric ones

struct Data {
  std::vector<float> x, y;
  std::size_t rows = 0;
};

Data Make(std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> n(0, 1);
  Data d;
  d.rows = rows;
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<float> x(kCols, 0.0f);
    float z = 0;
    for (std::size_t c = 0; c < kNumeric; ++c) {
      x[c] = std::exp(n(rng));
      z += (c % 3 == 0 ? 0.5f : -0.2f) * std::log(x[c]);
      if (u(rng) < 0.1f) x[c] = std::nanf("");
    }
    for (std::size_t g = kNumeric, k = 0; g < kCols; g += kGroup, ++k) {
      const std::size_t width = std::min(kGroup, kCols - g);
      // Skewed category choice: a few categories carry most rows, as in CRM exports.
      const auto pick = static_cast<std::size_t>(std::pow(u(rng), 3.0f) * static_cast<float>(width));
      x[g + pick] = 1.0f;
      z += (pick % 4 == 0 ? 0.8f : -0.3f) * (k % 2 ? 1.0f : 0.5f);
    }
    d.x.insert(d.x.end(), x.begin(), x.end());
    d.y.push_back(z + n(rng) > 0.3f ? 1.0f : 0.0f);
  }
  return d;
}

struct Fixture {
  Data test;
  std::unique_ptr<Booster> booster;
  std::unique_ptr<TreeEnsemble> trees;
  BoosterHandle raw = nullptr;  // same model through the C API, for inplace prediction

  Fixture() {
    const Data train = Make(7389, 1);
    test = Make(1000, 2);
    auto m = DMatrix::FromDense(train.x, train.rows, kCols);
    if (!m.ok() || !m->SetLabels(train.y).ok()) std::abort();
    signx::ml::TrainOptions o;
    o.params = {{"objective", "binary:logistic"}, {"max_depth", "6"}, {"eta", "0.1"},
                {"subsample", "0.9"}, {"colsample_bytree", "0.9"}, {"tree_method", "hist"}};
    o.num_rounds = 300;
    o.nthread = 2;
    auto b = Booster::Train(*m, nullptr, o);
    if (!b.ok()) std::abort();
    if (!b->SetParam("nthread", "1").ok()) std::abort();
    booster = std::make_unique<Booster>(std::move(b).value());
    auto t = TreeEnsemble::FromBooster(*booster);
    if (!t.ok()) {
      std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
      std::abort();
    }
    trees = std::make_unique<TreeEnsemble>(std::move(t).value());
    std::fprintf(stderr, "model: %zu trees, %zu features, precomputed tables %.1f MB\n",
                 trees->num_trees(), trees->num_features(),
                 static_cast<double>(trees->precomputed_bytes()) / 1e6);
    const std::string bytes = booster->SaveRaw().value();
    XGBoosterCreate(nullptr, 0, &raw);
    XGBoosterLoadModelFromBuffer(raw, bytes.data(), bytes.size());
    XGBoosterSetParam(raw, "nthread", "1");
  }
  std::span<const float> Row(std::size_t i) const {
    return {test.x.data() + (i % test.rows) * kCols, kCols};
  }
};

const Fixture& F() {
  // Never destroyed: XGBoost's own statics may be gone by the time ours would be.
  static const Fixture* f = new Fixture;
  return *f;
}

void BM_XGBoostContribsOneRow(benchmark::State& state) {
  const Fixture& f = F();
  std::size_t i = 0;
  for (auto _ : state) {
    auto m = DMatrix::FromDense(f.Row(i++), 1, kCols);
    auto c = f.booster->PredictContribs(*m);
    benchmark::DoNotOptimize(c->data());
  }
}
BENCHMARK(BM_XGBoostContribsOneRow)->Unit(benchmark::kMicrosecond);

void BM_TreeShapPolynomial(benchmark::State& state) {
  const Fixture& f = F();
  std::vector<double> out(kCols + 1);
  std::size_t i = 0;
  for (auto _ : state) {
    f.trees->Contributions(f.Row(i++), out, TreeEnsemble::Algorithm::kPolynomial);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_TreeShapPolynomial)->Unit(benchmark::kMicrosecond);

void BM_TreeShapPrecomputed(benchmark::State& state) {
  const Fixture& f = F();
  std::vector<double> out(kCols + 1);
  std::size_t i = 0;
  for (auto _ : state) {
    f.trees->Contributions(f.Row(i++), out, TreeEnsemble::Algorithm::kPrecomputed);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_TreeShapPrecomputed)->Unit(benchmark::kMicrosecond);

void BM_XGBoostPredictOneRowDMatrix(benchmark::State& state) {
  const Fixture& f = F();
  std::size_t i = 0;
  for (auto _ : state) {
    auto m = DMatrix::FromDense(f.Row(i++), 1, kCols);
    auto p = f.booster->Predict(*m);
    benchmark::DoNotOptimize(p->data());
  }
}
BENCHMARK(BM_XGBoostPredictOneRowDMatrix)->Unit(benchmark::kMicrosecond);

void BM_XGBoostPredictOneRowInplace(benchmark::State& state) {
  const Fixture& f = F();
  std::size_t i = 0;
  const char* config =
      R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"missing":NaN,"cache_id":0})";
  for (auto _ : state) {
    const auto row = f.Row(i++);
    const std::string iface = fmt::format(
        R"({{"data":[{},false],"shape":[1,{}],"typestr":"<f4","version":3}})",
        reinterpret_cast<std::uintptr_t>(row.data()), kCols);
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* out = nullptr;
    if (XGBoosterPredictFromDense(f.raw, iface.c_str(), config, nullptr, &shape, &dim, &out) != 0) {
      state.SkipWithError(XGBGetLastError());
      break;
    }
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_XGBoostPredictOneRowInplace)->Unit(benchmark::kMicrosecond);

void BM_TreeEnsembleMarginOneRow(benchmark::State& state) {
  const Fixture& f = F();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.trees->PredictMargin(f.Row(i++)));
}
BENCHMARK(BM_TreeEnsembleMarginOneRow)->Unit(benchmark::kMicrosecond);

void BM_XGBoostPredictBatch1000(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    auto m = DMatrix::FromDense(f.test.x, f.test.rows, kCols);
    auto p = f.booster->Predict(*m);
    benchmark::DoNotOptimize(p->data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.test.rows));
}
BENCHMARK(BM_XGBoostPredictBatch1000)->Unit(benchmark::kMillisecond);

void BM_TreeEnsembleMarginBatch1000(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    double s = 0;
    for (std::size_t r = 0; r < f.test.rows; ++r) s += f.trees->PredictMargin(f.Row(r));
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.test.rows));
}
BENCHMARK(BM_TreeEnsembleMarginBatch1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
