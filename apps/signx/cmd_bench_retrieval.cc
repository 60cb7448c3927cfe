#include "cmd_bench_retrieval.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli_common.h"
#include "search/eval.h"
#include "search/search_index.h"

namespace signx {
namespace {

struct BenchRetrievalFlags {
  std::string beir;
  std::string split = "test";
  std::string data_dir;
  int title_weight = 1;
  std::vector<std::string> params;  // "key=v1,v2"
  bool bm25_only = false;
  bool per_query = false;
};

using Clock = std::chrono::steady_clock;

Status SetParam(search::RetrievalParams& p, std::string_view key, double v) {
  if (key == "k1") p.k1 = v;
  else if (key == "b") p.b = v;
  else if (key == "fb_docs") p.fb_docs = static_cast<std::size_t>(v);
  else if (key == "fb_terms") p.fb_terms = static_cast<std::size_t>(v);
  else if (key == "fb_weight") p.fb_weight = v;
  else if (key == "rrf_k") p.rrf_k = v;
  else if (key == "bm25_run_weight") p.bm25_run_weight = v;
  else if (key == "prf_run_weight") p.prf_run_weight = v;
  else if (key == "prox_weight") p.prox_weight = v;
  else if (key == "prox_window") p.prox_window = static_cast<std::size_t>(v);
  else if (key == "fusion") p.fusion = static_cast<int>(v);
  else if (key == "depth") p.depth = static_cast<std::size_t>(v);
  else return InvalidArgument(fmt::format("--param: unknown key '{}'", key));
  return Status::Ok();
}

struct Scores {
  double ndcg10 = 0;
  double recall100 = 0;
  double ms_per_query = 0;
};

Result<Scores> Evaluate(const search::SearchIndex& index, const search::BeirSet& set,
                        search::Mode mode, bool per_query) {
  Scores s;
  std::size_t n = 0;
  const auto start = Clock::now();
  for (const auto& [qid, judged] : set.qrels) {
    auto q = set.queries.find(qid);
    if (q == set.queries.end()) continue;
    search::Query query;
    query.text = q->second;
    query.limit = 101;
    query.mode = mode;
    query.snippet_chars = 0;
    SIGNX_ASSIGN_OR_RETURN(search::SearchResult r, index.Search("beir", query));
    std::vector<std::string> ranking;
    for (const search::Hit& h : r.hits) {
      if (h.id != qid && ranking.size() < 100) ranking.push_back(h.id);
    }
    const double ndcg = search::NdcgAt(ranking, judged, 10);
    s.ndcg10 += ndcg;
    s.recall100 += search::RecallAt(ranking, judged, 100);
    if (per_query) std::printf("q %s %.4f\n", qid.c_str(), ndcg);
    ++n;
  }
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (n == 0) return InvalidArgument("no query of the split has judgments and text");
  s.ndcg10 /= static_cast<double>(n);
  s.recall100 /= static_cast<double>(n);
  s.ms_per_query = ms / static_cast<double>(n);
  return s;
}

Status RunBenchRetrieval(const BenchRetrievalFlags& f) {
  SIGNX_ASSIGN_OR_RETURN(search::BeirSet set, search::ReadBeir(f.beir, f.split));
  std::size_t evaluated = 0;
  for (const auto& [qid, judged] : set.qrels) evaluated += set.queries.count(qid);

  namespace fs = std::filesystem;
  std::string data_dir = f.data_dir;
  bool remove_after = false;
  if (data_dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "signx-bench-retrieval-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a temporary directory");
    data_dir = tmpl;
    remove_after = true;
  }
  search::IndexOptions options;
  options.data_dir = data_dir;
  options.name = "beir";
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<search::SearchIndex> index,
                         search::SearchIndex::Open(options));
  const auto t0 = Clock::now();
  SIGNX_ASSIGN_OR_RETURN(
      std::uint64_t indexed,
      index->Rebuild("beir", [&, i = std::size_t{0}]() mutable
                     -> Result<std::optional<search::Document>> {
        if (i >= set.corpus.size()) return std::optional<search::Document>();
        const search::BeirDoc& d = set.corpus[i++];
        search::Document doc;
        doc.id = d.id;
        doc.fields = {{"title", d.title, f.title_weight}, {"body", d.text, 1}};
        return std::optional<search::Document>(std::move(doc));
      }));
  const double index_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("BEIR %s, split %s: %llu documents indexed in %.1f s, %zu queries evaluated\n",
              f.beir.c_str(), f.split.c_str(), static_cast<unsigned long long>(indexed), index_s,
              evaluated);

  // The parameter grid: the defaults, overridden by every combination of --param values.
  std::vector<search::RetrievalParams> grid{options.params};
  for (const std::string& spec : f.params) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos) return InvalidArgument("--param wants key=v1,v2,...");
    const std::string key = spec.substr(0, eq);
    std::vector<search::RetrievalParams> next;
    for (const search::RetrievalParams& base : grid) {
      for (std::string_view v : Split(std::string_view(spec).substr(eq + 1), ',')) {
        auto value = ParseDouble(Trim(v));
        if (!value) return InvalidArgument(fmt::format("--param {}: '{}' is not a number", key, v));
        search::RetrievalParams p = base;
        SIGNX_RETURN_IF_ERROR(SetParam(p, key, *value));
        next.push_back(p);
      }
    }
    grid = std::move(next);
  }

  std::printf("%-8s %-62s %8s %10s %9s\n", "method", "parameters", "nDCG@10", "Recall@100",
              "ms/query");
  for (const search::RetrievalParams& p : grid) {
    index->set_params(p);
    const std::string bm25_desc = fmt::format("k1={} b={} title_weight={}", p.k1, p.b,
                                              f.title_weight);
    SIGNX_ASSIGN_OR_RETURN(Scores bm25, Evaluate(*index, set, search::Mode::kBm25, f.per_query));
    std::printf("%-8s %-62s %8.4f %10.4f %9.2f\n", "bm25", bm25_desc.c_str(), bm25.ndcg10,
                bm25.recall100, bm25.ms_per_query);
    if (f.bm25_only) continue;
    const std::string desc =
        fmt::format("fb={}/{}/{} rrf_k={} w={}/{} prox={}/{} fu={}", p.fb_docs,
                    p.fb_terms, p.fb_weight, p.rrf_k, p.bm25_run_weight, p.prf_run_weight,
                    p.prox_weight, p.prox_window, p.fusion);
    SIGNX_ASSIGN_OR_RETURN(Scores hybrid,
                           Evaluate(*index, set, search::Mode::kHybrid, f.per_query));
    std::printf("%-8s %-62s %8.4f %10.4f %9.2f\n", "hybrid", desc.c_str(), hybrid.ndcg10,
                hybrid.recall100, hybrid.ms_per_query);
    std::fflush(stdout);
  }
  if (remove_after) {
    std::error_code ec;
    fs::remove_all(data_dir, ec);
  }
  return Status::Ok();
}

}  // namespace

void AddBenchRetrievalCommand(CLI::App& app, int* exit_code) {
  CLI::App* bench = cli::FindOrAddGroup(app, "bench", "benchmarks of SignX's own methods");
  auto flags = std::make_shared<BenchRetrievalFlags>();
  CLI::App* cmd = bench->add_subcommand(
      "retrieval", "BEIR protocol (nDCG@10, Recall@100) for BM25 and hybrid search");
  cmd->add_option("--beir", flags->beir, "BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
      ->required();
  cmd->add_option("--split", flags->split, "qrels split to evaluate (qrels/<split>.tsv)");
  cmd->add_option("--data-dir", flags->data_dir,
                  "where the index is built (default: a temporary directory, removed after)");
  cmd->add_option("--title-weight", flags->title_weight, "weight of the title field (1..20)");
  cmd->add_option("--param", flags->params,
                  "key=v1,v2,... sweeps a retrieval parameter (k1, b, fb_docs, fb_terms, "
                  "fb_weight, rrf_k, bm25_run_weight, prf_run_weight, depth); repeatable");
  cmd->add_flag("--bm25-only", flags->bm25_only, "skip the hybrid runs");
  cmd->add_flag("--per-query", flags->per_query, "print each query's nDCG@10");
  cmd->callback([flags, exit_code] {
    if (Status st = RunBenchRetrieval(*flags); !st.ok()) *exit_code = cli::PrintError(st);
  });
}

}  // namespace signx
