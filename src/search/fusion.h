// Rank fusion of retrieval runs: pure functions over ranked lists, no I/O.
// Thread-safety: pure; safe from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace signx::search {

// One ranked run: ids best first.
struct RankedRun {
  std::vector<std::string> ids;
  double weight = 1.0;
};

struct Fused {
  std::string id;
  double score = 0;
};

// Reciprocal-rank fusion (Cormack et al., SIGIR 2009): score(d) = Σ_runs weight / (k + rank),
// rank counted from 1; a run that lacks d adds nothing. Best first; ties by the better rank in
// the earliest run, then by id, so the order is deterministic.
std::vector<Fused> ReciprocalRankFusion(std::span<const RankedRun> runs, double k = 60);

}  // namespace signx::search
