#include "cmd_demo.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "estimating/generator.h"

namespace signx {
namespace {

struct GenerateFlags {
  estimating::GeneratorOptions options;
  std::string format = "ndjson";
  std::string out;  // empty or "-" = stdout
  bool summary = false;
};

int RunGenerate(const GenerateFlags& f) {
  using estimating::HistoryFormat;
  const HistoryFormat format = f.format == "csv"           ? HistoryFormat::kCsv
                               : f.format == "keyedin-csv" ? HistoryFormat::kKeyedInCsv
                                                           : HistoryFormat::kNdjson;
  if (Status st = estimating::ValidateOptions(f.options); !st.ok()) {
    std::fprintf(stderr, "signx: %s\n", std::string(st.message()).c_str());
    for (const auto& d : st.details()) {
      std::fprintf(stderr, "  %s: %s\n", d.field.c_str(), d.message.c_str());
    }
    return 2;
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!f.out.empty() && f.out != "-") {
    file.open(f.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "signx: cannot open %s for writing\n", f.out.c_str());
      return 1;
    }
    out = &file;
  }
  estimating::HistoryStats stats;
  *out << estimating::CsvHeader(format);
  for (int64_t i = 0; i < f.options.projects; ++i) {
    const auto record = estimating::GenerateProject(f.options, i);
    estimating::WriteRecord(record, format, *out);
    if (f.summary) stats.Add(record);
    if (!*out) break;
  }
  out->flush();
  if (!*out) {
    std::fprintf(stderr, "signx: writing %s failed\n", f.out.empty() ? "stdout" : f.out.c_str());
    return 1;
  }
  if (f.summary) {
    std::fprintf(stderr, "synthetic history %s, seed %llu, %lld projects\n%s",
                 std::string(estimating::kGeneratorVersion).c_str(),
                 static_cast<unsigned long long>(f.options.seed),
                 static_cast<long long>(f.options.projects), stats.Format().c_str());
  }
  return 0;
}

}  // namespace

void AddDemoCommands(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "demo data for trying SignX out");
  demo->require_subcommand(1);
  auto flags = std::make_shared<GenerateFlags>();
  auto* gen = demo->add_subcommand(
      "generate", "write a seeded synthetic cost history (estimates + actuals, KeyedIn lines)");
  gen->add_option("--projects", flags->options.projects, "number of projects (1..10,000,000)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  gen->add_option("--seed", flags->options.seed, "random seed; same seed, same bytes")
      ->capture_default_str();
  gen->add_option("--format", flags->format,
                  "ndjson (records with nested lines), csv (one row per record), keyedin-csv "
                  "(one row per cost line, KeyedIn cost-summary header)")
      ->check(CLI::IsMember({"ndjson", "csv", "keyedin-csv"}))
      ->capture_default_str();
  gen->add_option("--out", flags->out, "output file (default: stdout)");
  gen->add_option("--first-year", flags->options.first_year, "first project year")
      ->capture_default_str();
  gen->add_option("--last-year", flags->options.last_year, "last project year")
      ->capture_default_str();
  gen->add_flag("--summary", flags->summary,
                "print cost statistics by sign type and the shop-estimate MAPE to stderr");
  gen->callback([flags] {
    const int code = RunGenerate(*flags);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace signx
