#include "search/fusion.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace signx::search {

std::vector<Fused> ReciprocalRankFusion(std::span<const RankedRun> runs, double k) {
  struct Acc {
    double score = 0;
    std::size_t first_run = std::numeric_limits<std::size_t>::max();
    std::size_t first_rank = 0;
  };
  std::unordered_map<std::string, Acc> acc;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const RankedRun& run = runs[r];
    for (std::size_t i = 0; i < run.ids.size(); ++i) {
      Acc& a = acc[run.ids[i]];
      a.score += run.weight / (k + static_cast<double>(i + 1));
      if (a.first_run == std::numeric_limits<std::size_t>::max()) {
        a.first_run = r;
        a.first_rank = i;
      }
    }
  }
  std::vector<std::pair<const std::string*, const Acc*>> order;
  order.reserve(acc.size());
  for (const auto& [id, a] : acc) order.emplace_back(&id, &a);
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    if (x.second->score != y.second->score) return x.second->score > y.second->score;
    if (x.second->first_run != y.second->first_run)
      return x.second->first_run < y.second->first_run;
    if (x.second->first_rank != y.second->first_rank) {
      return x.second->first_rank < y.second->first_rank;
    }
    return *x.first < *y.first;
  });
  std::vector<Fused> out;
  out.reserve(order.size());
  for (const auto& [id, a] : order) out.push_back({*id, a->score});
  return out;
}

}  // namespace signx::search
