// Lead scoring per lead, in process, with the production code path (leads::Scorer::ScoreJson:
// validation, encoding, prediction and, with reasons, exact TreeSHAP over every tree) on a real
// model bundle. Leads are the reference service's 100 example leads, cycled.
// The *Batch100 benchmarks time the steps POST /v1/leads/score/batch takes outside the model on
// the whole 100-lead body (items = leads, so items_per_second gives the per-lead cost): parsing
// the body, validating its leads, the lake rows' feature text, the display values and rendering
// the scores.
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

#include "http/json.h"
#include "http/request.h"
#include "leads/bundle.h"
#include "leads/lake_rows.h"
#include "leads/lead.h"
#include "leads/scorer.h"

namespace {
using signx::leads::Scorer;

struct Fixture {
  std::unique_ptr<Scorer> scorer;
  boost::json::array leads;
  std::string batch_text;                       // the body as sent
  std::vector<signx::leads::LeadScore> scores;  // the 100 leads' scores with reasons

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
    batch_text = text.str();
    leads = boost::json::parse(batch_text).as_object().at("leads").as_array();
    for (const auto& lead : leads) {
      auto score = scorer->ScoreJson(lead.as_object(), {});
      if (!score.ok()) {
        std::fprintf(stderr, "%s\n", score.status().ToString().c_str());
        std::exit(1);
      }
      scores.push_back(std::move(score).value());
    }
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

signx::http::Request BatchRequest() {
  signx::http::Request req;
  req.method = "POST";
  req.headers.Add("Content-Type", "application/json");
  req.body = F().batch_text;
  return req;
}

// The whole batch body parsed as the scoring routes parse it (http::ParseJsonObjectInArena),
// and freed.
void BM_ParseBatch100(benchmark::State& state) {
  const signx::http::Request req = BatchRequest();
  for (auto _ : state) {
    auto body = signx::http::ParseJsonObjectInArena(req);
    if (!body.ok()) state.SkipWithError(body.status().ToString().c_str());
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(F().leads.size()));
}
BENCHMARK(BM_ParseBatch100)->Unit(benchmark::kMicrosecond);

// leads::LeadFromJson of every lead of the parsed body.
void BM_ValidateBatch100(benchmark::State& state) {
  const Fixture& f = F();
  const auto& schema = f.scorer->bundle().schema;
  for (auto _ : state) {
    for (const auto& lead : f.leads) {
      auto parsed = signx::leads::LeadFromJson(schema, lead.as_object());
      if (!parsed.ok()) state.SkipWithError(parsed.status().ToString().c_str());
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(f.leads.size()));
}
BENCHMARK(BM_ValidateBatch100)->Unit(benchmark::kMicrosecond);

// Both: the body from bytes to validated leads, as the batch route does before it scores.
void BM_ParseAndValidateBatch100(benchmark::State& state) {
  const Fixture& f = F();
  const auto& schema = f.scorer->bundle().schema;
  const signx::http::Request req = BatchRequest();
  for (auto _ : state) {
    auto body = signx::http::ParseJsonObjectInArena(req);
    if (!body.ok()) {
      state.SkipWithError(body.status().ToString().c_str());
      break;
    }
    std::vector<signx::leads::Lead> parsed;
    parsed.reserve(f.leads.size());
    for (const auto& lead : body->object.at("leads").as_array()) {
      auto one = signx::leads::LeadFromJson(schema, lead.as_object());
      if (!one.ok()) state.SkipWithError(one.status().ToString().c_str());
      parsed.push_back(std::move(one).value());
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(f.leads.size()));
}
BENCHMARK(BM_ParseAndValidateBatch100)->Unit(benchmark::kMicrosecond);

// The lake rows' feature text: each lead's own bytes, minified (leads::MinifiedArrayElements,
// as LeadsService::ScoreBatch takes them).
void BM_LakeFeaturesBatch100(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    auto texts = signx::leads::MinifiedArrayElements(f.batch_text, "leads");
    if (!texts || texts->size() != f.leads.size()) {
      state.SkipWithError("MinifiedArrayElements");
      break;
    }
    benchmark::DoNotOptimize(texts);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(f.leads.size()));
}
BENCHMARK(BM_LakeFeaturesBatch100)->Unit(benchmark::kMicrosecond);

// The lake rows of the 100 scored leads (LeadScoreLakeRow with each lead's feature text).
void BM_LakeRowsBatch100(benchmark::State& state) {
  const Fixture& f = F();
  const auto texts = signx::leads::MinifiedArrayElements(f.batch_text, "leads");
  const signx::Timestamp now = signx::SystemClock::Get().Now();
  for (auto _ : state) {
    for (std::size_t i = 0; i < f.scores.size(); ++i) {
      std::string features = (*texts)[i];  // ScoreBatch moves its own copy in
      auto row = signx::leads::LeadScoreLakeRow(now, "req-1", f.scores[i], std::move(features));
      benchmark::DoNotOptimize(row);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(f.scores.size()));
}
BENCHMARK(BM_LakeRowsBatch100)->Unit(benchmark::kMicrosecond);

// The single-lead route's feature text: the body (bench/lead.json is indented) minified.
void BM_LakeFeaturesOneIndentedLead(benchmark::State& state) {
  const Fixture& f = F();
  std::string text = "{\n";
  for (const auto& [key, value] : f.leads[0].as_object()) {
    if (text.size() > 2) text += ",\n";
    text += "  " + boost::json::serialize(boost::json::value(key)) + ": " +
            boost::json::serialize(value);
  }
  text += "\n}";
  for (auto _ : state) {
    std::string features = signx::leads::MinifiedJson(text);
    benchmark::DoNotOptimize(features);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LakeFeaturesOneIndentedLead)->Unit(benchmark::kMicrosecond);

// The display values the score log keeps of each lead.
void BM_DisplayValuesBatch100(benchmark::State& state) {
  const Fixture& f = F();
  const auto& schema = f.scorer->bundle().schema;
  for (auto _ : state) {
    for (const auto& lead : f.leads) {
      auto shown = signx::leads::DisplayValues(schema, lead.as_object());
      benchmark::DoNotOptimize(shown);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(f.leads.size()));
}
BENCHMARK(BM_DisplayValuesBatch100)->Unit(benchmark::kMicrosecond);

// The answer's text: AppendScoreJson of the 100 scores (with reasons).
void BM_RenderScoresBatch100(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    std::string out;
    out.reserve(f.scores.size() * 800);
    for (const auto& s : f.scores) signx::leads::AppendScoreJson(out, s);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(f.scores.size()));
}
BENCHMARK(BM_RenderScoresBatch100)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
