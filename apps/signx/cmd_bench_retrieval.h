// `signx bench retrieval --beir DIR [--split test]`: the standard BEIR protocol on any BEIR-layout
// folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv). Indexes the corpus (title and text as
// the fields "title" and "body") through search::SearchIndex — the same Upsert path uploaded
// documents use — into a temporary data directory, runs every query of the split with BM25 alone
// and with the hybrid pipeline, drops a retrieved document whose id equals the query id (as BEIR
// does), and prints nDCG@10 and Recall@100 of each. `--param key=v1,v2,…` (repeatable) sweeps the
// retrieval parameters over a grid for tuning on a train split.
// Thread-safety: registers callbacks on a CLI::App; call once from main before parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "app/platform.h"
#include "base/status.h"
#include "ml/registry.h"

namespace signx {

// `signx train retrieval`: the re-ranker documents search ships, trained on the BEIR folder's
// train split only (fixed seed: the same folder gives the same version) and registered as the
// platform's search-reranker with its model card; promoted when `promote`.
struct ShippedReranker {
  ml::ModelVersion version;
  std::size_t queries = 0;  // train queries used
  double seconds = 0;       // training time
};
Result<ShippedReranker> TrainShippedReranker(app::Platform& platform, const std::string& beir,
                                             bool semantic, bool promote);

// Adds to the "bench" group (cli::FindOrAddGroup). Failures print the error and set *exit_code.
void AddBenchRetrievalCommand(CLI::App& app, int* exit_code);

}  // namespace signx
