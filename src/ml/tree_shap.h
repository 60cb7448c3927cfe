// Exact TreeSHAP over our own compact copy of an XGBoost tree ensemble.
//
// TreeEnsemble parses the booster's JSON model (Booster::SaveRaw(kJson): split feature,
// threshold, default direction for missing values, children, leaf values and cover = sum of
// hessians per node) into flat arrays, nodes of each tree in depth-first pre-order. It computes
// the same quantities as XGBoost 1.7 for gbtree models with one output group and numeric splits:
//   - PredictMargin: the raw margin (base margin + sum of leaf values);
//   - Contributions: exact SHAP values (the interventional-free "tree path dependent" TreeSHAP
//     of Lundberg et al. that XGBoost's pred_contribs computes), one per feature plus the bias
//     as the last element; the values sum to the margin.
// Two exact algorithms are implemented:
//   - kPolynomial: Lundberg's Algorithm 2 (EXTEND/UNWIND of the unique path, O(L·D²) per tree),
//     the algorithm XGBoost itself uses;
//   - kPrecomputed: "Fast TreeSHAP v2" (Yang 2021). For every leaf with unique path features F
//     (cover fractions z_j, merged over repeated splits) and every subset A of F the table
//       T_leaf[A] = v_leaf · Σ_{S⊆A} |S|!(|F|-|S|-1)!/|F|! · Π_{j∈F∖S} z_j
//     is computed once at load. For a row, Sat ⊆ F is the set of path features whose splits the
//     row all follows (missing values follow the default direction). Then the leaf adds
//       φ_i += T[Sat∖{i}]·(1−z_i)/z_i   for i ∈ Sat,
//       φ_i −= T[Sat]                   for i ∈ F∖Sat,
//     which is the same sum as Algorithm 2, in O(L·D) per tree and row. It runs without a branch
//     on the row's data (a pass over the splits level by level gives every leaf its Sat, then a
//     pass over the terms grouped by feature sums each φ_i in registers), and two sibling leaves
//     share one slot whose merged tables give one term per path feature for both (BuildTables):
//     on the lead model, 45 → 15 µs per lead with reasons. Tables are built only when
//     every leaf has at most kMaxPrecomputedDepth unique path features (memory 2^D per leaf);
//     otherwise kAuto falls back to kPolynomial.
// Both are checked against XGBoost's own pred_contribs in tree_shap_test.cc (to 1e-5).
//
// Thread-safety: immutable after construction; every const method may run concurrently. The
// per-call scratch space lives on the caller's stack or in thread_local buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ml/xgboost.h"

namespace signx::ml {

class TreeEnsemble {
 public:
  enum class Algorithm { kAuto, kPolynomial, kPrecomputed };
  static constexpr int kMaxPrecomputedDepth = 10;

  // Parses XGBoost 1.x JSON model text. Supports gbtree (not dart) with one output group and
  // numeric splits; objectives whose base score maps to a margin by identity, logit or log.
  static Result<TreeEnsemble> FromXGBoostJson(std::string_view json);
  // SaveRaw(kJson) + FromXGBoostJson, then checks that PredictMargin agrees with the booster on
  // an all-missing row (catches an unsupported model feature rather than answering wrongly).
  static Result<TreeEnsemble> FromBooster(const Booster& booster);

  std::size_t num_features() const { return num_features_; }
  std::size_t num_trees() const { return tree_begin_.size() - 1; }
  std::size_t num_nodes() const { return feature_.size(); }
  double base_margin() const { return base_margin_; }
  // Σ over trees of the cover-weighted mean leaf value, plus the base margin: the bias column.
  double expected_value() const { return expected_value_; }
  bool has_precomputed() const { return !feature_terms_.empty(); }
  // Bytes held by the precomputed tables and terms (0 when none).
  std::size_t precomputed_bytes() const {
    return table_.size() * sizeof(double) + terms_.size() * sizeof(PathTerm);
  }

  // `row` has num_features() values, NaN = missing.
  double PredictMargin(std::span<const float> row) const;
  // XGBoost's own prediction bit for bit: the margin accumulated in float from the base margin
  // in tree order, then the objective's transform in float (sigmoid for logistic objectives,
  // exp for log links, identity otherwise) — what Booster::Predict returns for the row. Much
  // cheaper for one row than a DMatrix round trip. FromBooster checks the equality on sample
  // rows; predict_matches_booster() says whether it held.
  float Predict(std::span<const float> row) const;
  // The float margin before the transform (XGBoost's PredictMargin for the row, bit for bit
  // when predict_matches_booster()).
  float MarginAsXGBoost(std::span<const float> row) const;
  bool predict_matches_booster() const { return predict_matches_booster_; }
  // Writes num_features() + 1 values (last = bias) into `out` (overwritten, not accumulated).
  void Contributions(std::span<const float> row, std::span<double> out,
                     Algorithm algorithm = Algorithm::kAuto) const;

 private:
  TreeEnsemble() = default;
  void BuildTables();
  void BuildSteps();
  // The leaf `row` reaches in tree `t` (missing values follow the default direction).
  std::uint32_t LeafOf(std::size_t t, std::span<const float> row) const;
  void ContributionsPolynomial(std::span<const float> row, std::span<double> out) const;
  void ContributionsPrecomputed(std::span<const float> row, std::span<double> out) const;

  std::size_t num_features_ = 0;
  double base_margin_ = 0;
  double expected_value_ = 0;
  enum class Link { kIdentity, kLogistic, kLog } link_ = Link::kIdentity;
  bool predict_matches_booster_ = false;
  int max_depth_ = 0;

  // Nodes of all trees; tree t owns [tree_begin_[t], tree_begin_[t+1]). Pre-order, so the left
  // child of an internal node i is i + 1; right_[i] is a global index; feature_[i] < 0 = leaf.
  std::vector<std::uint32_t> tree_begin_;
  std::vector<std::int32_t> feature_;
  std::vector<float> threshold_;
  std::vector<std::uint32_t> right_;
  std::vector<std::uint8_t> default_left_;
  std::vector<double> value_;  // leaf value (leaves only)
  std::vector<double> cover_;  // sum of hessians

  // The nodes again, for MarginAsXGBoost: all trees walk max_depth_ steps in lockstep, each step
  // choosing a child without a data-dependent branch (whether a row goes left is data: a branch
  // on it mispredicts about half the time); a leaf steps to itself.
  struct Step {
    std::uint32_t child[2];  // [0] left, [1] right; both the node itself for a leaf
    std::int32_t feature;    // 0 for a leaf (any feature: both children are the same)
    float threshold;
    std::uint32_t default_left;  // 1 or 0
  };
  std::vector<Step> steps_;

  // Fast TreeSHAP v2 data (empty when not built). A row is explained in two passes without a
  // data-dependent branch: (1) the internal nodes, parents first, hand each child the mask of
  // path features the row still follows, and each leaf's mask becomes its Sat; (2) the terms of
  // every (leaf, path feature), stored grouped by feature, are summed feature by feature into a
  // register — no read-modify-write of one feature's sum after another.
  struct PathTerm {
    std::uint32_t table_offset;  // the leaf's table in table_
    std::uint32_t slot_bit;      // the leaf's slot << 4 | the feature's bit k on its path
    double factor[2];            // by the bit of Sat: −1 (row misses k), (1 − z_k) / z_k
  };
  struct Split {  // an internal node, with what pass 1 reads of it in one place
    std::uint32_t node;
    std::uint32_t right;
    std::int32_t feature;
    float threshold;
    std::uint32_t bit;           // 1 << the bit of its feature on its leaves' paths
    std::uint32_t default_left;  // 1 or 0
  };
  std::vector<Split> splits_;  // internal nodes level by level across trees
  struct Slot {             // a leaf with a non-empty path, or two sibling leaves (see BuildTables)
    std::uint32_t node;     // the (left) leaf
    std::uint32_t sibling;  // the right leaf; num_nodes() (mask 0) for a lone leaf
    std::uint32_t mask;     // (1 << |F|) − 1
    std::uint8_t sibling_bit;    // Sat' = (m[node] & mask) | bit sibling_bit of m[sibling]
    std::uint8_t sibling_shift;  //        << sibling_shift
  };
  std::vector<Slot> slots_;
  std::vector<PathTerm> terms_;               // grouped by feature, then by slot
  std::vector<std::uint32_t> feature_terms_;  // feature f: terms_[feature_terms_[f], [f + 1])
  std::vector<double> table_;
};

}  // namespace signx::ml
