// Engineering calculations per call, in process, one thread (bench/engineering.sh runs it):
//   WindEmbedmentFast     sign wind (Kz, qh, Cf, Cases A/B/C, ASD moment and torsion) + the IBC
//                         1807.3.2.1 embedment solved to 1e-9 ft: sign::SignWindFast (no trace)
//   WindEmbedmentTraced   the same with the full trace, assumptions and result object
//                         (sign::SignWindCalculation), what a cache miss of the route computes
//   SignWindAnswerJson    request JSON -> validation -> traced calculation -> response text:
//                         POST /v1/engineering/sign-wind's work on a cache miss, without HTTP
//   Embedment             the bisection of Eq. 18-1 alone
//   SupportLightest       AISC 360-16 checks over the section table, lightest passing section
// 64 different pylons and monuments (V 90..200 mph, B/s 0.5..12, s/h 0.2..1, all exposures,
// soil classes, both editions), cycled. Target (issue 16): wind + embedment >= 100,000/s.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "engineering/engineering.h"
#include "sign/foundation.h"
#include "sign/structure.h"
#include "sign/support.h"
#include "sign/wind.h"

namespace {

using signx::sign::Exposure;
using signx::sign::SignWindInput;
using signx::sign::WindCode;

const std::vector<SignWindInput>& Inputs() {
  static const auto* inputs = [] {
    auto* v = new std::vector<SignWindInput>;
    const Exposure exposures[] = {Exposure::kB, Exposure::kC, Exposure::kD};
    for (int i = 0; i < 64; ++i) {
      SignWindInput in;
      in.code = i % 5 == 0 ? WindCode::kAsce722 : WindCode::kAsce716;
      in.wind_speed_mph = 90.0 + (i * 37) % 111;
      in.exposure = exposures[i % 3];
      in.sign_height_ft = 3.0 + (i * 7) % 10;
      in.sign_width_ft = in.sign_height_ft * (0.5 + (i * 13) % 24 * 0.5);
      in.top_height_ft = in.sign_height_ft * (1.0 + (i * 11) % 5);
      in.soil_class = 1 + i % 5;
      in.footing_diameter_ft = 1.5 + (i % 4) * 0.5;
      in.isolated_pole = i % 2 == 0;
      v->push_back(in);
    }
    return v;
  }();
  return *inputs;
}

std::vector<std::string> Bodies() {
  std::vector<std::string> out;
  for (const SignWindInput& in : Inputs()) {
    out.push_back(boost::json::serialize(signx::sign::ToJson(in)));
  }
  return out;
}

void BM_WindEmbedmentFast(benchmark::State& state) {
  const auto& in = Inputs();
  size_t i = 0;
  for (auto _ : state) {
    auto n = signx::sign::SignWindFast(in[i++ & 63]);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindEmbedmentFast);

void BM_WindEmbedmentTraced(benchmark::State& state) {
  const auto& in = Inputs();
  size_t i = 0;
  for (auto _ : state) {
    auto c = signx::sign::SignWindCalculation(in[i++ & 63]);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindEmbedmentTraced);

void BM_SignWindAnswerJson(benchmark::State& state) {
  const std::vector<std::string> bodies = Bodies();
  size_t i = 0;
  for (auto _ : state) {
    const auto body = boost::json::parse(bodies[i++ & 63]).as_object();
    auto in = signx::sign::ParseSignWindInput(body);
    auto text = signx::engineering::AnswerText(signx::sign::SignWindCalculation(*in));
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignWindAnswerJson);

void BM_Embedment(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    const double p = 200.0 + (i++ & 63) * 50.0;
    benchmark::DoNotOptimize(signx::sign::NonconstrainedDepthFt(p, 12.0, 2.0, 150.0, 1.0));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Embedment);

void BM_SupportLightest(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    signx::sign::SupportInput in{.wind_force_lb = 500.0 + (i++ & 63) * 100.0,
                                 .load_height_ft = 15,
                                 .eccentricity_ft = 1.5,
                                 .pole_height_ft = 18};
    auto c = signx::sign::SupportCheck(in);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SupportLightest);

}  // namespace

BENCHMARK_MAIN();
