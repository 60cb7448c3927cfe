// VectorIndex: approximate nearest neighbours of float vectors under L2, backed by an hnswlib HNSW
// graph — the one vector index of SignX (estimating's similar past jobs in the cost model's
// normalised spec space; documents' chunk embeddings next). It replaces the seeds' pgvector
// searches.
//
// Callers rebuild it from their stored vectors when they load (the cost model: ~17,000 points of
// ~30 dimensions in well under a second), so nothing stores hnswlib's own binary format.
// Construction is single-threaded with hnswlib's fixed level seed, so the same vectors give the
// same graph and the same answers. ef_search 64: on the 20,000-job bench history
// (DISABLED_Measure20k) recall@10 against brute force is 1.0000 over 1,000 queries at 24 us per
// query (ef 128: 1.0000 at 43 us; ef 48: 0.9997; ef 32: 0.9962).
//
// Thread-safety: immutable after Build; Search may be called concurrently (hnswlib 0.6 searchKnn
// is const and takes its visited lists from a locked pool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
class L2Space;
}  // namespace hnswlib

namespace signx::ml {

struct Neighbour {
  std::size_t index = 0;  // row of the vectors given to Build
  double distance = 0;    // Euclidean distance
};

class VectorIndex {
 public:
  // Search breadth of the HNSW graph (hnswlib's `ef`); searches use max(ef, k).
  static constexpr std::size_t kDefaultEfSearch = 64;

  // `vectors` is row-major rows × dim. kInvalidArgument when empty or the size is not rows × dim.
  static Result<std::unique_ptr<VectorIndex>> Build(std::span<const float> vectors, std::size_t dim,
                                                    std::size_t ef_search = kDefaultEfSearch);
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // The k nearest rows to `query` (dim floats), nearest first; ties by row index. `exclude` (a
  // row index) is skipped, for leave-one-out queries of indexed rows.
  std::vector<Neighbour> Search(std::span<const float> query, std::size_t k,
                                std::ptrdiff_t exclude = -1) const;

  // The Euclidean distance between two dim() vectors, computed as Search computes it: the same
  // value bit for bit, so an exact scan over a subset of the rows (a filter) ranks and reports
  // distances exactly as the graph search does.
  double Distance(std::span<const float> a, std::span<const float> b) const;

  std::size_t size() const { return rows_; }
  std::size_t dim() const { return dim_; }

 private:
  VectorIndex() = default;
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
  std::unique_ptr<hnswlib::L2Space> space_;
  float (*dist_)(const void*, const void*, const void*) = nullptr;  // space_'s L2² function
  const void* dist_param_ = nullptr;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

}  // namespace signx::ml
