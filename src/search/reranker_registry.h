// The learned re-ranker (reranker.h) in the model registry (ml/registry.h): the model
// `signx train retrieval` registers as "search-reranker" (platform-owned, with its model card)
// and what product search (documents) and `signx bench retrieval --registry` load — one path,
// so the benchmark measures the model the product serves.
//
// Thread-safety: functions of the (thread-safe) registry.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ml/registry.h"
#include "search/reranker.h"

namespace signx::search {

inline constexpr std::string_view kRerankerModel = "search-reranker";

struct LoadedReranker {
  std::shared_ptr<const Reranker> model;
  std::string version;
};

// The platform's production re-ranker; nullopt when none is registered (search is BM25 then).
Result<std::optional<LoadedReranker>> LoadProductionReranker(ml::ModelRegistry& registry);

// The platform's production version id, "" when none (cheap: one row).
Result<std::string> ProductionRerankerVersion(ml::ModelRegistry& registry);

// Registers `model` for the platform as "rr-<first 12 hex of SHA-256 of its bytes>" (so the
// same training run registers the same version) with `card` (plus name, kind and features), and
// promotes it when `promote`.
Result<ml::ModelVersion> RegisterReranker(ml::ModelRegistry& registry, const Reranker& model,
                                          boost::json::object card, const std::string& created_by,
                                          bool promote);

}  // namespace signx::search
