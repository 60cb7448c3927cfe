#include "ml/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "ml/metrics.h"

namespace signx::ml {
namespace {

double Logit(double p) {
  p = std::clamp(p, 1e-7, 1.0 - 1e-7);
  return std::log(p / (1.0 - p));
}
double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

Status CheckInputs(std::span<const float> probs, std::span<const float> labels) {
  if (probs.size() != labels.size()) return InvalidArgument("probs and labels differ in size");
  if (probs.size() < 2) return InvalidArgument("calibration needs at least two rows");
  return Status::Ok();
}

}  // namespace

std::string_view Calibrator::kind_name() const {
  switch (kind_) {
    case Kind::kPlatt:
      return "platt";
    case Kind::kIsotonic:
      return "isotonic";
    case Kind::kNone:
      break;
  }
  return "none";
}

Result<Calibrator> Calibrator::FitPlatt(std::span<const float> probs,
                                        std::span<const float> labels) {
  SIGNX_RETURN_IF_ERROR(CheckInputs(probs, labels));
  const std::size_t n = probs.size();
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = Logit(probs[i]);
  // Newton's method on the 2-parameter logistic log-likelihood, with a small ridge for stability.
  double a = 1.0, b = 0.0;
  for (int iter = 0; iter < 100; ++iter) {
    double g_a = 0, g_b = 0, h_aa = 1e-9, h_ab = 0, h_bb = 1e-9;
    for (std::size_t i = 0; i < n; ++i) {
      const double p = Sigmoid(a * z[i] + b);
      const double y = labels[i] > 0.5f ? 1.0 : 0.0;
      const double r = p - y;
      const double w = p * (1.0 - p);
      g_a += r * z[i];
      g_b += r;
      h_aa += w * z[i] * z[i];
      h_ab += w * z[i];
      h_bb += w;
    }
    const double det = h_aa * h_bb - h_ab * h_ab;
    if (std::abs(det) < 1e-18) break;
    const double da = (h_bb * g_a - h_ab * g_b) / det;
    const double db = (h_aa * g_b - h_ab * g_a) / det;
    a -= da;
    b -= db;
    if (std::abs(da) < 1e-10 && std::abs(db) < 1e-10) break;
  }
  if (!std::isfinite(a) || !std::isfinite(b)) return Internal("Platt scaling did not converge");
  Calibrator c;
  c.kind_ = Kind::kPlatt;
  c.a_ = RoundSignificant(a);
  c.b_ = RoundSignificant(b);
  return c;
}

Result<Calibrator> Calibrator::FitIsotonic(std::span<const float> probs,
                                           std::span<const float> labels) {
  SIGNX_RETURN_IF_ERROR(CheckInputs(probs, labels));
  std::vector<std::size_t> order(probs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return probs[i] < probs[j]; });
  // Blocks of equal x first (ties share one value), then pool adjacent violators.
  struct Block {
    double x_sum, y_sum, weight;
  };
  std::vector<Block> blocks;
  for (std::size_t k = 0; k < order.size();) {
    std::size_t m = k;
    Block b{0, 0, 0};
    while (m < order.size() && probs[order[m]] == probs[order[k]]) {
      b.x_sum += probs[order[m]];
      b.y_sum += labels[order[m]] > 0.5f ? 1.0 : 0.0;
      b.weight += 1;
      ++m;
    }
    blocks.push_back(b);
    while (blocks.size() > 1) {
      Block& last = blocks[blocks.size() - 1];
      Block& prev = blocks[blocks.size() - 2];
      if (prev.y_sum / prev.weight <= last.y_sum / last.weight) break;
      prev.x_sum += last.x_sum;
      prev.y_sum += last.y_sum;
      prev.weight += last.weight;
      blocks.pop_back();
    }
    k = m;
  }
  Calibrator c;
  c.kind_ = Kind::kIsotonic;
  for (const auto& b : blocks) {
    const double x = RoundSignificant(b.x_sum / b.weight);
    if (!c.xs_.empty() && x <= c.xs_.back()) continue;  // rounding merged two knots
    c.xs_.push_back(x);
    c.ys_.push_back(RoundSignificant(b.y_sum / b.weight));
  }
  return c;
}

double Calibrator::Apply(double p) const {
  switch (kind_) {
    case Kind::kNone:
      return p;
    case Kind::kPlatt:
      return Sigmoid(a_ * Logit(p) + b_);
    case Kind::kIsotonic: {
      if (xs_.empty()) return p;
      if (p <= xs_.front()) return ys_.front();
      if (p >= xs_.back()) return ys_.back();
      const auto it = std::upper_bound(xs_.begin(), xs_.end(), p);
      const std::size_t hi = static_cast<std::size_t>(it - xs_.begin());
      const std::size_t lo = hi - 1;
      const double t = (p - xs_[lo]) / (xs_[hi] - xs_[lo]);
      return ys_[lo] + t * (ys_[hi] - ys_[lo]);
    }
  }
  return p;
}

std::vector<float> Calibrator::ApplyAll(std::span<const float> probs) const {
  std::vector<float> out(probs.size());
  for (std::size_t i = 0; i < probs.size(); ++i) out[i] = static_cast<float>(Apply(probs[i]));
  return out;
}

boost::json::object Calibrator::ToJson() const {
  boost::json::object o;
  o["kind"] = kind_name();
  if (kind_ == Kind::kPlatt) {
    o["a"] = a_;
    o["b"] = b_;
  } else if (kind_ == Kind::kIsotonic) {
    boost::json::array xs, ys;
    for (double x : xs_) xs.push_back(x);
    for (double y : ys_) ys.push_back(y);
    o["x"] = std::move(xs);
    o["y"] = std::move(ys);
  }
  return o;
}

Result<Calibrator> Calibrator::FromJson(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (!o) return InvalidArgument("calibration must be a JSON object");
  const auto* kind = o->if_contains("kind");
  if (!kind || !kind->is_string()) return InvalidArgument("calibration.kind missing");
  const std::string_view k = kind->get_string();
  Calibrator c;
  auto number = [&](std::string_view key) -> Result<double> {
    const auto* x = o->if_contains(key);
    if (!x || !x->is_number()) return InvalidArgument(fmt::format("calibration.{} missing", key));
    return x->to_number<double>();
  };
  if (k == "none") return c;
  if (k == "platt") {
    c.kind_ = Kind::kPlatt;
    SIGNX_ASSIGN_OR_RETURN(c.a_, number("a"));
    SIGNX_ASSIGN_OR_RETURN(c.b_, number("b"));
    return c;
  }
  if (k == "isotonic") {
    c.kind_ = Kind::kIsotonic;
    const auto* xs = o->if_contains("x");
    const auto* ys = o->if_contains("y");
    if (!xs || !ys || !xs->is_array() || !ys->is_array() ||
        xs->get_array().size() != ys->get_array().size() || xs->get_array().empty()) {
      return InvalidArgument("calibration.x/y must be equal-length non-empty arrays");
    }
    for (std::size_t i = 0; i < xs->get_array().size(); ++i) {
      const auto& x = xs->get_array()[i];
      const auto& y = ys->get_array()[i];
      if (!x.is_number() || !y.is_number()) return InvalidArgument("calibration knots not numbers");
      c.xs_.push_back(x.to_number<double>());
      c.ys_.push_back(y.to_number<double>());
      if (i > 0 && !(c.xs_[i] > c.xs_[i - 1])) {
        return InvalidArgument("calibration.x must be strictly increasing");
      }
    }
    return c;
  }
  return InvalidArgument(fmt::format("unknown calibration kind '{}'", k));
}

}  // namespace signx::ml
