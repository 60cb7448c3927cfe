// Lead scoring per lead, in process, with the production code path (leads::Scorer::ScoreJson:
// validation, encoding, prediction and, with reasons, exact TreeSHAP over every tree) on a real
// model bundle. Leads are the reference service's 100 example leads, cycled.
// Usage: bench/lead_scoring.sh (trains the model and sets the two variables below):
//   SIGNX_BENCH_LEADS_MODEL  bundle written by `signx train leads --out`
//   SIGNX_BENCH_LEADS_BATCH  JSON {"leads": [...]}
//   (../shared/peers/leadscore-fastapi/example-batch-100.json)
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "leads/bundle.h"
#include "leads/scorer.h"

namespace {
using signx::leads::Scorer;

struct Fixture {
  std::unique_ptr<Scorer> scorer;
  boost::json::array leads;

  Fixture() {
    const char* model = std::getenv("SIGNX_BENCH_LEADS_MODEL");
    const char* batch = std::getenv("SIGNX_BENCH_LEADS_BATCH");
    if (model == nullptr || batch == nullptr) {
      std::fprintf(stderr,
                   "set SIGNX_BENCH_LEADS_MODEL and SIGNX_BENCH_LEADS_BATCH "
                   "(bench/lead_scoring.sh does)\n");
      std::exit(2);
    }
    auto bundle = signx::leads::LoadBundleFile(model);
    if (!bundle.ok()) {
      std::fprintf(stderr, "%s\n", bundle.status().ToString().c_str());
      std::exit(1);
    }
    auto s = Scorer::Create(std::move(bundle).value());
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
      std::exit(1);
    }
    scorer = std::make_unique<Scorer>(std::move(s).value());
    std::ifstream in(batch);
    std::stringstream text;
    text << in.rdbuf();
    leads = boost::json::parse(text.str()).as_object().at("leads").as_array();
  }
};

const Fixture& F() {
  static const Fixture* f = new Fixture;  // never destroyed (XGBoost statics)
  return *f;
}

void ScoreOne(benchmark::State& state, bool explain) {
  const Fixture& f = F();
  signx::leads::ScoreOptions options;
  options.explain = explain;
  std::size_t i = 0;
  for (auto _ : state) {
    auto score = f.scorer->ScoreJson(f.leads[i++ % f.leads.size()].as_object(), options);
    if (!score.ok()) state.SkipWithError(score.status().ToString().c_str());
    benchmark::DoNotOptimize(score);
  }
}
void BM_ScoreOneLeadWithReasons(benchmark::State& state) { ScoreOne(state, true); }
void BM_ScoreOneLeadWithoutReasons(benchmark::State& state) { ScoreOne(state, false); }
BENCHMARK(BM_ScoreOneLeadWithReasons)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreOneLeadWithoutReasons)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
