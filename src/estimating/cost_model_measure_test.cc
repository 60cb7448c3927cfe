// Measurements of the cost model run by hand (DISABLED_, so never in CI): CPU per answer on a
// trained bundle, and training / predict / HNSW recall on 20,000 generated projects.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "estimating/cost_model.h"
#include "estimating/cost_model_test.h"
#include "estimating/predict.h"
#include "ml/vector_index.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using cost_model_test::History;
using cost_model_test::RequestFor;

// In-process CPU per answer on a trained bundle, run by hand (A/B of predict changes):
//   SIGNX_COST_BUNDLE=cost.json SIGNX_COST_SPECS=specs.ndjson signx_estimating_test
//     --gtest_also_run_disabled_tests --gtest_filter='*MeasurePredictCpu*'
// Prints the thread CPU time per parse + predict + JSON answer, and how the similar jobs compare
// with a search of each type's 40 nearest by HNSW then reordered by mounting/foundation matches
// (the method before the exact scan).
TEST(CostModelMeasure, DISABLED_MeasurePredictCpu) {
  const char* bundle_path = std::getenv("SIGNX_COST_BUNDLE");
  const char* specs_path = std::getenv("SIGNX_COST_SPECS");
  if (!bundle_path || !specs_path) GTEST_SKIP() << "set SIGNX_COST_BUNDLE and SIGNX_COST_SPECS";
  std::ifstream bf(bundle_path);
  std::stringstream bs;
  bs << bf.rdbuf();
  auto bundle = ParseCostBundle(bs.str());
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto predictor = CostPredictor::Create(*bundle);
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  std::vector<json::object> bodies;
  std::ifstream sf(specs_path);
  for (std::string line; std::getline(sf, line);) {
    if (!line.empty()) bodies.push_back(json::parse(line).as_object());
  }
  ASSERT_FALSE(bodies.empty());
  auto cpu_us = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  const int passes = std::getenv("SIGNX_PASSES") ? std::atoi(std::getenv("SIGNX_PASSES")) : 5;
  std::size_t bytes = 0;
  std::vector<double> per_pass;
  for (int pass = 0; pass < passes; ++pass) {
    const double t0 = cpu_us();
    for (const auto& body : bodies) {
      auto req = ParseCostRequest(body);
      auto p = (*predictor)->Predict(*req);
      bytes += json::serialize(ToJson(*p)).size();
    }
    per_pass.push_back((cpu_us() - t0) / static_cast<double>(bodies.size()));
  }
  std::sort(per_pass.begin(), per_pass.end());
  std::printf(
      "predict CPU per answer (parse + predict + JSON, %zu specs x %d passes): min %.1f us, "
      "median %.1f us (%zu bytes)\n",
      bodies.size(), passes, per_pass.front(), per_pass[per_pass.size() / 2], bytes);

  // Similar jobs: the exact scan against the type's 40 nearest by HNSW, reordered by matches.
  const ReferenceJobs& ref = bundle->reference;
  const std::size_t dim = bundle->encoder.knn_dim();
  std::map<std::string, std::vector<std::size_t>> rows_of;
  for (std::size_t r = 0; r < ref.size(); ++r) rows_of[ref.sign_types[r]].push_back(r);
  std::map<std::string, std::unique_ptr<ml::VectorIndex>> index_of;
  for (const auto& [type, rows] : rows_of) {
    std::vector<float> v;
    for (std::size_t r : rows) {
      v.insert(v.end(), ref.vectors.begin() + static_cast<std::ptrdiff_t>(r * dim),
               ref.vectors.begin() + static_cast<std::ptrdiff_t>((r + 1) * dim));
    }
    index_of[type] = std::move(ml::VectorIndex::Build(v, dim)).value();
  }
  {
    std::vector<std::vector<float>> qs;
    std::vector<std::string> types;
    for (const auto& body : bodies) {
      auto req = ParseCostRequest(body);
      std::vector<float> q(dim);
      bundle->encoder.EncodeKnn(req->spec, req->context.region_index, q);
      qs.push_back(std::move(q));
      types.push_back(req->spec.sign_type ? std::string(Name(*req->spec.sign_type)) : "");
    }
    std::size_t sink = 0;
    double t0 = cpu_us();
    for (const auto& q : qs) sink += (*predictor)->index().Search(q, 10).size();
    const double global_us = (cpu_us() - t0) / static_cast<double>(qs.size());
    t0 = cpu_us();
    for (std::size_t i = 0; i < qs.size(); ++i) {
      if (!types[i].empty()) sink += index_of.at(types[i])->Search(qs[i], 40).size();
    }
    const double type_us = (cpu_us() - t0) / static_cast<double>(qs.size());
    t0 = cpu_us();
    double dsum = 0;
    for (std::size_t i = 0; i < qs.size(); ++i) {
      if (types[i].empty()) continue;
      for (std::size_t r : rows_of.at(types[i])) {
        dsum += (*predictor)->index().Distance(qs[i], {ref.vectors.data() + r * dim, dim});
      }
    }
    const double scan_us = (cpu_us() - t0) / static_cast<double>(qs.size());
    std::printf(
        "per query: global HNSW k=10 %.1f us, type HNSW k=40 %.1f us, full scan of the "
        "type %.1f us (dim %zu; %zu %g)\n",
        global_us, type_us, scan_us, dim, sink, dsum);
  }
  std::size_t same_lists = 0, typed = 0, old_in_exact = 0, full_match_gain = 0, exact_lists = 0;
  for (const auto& body : bodies) {
    auto req = ParseCostRequest(body);
    auto p = (*predictor)->Predict(*req);
    if (!req->spec.sign_type) continue;
    ++typed;
    const std::string type(Name(*req->spec.sign_type));
    const std::string mounting =
        req->spec.mounting_type ? std::string(Name(*req->spec.mounting_type)) : "";
    const std::string foundation =
        req->spec.foundation_type ? std::string(Name(*req->spec.foundation_type)) : "";
    std::vector<float> q(dim);
    bundle->encoder.EncodeKnn(req->spec, req->context.region_index, q);
    std::vector<std::pair<int, std::size_t>> old;  // (matches, row) in the old order
    for (const auto& nb : index_of.at(type)->Search(q, 40)) {
      const std::size_t r = rows_of.at(type)[nb.index];
      old.emplace_back((!mounting.empty() && ref.mounting_types[r] == mounting) +
                           (!foundation.empty() && ref.foundation_types[r] == foundation),
                       r);
    }
    std::stable_sort(old.begin(), old.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    old.resize(std::min<std::size_t>(old.size(), 5));
    bool same = old.size() == p->similar.size();
    int old_full = 0, new_full = 0;
    for (std::size_t k = 0; k < old.size(); ++k) {
      same = same && k < p->similar.size() && ref.ids[old[k].second] == p->similar[k].id;
      old_full += old[k].first == 2;
      for (const auto& s : p->similar) old_in_exact += s.id == ref.ids[old[k].second];
    }
    for (const auto& s : p->similar) {
      const auto r = static_cast<std::size_t>(std::find(ref.ids.begin(), ref.ids.end(), s.id) -
                                              ref.ids.begin());
      new_full +=
          (ref.mounting_types[r] == mounting) + (ref.foundation_types[r] == foundation) == 2;
    }
    same_lists += same;
    // The documented order by an exact scan of the whole type.
    std::vector<std::tuple<int, double, std::size_t>> exact;
    for (std::size_t r : rows_of.at(type)) {
      exact.emplace_back(-((!mounting.empty() && ref.mounting_types[r] == mounting) +
                           (!foundation.empty() && ref.foundation_types[r] == foundation)),
                         (*predictor)->index().Distance(q, {ref.vectors.data() + r * dim, dim}), r);
    }
    std::sort(exact.begin(), exact.end());
    bool is_exact = p->similar.size() == std::min<std::size_t>(5, exact.size());
    for (std::size_t k = 0; is_exact && k < p->similar.size(); ++k) {
      is_exact = p->similar[k].id == ref.ids[std::get<2>(exact[k])];
    }
    exact_lists += is_exact;
    full_match_gain += static_cast<std::size_t>(std::max(0, new_full - old_full));
  }
  std::printf(
      "similar jobs, %zu typed specs: identical lists %zu (%.1f%%); old jobs kept %.1f%%; "
      "jobs matching both mounting and foundation added: %zu\n",
      typed, same_lists, 100.0 * static_cast<double>(same_lists) / static_cast<double>(typed),
      100.0 * static_cast<double>(old_in_exact) / static_cast<double>(5 * typed), full_match_gain);
  std::printf(
      "similar jobs equal to an exact scan of the type in the documented order: %zu of %zu\n",
      exact_lists, typed);
}

// Measurement on 20,000 projects (seed 42), run by hand:
//   signx_estimating_test --gtest_also_run_disabled_tests --gtest_filter='*Measure20k*'
TEST(CostModelMeasure, DISABLED_Measure20k) {
  auto jobs = History(20000, 42);
  CostTrainOptions o;
  o.seed = 42;
  const auto t0 = std::chrono::steady_clock::now();
  auto b = TrainCostModel(jobs, o);
  const double train_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::printf("%s", CostCardSummary(b->card).c_str());
  std::printf("training wall time: %.2f s\n", train_s);
  const auto t1 = std::chrono::steady_clock::now();
  auto p = CostPredictor::Create(*b);
  ASSERT_TRUE(p.ok());
  std::printf("predictor load (parse-free, index build): %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
  std::vector<double> lat;
  for (std::size_t i = 17000; i < 20000; i += 3) {
    const auto s = std::chrono::steady_clock::now();
    auto r = (*p)->Predict(RequestFor(jobs[i]));
    const std::string text = json::serialize(ToJson(*r));
    lat.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count());
  }
  std::sort(lat.begin(), lat.end());
  std::printf(
      "predict latency (1 thread, full answer incl. SHAP + kNN + JSON): p50 %.0f us, "
      "p99 %.0f us over %zu calls\n",
      lat[lat.size() / 2], lat[lat.size() * 99 / 100], lat.size());
  std::printf("bundle size: %zu bytes\n", SerializeCostBundle(*b).size());

  // Recall@10 of the HNSW search (what the anomaly score and similar projects use) against a
  // brute-force search, and its time per query, by ef.
  const ReferenceJobs& ref = b->reference;
  const std::size_t dim = b->encoder.knn_dim();
  std::vector<std::vector<float>> queries;
  std::vector<std::vector<std::size_t>> truth;
  for (std::size_t i = 17000; i < 20000; i += 3) {
    std::vector<float> q(dim);
    b->encoder.EncodeKnn(jobs[i].spec, jobs[i].region_index, q);
    std::vector<std::pair<float, std::size_t>> all;
    all.reserve(ref.size());
    for (std::size_t r = 0; r < ref.size(); ++r) {
      float d2 = 0;
      for (std::size_t c = 0; c < dim; ++c) {
        const float e = ref.vectors[r * dim + c] - q[c];
        d2 += e * e;
      }
      all.emplace_back(d2, r);
    }
    std::partial_sort(all.begin(), all.begin() + 10, all.end());
    std::vector<std::size_t> top;
    for (std::size_t k = 0; k < 10; ++k) top.push_back(all[k].second);
    truth.push_back(std::move(top));
    queries.push_back(std::move(q));
  }
  for (std::size_t ef : {16u, 24u, 32u, 48u, 64u, 128u}) {
    auto index = ml::VectorIndex::Build(ref.vectors, dim, ef);
    ASSERT_TRUE(index.ok());
    std::size_t found = 0;
    double dist_gap = 0;
    const auto s = std::chrono::steady_clock::now();
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const auto nb = (*index)->Search(queries[qi], 10);
      for (const auto& n : nb) {
        found += std::count(truth[qi].begin(), truth[qi].end(), n.index) > 0 ? 1 : 0;
      }
      double mean = 0;
      for (const auto& n : nb) mean += n.distance;
      dist_gap += mean / 10;
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count() /
        queries.size();
    std::printf("ef %3zu: recall@10 %.4f, mean 10-NN distance %.5f, %.1f us/query\n", ef,
                static_cast<double>(found) / (10.0 * queries.size()), dist_gap / queries.size(),
                us);
  }
  std::printf("%s\n", json::serialize(b->card).c_str());
}

}  // namespace
}  // namespace signx::estimating
