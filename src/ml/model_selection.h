// Choosing a compact XGBoost configuration by validation, shared by the lead and cost models: a
// (max_depth, eta) grid, then the candidate with the fewest tree nodes (the cheapest exact
// TreeSHAP) among those whose validation score is close enough to the best.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace signx::ml {

struct GridPoint {
  int max_depth = 0;
  double eta = 0;
};

// Every depth × every eta, depth-major; just `fallback` when either list is empty.
std::vector<GridPoint> HyperparameterGrid(const std::vector<int>& depths,
                                          const std::vector<double>& etas, GridPoint fallback);

// Index of the candidate with the fewest nodes among those `acceptable(index)` admits (the first
// on ties); 0 when none is admitted.
std::size_t FewestNodesAmong(std::span<const std::size_t> nodes,
                             const std::function<bool(std::size_t)>& acceptable);

}  // namespace signx::ml
