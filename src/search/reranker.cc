#include "search/reranker.h"

#include <xgboost/c_api.h>

#include <cstdint>

#include "ml/xgboost.h"

namespace signx::search {

const std::vector<std::string>& RerankFeatureNames() {
  static const std::vector<std::string> names = {"bm25_over_max",      "bm25",
                                                 "log_rank",           "idf_coverage",
                                                 "idf_coverage_first", "idf_coverage_rest",
                                                 "term_coverage",      "tfidf_first",
                                                 "tfidf_rest",         "log_length",
                                                 "ordered_bigrams",    "near_pairs",
                                                 "log_query_terms",    "max_idf_matched",
                                                 "bm25_zscore",        "first_match_pos",
                                                 "feedback_coverage",  "feedback_tfidf",
                                                 "semantic_cosine",    "soft_match"};
  return names;
}

Reranker::Reranker(std::unique_ptr<ml::Booster> booster) : booster_(std::move(booster)) {}
Reranker::~Reranker() = default;

Result<std::shared_ptr<const Reranker>> Reranker::Train(std::span<const RerankGroup> groups,
                                                        const RerankTrainOptions& options) {
  std::vector<float> x;
  std::vector<float> y;
  std::vector<unsigned> group_sizes;
  for (const RerankGroup& g : groups) {
    const std::size_t rows = g.labels.size();
    if (rows == 0 || g.features.size() != rows * kNumRerankFeatures) continue;
    bool pos = false, neg = false;
    for (float l : g.labels) (l > 0 ? pos : neg) = true;
    if (!pos || !neg) continue;
    x.insert(x.end(), g.features.begin(), g.features.end());
    y.insert(y.end(), g.labels.begin(), g.labels.end());
    group_sizes.push_back(static_cast<unsigned>(rows));
  }
  if (group_sizes.empty()) {
    return InvalidArgument("reranker: no query has both relevant and non-relevant candidates");
  }
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix train,
                         ml::DMatrix::FromDense(x, y.size(), kNumRerankFeatures));
  SIGNX_RETURN_IF_ERROR(train.SetLabels(y));
  if (XGDMatrixSetUIntInfo(train.handle(), "group", group_sizes.data(),
                           static_cast<bst_ulong>(group_sizes.size())) != 0) {
    return Internal(std::string("reranker: setting groups: ") + XGBGetLastError());
  }
  ml::TrainOptions o;
  o.params = {{"objective", "rank:ndcg"},
              {"max_depth", std::to_string(options.max_depth)},
              {"eta", std::to_string(options.eta)},
              {"min_child_weight", "1"},
              {"subsample", "0.8"},
              {"colsample_bytree", "0.8"}};
  o.num_rounds = options.rounds;
  o.eval_metric = "ndcg@10";
  o.seed = options.seed;
  o.nthread = options.nthread;
  SIGNX_ASSIGN_OR_RETURN(ml::Booster booster, ml::Booster::Train(train, nullptr, o));
  SIGNX_RETURN_IF_ERROR(booster.SetParam("nthread", "1"));
  return std::shared_ptr<const Reranker>(
      new Reranker(std::make_unique<ml::Booster>(std::move(booster))));
}

Result<std::shared_ptr<const Reranker>> Reranker::Load(std::string_view bytes) {
  SIGNX_ASSIGN_OR_RETURN(ml::Booster booster, ml::Booster::LoadRaw(bytes));
  SIGNX_ASSIGN_OR_RETURN(std::size_t n, booster.NumFeatures());
  if (n != kNumRerankFeatures) {
    return InvalidArgument("reranker: the model was trained on a different feature set");
  }
  SIGNX_RETURN_IF_ERROR(booster.SetParam("nthread", "1"));
  return std::shared_ptr<const Reranker>(
      new Reranker(std::make_unique<ml::Booster>(std::move(booster))));
}

Result<std::string> Reranker::Save() const { return booster_->SaveRaw(); }

Result<std::vector<float>> Reranker::Score(std::span<const float> features) const {
  if (features.size() % kNumRerankFeatures != 0) {
    return InvalidArgument("reranker: feature matrix has the wrong width");
  }
  SIGNX_ASSIGN_OR_RETURN(
      ml::DMatrix m,
      ml::DMatrix::FromDense(features, features.size() / kNumRerankFeatures, kNumRerankFeatures));
  return booster_->PredictMargin(m);
}

}  // namespace signx::search
