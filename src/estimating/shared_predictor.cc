#include "estimating/shared_predictor.h"

#include <mutex>
#include <unordered_map>
#include <utility>

#include "base/sha256.h"
#include "estimating/cost_model.h"

namespace signx::estimating {
namespace {

struct Table {
  std::mutex mu;
  std::unordered_map<std::string, std::weak_ptr<const CostPredictor>> by_sha;  // guarded by mu

  // Drops the entries whose predictor is gone (requires mu held).
  void PruneLocked() {
    std::erase_if(by_sha, [](const auto& e) { return e.second.expired(); });
  }
};

Table& SharedTable() {
  static Table* table = new Table();  // never destroyed: used until the process exits
  return *table;
}

}  // namespace

Result<std::shared_ptr<const CostPredictor>> LoadCostPredictor(const std::string& bundle_bytes) {
  const std::string sha = Sha256Hex(bundle_bytes);
  Table& t = SharedTable();
  {
    std::lock_guard lock(t.mu);
    if (auto it = t.by_sha.find(sha); it != t.by_sha.end()) {
      if (auto live = it->second.lock()) return live;
    }
  }
  SIGNX_ASSIGN_OR_RETURN(CostBundle bundle, ParseCostBundle(bundle_bytes));
  SIGNX_ASSIGN_OR_RETURN(std::shared_ptr<const CostPredictor> built,
                         CostPredictor::Create(std::move(bundle)));
  std::lock_guard lock(t.mu);
  t.PruneLocked();
  auto& slot = t.by_sha[sha];
  if (auto live = slot.lock()) return live;  // another load of the same bytes finished first
  slot = built;
  return built;
}

std::size_t LiveSharedCostPredictors() {
  Table& t = SharedTable();
  std::lock_guard lock(t.mu);
  t.PruneLocked();
  return t.by_sha.size();
}

}  // namespace signx::estimating
