// Reranker: a learned re-ranker over lexical features (gradient-boosted trees, XGBoost
// rank:ndcg) that re-scores the top BM25 candidates of a query. The features are generic — BM25
// score and rank statistics, IDF-weighted query coverage per field, saturated TF-IDF per field,
// term proximity, document length, match position — so a model is trained from any set of judged
// queries (qrels) and carries no corpus-specific terms. SearchIndex computes the features
// (SearchIndex::Candidates) and, in Mode::kHybrid, fuses the model's ranking with BM25's.
//
// Thread-safety: immutable after Train/Load; Score may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::ml {
class Booster;
}

namespace signx::search {

inline constexpr std::size_t kNumRerankFeatures = 20;
// Names of the features, in column order (docs/search.md explains each).
const std::vector<std::string>& RerankFeatureNames();

// One query's candidates: features row-major (rows × kNumRerankFeatures) and, for training,
// a relevance label per row.
struct RerankGroup {
  std::vector<float> features;
  std::vector<float> labels;
};

struct RerankTrainOptions {
  int rounds = 300;
  int max_depth = 6;
  double eta = 0.05;
  std::uint64_t seed = 42;
  int nthread = 1;
};

class Reranker {
 public:
  // kInvalidArgument when no group has both a relevant and a non-relevant candidate.
  static Result<std::shared_ptr<const Reranker>> Train(std::span<const RerankGroup> groups,
                                                       const RerankTrainOptions& options = {});
  // The bytes Save wrote.
  static Result<std::shared_ptr<const Reranker>> Load(std::string_view bytes);
  Result<std::string> Save() const;

  // One score per row of `features` (rows × kNumRerankFeatures); higher is more relevant.
  // Evaluated by the compact copy of the trees (below) when it reproduces XGBoost bit for bit,
  // else by XGBoost.
  Result<std::vector<float>> Score(std::span<const float> features) const;
  // The same scores from XGBoost's own predictor (a DMatrix round trip; for tests and checks).
  Result<std::vector<float>> ScoreWithXGBoost(std::span<const float> features) const;
  // True when Score walks the compact trees (XGBoost's margin reproduced exactly on sample rows
  // at Train/Load).
  bool native() const { return !nodes_.empty(); }

  ~Reranker();

 private:
  explicit Reranker(std::unique_ptr<ml::Booster> booster);
  // Copies the booster's trees (its JSON dump) into nodes_ and keeps them only when they give
  // XGBoost's margins exactly on sample rows; otherwise Score stays on XGBoost.
  void BuildNative();
  float NativeMargin(const float* row) const;

  std::unique_ptr<ml::Booster> booster_;
  // A re-ranking request scores ~50 rows: a DMatrix and XGBoost's predictor cost more than the
  // trees themselves (300 trees × depth 6), so Score walks this flat copy. Nodes of all trees
  // (global indexes); a leaf has left == right == itself and its value in `value`; a split goes
  // left when x[split] < value, and missing (NaN) goes `default_left`.
  struct Node {
    std::uint32_t split = 0;
    float value = 0;
    std::uint32_t left = 0, right = 0;
    bool default_left = true;
  };
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> roots_;
  std::vector<int> depth_;  // per tree: steps from the root to its deepest leaf
  float base_margin_ = 0;
};

}  // namespace signx::search
