// Retrieval evaluation: the BEIR folder layout and trec_eval's measures (nDCG@k with linear
// gains, as trec_eval's ndcg_cut and BEIR's pytrec_eval compute it; Recall@k).
// Thread-safety: pure functions and value types.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace signx::search {

// query id → (doc id → relevance grade). Grades ≤ 0 are not relevant.
using Qrels = std::map<std::string, std::map<std::string, int>>;

// nDCG@k of one ranking: DCG = Σ_{i≤k} grade(d_i) / log2(i + 1), over the ideal DCG of the
// query's judged grades. 0 when the query has no relevant document.
double NdcgAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& judged,
              std::size_t k);
// Fraction of the query's relevant documents found in the first k. 0 when it has none.
double RecallAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& judged,
                std::size_t k);

struct BeirDoc {
  std::string id;
  std::string title;
  std::string text;
};

struct BeirQuery {
  std::string id;
  std::string text;
};

struct BeirSet {
  std::vector<BeirDoc> corpus;
  std::map<std::string, std::string> queries;  // id → text
  Qrels qrels;                                 // of the split read
};

// Reads <dir>/corpus.jsonl, <dir>/queries.jsonl and <dir>/qrels/<split>.tsv (header line
// "query-id corpus-id score", tab-separated). kNotFound for a missing file, kInvalidArgument
// naming the file and line of a malformed one.
Result<BeirSet> ReadBeir(const std::string& dir, const std::string& split);
// Only the qrels file of a split (e.g. to check whether train.tsv exists).
Result<Qrels> ReadQrels(const std::string& path);

}  // namespace signx::search
