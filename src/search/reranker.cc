#include "search/reranker.h"

#include <xgboost/c_api.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>

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

namespace {

namespace json = boost::json;

const json::array* ArrayAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_array() : nullptr;
}

// A JSON number, bool or numeric string (XGBoost writes some scalars as strings, e.g. "5E-1").
std::optional<double> Number(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_bool()) return v->get_bool() ? 1.0 : 0.0;
  if (v->is_number()) return v->to_number<double>();
  if (v->is_string()) {
    try {
      return std::stod(std::string(v->get_string()));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

Reranker::Reranker(std::unique_ptr<ml::Booster> booster) : booster_(std::move(booster)) {
  BuildNative();
}
Reranker::~Reranker() = default;

void Reranker::BuildNative() {
  nodes_.clear();
  roots_.clear();
  depth_.clear();
  auto text = booster_->SaveRaw(ml::Booster::Format::kJson);
  if (!text.ok()) return;
  boost::system::error_code ec;
  const json::value root = json::parse(*text, ec);
  if (ec || !root.is_object()) return;
  const json::value* learner_v = root.get_object().if_contains("learner");
  const json::object* learner = learner_v ? learner_v->if_object() : nullptr;
  if (learner == nullptr) return;
  // Objectives whose margin starts at base_score itself (no link): the ranking ones.
  const json::value* obj = learner->if_contains("objective");
  const json::value* obj_name =
      obj && obj->is_object() ? obj->get_object().if_contains("name") : nullptr;
  if (obj_name == nullptr || !obj_name->is_string() ||
      !std::string_view(obj_name->get_string()).starts_with("rank:")) {
    return;
  }
  const json::value* lmp = learner->if_contains("learner_model_param");
  if (lmp == nullptr || !lmp->is_object()) return;
  const auto base = Number(lmp->get_object().if_contains("base_score"));
  const auto num_feature = Number(lmp->get_object().if_contains("num_feature"));
  if (!base || !num_feature || *num_feature != static_cast<double>(kNumRerankFeatures)) return;
  const json::value* gb = learner->if_contains("gradient_booster");
  const json::value* gb_name =
      gb && gb->is_object() ? gb->get_object().if_contains("name") : nullptr;
  if (gb_name == nullptr || !gb_name->is_string() || gb_name->get_string() != "gbtree") return;
  const json::value* model = gb->get_object().if_contains("model");
  const json::array* trees =
      model && model->is_object() ? ArrayAt(model->get_object(), "trees") : nullptr;
  if (trees == nullptr) return;
  std::vector<Node> nodes;
  std::vector<std::uint32_t> roots;
  std::vector<int> depths;
  for (const json::value& tv : *trees) {
    const json::object* t = tv.if_object();
    if (t == nullptr) return;
    const json::array* left = ArrayAt(*t, "left_children");
    const json::array* right = ArrayAt(*t, "right_children");
    const json::array* feat = ArrayAt(*t, "split_indices");
    const json::array* cond = ArrayAt(*t, "split_conditions");
    const json::array* dleft = ArrayAt(*t, "default_left");
    if (!left || !right || !feat || !cond || !dleft) return;
    const std::size_t n = left->size();
    if (n == 0 || right->size() != n || feat->size() != n || cond->size() != n ||
        dleft->size() != n) {
      return;
    }
    if (const json::array* st = ArrayAt(*t, "split_type")) {
      for (const json::value& v : *st) {
        if (Number(&v).value_or(1) != 0) return;  // categorical splits: leave it to XGBoost
      }
    }
    const auto base_index = static_cast<std::uint32_t>(nodes.size());
    roots.push_back(base_index);
    for (std::size_t i = 0; i < n; ++i) {
      const auto l = Number(&(*left)[i]), r = Number(&(*right)[i]), f = Number(&(*feat)[i]),
                 c = Number(&(*cond)[i]), d = Number(&(*dleft)[i]);
      if (!l || !r || !f || !c || !d) return;
      Node node;
      node.value = static_cast<float>(*c);
      const auto self = base_index + static_cast<std::uint32_t>(i);
      node.left = node.right = self;  // a leaf: every step stays
      if (*l >= 0) {
        if (*l >= static_cast<double>(n) || *r < 0 || *r >= static_cast<double>(n) || *f < 0 ||
            *f >= static_cast<double>(kNumRerankFeatures)) {
          return;
        }
        node.split = static_cast<std::uint32_t>(*f);
        node.left = base_index + static_cast<std::uint32_t>(*l);
        node.right = base_index + static_cast<std::uint32_t>(*r);
        node.default_left = *d != 0;
      }
      nodes.push_back(node);
    }
    // The tree's depth (steps from the root to its deepest leaf); a cycle or an unreachable
    // shape makes it unusable here.
    int depth = 0;
    std::vector<std::pair<std::uint32_t, int>> stack{{base_index, 0}};
    std::size_t visited = 0;
    while (!stack.empty()) {
      const auto [at, dep] = stack.back();
      stack.pop_back();
      if (++visited > n) return;
      const Node& node = nodes[at];
      if (node.left == at) {
        depth = std::max(depth, dep);
      } else {
        stack.emplace_back(node.left, dep + 1);
        stack.emplace_back(node.right, dep + 1);
      }
    }
    depths.push_back(depth);
  }
  if (roots.empty()) return;
  nodes_ = std::move(nodes);
  roots_ = std::move(roots);
  depth_ = std::move(depths);
  base_margin_ = static_cast<float>(*base);

  // The check: XGBoost's margins on rows built around the split thresholds (each feature at a
  // threshold of its own, just below or above it, or missing) must equal ours bit for bit.
  std::vector<std::vector<float>> thresholds(kNumRerankFeatures);
  for (const Node& node : nodes_) {
    if (node.left != node.right) thresholds[node.split].push_back(node.value);
  }
  constexpr std::size_t kRows = 64;
  std::mt19937 rng(7);
  std::vector<float> rows(kRows * kNumRerankFeatures);
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::size_t f = 0; f < kNumRerankFeatures; ++f) {
      float& x = rows[r * kNumRerankFeatures + f];
      const auto& th = thresholds[f];
      if (th.empty() || r == 0) {
        x = r == 0 ? std::numeric_limits<float>::quiet_NaN() : 0.0f;
        continue;
      }
      x = th[rng() % th.size()];
      switch (rng() % 4) {
        case 0:
          x = std::nextafter(x, -std::numeric_limits<float>::infinity());
          break;
        case 1:
          x = std::nextafter(x, std::numeric_limits<float>::infinity());
          break;
        case 2:
          if (r % 5 == 0) x = std::numeric_limits<float>::quiet_NaN();
          break;
        default:
          break;
      }
    }
  }
  auto want = ScoreWithXGBoost(rows);
  bool same = want.ok() && want->size() == kRows;
  for (std::size_t r = 0; same && r < kRows; ++r) {
    same = NativeMargin(rows.data() + r * kNumRerankFeatures) == (*want)[r];
  }
  if (!same) {
    nodes_.clear();
    roots_.clear();
    depth_.clear();
  }
}

float Reranker::NativeMargin(const float* row) const {
  float sum = base_margin_;
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    std::uint32_t i = roots_[t];
    for (int d = 0; d < depth_[t]; ++d) {
      const Node& node = nodes_[i];
      const float v = row[node.split];
      i = (std::isnan(v) ? node.default_left : v < node.value) ? node.left : node.right;
    }
    sum += nodes_[i].value;
  }
  return sum;
}

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
  if (!native()) return ScoreWithXGBoost(features);
  // Tree by tree over all rows (a tree's nodes stay in cache, as in XGBoost's predictor); each
  // row still adds its leaves in tree order, so the float sums are XGBoost's.
  // Rows walk a tree in lockstep, kLanes at a time, for a fixed depth_[t] steps without
  // branches (a leaf points to itself), so the lanes' dependent loads overlap.
  constexpr std::size_t kLanes = 8;
  const std::size_t rows = features.size() / kNumRerankFeatures;
  std::vector<float> out(rows, base_margin_);
  const float* x = features.data();
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    const std::uint32_t root = roots_[t];
    const int depth = depth_[t];
    for (std::size_t r0 = 0; r0 < rows; r0 += kLanes) {
      const std::size_t lanes = std::min(kLanes, rows - r0);
      std::uint32_t at[kLanes];
      for (std::size_t k = 0; k < kLanes; ++k) at[k] = root;
      for (int d = 0; d < depth; ++d) {
        for (std::size_t k = 0; k < lanes; ++k) {
          const Node& node = nodes_[at[k]];
          const float v = x[(r0 + k) * kNumRerankFeatures + static_cast<std::size_t>(node.split)];
          const bool go_left = std::isnan(v) ? node.default_left : v < node.value;
          at[k] = go_left ? node.left : node.right;
        }
      }
      for (std::size_t k = 0; k < lanes; ++k) out[r0 + k] += nodes_[at[k]].value;
    }
  }
  return out;
}

Result<std::vector<float>> Reranker::ScoreWithXGBoost(std::span<const float> features) const {
  if (features.size() % kNumRerankFeatures != 0) {
    return InvalidArgument("reranker: feature matrix has the wrong width");
  }
  if (features.empty()) return std::vector<float>();
  SIGNX_ASSIGN_OR_RETURN(
      ml::DMatrix m,
      ml::DMatrix::FromDense(features, features.size() / kNumRerankFeatures, kNumRerankFeatures));
  return booster_->PredictMargin(m);
}

}  // namespace signx::search
