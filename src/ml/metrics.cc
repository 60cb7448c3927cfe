#include "ml/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>

#include <fmt/format.h>

namespace signx::ml {
namespace {

Status CheckSizes(std::span<const float> a, std::span<const float> labels) {
  if (a.size() != labels.size()) {
    return InvalidArgument(fmt::format("{} scores for {} labels", a.size(), labels.size()));
  }
  if (a.empty()) return InvalidArgument("no rows to evaluate");
  return Status::Ok();
}

bool Positive(float label) { return label > 0.5f; }

// Uniform integer in [0, bound) without modulo bias, independent of the standard library's
// distribution implementation.
std::uint64_t UniformBelow(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % bound;
}

}  // namespace

Result<double> AucRoc(std::span<const float> scores, std::span<const float> labels) {
  SIGNX_RETURN_IF_ERROR(CheckSizes(scores, labels));
  const std::size_t n = scores.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double rank_sum_pos = 0.0;
  std::size_t n_pos = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) {
      if (Positive(labels[order[k]])) {
        rank_sum_pos += avg_rank;
        ++n_pos;
      }
    }
    i = j;
  }
  const std::size_t n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0) return InvalidArgument("AUC needs both classes");
  const double np = static_cast<double>(n_pos);
  return (rank_sum_pos - np * (np + 1.0) / 2.0) / (np * static_cast<double>(n_neg));
}

Result<double> AucPr(std::span<const float> scores, std::span<const float> labels) {
  SIGNX_RETURN_IF_ERROR(CheckSizes(scores, labels));
  const std::size_t n = scores.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  const auto total_pos = static_cast<double>(
      std::count_if(labels.begin(), labels.end(), [](float l) { return Positive(l); }));
  if (total_pos == 0) return InvalidArgument("average precision needs a positive row");
  double tp = 0, fp = 0, prev_recall = 0, ap = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) {
      (Positive(labels[order[j]]) ? tp : fp) += 1;
      ++j;
    }
    const double recall = tp / total_pos;
    const double precision = tp / (tp + fp);
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
    i = j;
  }
  return ap;
}

Result<double> LogLoss(std::span<const float> probs, std::span<const float> labels) {
  SIGNX_RETURN_IF_ERROR(CheckSizes(probs, labels));
  constexpr double kEps = 1e-15;
  double sum = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const double p = std::clamp(static_cast<double>(probs[i]), kEps, 1.0 - kEps);
    sum -= Positive(labels[i]) ? std::log(p) : std::log(1.0 - p);
  }
  return sum / static_cast<double>(probs.size());
}

Result<double> Brier(std::span<const float> probs, std::span<const float> labels) {
  SIGNX_RETURN_IF_ERROR(CheckSizes(probs, labels));
  double sum = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const double d = static_cast<double>(probs[i]) - (Positive(labels[i]) ? 1.0 : 0.0);
    sum += d * d;
  }
  return sum / static_cast<double>(probs.size());
}

Result<std::vector<CalibrationBin>> CalibrationTable(std::span<const float> probs,
                                                     std::span<const float> labels, int bins) {
  SIGNX_RETURN_IF_ERROR(CheckSizes(probs, labels));
  if (bins <= 0) return InvalidArgument("bins must be positive");
  std::vector<CalibrationBin> table(static_cast<std::size_t>(bins));
  std::vector<double> sum_pred(table.size()), sum_pos(table.size());
  for (int b = 0; b < bins; ++b) {
    table[b].lower = static_cast<double>(b) / bins;
    table[b].upper = static_cast<double>(b + 1) / bins;
  }
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const double p = std::clamp(static_cast<double>(probs[i]), 0.0, 1.0);
    const int b = std::min(bins - 1, static_cast<int>(p * bins));
    table[b].count++;
    sum_pred[b] += p;
    sum_pos[b] += Positive(labels[i]) ? 1.0 : 0.0;
  }
  for (std::size_t b = 0; b < table.size(); ++b) {
    if (table[b].count == 0) continue;
    table[b].mean_predicted = sum_pred[b] / static_cast<double>(table[b].count);
    table[b].observed_rate = sum_pos[b] / static_cast<double>(table[b].count);
  }
  return table;
}

double ExpectedCalibrationError(const std::vector<CalibrationBin>& table) {
  double total = 0, err = 0;
  for (const auto& b : table) {
    total += static_cast<double>(b.count);
    err += static_cast<double>(b.count) * std::abs(b.observed_rate - b.mean_predicted);
  }
  return total > 0 ? err / total : 0.0;
}

Result<Split> StratifiedSplit(std::span<const float> labels, double train_fraction,
                              double valid_fraction, std::uint64_t seed) {
  if (labels.empty()) return InvalidArgument("no rows to split");
  if (train_fraction <= 0 || valid_fraction < 0 || train_fraction + valid_fraction > 1.0) {
    return InvalidArgument(fmt::format("bad split fractions train={} valid={}", train_fraction,
                                       valid_fraction));
  }
  std::mt19937_64 rng(seed);
  Split split;
  for (const bool cls : {false, true}) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (Positive(labels[i]) == cls) idx.push_back(i);
    }
    for (std::size_t i = idx.size(); i > 1; --i) {
      std::swap(idx[i - 1], idx[UniformBelow(rng, i)]);
    }
    const auto n = static_cast<double>(idx.size());
    const auto n_train = static_cast<std::size_t>(std::llround(n * train_fraction));
    const auto n_valid = std::min(idx.size() - n_train,
                                  static_cast<std::size_t>(std::llround(n * valid_fraction)));
    split.train.insert(split.train.end(), idx.begin(), idx.begin() + n_train);
    split.valid.insert(split.valid.end(), idx.begin() + n_train,
                       idx.begin() + n_train + n_valid);
    split.test.insert(split.test.end(), idx.begin() + n_train + n_valid, idx.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.valid.begin(), split.valid.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Result<std::vector<double>> Quantiles(std::span<const float> values, std::span<const double> qs) {
  if (values.empty()) return InvalidArgument("quantiles of an empty set");
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> out;
  out.reserve(qs.size());
  for (const double q : qs) {
    if (!(q >= 0.0 && q <= 1.0)) return InvalidArgument(fmt::format("quantile {} not in [0,1]", q));
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    out.push_back(sorted[lo] + (sorted[hi] - sorted[lo]) * frac);
  }
  return out;
}

double RoundSignificant(double v, int significant) {
  if (v == 0 || !std::isfinite(v)) return v;
  return std::strtod(fmt::format("{:.{}g}", v, significant).c_str(), nullptr);
}

}  // namespace signx::ml
