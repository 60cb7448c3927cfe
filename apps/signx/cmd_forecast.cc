#include "cmd_forecast.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "forecast/batch.h"
#include "forecast/evaluation.h"
#include "forecast/forecast.h"
#include "forecast/m4.h"
#include "forecast/methods.h"
#include "forecast/metrics.h"

namespace signx {
namespace {

namespace fc = forecast;

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read '{}'", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::vector<fc::NamedSeries>> LoadSeries(const std::filesystem::path& path) {
  SIGNX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto rows = fc::ParseM4Csv(text);
  if (!rows.ok()) return rows.status().WithContext(path.string());
  return rows;
}

std::string Fmt3(double v) { return fmt::format("{:.3f}", v); }

// ------------------------------------------------------------------------------ bench m4

struct BenchM4Flags {
  std::string freq;
  std::string data;
  std::vector<std::string> methods;
  int threads = 2;
  double level = 0.8;
  int limit = 0;
  bool holdout = false;
};

struct Published {
  std::string method;
  double smape, mase, owa;
};

Result<std::vector<Published>> LoadPublished(const std::filesystem::path& path,
                                             const std::string& freq) {
  SIGNX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream hs(line);
    std::string cell;
    while (std::getline(hs, cell, ',')) header.push_back(cell);
  }
  auto col = [&](const std::string& name) -> int {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  const int cs = col("smape_" + freq), cm = col("mase_" + freq), co = col("owa_" + freq);
  if (cs < 0 || cm < 0 || co < 0)
    return InvalidArgument(fmt::format("{}: no columns for {}", path.string(), freq));
  std::vector<Published> out;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (static_cast<int>(cells.size()) <= std::max({cs, cm, co})) continue;
    try {
      out.push_back({cells[0], std::stod(cells[static_cast<std::size_t>(cs)]),
                     std::stod(cells[static_cast<std::size_t>(cm)]),
                     std::stod(cells[static_cast<std::size_t>(co)])});
    } catch (const std::exception&) {
      continue;  // a method without a score for this frequency
    }
  }
  return out;
}

Status RunBenchM4(const BenchM4Flags& f) {
  const std::filesystem::path dir(f.data);
  SIGNX_ASSIGN_OR_RETURN(fc::M4Frequency freq, fc::M4FrequencyFor(f.freq));
  std::string lower = freq.name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto published = LoadPublished(dir / "published-point-forecasts.csv", lower);
  SIGNX_ASSIGN_OR_RETURN(std::vector<fc::NamedSeries> test,
                         LoadSeries(dir / (freq.name + "-test.csv")));
  const auto train_path = dir / (freq.name + "-train.csv");
  std::printf("M4 %s: %zu test series, horizon %d, MASE/Naive2 m = %d\n", freq.name.c_str(),
              test.size(), freq.horizon, freq.mase_period);
  if (!std::filesystem::exists(train_path)) {
    // Daily: only the official benchmark forecasts can be scored, on sMAPE (the MASE scale and
    // every forecast of our own need the train series).
    std::printf("%s is missing: SignX cannot forecast without the history, and MASE/OWA need it.\n",
                train_path.string().c_str());
    std::printf(
        "Scored instead: the official benchmark forecasts in point-forecasts/, sMAPE only.\n\n");
    std::map<std::string, std::vector<double>> n2;
    std::printf("%-28s %8s %8s %8s\n", "method", "sMAPE", "MASE", "OWA");
    double n2_smape = 0.0;
    for (const char* name : {"Naive2", "Naive", "sNaive", "SES"}) {
      const auto path = dir / "point-forecasts" / fmt::format("submission-{}.csv", name);
      auto rows = LoadSeries(path);
      if (!rows.ok()) {
        std::printf("%-28s %s\n", name, std::string(rows.status().message()).c_str());
        continue;
      }
      std::map<std::string, const std::vector<double>*> by_id;
      for (const auto& r : *rows) by_id[r.id] = &r.values;
      fc::AccuracyAccumulator acc;
      for (const auto& t : test) {
        const auto it = by_id.find(t.id);
        if (it == by_id.end() || it->second->size() < static_cast<std::size_t>(freq.horizon)) {
          return InvalidArgument(
              fmt::format("{}: no {} forecasts for {}", path.string(), freq.horizon, t.id));
        }
        acc.Add(
            std::span<const double>(t.values).subspan(0, static_cast<std::size_t>(freq.horizon)),
            std::span<const double>(*it->second).subspan(0, static_cast<std::size_t>(freq.horizon)),
            0.0);
      }
      if (std::string(name) == "Naive2") n2_smape = acc.smape();
      std::printf("%-28s %8s %8s %8s  (sMAPE/sMAPE_Naive2 = %.3f)\n",
                  (std::string(name) + " (official)").c_str(), Fmt3(acc.smape()).c_str(), "n/a",
                  "n/a", n2_smape > 0 ? acc.smape() / n2_smape : 0.0);
    }
    if (published.ok()) {
      std::printf("\npublished (sMAPE / MASE / OWA):\n");
      for (const auto& p : *published) {
        if (p.method == "Naive2" || p.method == "SES" || p.method == "Theta" ||
            p.method.rfind("118", 0) == 0 || p.method.rfind("237", 0) == 0) {
          std::printf("%-28s %8s %8s %8s\n", p.method.c_str(), Fmt3(p.smape).c_str(),
                      Fmt3(p.mase).c_str(), Fmt3(p.owa).c_str());
        }
      }
    }
    return Status::Ok();
  }
  SIGNX_ASSIGN_OR_RETURN(std::vector<fc::NamedSeries> train, LoadSeries(train_path));
  if (f.limit > 0 && static_cast<std::size_t>(f.limit) < train.size()) {
    train.resize(static_cast<std::size_t>(f.limit));
    test.resize(static_cast<std::size_t>(f.limit));
    std::printf("only the first %d series (--limit)\n", f.limit);
  }
  if (f.holdout) {
    // Validation without the test file: the last horizon values of each train series are held out.
    for (std::size_t i = 0; i < train.size(); ++i) {
      auto& v = train[i].values;
      const std::size_t h = static_cast<std::size_t>(freq.horizon);
      if (v.size() <= h + static_cast<std::size_t>(freq.mase_period)) {
        return InvalidArgument(fmt::format("--holdout: train series {} is too short", train[i].id));
      }
      test[i].id = train[i].id;
      test[i].values.assign(v.end() - static_cast<std::ptrdiff_t>(h), v.end());
      v.resize(v.size() - h);
    }
    std::printf(
        "--holdout: scored on the last %d values of each TRAIN series (the test file is not "
        "used)\n",
        freq.horizon);
    published = InvalidArgument("not comparable with --holdout");
  }
  fc::EvaluationOptions o;
  o.horizon = freq.horizon;
  o.mase_period = freq.mase_period;
  // The methods see the calendar's period: 24 hours, 52 weeks a year, 7 days a week.
  o.model_period = freq.name == "Hourly"   ? 24
                   : freq.name == "Weekly" ? 52
                   : freq.name == "Daily"  ? 7
                                           : freq.mase_period;
  o.level = f.level;
  o.threads = f.threads;
  o.methods = f.methods;
  if (o.methods.empty()) {
    o.methods = {"Naive2", "sNaive", "SES", "Damped", "Theta", "OTM", "ETS", "SignX"};
    if (freq.name == "Hourly") {
      o.methods.insert(o.methods.end() - 1, {"MSD-SES", "MSD-Theta", "sMean168"});
    }
  }
  std::printf("models see period %d; %d threads\n", o.model_period, o.threads);
  if (o.model_period != o.mase_period) {
    std::printf(
        "(the rows below are SignX's methods with period %d; OWA is relative to the M4 Naive2 with "
        "m = %d)\n",
        o.model_period, o.mase_period);
  }
  std::printf("\n");
  SIGNX_ASSIGN_OR_RETURN(std::vector<fc::MethodScore> scores, fc::Evaluate(train, test, o));
  std::printf("%-28s %8s %8s %8s %9s %9s  %s\n", "SignX method", "sMAPE", "MASE", "OWA", "wall",
              "cpu", "interval coverage");
  for (const auto& s : scores) {
    std::string cov =
        s.coverage >= 0 ? fmt::format("{:.1f} % at level {:.0f} %", 100 * s.coverage, 100 * f.level)
                        : "";
    std::printf("%-28s %8s %8s %8s %8.2fs %8.2fs  %s\n", s.method.c_str(), Fmt3(s.smape).c_str(),
                Fmt3(s.mase).c_str(), Fmt3(s.owa).c_str(), s.seconds, s.cpu_seconds, cov.c_str());
  }
  for (const auto& s : scores) {
    for (const auto& note : s.notes) std::printf("%s: %s\n", s.method.c_str(), note.c_str());
    if (s.chosen.empty()) continue;
    std::vector<std::pair<int, std::string>> by_count;
    for (const auto& [m, c] : s.chosen) by_count.emplace_back(c, m);
    std::sort(by_count.rbegin(), by_count.rend());
    std::printf("\n%s chose (series): ", s.method.c_str());
    for (std::size_t i = 0; i < by_count.size() && i < 12; ++i) {
      std::printf("%s%s %d", i ? ", " : "", by_count[i].second.c_str(), by_count[i].first);
    }
    if (by_count.size() > 12) std::printf(", ... (%zu distinct)", by_count.size());
    std::printf("\n");
  }
  if (published.ok()) {
    std::sort(published->begin(), published->end(),
              [](const Published& a, const Published& b) { return a.owa < b.owa; });
    std::printf(
        "\npublished M4 %s (published-point-forecasts.csv), best first; SignX rows marked *:\n",
        freq.name.c_str());
    std::printf("%-4s %-40s %8s %8s %8s\n", "rank", "method", "sMAPE", "MASE", "OWA");
    std::vector<const fc::MethodScore*> ours;
    for (const auto& s : scores) {
      if (s.method == "SignX" || s.method == "SignX-local") ours.push_back(&s);
    }
    std::size_t rank = 1;
    std::size_t shown = 0;
    bool printed_ours = false;
    for (const auto& p : *published) {
      for (const auto* s : ours) {
        if (!printed_ours && s->owa <= p.owa) {
          std::printf("%-4zu %-40s %8s %8s %8s  *\n", rank, "SignX (AutoForecast)",
                      Fmt3(s->smape).c_str(), Fmt3(s->mase).c_str(), Fmt3(s->owa).c_str());
          printed_ours = true;
        }
      }
      const bool key = shown < 12 || p.method == "Naive2" || p.method == "Theta" ||
                       p.method == "SES" || p.method == "Damped" || p.method == "sNaive";
      if (key) {
        std::printf("%-4zu %-40s %8s %8s %8s\n", rank, p.method.c_str(), Fmt3(p.smape).c_str(),
                    Fmt3(p.mase).c_str(), Fmt3(p.owa).c_str());
        ++shown;
      }
      ++rank;
    }
    if (!printed_ours && !ours.empty()) {
      std::printf("%-4zu %-40s %8s %8s %8s  *\n", rank, "SignX (AutoForecast)",
                  Fmt3(ours[0]->smape).c_str(), Fmt3(ours[0]->mase).c_str(),
                  Fmt3(ours[0]->owa).c_str());
    }
  } else {
    std::printf("\n(published table not read: %s)\n",
                std::string(published.status().message()).c_str());
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------ forecast

struct ForecastFlags {
  std::string data;
  int horizon = 0;
  int period = 1;
  int mase_period = -1;
  std::string test;
  std::string out;
  std::string intervals;
  double level = 0.8;
  int threads = 2;
};

Status RunForecast(const ForecastFlags& f) {
  SIGNX_ASSIGN_OR_RETURN(std::vector<fc::NamedSeries> data, LoadSeries(f.data));
  std::vector<std::vector<double>> histories;
  for (const auto& s : data) histories.push_back(s.values);
  const auto t0 = std::chrono::steady_clock::now();
  const fc::Options opts{.horizon = f.horizon, .period = f.period, .level = f.level};
  std::vector<Result<fc::Forecast>> results = fc::AutoForecastAll(histories, opts, f.threads);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) return results[i].status().WithContext("series " + data[i].id);
  }
  std::string out = "id";
  for (int k = 1; k <= f.horizon; ++k) out += fmt::format(",F{}", k);
  out += "\n";
  std::string iv = "id,step,lower,point,upper,level,method\n";
  std::map<std::string, int> chosen;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const fc::Forecast& r = *results[i];
    out += data[i].id;
    for (double v : r.point) out += fmt::format(",{}", v);
    out += "\n";
    for (std::size_t k = 0; k < r.point.size(); ++k) {
      iv += fmt::format("{},{},{},{},{},{},\"{}\"\n", data[i].id, k + 1, r.lower[k], r.point[k],
                        r.upper[k], r.level, r.method);
    }
    ++chosen[r.method];
  }
  {
    std::ofstream o(f.out, std::ios::binary);
    if (!(o << out)) return Unavailable(fmt::format("cannot write '{}'", f.out));
  }
  if (!f.intervals.empty()) {
    std::ofstream o(f.intervals, std::ios::binary);
    if (!(o << iv)) return Unavailable(fmt::format("cannot write '{}'", f.intervals));
  }
  std::printf("forecast %zu series, horizon %d, period %d in %.2f s (%d threads); wrote %s\n",
              data.size(), f.horizon, f.period, secs, f.threads, f.out.c_str());
  if (!f.test.empty()) {
    SIGNX_ASSIGN_OR_RETURN(std::vector<fc::NamedSeries> test, LoadSeries(f.test));
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < data.size(); ++i) index[data[i].id] = i;
    const int mp = f.mase_period > 0 ? f.mase_period : f.period;
    fc::AccuracyAccumulator ours, ref;
    std::size_t inside = 0, total = 0;
    const std::size_t uh = static_cast<std::size_t>(f.horizon);
    for (const auto& t : test) {
      const auto it = index.find(t.id);
      if (it == index.end())
        return InvalidArgument(fmt::format("{}: series {} is not in {}", f.test, t.id, f.data));
      if (t.values.size() < uh)
        return InvalidArgument(
            fmt::format("{}: series {} has fewer than {} values", f.test, t.id, f.horizon));
      const auto& hist = data[it->second].values;
      const fc::Forecast& r = *results[it->second];
      const double scale = fc::MaseScale(hist, mp);
      const std::span<const double> actual = std::span<const double>(t.values).subspan(0, uh);
      ours.Add(actual, r.point, scale);
      ref.Add(actual, fc::Naive2(hist, f.horizon, mp), scale);
      for (std::size_t k = 0; k < uh; ++k) {
        inside += actual[k] >= r.lower[k] && actual[k] <= r.upper[k];
        ++total;
      }
    }
    std::printf("%-10s %8s %8s %8s\n", "", "sMAPE", "MASE", "OWA");
    std::printf("%-10s %8s %8s %8s\n", "Naive2", Fmt3(ref.smape()).c_str(),
                Fmt3(ref.mase()).c_str(), "1.000");
    std::printf(
        "%-10s %8s %8s %8s\n", "SignX", Fmt3(ours.smape()).c_str(), Fmt3(ours.mase()).c_str(),
        ref.mase_steps() ? Fmt3(fc::Owa(ours.smape(), ours.mase(), ref.smape(), ref.mase())).c_str()
                         : "n/a");
    std::printf("interval coverage %.1f %% at level %.0f %% (MASE with m = %d)\n",
                total ? 100.0 * inside / total : 0.0, 100 * f.level, mp);
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------ bench demand

struct BenchDemandFlags {
  int series = 10000;
  int length = 730;
  int horizon = 14;
  int period = 7;
  int threads = 2;
  std::uint64_t seed = 1;
  bool global = true;
};

// Synthetic daily item demand: a level per item, a weekday profile, a slow trend, a yearly wave and
// noise; every seventh item is intermittent (sparse orders). The last `horizon` days are held out.
std::vector<double> SyntheticDemand(std::mt19937_64& rng, int length) {
  std::lognormal_distribution<double> level_d(3.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double level = level_d(rng);
  const bool intermittent = u(rng) < 1.0 / 7.0;
  double week[7];
  const double amp = 0.4 * u(rng);
  for (int d = 0; d < 7; ++d) week[d] = 1.0 + amp * (d >= 5 ? -1.0 : 0.4) + 0.1 * (u(rng) - 0.5);
  const double trend = (u(rng) - 0.5) * 0.001;
  const double yearly = 0.3 * u(rng);
  const double phase = 6.283185307179586 * u(rng);
  const double p_order = 0.1 + 0.3 * u(rng);
  std::vector<double> y(static_cast<std::size_t>(length));
  for (int t = 0; t < length; ++t) {
    const double mean = level * week[t % 7] * (1.0 + trend * t) *
                        (1.0 + yearly * std::sin(6.283185307179586 * t / 365.0 + phase));
    double v;
    if (intermittent) {
      v = u(rng) < p_order
              ? std::round(std::max(1.0, std::normal_distribution<double>(mean, 0.3 * mean)(rng)))
              : 0.0;
    } else {
      v = std::max(0.0, std::round(std::normal_distribution<double>(mean, 0.15 * mean + 1.0)(rng)));
    }
    y[static_cast<std::size_t>(t)] = v;
  }
  return y;
}

Status RunBenchDemand(const BenchDemandFlags& f) {
  std::mt19937_64 rng(f.seed);
  const std::size_t h = static_cast<std::size_t>(f.horizon);
  std::vector<std::vector<double>> histories, futures;
  for (int i = 0; i < f.series; ++i) {
    std::vector<double> y = SyntheticDemand(rng, f.length + f.horizon);
    futures.emplace_back(y.end() - static_cast<std::ptrdiff_t>(h), y.end());
    y.resize(static_cast<std::size_t>(f.length));
    histories.push_back(std::move(y));
  }
  std::vector<std::string> notes;
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  auto results =
      fc::AutoForecastAll(histories, {.horizon = f.horizon, .period = f.period, .level = 0.8},
                          f.threads, f.global ? 100 : 0, &notes);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  fc::AccuracyAccumulator ours, ref;
  std::size_t inside = 0, total = 0;
  std::map<std::string, int> chosen;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) return results[i].status();
    const double scale = fc::MaseScale(histories[i], f.period);
    ours.Add(futures[i], results[i]->point, scale);
    ref.Add(futures[i], fc::Naive2(histories[i], f.horizon, f.period), scale);
    for (std::size_t k = 0; k < h; ++k) {
      inside += futures[i][k] >= results[i]->lower[k] && futures[i][k] <= results[i]->upper[k];
      ++total;
    }
    ++chosen[results[i]->method];
  }
  std::printf(
      "%d synthetic daily demand series of %d days, horizon %d, period %d, %d threads, backtest "
      "selection%s\n",
      f.series, f.length, f.horizon, f.period, f.threads,
      f.global ? " (with the global model)" : "");
  for (const auto& n : notes) std::printf("  %s\n", n.c_str());
  std::printf("wall %.2f s, cpu %.2f s, %.0f series/s\n", wall, cpu, f.series / wall);
  std::printf(
      "held-out %d days: sMAPE %.3f MASE %.3f (Naive2: %.3f / %.3f), OWA %.3f, 80 %% interval "
      "coverage %.1f %%\n",
      f.horizon, ours.smape(), ours.mase(), ref.smape(), ref.mase(),
      fc::Owa(ours.smape(), ours.mase(), ref.smape(), ref.mase()),
      total ? 100.0 * inside / total : 0.0);
  std::vector<std::pair<int, std::string>> by;
  for (const auto& [m, c] : chosen) by.emplace_back(c, m);
  std::sort(by.rbegin(), by.rend());
  std::printf("chosen:");
  for (std::size_t i = 0; i < by.size() && i < 10; ++i)
    std::printf("%s %s %d", i ? "," : "", by[i].second.c_str(), by[i].first);
  std::printf("\n");
  return Status::Ok();
}

}  // namespace

void AddForecastCommands(CLI::App& app, int* exit_code) {
  CLI::App* bench = cli::FindOrAddGroup(app, "bench", "benchmarks of SignX's own methods");
  auto bf = std::make_shared<BenchM4Flags>();
  CLI::App* m4 = bench->add_subcommand(
      "m4", "the M4 protocol: forecast a frequency and score it beside the published table");
  m4->add_option("--freq", bf->freq, "hourly, weekly or daily")
      ->required()
      ->check(CLI::IsMember({"hourly", "weekly", "daily"}, CLI::ignore_case));
  m4->add_option("--data", bf->data,
                 "the M4 folder (<Freq>-train.csv, <Freq>-test.csv, published-point-forecasts.csv)")
      ->required();
  m4->add_option("--methods", bf->methods,
                 "methods to score (default: the benchmarks, SignX's candidates and SignX); see "
                 "docs/forecasting.md");
  m4->add_option("--threads", bf->threads, "threads over series (default 2)")
      ->check(CLI::Range(1, 256));
  m4->add_option("--level", bf->level, "prediction-interval level (default 0.8)")
      ->check(CLI::Range(0.01, 0.99));
  m4->add_option("--limit", bf->limit,
                 "only the first N series (a quick look; not the M4 protocol)");
  m4->add_flag(
      "--holdout", bf->holdout,
      "score on the last horizon values of the train series instead of the test file (for tuning)");
  m4->callback([bf, exit_code] {
    if (Status st = RunBenchM4(*bf); !st.ok()) *exit_code = cli::PrintError(st);
  });

  auto bd = std::make_shared<BenchDemandFlags>();
  CLI::App* demand = bench->add_subcommand(
      "demand", "AutoForecast on synthetic daily item demand: time and accuracy");
  demand->add_option("--series", bd->series, "number of item series (default 10000)")
      ->check(CLI::Range(1, 10000000));
  demand->add_option("--length", bd->length, "days of history (default 730)")
      ->check(CLI::Range(1, 100000));
  demand->add_option("--horizon", bd->horizon, "days ahead (default 14)")
      ->check(CLI::Range(1, 1000));
  demand->add_option("--period", bd->period, "seasonal period given to the methods (default 7)")
      ->check(CLI::Range(1, 1000));
  demand->add_option("--threads", bd->threads, "threads (default 2)")->check(CLI::Range(1, 256));
  demand->add_option("--seed", bd->seed, "generator seed (default 1)");
  demand->add_flag("!--no-global", bd->global, "without the global XGBoost model");
  demand->callback([bd, exit_code] {
    if (Status st = RunBenchDemand(*bd); !st.ok()) *exit_code = cli::PrintError(st);
  });

  auto ff = std::make_shared<ForecastFlags>();
  CLI::App* cmd = app.add_subcommand(
      "forecast", "forecast every series of a file in the M4 layout (id, then values)");
  cmd->add_option("--data", ff->data, "input CSV: a header row, then id,value1,value2,...")
      ->required();
  cmd->add_option("--horizon", ff->horizon, "steps ahead")
      ->required()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--period", ff->period,
                  "seasonal period (1 = none; 24 hourly, 7 daily, 52 weekly, 12 monthly)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--test", ff->test,
                  "held-out values (same layout): print sMAPE, MASE and OWA against Naive2");
  cmd->add_option("--mase-period", ff->mase_period,
                  "m of MASE and Naive2 with --test (default: --period)");
  cmd->add_option("--out", ff->out, "output CSV: id,F1..Fh")->required();
  cmd->add_option("--intervals", ff->intervals,
                  "also write id,step,lower,point,upper,level,method");
  cmd->add_option("--level", ff->level, "prediction-interval level (default 0.8)")
      ->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--threads", ff->threads, "threads over series (default 2)")
      ->check(CLI::Range(1, 256));
  cmd->callback([ff, exit_code] {
    if (Status st = RunForecast(*ff); !st.ok()) *exit_code = cli::PrintError(st);
  });
}

}  // namespace signx
