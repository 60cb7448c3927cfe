#include "ml/model_selection.h"

namespace signx::ml {

std::vector<GridPoint> HyperparameterGrid(const std::vector<int>& depths,
                                          const std::vector<double>& etas, GridPoint fallback) {
  if (depths.empty() || etas.empty()) return {fallback};
  std::vector<GridPoint> grid;
  grid.reserve(depths.size() * etas.size());
  for (const int depth : depths) {
    for (const double eta : etas) grid.push_back({depth, eta});
  }
  return grid;
}

std::size_t FewestNodesAmong(std::span<const std::size_t> nodes,
                             const std::function<bool(std::size_t)>& acceptable) {
  std::size_t pick = 0;
  bool picked = false;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    if (!acceptable(k)) continue;
    if (!picked || nodes[k] < nodes[pick]) pick = k;
    picked = true;
  }
  return pick;
}

}  // namespace signx::ml
