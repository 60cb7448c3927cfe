#include "leads/quality_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>

#include "base/strings.h"
#include "ml/metrics.h"

namespace signx::leads {
namespace json = boost::json;

namespace {

int FindColumn(const std::vector<std::string>& header,
               std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (Trim(header[i]) == n) return static_cast<int>(i);
    }
  }
  return -1;
}

// The three metrics of one scorer over rows idx (with repeats).
struct Triple {
  double auc = 0, brier = 0, log_loss = 0;
};

Result<Triple> Measure(std::span<const float> p, std::span<const float> y) {
  Triple t;
  SIGNX_ASSIGN_OR_RETURN(t.auc, ml::AucRoc(p, y));
  SIGNX_ASSIGN_OR_RETURN(t.brier, ml::Brier(p, y));
  SIGNX_ASSIGN_OR_RETURN(t.log_loss, ml::LogLoss(p, y));
  return t;
}

}  // namespace

Result<ReferenceScores> ReadReferenceScores(std::string_view csv_text) {
  SIGNX_ASSIGN_OR_RETURN(const csv::Table t, csv::ReadTable(csv_text));
  const int id_col = FindColumn(t.header, {"lead_id", "id"});
  const int score_col = FindColumn(t.header, {"score", "probability"});
  const int label_col = FindColumn(t.header, {"converted", "label"});
  if (id_col < 0 || score_col < 0) {
    return InvalidArgument("the reference scores need a lead_id and a score column");
  }
  ReferenceScores out;
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::size_t line = r + 2;  // 1-based, after the header
    const std::string id(Trim(row[static_cast<std::size_t>(id_col)]));
    if (id.empty()) return InvalidArgument(fmt::format("line {}: empty lead_id", line));
    if (!seen.emplace(id, line).second) {
      return InvalidArgument(
          fmt::format("line {}: lead_id '{}' repeats line {}", line, id, seen[id]));
    }
    const std::string score_text(Trim(row[static_cast<std::size_t>(score_col)]));
    char* end = nullptr;
    const double score = std::strtod(score_text.c_str(), &end);
    if (score_text.empty() || *end != '\0' || !(score >= 0.0 && score <= 1.0)) {
      return InvalidArgument(
          fmt::format("line {}: score '{}' is not a probability in [0, 1]", line, score_text));
    }
    std::optional<float> label;
    if (label_col >= 0) {
      const std::string_view l = Trim(row[static_cast<std::size_t>(label_col)]);
      if (l == "1" || l == "1.0") {
        label = 1.0f;
      } else if (l == "0" || l == "0.0") {
        label = 0.0f;
      } else {
        return InvalidArgument(fmt::format("line {}: label '{}' is not 0 or 1", line, l));
      }
    }
    out.ids.push_back(id);
    out.scores.push_back(static_cast<float>(score));
    out.labels.push_back(label);
  }
  if (out.ids.empty()) return InvalidArgument("the reference scores list no lead");
  return out;
}

Result<std::vector<std::string>> MapIds(const csv::Table& data, std::string_view from_column,
                                        std::string_view to_column,
                                        std::span<const std::string> ids) {
  const int from = data.ColumnIndex(from_column);
  const int to = data.ColumnIndex(to_column);
  if (from < 0) return InvalidArgument(fmt::format("the data has no column '{}'", from_column));
  if (to < 0) return InvalidArgument(fmt::format("the data has no column '{}'", to_column));
  std::unordered_map<std::string_view, std::size_t> wanted;  // id → matching rows so far
  for (const auto& id : ids) wanted.emplace(id, 0);
  std::unordered_map<std::string_view, std::string_view> mapped;
  for (const auto& row : data.rows) {
    const std::string_view key = Trim(row[static_cast<std::size_t>(from)]);
    auto it = wanted.find(key);
    if (it == wanted.end()) continue;
    if (++it->second > 1) {
      return InvalidArgument(
          fmt::format("id '{}' matches more than one row in column '{}'", key, from_column));
    }
    mapped[it->first] = Trim(row[static_cast<std::size_t>(to)]);
  }
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto it = mapped.find(id);
    if (it == mapped.end()) {
      return InvalidArgument(fmt::format("id '{}' matches no row in column '{}'", id, from_column));
    }
    out.emplace_back(it->second);
  }
  return out;
}

double Percentile(std::vector<double>& values, double q) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return values[lo] + frac * (values[hi] - values[lo]);
}

Result<PairedComparison> PairedBootstrap(std::span<const float> labels, std::span<const float> ours,
                                         std::span<const float> reference,
                                         const BootstrapOptions& options) {
  const std::size_t n = labels.size();
  if (ours.size() != n || reference.size() != n) {
    return InvalidArgument(fmt::format("{} labels, {} of our scores, {} reference scores", n,
                                       ours.size(), reference.size()));
  }
  if (n < 2) return InvalidArgument("the bootstrap needs at least 2 rows");
  if (options.resamples < 1) return InvalidArgument("resamples must be at least 1");
  if (!(options.level > 0 && options.level < 1)) {
    return InvalidArgument("the interval level must be in (0, 1)");
  }
  std::size_t positives = 0;
  for (float y : labels) positives += y > 0.5f;
  if (positives == 0 || positives == n) {
    return InvalidArgument("the test rows hold a single class: AUC is undefined");
  }
  SIGNX_ASSIGN_OR_RETURN(const Triple a_all, Measure(ours, labels));
  SIGNX_ASSIGN_OR_RETURN(const Triple b_all, Measure(reference, labels));

  std::mt19937_64 rng(options.seed);
  std::vector<float> y(n), pa(n), pb(n);
  std::vector<double> d_auc, d_brier, d_ll;
  d_auc.reserve(static_cast<std::size_t>(options.resamples));
  d_brier.reserve(d_auc.capacity());
  d_ll.reserve(d_auc.capacity());
  // Redraws of single-class samples are bounded (with both classes present they are vanishingly
  // rare unless n is tiny; the bound keeps a pathological input finite).
  const long max_draws = 100L * options.resamples + 1000;
  long draws = 0;
  while (static_cast<int>(d_auc.size()) < options.resamples) {
    if (++draws > max_draws) {
      return InvalidArgument("too few rows of one class for a bootstrap");
    }
    std::size_t pos = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = static_cast<std::size_t>(rng() % n);
      y[k] = labels[i];
      pa[k] = ours[i];
      pb[k] = reference[i];
      pos += y[k] > 0.5f;
    }
    if (pos == 0 || pos == n) continue;
    SIGNX_ASSIGN_OR_RETURN(const Triple a, Measure(pa, y));
    SIGNX_ASSIGN_OR_RETURN(const Triple b, Measure(pb, y));
    d_auc.push_back(a.auc - b.auc);
    d_brier.push_back(a.brier - b.brier);
    d_ll.push_back(a.log_loss - b.log_loss);
  }

  PairedComparison c;
  c.rows = n;
  c.positives = positives;
  c.resamples = options.resamples;
  c.seed = options.seed;
  c.level = options.level;
  const double tail = (1.0 - options.level) / 2.0;
  auto add = [&](std::string name, bool higher_better, double a, double b,
                 std::vector<double>& diffs) {
    MetricDifference m;
    m.metric = std::move(name);
    m.higher_is_better = higher_better;
    m.ours = a;
    m.reference = b;
    m.difference = a - b;
    m.lower = Percentile(diffs, tail);
    m.upper = Percentile(diffs, 1.0 - tail);
    const bool above = m.lower > 0, below = m.upper < 0;
    if (above || below) {
      m.verdict = (above == higher_better) ? "better" : "worse";
    } else {
      m.verdict = "no difference";
    }
    c.metrics.push_back(std::move(m));
  };
  add("auc_roc", true, a_all.auc, b_all.auc, d_auc);
  add("brier", false, a_all.brier, b_all.brier, d_brier);
  add("log_loss", false, a_all.log_loss, b_all.log_loss, d_ll);
  return c;
}

std::string FormatComparison(const PairedComparison& c, std::string_view ours_name,
                             std::string_view reference_name) {
  std::string out = fmt::format(
      "{} vs {} on the same {} test rows ({} positive); paired bootstrap of the difference, {} "
      "resamples, seed {}, {:.0f} % percentile intervals\n",
      ours_name, reference_name, c.rows, c.positives, c.resamples, c.seed, 100 * c.level);
  out += fmt::format("{:<10} {:>9} {:>10} {:>10}  {:<22} {}\n", "metric", ours_name, reference_name,
                     "difference", "interval", "verdict");
  for (const auto& m : c.metrics) {
    out += fmt::format("{:<10} {:>9.4f} {:>10.4f} {:>+10.4f}  [{:+.4f}, {:+.4f}]     {}{}\n",
                       m.metric, m.ours, m.reference, m.difference, m.lower, m.upper, m.verdict,
                       m.higher_is_better ? " (higher is better)" : " (lower is better)");
  }
  return out;
}

json::object ComparisonToJson(const PairedComparison& c) {
  json::object o;
  o["rows"] = c.rows;
  o["positives"] = c.positives;
  o["method"] = "paired bootstrap over the test rows, percentile interval of ours - reference";
  o["resamples"] = c.resamples;
  o["seed"] = c.seed;
  o["level"] = c.level;
  json::array metrics;
  for (const auto& m : c.metrics) {
    json::object mo;
    mo["metric"] = m.metric;
    mo["ours"] = m.ours;
    mo["reference"] = m.reference;
    mo["difference"] = m.difference;
    mo["lower"] = m.lower;
    mo["upper"] = m.upper;
    mo["verdict"] = m.verdict;
    metrics.push_back(std::move(mo));
  }
  o["metrics"] = std::move(metrics);
  return o;
}

}  // namespace signx::leads
