#include "ml/tree_shap.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace signx::ml {
namespace json = boost::json;

namespace {

Result<double> NumberOrString(const json::value* v, std::string_view what) {
  if (v == nullptr) return InvalidArgument(fmt::format("XGBoost JSON model lacks {}", what));
  if (v->is_number()) return v->to_number<double>();
  if (v->is_string()) {
    const std::string s(v->get_string());
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() && *end == '\0') return d;
  }
  return InvalidArgument(fmt::format("XGBoost JSON model: {} is not a number", what));
}

const json::array* ArrayAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

double AsDouble(const json::value& v) {
  if (v.is_bool()) return v.get_bool() ? 1.0 : 0.0;
  return v.is_number() ? v.to_number<double>() : std::numeric_limits<double>::quiet_NaN();
}

// XGBoost 1.7's ObjFunction::ProbToMargin, in float as XGBoost computes it.
Result<double> BaseMargin(std::string_view objective, float base_score) {
  if (objective == "binary:logistic" || objective == "reg:logistic" ||
      objective == "binary:logitraw") {
    return static_cast<double>(-std::log(1.0f / base_score - 1.0f));
  }
  if (objective == "reg:squarederror" || objective == "reg:linear" ||
      objective == "reg:squaredlogerror" || objective == "reg:pseudohubererror" ||
      objective == "reg:absoluteerror") {
    return static_cast<double>(base_score);
  }
  if (objective == "reg:gamma" || objective == "reg:tweedie" || objective == "count:poisson") {
    return static_cast<double>(std::log(base_score));
  }
  return InvalidArgument(fmt::format("TreeSHAP: unsupported objective '{}'", objective));
}

// Lundberg et al., Algorithm 2, as in XGBoost's RegTree::TreeShap (double precision here).
struct PathElement {
  int feature = -1;
  double zero_fraction = 0;
  double one_fraction = 0;
  double pweight = 0;
};

void ExtendPath(PathElement* path, unsigned depth, double zero_fraction, double one_fraction,
                int feature) {
  path[depth] = {feature, zero_fraction, one_fraction, depth == 0 ? 1.0 : 0.0};
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    path[i + 1].pweight += one_fraction * path[i].pweight * (i + 1) / (depth + 1);
    path[i].pweight = zero_fraction * path[i].pweight * (depth - i) / (depth + 1);
  }
}

void UnwindPath(PathElement* path, unsigned depth, unsigned index) {
  const double one_fraction = path[index].one_fraction;
  const double zero_fraction = path[index].zero_fraction;
  double next_one_portion = path[depth].pweight;
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const double tmp = path[i].pweight;
      path[i].pweight = next_one_portion * (depth + 1) / ((i + 1) * one_fraction);
      next_one_portion = tmp - path[i].pweight * zero_fraction * (depth - i) / (depth + 1);
    } else {
      path[i].pweight = path[i].pweight * (depth + 1) / (zero_fraction * (depth - i));
    }
  }
  for (unsigned i = index; i < depth; ++i) {
    path[i].feature = path[i + 1].feature;
    path[i].zero_fraction = path[i + 1].zero_fraction;
    path[i].one_fraction = path[i + 1].one_fraction;
  }
}

double UnwoundPathSum(const PathElement* path, unsigned depth, unsigned index) {
  const double one_fraction = path[index].one_fraction;
  const double zero_fraction = path[index].zero_fraction;
  double next_one_portion = path[depth].pweight;
  double total = 0;
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const double tmp = next_one_portion * (depth + 1) / ((i + 1) * one_fraction);
      total += tmp;
      next_one_portion = path[i].pweight - tmp * zero_fraction * (depth - i) / (depth + 1);
    } else if (zero_fraction != 0) {
      total += path[i].pweight / zero_fraction / ((depth - i) / static_cast<double>(depth + 1));
    }
  }
  return total;
}

}  // namespace

Result<TreeEnsemble> TreeEnsemble::FromXGBoostJson(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return InvalidArgument("XGBoost JSON model does not parse: " + ec.message());
  const auto* top = root.if_object();
  const auto* learner_v = top ? top->if_contains("learner") : nullptr;
  const auto* learner = learner_v ? learner_v->if_object() : nullptr;
  if (!learner) return InvalidArgument("XGBoost JSON model lacks learner");
  const auto* lmp_v = learner->if_contains("learner_model_param");
  const auto* lmp = lmp_v ? lmp_v->if_object() : nullptr;
  if (!lmp) return InvalidArgument("XGBoost JSON model lacks learner_model_param");
  SIGNX_ASSIGN_OR_RETURN(const double base_score,
                         NumberOrString(lmp->if_contains("base_score"), "base_score"));
  SIGNX_ASSIGN_OR_RETURN(const double num_feature,
                         NumberOrString(lmp->if_contains("num_feature"), "num_feature"));
  if (const auto* nc = lmp->if_contains("num_class")) {
    SIGNX_ASSIGN_OR_RETURN(const double n, NumberOrString(nc, "num_class"));
    if (n > 1) return InvalidArgument("TreeSHAP: multi-class models are not supported");
  }
  std::string objective;
  if (const auto* obj = learner->if_contains("objective"); obj && obj->is_object()) {
    if (const auto* name = obj->get_object().if_contains("name"); name && name->is_string()) {
      objective = std::string(name->get_string());
    }
  }
  SIGNX_ASSIGN_OR_RETURN(const double base_margin,
                         BaseMargin(objective, static_cast<float>(base_score)));
  Link link = Link::kIdentity;
  if (objective == "binary:logistic" || objective == "reg:logistic") link = Link::kLogistic;
  if (objective == "reg:gamma" || objective == "reg:tweedie" || objective == "count:poisson") {
    link = Link::kLog;
  }
  const auto* gb_v = learner->if_contains("gradient_booster");
  const auto* gb = gb_v ? gb_v->if_object() : nullptr;
  const auto* gb_name = gb ? gb->if_contains("name") : nullptr;
  if (!gb_name || !gb_name->is_string() || gb_name->get_string() != "gbtree") {
    return InvalidArgument("TreeSHAP: only gbtree boosters are supported");
  }
  const auto* model_v = gb->if_contains("model");
  const auto* model = model_v ? model_v->if_object() : nullptr;
  const auto* trees = model ? ArrayAt(*model, "trees") : nullptr;
  if (!trees) return InvalidArgument("XGBoost JSON model lacks gradient_booster.model.trees");
  if (const auto* info = ArrayAt(*model, "tree_info")) {
    for (const auto& g : *info) {
      if (AsDouble(g) != 0) return InvalidArgument("TreeSHAP: multi-output models unsupported");
    }
  }

  TreeEnsemble e;
  e.num_features_ = static_cast<std::size_t>(num_feature);
  e.base_margin_ = base_margin;
  e.link_ = link;
  e.tree_begin_.push_back(0);
  e.expected_value_ = base_margin;
  for (std::size_t t = 0; t < trees->size(); ++t) {
    const auto* to = (*trees)[t].if_object();
    if (!to) return InvalidArgument("XGBoost JSON model: a tree is not an object");
    const auto* left = ArrayAt(*to, "left_children");
    const auto* right = ArrayAt(*to, "right_children");
    const auto* feat = ArrayAt(*to, "split_indices");
    const auto* cond = ArrayAt(*to, "split_conditions");
    const auto* dleft = ArrayAt(*to, "default_left");
    const auto* hess = ArrayAt(*to, "sum_hessian");
    const auto* stype = ArrayAt(*to, "split_type");
    if (!left || !right || !feat || !cond || !dleft || !hess) {
      return InvalidArgument(fmt::format("XGBoost JSON model: tree {} lacks node arrays", t));
    }
    const std::size_t n = left->size();
    if (n == 0 || right->size() != n || feat->size() != n || cond->size() != n ||
        dleft->size() != n || hess->size() != n || (stype && stype->size() != n)) {
      return InvalidArgument(fmt::format("XGBoost JSON model: tree {} has ragged arrays", t));
    }
    // Depth-first pre-order copy from the root (deleted nodes are unreachable and dropped).
    const std::uint32_t base = static_cast<std::uint32_t>(e.feature_.size());
    struct Item {
      std::int64_t src;
      std::int64_t parent_dst;  // -1 for the root; else the new index whose right_ to set
      int depth;
    };
    std::vector<Item> stack{{0, -1, 0}};
    std::size_t visited = 0;
    while (!stack.empty()) {
      const Item it = stack.back();
      stack.pop_back();
      if (it.src < 0 || static_cast<std::size_t>(it.src) >= n || ++visited > n) {
        return InvalidArgument(fmt::format("XGBoost JSON model: tree {} is malformed", t));
      }
      const std::size_t s = static_cast<std::size_t>(it.src);
      const std::uint32_t dst = static_cast<std::uint32_t>(e.feature_.size());
      if (it.parent_dst >= 0) e.right_[static_cast<std::size_t>(it.parent_dst)] = dst;
      const auto l = static_cast<std::int64_t>(AsDouble((*left)[s]));
      const auto r = static_cast<std::int64_t>(AsDouble((*right)[s]));
      const bool leaf = l < 0;
      const float c = static_cast<float>(AsDouble((*cond)[s]));
      e.cover_.push_back(static_cast<double>(static_cast<float>(AsDouble((*hess)[s]))));
      e.threshold_.push_back(leaf ? 0.0f : c);
      e.value_.push_back(leaf ? static_cast<double>(c) : 0.0);
      e.default_left_.push_back(AsDouble((*dleft)[s]) != 0 ? 1 : 0);
      e.right_.push_back(0);
      e.max_depth_ = std::max(e.max_depth_, it.depth);
      if (leaf) {
        e.feature_.push_back(-1);
        continue;
      }
      if (stype && AsDouble((*stype)[s]) != 0) {
        return InvalidArgument("TreeSHAP: categorical splits are not supported");
      }
      const double f = AsDouble((*feat)[s]);
      if (!(f >= 0) || f >= num_feature) {
        return InvalidArgument(
            fmt::format("XGBoost JSON model: tree {} splits on feature {}", t, f));
      }
      e.feature_.push_back(static_cast<std::int32_t>(f));
      // Right pushed first so the left child is visited next (= dst + 1).
      stack.push_back({r, dst, it.depth + 1});
      stack.push_back({l, -1, it.depth + 1});
    }
    const std::uint32_t end = static_cast<std::uint32_t>(e.feature_.size());
    e.tree_begin_.push_back(end);
    // Cover-weighted mean leaf value, as XGBoost's FillNodeMeanValues (children after parents
    // in pre-order, so a reverse sweep sees children first).
    std::vector<double> mean(end - base);
    for (std::uint32_t i = end; i-- > base;) {
      if (e.feature_[i] < 0) {
        mean[i - base] = e.value_[i];
      } else {
        const std::uint32_t li = i + 1, ri = e.right_[i];
        mean[i - base] =
            (mean[li - base] * e.cover_[li] + mean[ri - base] * e.cover_[ri]) / e.cover_[i];
      }
    }
    e.expected_value_ += mean[0];
  }
  e.BuildTables();
  e.BuildSteps();
  return e;
}

Result<TreeEnsemble> TreeEnsemble::FromBooster(const Booster& booster) {
  SIGNX_ASSIGN_OR_RETURN(const std::string text, booster.SaveRaw(Booster::Format::kJson));
  SIGNX_ASSIGN_OR_RETURN(TreeEnsemble e, FromXGBoostJson(text));
  SIGNX_ASSIGN_OR_RETURN(const std::size_t nf, booster.NumFeatures());
  if (nf != e.num_features_) {
    return Internal(
        fmt::format("TreeSHAP: booster has {} features, its JSON {}", nf, e.num_features_));
  }
  // Self-check on two rows: all missing and all zero.
  std::vector<float> rows(2 * nf, std::numeric_limits<float>::quiet_NaN());
  std::fill(rows.begin() + static_cast<std::ptrdiff_t>(nf), rows.end(), 0.0f);
  // Plus rows that take each tree's first split both ways: one with every feature at +inf,
  // one at −inf.
  rows.resize(4 * nf);
  std::fill(rows.begin() + static_cast<std::ptrdiff_t>(2 * nf),
            rows.begin() + static_cast<std::ptrdiff_t>(3 * nf), 1e30f);
  std::fill(rows.begin() + static_cast<std::ptrdiff_t>(3 * nf), rows.end(), -1e30f);
  SIGNX_ASSIGN_OR_RETURN(DMatrix m, DMatrix::FromDense(rows, 4, nf));
  SIGNX_ASSIGN_OR_RETURN(const std::vector<float> margin, booster.PredictMargin(m));
  SIGNX_ASSIGN_OR_RETURN(const std::vector<float> pred, booster.Predict(m));
  e.predict_matches_booster_ = true;
  for (std::size_t r = 0; r < 4; ++r) {
    const std::span<const float> row(rows.data() + r * nf, nf);
    const double ours = e.PredictMargin(row);
    if (std::abs(ours - margin[r]) > 1e-4 * std::max(1.0, std::abs(ours))) {
      return Internal(fmt::format("TreeSHAP: compact model predicts {} where XGBoost predicts {}",
                                  ours, margin[r]));
    }
    if (e.Predict(row) != pred[r] || e.MarginAsXGBoost(row) != margin[r]) {
      e.predict_matches_booster_ = false;
    }
  }
  return e;
}

void TreeEnsemble::BuildTables() {
  const std::size_t n = feature_.size();
  splits_.clear();
  std::vector<std::uint8_t> node_bit(n, 0);
  slots_.clear();
  terms_.clear();
  feature_terms_.clear();
  table_.clear();
  constexpr int kMax = kMaxPrecomputedDepth;
  // w[d][s] = s!(d-s-1)!/d!
  std::array<std::array<double, kMax + 1>, kMax + 1> w{};
  for (int d = 1; d <= kMax; ++d) {
    for (int s = 0; s < d; ++s) {
      w[d][s] = std::tgamma(s + 1.0) * std::tgamma(d - s) / std::tgamma(d + 1.0);
    }
  }
  struct State {
    int d = 0;
    std::array<std::int32_t, kMax> feat{};
    std::array<double, kMax> z{};
  };
  // The state of child `ch` of internal node `i` whose feature has bit `b` in `st`.
  auto child_state = [&](const State& st, std::uint32_t i, int b, std::uint32_t ch) {
    State s2 = st;
    const double ratio = cover_[ch] / cover_[i];
    if (b == st.d) {
      s2.feat[b] = feature_[i];
      s2.z[b] = ratio;
      s2.d = st.d + 1;
    } else {
      s2.z[b] *= ratio;
    }
    return s2;
  };
  // T_leaf[A] for every A ⊆ F (tree_shap.h), into `c`.
  std::vector<double> c;
  auto leaf_table = [&](std::uint32_t leaf, const State& st, std::vector<double>& out) {
    const int d = st.d;
    const std::size_t size = std::size_t{1} << d;
    c.assign(size, 0.0);
    for (std::size_t s = 0; s < size; ++s) {
      double p = w[d][std::popcount(s)];
      for (int k = 0; k < d; ++k) {
        if (!((s >> k) & 1U)) p *= st.z[k];
      }
      c[s] = p;
    }
    for (int k = 0; k < d; ++k) {  // subset sums: H[A] = Σ_{S⊆A} c[S]
      for (std::size_t a = 0; a < size; ++a) {
        if ((a >> k) & 1U) c[a] += c[a ^ (std::size_t{1} << k)];
      }
    }
    out.resize(size);
    for (std::size_t a = 0; a < size; ++a) out[a] = value_[leaf] * c[a];
  };
  auto ratios_ok = [](const State& st) {
    for (int k = 0; k < st.d; ++k) {
      if (!(st.z[k] > 0)) return false;  // zero cover: the ratio form divides by z; Algorithm 2
    }
    return true;
  };
  auto ratio = [](double z) { return (1.0 - z) / z; };
  struct Term {
    std::int32_t feature;
    PathTerm term;
  };
  std::vector<Term> terms;
  std::vector<double> t1, t2;
  const auto zero_node = static_cast<std::uint32_t>(n);  // pass 1 keeps a 0 mask there
  bool ok = true;
  for (std::size_t t = 0; t + 1 < tree_begin_.size() && ok; ++t) {
    std::vector<std::pair<std::uint32_t, State>> stack{{tree_begin_[t], State{}}};
    while (!stack.empty() && ok) {
      auto [i, st] = stack.back();
      stack.pop_back();
      const auto slot = static_cast<std::uint32_t>(slots_.size());
      if (slot >= (1U << 28)) {  // slot_bit keeps 28 bits for the slot
        ok = false;
        break;
      }
      const auto offset = static_cast<std::uint32_t>(table_.size());
      if (feature_[i] < 0) {  // a leaf whose sibling is not a leaf (or a one-leaf tree)
        const int d = st.d;
        if (d == 0) continue;  // a one-leaf tree adds nothing to any feature
        if (!ratios_ok(st)) {
          ok = false;
          break;
        }
        slots_.push_back({i, zero_node, (1U << d) - 1U, 0, 0});
        for (int k = 0; k < d; ++k) {
          terms.push_back({st.feat[k], PathTerm{offset,
                                                slot << 4 | static_cast<std::uint32_t>(k),
                                                {-1.0, ratio(st.z[k])}}});
        }
        leaf_table(i, st, t1);
        table_.insert(table_.end(), t1.begin(), t1.end());
        continue;
      }
      const std::int32_t f = feature_[i];
      int b = 0;
      while (b < st.d && st.feat[b] != f) ++b;
      if (b == st.d && st.d == kMax) {
        ok = false;
        break;
      }
      node_bit[i] = static_cast<std::uint8_t>(b);
      const std::uint32_t left = i + 1, right = right_[i];
      const State s1 = child_state(st, i, b, left), s2 = child_state(st, i, b, right);
      if (feature_[left] >= 0 || feature_[right] >= 0) {
        stack.push_back({right, s2});
        stack.push_back({left, s1});
        continue;
      }
      // Two sibling leaves: the same path features, the same z except z_b, and Sats that differ
      // only in bit b (the left leaf has it when the row follows the other splits on f and goes
      // left, the right one when it follows them and goes right). One slot for both, with
      // Sat' = Sat_left | bit b of Sat_right << d, and one term per path feature instead of two:
      //   U[Sat'] = T_left[..] + T_right[..] serves every k ≠ b (same factor for both leaves);
      //   W[Sat'] = the two leaves' terms for b together, for the three possible states.
      if (!ratios_ok(s1) || !ratios_ok(s2)) {
        ok = false;
        break;
      }
      const int d = s1.d;
      leaf_table(left, s1, t1);
      leaf_table(right, s2, t2);
      const std::uint32_t low = (1U << d) - 1U, bb = 1U << b, bd = 1U << d;
      const std::size_t size = std::size_t{1} << (d + 1);
      const double r1 = ratio(s1.z[b]), r2 = ratio(s2.z[b]);
      for (std::uint32_t x = 0; x < size; ++x) {  // U
        const std::uint32_t rest = x & low & ~bb;
        table_.push_back(t1[rest | (x & bb)] + t2[rest | ((x & bd) != 0 ? bb : 0U)]);
      }
      for (std::uint32_t x = 0; x < size; ++x) {  // W
        const std::uint32_t rest = x & low & ~bb;
        const bool in1 = (x & bb) != 0, in2 = (x & bd) != 0;
        table_.push_back((in1 ? t1[rest] * r1 : -t1[rest]) + (in2 ? t2[rest] * r2 : -t2[rest]));
      }
      slots_.push_back(
          {left, right, low, static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(d)});
      for (int k = 0; k < d; ++k) {
        if (k == b) continue;
        terms.push_back(
            {s1.feat[k],
             PathTerm{offset, slot << 4 | static_cast<std::uint32_t>(k), {-1.0, ratio(s1.z[k])}}});
      }
      // Bit d + 1 is never set in Sat', so this term reads W[Sat'] with factor 1.
      terms.push_back({f, PathTerm{offset + static_cast<std::uint32_t>(size),
                                   slot << 4 | static_cast<std::uint32_t>(d + 1),
                                   {1.0, 1.0}}});
    }
  }
  if (!ok || table_.size() >= std::numeric_limits<std::uint32_t>::max()) {
    slots_.clear();
    table_.clear();
    return;
  }
  // Internal nodes level by level across all trees: parents before children, and consecutive
  // nodes independent (in pre-order the next node is mostly the left child, whose mask waits for
  // the store just made).
  std::vector<std::uint8_t> depth(n, 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (feature_[i] < 0) continue;
    depth[i + 1] = depth[right_[i]] = static_cast<std::uint8_t>(depth[i] + 1);
    splits_.push_back(
        {i, right_[i], feature_[i], threshold_[i], 1U << node_bit[i], default_left_[i] != 0});
  }
  std::stable_sort(splits_.begin(), splits_.end(),
                   [&](const Split& a, const Split& b) { return depth[a.node] < depth[b.node]; });
  // Grouped by feature, then by slot (so one feature's table reads move forward in memory).
  std::stable_sort(terms.begin(), terms.end(),
                   [](const Term& a, const Term& b) { return a.feature < b.feature; });
  feature_terms_.assign(num_features_ + 1, 0);
  terms_.reserve(terms.size());
  for (const Term& term : terms) {
    ++feature_terms_[static_cast<std::size_t>(term.feature) + 1];
    terms_.push_back(term.term);
  }
  for (std::size_t f = 0; f < num_features_; ++f) feature_terms_[f + 1] += feature_terms_[f];
}

std::uint32_t TreeEnsemble::LeafOf(std::size_t t, std::span<const float> row) const {
  std::uint32_t i = tree_begin_[t];
  while (feature_[i] >= 0) {
    const float x = row[static_cast<std::size_t>(feature_[i])];
    const bool left = std::isnan(x) ? default_left_[i] != 0 : x < threshold_[i];
    i = left ? i + 1 : right_[i];
  }
  return i;
}

double TreeEnsemble::PredictMargin(std::span<const float> row) const {
  double sum = base_margin_;
  for (std::size_t t = 0; t + 1 < tree_begin_.size(); ++t) sum += value_[LeafOf(t, row)];
  return sum;
}

void TreeEnsemble::BuildSteps() {
  steps_.resize(feature_.size());
  for (std::uint32_t i = 0; i < feature_.size(); ++i) {
    const bool leaf = feature_[i] < 0;
    steps_[i] = {{leaf ? i : i + 1, leaf ? i : right_[i]},
                 leaf ? 0 : feature_[i],
                 threshold_[i],
                 default_left_[i] != 0 ? 1U : 0U};
  }
}

float TreeEnsemble::MarginAsXGBoost(std::span<const float> row) const {
  const std::size_t trees = tree_begin_.size() - 1;
  thread_local std::vector<std::uint32_t> at;
  at.assign(tree_begin_.begin(), tree_begin_.end() - 1);
  std::uint32_t* node = at.data();
  const Step* steps = steps_.data();
  for (int d = 0; d < max_depth_; ++d) {
    for (std::size_t t = 0; t < trees; ++t) {  // the trees' walks are independent: they overlap
      const Step& s = steps[node[t]];
      const float x = row[static_cast<std::size_t>(s.feature)];
      // Left when x < threshold, or x is missing and the default is left (NaN < t is false).
      const std::uint32_t left =
          static_cast<std::uint32_t>(x < s.threshold) |
          (static_cast<std::uint32_t>(std::isunordered(x, x)) & s.default_left);
      node[t] = s.child[left ^ 1U];
    }
  }
  // Float accumulation in tree order, as XGBoost's predictor does.
  float sum = static_cast<float>(base_margin_);
  for (std::size_t t = 0; t < trees; ++t) sum += static_cast<float>(value_[node[t]]);
  return sum;
}

float TreeEnsemble::Predict(std::span<const float> row) const {
  const float sum = MarginAsXGBoost(row);
  switch (link_) {
    case Link::kLogistic:
      return 1.0f / (1.0f + std::exp(-sum));
    case Link::kLog:
      return std::exp(sum);
    case Link::kIdentity:
      break;
  }
  return sum;
}

void TreeEnsemble::Contributions(std::span<const float> row, std::span<double> out,
                                 Algorithm algorithm) const {
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(num_features_ + 1), 0.0);
  if (algorithm == Algorithm::kPolynomial || !has_precomputed()) {
    ContributionsPolynomial(row, out);
  } else {
    ContributionsPrecomputed(row, out);
  }
  out[num_features_] = expected_value_;
}

// Built twice, chosen at load by the CPU: for x86-64-v3 (BMI2's shifts by a register are one
// micro-op, not three: pass 2 shifts twice a term) and the baseline. Same bits (no FMA contraction,
// cmake/SignxOptions.cmake). One lead with reasons 13.6 → 12.8 µs in process.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void
TreeEnsemble::ContributionsPrecomputed(std::span<const float> row,
                                            std::span<double> out) const {
  thread_local std::vector<std::uint32_t> mask;
  thread_local std::vector<std::uint32_t> sat;
  mask.resize(feature_.size() + 1);
  sat.resize(slots_.size());
  std::uint32_t* m = mask.data();
  for (std::size_t t = 0; t + 1 < tree_begin_.size(); ++t) m[tree_begin_[t]] = ~0U;
  m[feature_.size()] = 0;  // what a one-leaf slot reads as its (absent) sibling
  // Pass 1. Whether the row follows a split is data, and missing values are common: a branch on
  // either mispredicts about as often as not, so neither is one (NaN < t is false).
  for (const Split& split : splits_) {
    const float x = row[static_cast<std::size_t>(split.feature)];
    // 1 when the row goes left: x < threshold, or x missing and the default is left. Computed
    // as integers and applied as a mask (GCC turns `cond ? a : b` here back into branches).
    const std::uint32_t left =
        static_cast<std::uint32_t>(x < split.threshold) |
        (static_cast<std::uint32_t>(std::isunordered(x, x)) & split.default_left);
    const std::uint32_t keep = m[split.node];
    const std::uint32_t lost = keep & split.bit;        // the feature's bit, if the parent had it
    const std::uint32_t to_right = lost & (0U - left);  // left: the right child loses the bit
    m[split.node + 1] = keep ^ (lost ^ to_right);
    m[split.right] = keep ^ to_right;
  }
  for (std::size_t s = 0; s < slots_.size(); ++s) {
    const Slot& slot = slots_[s];
    sat[s] = (m[slot.node] & slot.mask) | ((m[slot.sibling] >> slot.sibling_bit) & 1U)
                                              << slot.sibling_shift;
  }
  // Pass 2. A leaf's term for its path feature k is T[Sat∖{k}]·r_k when the row follows that
  // feature's splits (bit k of Sat), −T[Sat] otherwise; the bit picks both, without a branch.
  const double* table = table_.data();
  const std::uint32_t* leaf_sat = sat.data();
  auto value = [&](const PathTerm& term) {
    const std::uint32_t s = leaf_sat[term.slot_bit >> 4];
    const std::uint32_t k = term.slot_bit & 15U;
    const std::uint32_t hit = (s >> k) & 1U;
    return table[term.table_offset + (s ^ (hit << k))] * term.factor[hit];
  };
  for (std::size_t f = 0; f < num_features_; ++f) {
    // Four independent sums, so the table reads (mostly from L2) overlap.
    double a = 0, b = 0, c = 0, d = 0;
    const PathTerm* term = terms_.data() + feature_terms_[f];
    const PathTerm* const end = terms_.data() + feature_terms_[f + 1];
    for (; end - term >= 4; term += 4) {
      a += value(term[0]);
      b += value(term[1]);
      c += value(term[2]);
      d += value(term[3]);
    }
    for (; term != end; ++term) a += value(*term);
    out[f] += (a + b) + (c + d);
  }
}

void TreeEnsemble::ContributionsPolynomial(std::span<const float> row,
                                           std::span<double> out) const {
  const unsigned maxd = static_cast<unsigned>(max_depth_) + 2;
  thread_local std::vector<PathElement> buffer;
  if (buffer.size() < maxd * (maxd + 1) / 2) buffer.resize(maxd * (maxd + 1) / 2);
  // Recursion over (node, depth, parent path) exactly as XGBoost's RegTree::TreeShap.
  struct Walker {
    const TreeEnsemble& e;
    std::span<const float> row;
    std::span<double> phi;
    void Run(std::uint32_t node, unsigned depth, PathElement* parent_path, double zero_fraction,
             double one_fraction, int parent_feature) {
      PathElement* path = parent_path + depth + 1;
      std::copy(parent_path, parent_path + depth + 1, path);
      ExtendPath(path, depth, zero_fraction, one_fraction, parent_feature);
      const std::int32_t f = e.feature_[node];
      if (f < 0) {
        for (unsigned i = 1; i <= depth; ++i) {
          const double w = UnwoundPathSum(path, depth, i);
          const PathElement& el = path[i];
          phi[static_cast<std::size_t>(el.feature)] +=
              w * (el.one_fraction - el.zero_fraction) * e.value_[node];
        }
        return;
      }
      const float x = row[static_cast<std::size_t>(f)];
      const bool left = std::isnan(x) ? e.default_left_[node] != 0 : x < e.threshold_[node];
      const std::uint32_t hot = left ? node + 1 : e.right_[node];
      const std::uint32_t cold = left ? e.right_[node] : node + 1;
      const double w = e.cover_[node];
      const double hot_zero = e.cover_[hot] / w;
      const double cold_zero = e.cover_[cold] / w;
      double in_zero = 1, in_one = 1;
      unsigned index = 0;
      for (; index <= depth; ++index) {
        if (path[index].feature == f) break;
      }
      if (index != depth + 1) {
        in_zero = path[index].zero_fraction;
        in_one = path[index].one_fraction;
        UnwindPath(path, depth, index);
        depth -= 1;
      }
      Run(hot, depth + 1, path, hot_zero * in_zero, in_one, f);
      Run(cold, depth + 1, path, cold_zero * in_zero, 0, f);
    }
  };
  Walker walker{*this, row, out};
  for (std::size_t t = 0; t + 1 < tree_begin_.size(); ++t) {
    walker.Run(tree_begin_[t], 0, buffer.data(), 1, 1, -1);
  }
}

}  // namespace signx::ml
