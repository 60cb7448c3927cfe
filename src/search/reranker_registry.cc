#include "search/reranker_registry.h"

#include <boost/json.hpp>

#include "base/sha256.h"

namespace signx::search {

namespace json = boost::json;

Result<std::optional<LoadedReranker>> LoadProductionReranker(ml::ModelRegistry& registry) {
  SIGNX_ASSIGN_OR_RETURN(auto version,
                         registry.Production(ml::Owner::Platform(), std::string(kRerankerModel)));
  if (!version) return std::optional<LoadedReranker>();
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry.ReadBytes(*version));
  SIGNX_ASSIGN_OR_RETURN(std::shared_ptr<const Reranker> model, Reranker::Load(bytes));
  return std::optional<LoadedReranker>(LoadedReranker{std::move(model), version->version});
}

Result<std::string> ProductionRerankerVersion(ml::ModelRegistry& registry) {
  SIGNX_ASSIGN_OR_RETURN(auto version,
                         registry.Production(ml::Owner::Platform(), std::string(kRerankerModel)));
  return version ? version->version : std::string();
}

Result<ml::ModelVersion> RegisterReranker(ml::ModelRegistry& registry, const Reranker& model,
                                          json::object card, const std::string& created_by,
                                          bool promote) {
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, model.Save());
  const std::string version = "rr-" + Sha256Hex(bytes).substr(0, 12);
  json::array features;
  for (const auto& f : RerankFeatureNames()) features.push_back(json::value(f));
  card["name"] = std::string(kRerankerModel);
  card["kind"] =
      "XGBoost rank:ndcg over 20 lexical and LSA features of the top BM25 candidates "
      "(src/search/reranker.h)";
  card["features"] = std::move(features);
  SIGNX_ASSIGN_OR_RETURN(ml::ModelVersion v,
                         registry.Register(ml::Owner::Platform(), std::string(kRerankerModel),
                                           version, bytes, json::serialize(card), created_by));
  if (!promote) return v;
  return registry.Promote(ml::Owner::Platform(), std::string(kRerankerModel), version);
}

}  // namespace signx::search
