#include "cmd_forecast.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
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
  std::string out;
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
  std::printf("models see period %d; %d threads\n\n", o.model_period, o.threads);
  SIGNX_ASSIGN_OR_RETURN(std::vector<fc::MethodScore> scores, fc::Evaluate(train, test, o));
  std::printf("%-28s %8s %8s %8s %9s  %s\n", "SignX method", "sMAPE", "MASE", "OWA", "time",
              "interval coverage");
  for (const auto& s : scores) {
    std::string cov =
        s.coverage >= 0 ? fmt::format("{:.1f} % at level {:.0f} %", 100 * s.coverage, 100 * f.level)
                        : "";
    std::printf("%-28s %8s %8s %8s %8.2fs  %s\n", s.method.c_str(), Fmt3(s.smape).c_str(),
                Fmt3(s.mase).c_str(), Fmt3(s.owa).c_str(), s.seconds, cov.c_str());
  }
  for (const auto& s : scores) {
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
      if (s.method == "SignX") ours.push_back(&s);
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
  m4->callback([bf, exit_code] {
    if (Status st = RunBenchM4(*bf); !st.ok()) *exit_code = cli::PrintError(st);
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
