#include "cmd_bench_retrieval.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/platform.h"
#include "base/clock.h"
#include "base/strings.h"
#include "blobs/blob_store.h"
#include "cli_common.h"
#include "ml/registry.h"
#include "search/eval.h"
#include "search/reranker.h"
#include "search/reranker_registry.h"
#include "search/search_index.h"
#include "search/semantic.h"

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
  bool no_reranker = false;
  bool no_semantic = false;
  std::string reranker_train;  // BEIR folder whose qrels/train.tsv trains the re-ranker
  std::string save_reranker;
  std::string reranker_file;     // a model saved by --save-reranker
  bool registry = false;         // the platform's production model (what documents search loads)
  cli::ConfigFlags config;       // for --registry
  std::size_t rerank_depth = 0;  // 0: the library default
  int rounds = 300;
  int max_depth = 6;
  double eta = 0.05;
};

using Clock = std::chrono::steady_clock;

Status SetParam(search::RetrievalParams& p, std::string_view key, double v) {
  if (key == "k1")
    p.k1 = v;
  else if (key == "b")
    p.b = v;
  else if (key == "fb_docs")
    p.fb_docs = static_cast<std::size_t>(v);
  else if (key == "fb_terms")
    p.fb_terms = static_cast<std::size_t>(v);
  else if (key == "fb_weight")
    p.fb_weight = v;
  else if (key == "rrf_k")
    p.rrf_k = v;
  else if (key == "bm25_run_weight")
    p.bm25_run_weight = v;
  else if (key == "second_run_weight")
    p.second_run_weight = v;
  else if (key == "rerank_depth")
    p.rerank_depth = static_cast<std::size_t>(v);
  else if (key == "fusion")
    p.fusion = static_cast<int>(v);
  else if (key == "depth")
    p.depth = static_cast<std::size_t>(v);
  else
    return InvalidArgument(fmt::format("--param: unknown key '{}'", key));
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
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (n == 0) return InvalidArgument("no query of the split has judgments and text");
  s.ndcg10 /= static_cast<double>(n);
  s.recall100 /= static_cast<double>(n);
  s.ms_per_query = ms / static_cast<double>(n);
  return s;
}

// Indexes a BEIR corpus into `org` through SearchIndex::Rebuild (the same document shape and
// Upsert/Rebuild path uploaded documents use: fields "title" and "body").
Result<std::uint64_t> IndexCorpus(search::SearchIndex& index, const std::string& org,
                                  const std::vector<search::BeirDoc>& corpus, int title_weight) {
  return index.Rebuild(
      org, [&, i = std::size_t{0}]() mutable -> Result<std::optional<search::Document>> {
        if (i >= corpus.size()) return std::optional<search::Document>();
        const search::BeirDoc& d = corpus[i++];
        search::Document doc;
        doc.id = d.id;
        doc.fields = {{"title", d.title, title_weight}, {"body", d.text, 1}};
        return std::optional<search::Document>(std::move(doc));
      });
}

// In tuning mode (evaluating on the train split) one query in five is held out of re-ranker
// training and evaluated; the rest train it.
bool HeldOut(const std::string& qid) { return std::hash<std::string>{}(qid) % 5 == 0; }

Result<std::shared_ptr<const search::Reranker>> TrainReranker(
    const search::SearchIndex& index, const std::string& org, const search::Qrels& qrels,
    const std::map<std::string, std::string>& queries, std::size_t depth, bool skip_held_out,
    const search::RerankTrainOptions& options, std::size_t* trained_queries) {
  std::vector<search::RerankGroup> groups;
  for (const auto& [qid, judged] : qrels) {
    if (skip_held_out && HeldOut(qid)) continue;
    auto q = queries.find(qid);
    if (q == queries.end()) continue;
    SIGNX_ASSIGN_OR_RETURN(search::Candidates c, index.RerankCandidates(org, q->second, depth));
    search::RerankGroup g;
    g.features = std::move(c.features);
    for (const std::string& id : c.ids) {
      auto it = judged.find(id);
      g.labels.push_back(it != judged.end() && it->second > 0 ? static_cast<float>(it->second)
                                                              : 0.0f);
    }
    groups.push_back(std::move(g));
  }
  *trained_queries = groups.size();
  return search::Reranker::Train(groups, options);
}

Status RunBenchRetrieval(const BenchRetrievalFlags& f) {
  SIGNX_ASSIGN_OR_RETURN(search::BeirSet set, search::ReadBeir(f.beir, f.split));
  namespace fs = std::filesystem;
  const std::string train_dir = f.reranker_train.empty() ? f.beir : f.reranker_train;
  const bool tuning = f.split == "train" && train_dir == f.beir;
  if (tuning) {
    for (auto it = set.qrels.begin(); it != set.qrels.end();) {
      it = HeldOut(it->first) ? std::next(it) : set.qrels.erase(it);
    }
  }
  std::size_t evaluated = 0;
  for (const auto& [qid, judged] : set.qrels) evaluated += set.queries.count(qid);

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
  if (f.rerank_depth > 0) options.params.rerank_depth = f.rerank_depth;
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<search::SearchIndex> index,
                         search::SearchIndex::Open(options));
  const auto t0 = Clock::now();
  SIGNX_ASSIGN_OR_RETURN(std::uint64_t indexed,
                         IndexCorpus(*index, "beir", set.corpus, f.title_weight));
  const double index_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("BEIR %s, split %s: %llu documents indexed in %.1f s, %zu queries evaluated%s\n",
              f.beir.c_str(), f.split.c_str(), static_cast<unsigned long long>(indexed), index_s,
              evaluated, tuning ? " (the held-out fifth of train)" : "");
  if (!f.no_semantic) {
    const auto ts = Clock::now();
    SIGNX_RETURN_IF_ERROR(index->BuildSemantic("beir", search::SemanticOptions{}));
    std::printf("semantic model (LSA) built in %.1f s\n",
                std::chrono::duration<double>(Clock::now() - ts).count());
  }

  // The re-ranker, trained on the train split's judgments (never on the split evaluated).
  std::shared_ptr<const search::Reranker> reranker;
  if (f.registry) {
    int exit_code = 0;
    auto cfg = cli::LoadConfigAndLogging(f.config, &exit_code);
    if (!cfg) return FailedPrecondition("cannot load the configuration");
    SIGNX_ASSIGN_OR_RETURN(app::Platform platform, app::OpenPlatform(*cfg, /*migrate=*/false));
    ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
    SIGNX_ASSIGN_OR_RETURN(auto loaded, search::LoadProductionReranker(registry));
    if (!loaded) {
      return FailedPrecondition(
          "the model registry has no production search-reranker (run `signx train retrieval`)");
    }
    reranker = loaded->model;
    std::printf("re-ranker %s loaded from the model registry (production, platform)\n",
                loaded->version.c_str());
  } else if (!f.reranker_file.empty()) {
    std::ifstream in(f.reranker_file, std::ios::binary);
    if (!in) return NotFound(fmt::format("cannot read '{}'", f.reranker_file));
    std::stringstream bytes;
    bytes << in.rdbuf();
    SIGNX_ASSIGN_OR_RETURN(reranker, search::Reranker::Load(bytes.str()));
    std::printf("re-ranker loaded from %s\n", f.reranker_file.c_str());
  } else if (!f.no_reranker) {
    auto train_qrels = search::ReadQrels(train_dir + "/qrels/train.tsv");
    if (!train_qrels.ok()) {
      std::printf(
          "no %s/qrels/train.tsv to train the re-ranker on (see --reranker-train, "
          "--reranker): the hybrid is BM25 alone\n",
          train_dir.c_str());
    } else {
      std::string train_org = "beir";
      std::map<std::string, std::string> train_queries = set.queries;
      if (train_dir != f.beir) {
        SIGNX_ASSIGN_OR_RETURN(search::BeirSet other, search::ReadBeir(train_dir, "train"));
        SIGNX_RETURN_IF_ERROR(
            IndexCorpus(*index, "rerank_train", other.corpus, f.title_weight).status());
        train_org = "rerank_train";
        if (!f.no_semantic) {
          SIGNX_RETURN_IF_ERROR(index->BuildSemantic(train_org, search::SemanticOptions{}));
        }
        train_queries = std::move(other.queries);
      }
      search::RerankTrainOptions ro;
      ro.rounds = f.rounds;
      ro.max_depth = f.max_depth;
      ro.eta = f.eta;
      std::size_t trained = 0;
      const auto t1 = Clock::now();
      SIGNX_ASSIGN_OR_RETURN(reranker,
                             TrainReranker(*index, train_org, *train_qrels, train_queries,
                                           options.params.rerank_depth, tuning, ro, &trained));
      std::printf("re-ranker trained on %zu queries of %s/qrels/train.tsv in %.1f s\n", trained,
                  train_dir.c_str(), std::chrono::duration<double>(Clock::now() - t1).count());
      if (!f.save_reranker.empty()) {
        SIGNX_ASSIGN_OR_RETURN(std::string bytes, reranker->Save());
        std::ofstream out(f.save_reranker, std::ios::binary | std::ios::trunc);
        out << bytes;
        if (!out) return Internal(fmt::format("cannot write '{}'", f.save_reranker));
      }
    }
  }

  // The parameter grid: the defaults, overridden by every combination of --param values.
  search::RetrievalParams defaults = options.params;
  defaults.reranker = reranker;
  std::vector<search::RetrievalParams> grid{defaults};
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

  std::printf("%-8s %-56s %8s %10s %9s\n", "method", "parameters", "nDCG@10", "Recall@100",
              "ms/query");
  std::string last_bm25;
  for (const search::RetrievalParams& p : grid) {
    index->set_params(p);
    const std::string bm25_desc =
        fmt::format("k1={} b={} title_weight={}", p.k1, p.b, f.title_weight);
    if (bm25_desc != last_bm25) {
      SIGNX_ASSIGN_OR_RETURN(Scores bm25, Evaluate(*index, set, search::Mode::kBm25, f.per_query));
      std::printf("%-8s %-56s %8.4f %10.4f %9.2f\n", "bm25", bm25_desc.c_str(), bm25.ndcg10,
                  bm25.recall100, bm25.ms_per_query);
      last_bm25 = bm25_desc;
    }
    if (f.bm25_only) continue;
    const std::string desc =
        p.reranker
            ? fmt::format("rerank@{} rrf_k={} w={}/{} fusion={}", p.rerank_depth, p.rrf_k,
                          p.bm25_run_weight, p.second_run_weight, p.fusion)
            : fmt::format("prf fb={}/{}/{} rrf_k={} w={}/{} fusion={}", p.fb_docs, p.fb_terms,
                          p.fb_weight, p.rrf_k, p.bm25_run_weight, p.second_run_weight, p.fusion);
    SIGNX_ASSIGN_OR_RETURN(Scores hybrid,
                           Evaluate(*index, set, search::Mode::kHybrid, f.per_query));
    std::printf("%-8s %-56s %8.4f %10.4f %9.2f\n", "hybrid", desc.c_str(), hybrid.ndcg10,
                hybrid.recall100, hybrid.ms_per_query);
    std::fflush(stdout);
  }
  if (remove_after) {
    std::error_code ec;
    fs::remove_all(data_dir, ec);
  }
  return Status::Ok();
}

// ---- signx train retrieval ----

struct TrainRetrievalFlags {
  cli::ConfigFlags config;
  std::string beir;
  bool no_promote = false;
  bool no_semantic = false;
};

// Trains the re-ranker the product ships: the BEIR set's corpus indexed as `bench retrieval`
// indexes it, LSA vectors built, every query of qrels/train.tsv (never test.tsv) with its top
// rerank_depth BM25 candidates, the default RerankTrainOptions (fixed seed), registered with its
// model card as the platform's "search-reranker" and promoted.
}  // namespace

Result<ShippedReranker> TrainShippedReranker(app::Platform& platform, const std::string& beir,
                                             bool semantic, bool promote) {
  SIGNX_ASSIGN_OR_RETURN(search::BeirSet set, search::ReadBeir(beir, "train"));
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "signx-train-retrieval-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a temporary directory");
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  search::IndexOptions options{.data_dir = tmpl, .name = "beir"};
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<search::SearchIndex> index,
                         search::SearchIndex::Open(options));
  SIGNX_ASSIGN_OR_RETURN(std::uint64_t indexed, IndexCorpus(*index, "beir", set.corpus, 1));
  if (semantic) {
    SIGNX_RETURN_IF_ERROR(index->BuildSemantic("beir", search::SemanticOptions{}));
  }
  const search::RerankTrainOptions ro;
  ShippedReranker out;
  const auto t0 = std::chrono::steady_clock::now();
  SIGNX_ASSIGN_OR_RETURN(auto reranker,
                         TrainReranker(*index, "beir", set.qrels, set.queries,
                                       options.params.rerank_depth, false, ro, &out.queries));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  boost::json::object card{
      {"training_data",
       boost::json::object{{"beir_folder", fs::path(beir).filename().string()},
                           {"split", "train (qrels/train.tsv); the test split is never read"},
                           {"queries", out.queries},
                           {"corpus_documents", indexed},
                           {"candidates_per_query", options.params.rerank_depth},
                           {"semantic_features", semantic}}},
      {"training", boost::json::object{{"objective", "rank:ndcg"},
                                       {"rounds", ro.rounds},
                                       {"max_depth", ro.max_depth},
                                       {"eta", ro.eta},
                                       {"seed", ro.seed},
                                       {"nthread", ro.nthread},
                                       {"seconds", out.seconds}}},
      {"serving",
       "documents search re-ranks the top rerank_depth BM25 hits of an org's index with it once "
       "the org's LSA vectors are built; BM25 alone without this model"},
      {"evaluation", "signx bench retrieval --beir DIR --registry (BEIR test protocol)"},
      {"trained_at", FormatRfc3339(SystemClock::Get().Now())}};
  if (!semantic) card["semantic_note"] = "trained without the LSA features (they are 0)";
  ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
  SIGNX_ASSIGN_OR_RETURN(out.version,
                         search::RegisterReranker(registry, *reranker, std::move(card), "cli",
                                                  promote));
  return out;
}

namespace {

Status RunTrainRetrieval(const TrainRetrievalFlags& f) {
  int exit_code = 0;
  auto cfg = cli::LoadConfigAndLogging(f.config, &exit_code);
  if (!cfg) return FailedPrecondition("cannot load the configuration");
  SIGNX_ASSIGN_OR_RETURN(app::Platform platform, app::OpenPlatform(*cfg, /*migrate=*/false));
  SIGNX_ASSIGN_OR_RETURN(ShippedReranker r,
                         TrainShippedReranker(platform, f.beir, !f.no_semantic, !f.no_promote));
  std::printf("re-ranker trained on %zu train queries of %s in %.1f s\n%s %s\n", r.queries,
              f.beir.c_str(), r.seconds,
              r.version.state == "production" ? "promoted to production:" : "registered (staging):",
              r.version.version.c_str());
  return Status::Ok();
}

void AddTrainRetrievalCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TrainRetrievalFlags>();
  CLI::App* train = cli::FindOrAddGroup(app, "train", "train models");
  CLI::App* cmd = train->add_subcommand(
      "retrieval",
      "train the search re-ranker on a BEIR folder's qrels/train.tsv (fixed seed) and register "
      "it as the platform's \"search-reranker\" (documents search loads it)");
  cli::AddConfigFlags(cmd, flags->config);
  cmd->add_option("--beir", flags->beir, "BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--no-promote", flags->no_promote, "register as staging only");
  cmd->add_flag("--no-semantic", flags->no_semantic, "train without the LSA features");
  cmd->callback([flags, exit_code] {
    if (Status st = RunTrainRetrieval(*flags); !st.ok()) *exit_code = cli::PrintError(st);
  });
}

}  // namespace

// Also adds `signx train retrieval` (the re-ranker the product ships).
void AddBenchRetrievalCommand(CLI::App& app, int* exit_code) {
  AddTrainRetrievalCommand(app, exit_code);
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
  cmd->add_option(
      "--param", flags->params,
      "key=v1,v2,... sweeps a retrieval parameter (k1, b, fb_docs, fb_terms, "
      "fb_weight, rrf_k, bm25_run_weight, second_run_weight, rerank_depth, fusion, depth); "
      "repeatable");
  cmd->add_flag("--bm25-only", flags->bm25_only, "skip the hybrid runs");
  cmd->add_flag("--no-reranker", flags->no_reranker,
                "hybrid = BM25 fused with pseudo-relevance feedback (no learned re-ranker)");
  cmd->add_flag("--no-semantic", flags->no_semantic,
                "skip the LSA term vectors (the re-ranker's semantic features are then 0)");
  cmd->add_option("--reranker-train", flags->reranker_train,
                  "BEIR folder whose qrels/train.tsv trains the re-ranker (default: --beir)");
  cmd->add_option("--reranker", flags->reranker_file,
                  "use this saved re-ranker instead of training one");
  cmd->add_option("--save-reranker", flags->save_reranker, "write the trained re-ranker here");
  cmd->add_flag("--registry", flags->registry,
                "use the platform's production search-reranker from the model registry (what "
                "documents search serves; see `signx train retrieval`)");
  cli::AddConfigFlags(cmd, flags->config);
  cmd->add_option("--rerank-depth", flags->rerank_depth,
                  "BM25 candidates the re-ranker trains on and re-orders (default 50)");
  cmd->add_option("--rounds", flags->rounds, "re-ranker boosting rounds");
  cmd->add_option("--max-depth", flags->max_depth, "re-ranker tree depth");
  cmd->add_option("--eta", flags->eta, "re-ranker learning rate");
  cmd->add_flag("--per-query", flags->per_query, "print each query's nDCG@10");
  cmd->callback([flags, exit_code] {
    if (Status st = RunBenchRetrieval(*flags); !st.ok()) *exit_code = cli::PrintError(st);
  });
}

}  // namespace signx
