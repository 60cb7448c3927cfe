#include "ml/vector_index.h"

#include <fmt/format.h>

// hnswlib 0.6.2 (Debian) prefetches, in its graph search, the neighbour after the last one of
// each link list (`*(datal + j + 1)` with j = size - 1): a 4-byte read past the end of an upper
// layer's link list (ASan heap-buffer-overflow in HierarchicalNSW::searchBaseLayer, found by
// `make asan`; VectorIndexTest.BuildsAndSearchesAGraphWithFullUpperLayers). The prefetches are
// only cache hints, so they are compiled out here; hnswlib's SIMD distance functions are unchanged
// (the same distances, bit for bit, so the same graphs and answers).
#if defined(__SSE__)
#include <immintrin.h>
#undef _mm_prefetch
#define _mm_prefetch(address, hint) ((void)0)
#endif
#include <hnswlib/hnswlib.h>
#if defined(__SSE__)
#undef _mm_prefetch
#endif

#include <algorithm>
#include <cmath>

namespace signx::ml {

namespace {
constexpr std::size_t kM = 16;
constexpr std::size_t kEfConstruction = 200;
constexpr std::size_t kLevelSeed = 100;
}  // namespace

VectorIndex::~VectorIndex() = default;

Result<std::unique_ptr<VectorIndex>> VectorIndex::Build(std::span<const float> vectors,
                                                        std::size_t dim, std::size_t ef_search) {
  if (dim == 0 || vectors.empty() || vectors.size() % dim != 0) {
    return InvalidArgument(
        fmt::format("similar index: {} values do not form rows of {}", vectors.size(), dim));
  }
  std::unique_ptr<VectorIndex> s(new VectorIndex());
  s->rows_ = vectors.size() / dim;
  s->dim_ = dim;
  s->space_ = std::make_unique<hnswlib::L2Space>(dim);
  s->dist_ = s->space_->get_dist_func();
  s->dist_param_ = s->space_->get_dist_func_param();
  try {
    s->index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(s->space_.get(), s->rows_, kM,
                                                                  kEfConstruction, kLevelSeed);
    for (std::size_t i = 0; i < s->rows_; ++i) {
      s->index_->addPoint(vectors.data() + i * dim, static_cast<hnswlib::labeltype>(i));
    }
    s->index_->setEf(ef_search);
  } catch (const std::exception& e) {
    return Internal(fmt::format("similar index: hnswlib: {}", e.what()));
  }
  return s;
}

double VectorIndex::Distance(std::span<const float> a, std::span<const float> b) const {
  const float d2 = dist_(a.data(), b.data(), dist_param_);
  return std::sqrt(std::max(0.0f, d2));
}

std::vector<Neighbour> VectorIndex::Search(std::span<const float> query, std::size_t k,
                                           std::ptrdiff_t exclude) const {
  std::vector<Neighbour> out;
  if (query.size() != dim_ || k == 0) return out;
  const std::size_t want = std::min(rows_, k + (exclude >= 0 ? 1 : 0));
  auto heap = index_->searchKnn(query.data(), want);
  out.reserve(heap.size());
  while (!heap.empty()) {
    const auto [d2, label] = heap.top();
    heap.pop();
    if (exclude >= 0 && label == static_cast<hnswlib::labeltype>(exclude)) continue;
    out.push_back({static_cast<std::size_t>(label), std::sqrt(std::max(0.0f, d2))});
  }
  std::sort(out.begin(), out.end(), [](const Neighbour& a, const Neighbour& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.index < b.index;
  });
  if (out.size() > k) out.resize(k);
  return out;
}

}  // namespace signx::ml
