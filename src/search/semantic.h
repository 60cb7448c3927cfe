// SemanticModel: corpus-trained term vectors (LSA — a rank-k randomized SVD of the index's
// TF-IDF document-term matrix, Eigen), the re-ranker's two semantic features: the cosine between
// the query's and a candidate's projections, and a soft match that credits a query word missing
// from the candidate by its nearest candidate word. Built from an org's index by
// SearchIndex::BuildSemantic; nothing corpus-specific is hand-written.
// Thread-safety: immutable after Build; all const methods may be called concurrently.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace signx::search {

struct SemanticOptions {
  int dim = 100;                  // k
  std::size_t max_vocab = 30000;  // most frequent terms with min_df ≤ df ≤ N/2
  std::size_t min_df = 2;
  std::uint64_t seed = 42;
};

class SemanticModel {
 public:
  // `docs`: each document's (term, wdf) list; `doc_freq`: each term's document frequency.
  static Result<std::shared_ptr<const SemanticModel>> Build(
      const std::vector<std::vector<std::pair<std::string, unsigned>>>& docs,
      const std::unordered_map<std::string, unsigned>& doc_freq, const SemanticOptions& options);

  // Index of `term` in the vocabulary, or -1.
  int Find(std::string_view term) const;
  int dim() const { return static_cast<int>(unit_.cols()); }
  float idf(int t) const { return idf_[static_cast<std::size_t>(t)]; }
  // Adds weight × the term's projection vector to `v`.
  void Accumulate(int t, float weight, Eigen::VectorXf& v) const {
    v += weight * proj_.row(t).transpose();
  }
  // Cosine of two terms' (singular-value-scaled) vectors.
  float TermCosine(int a, int b) const { return unit_.row(a).dot(unit_.row(b)); }

 private:
  SemanticModel() = default;
  // Transparent, so Find looks a term up without copying it into a std::string.
  struct TermHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, TermHash, std::equal_to<>> vocab_;
  std::vector<float> idf_;
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMatrix proj_;  // vocab × k: right singular vectors of A (document projection), row per term
  RowMatrix unit_;  // vocab × k: rows of proj_·S, normalised (term similarity)
};

}  // namespace signx::search
