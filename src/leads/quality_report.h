// Lead-model quality against a reference scorer on the same test rows: the reference's per-lead
// test scores (e.g. the Python peer's artifacts/test_scores.csv) define the test set, and a paired
// bootstrap gives intervals of the metric differences (ours − reference).
//
//   ReadReferenceScores   the reference file: a CSV with `lead_id` and `score` columns and,
//                         optionally, the label as `converted` (or `label`);
//   MapIds                translates ids between two columns of the training data (the peer names
//                         leads by "Lead Number", the schema's id is "Prospect ID");
//   PairedBootstrap       resamples the test rows with replacement (the same draw for both
//                         scorers) and reports AUC-ROC, Brier and log-loss of each scorer, their
//                         difference and its percentile interval;
//   FormatComparison      the table the CLI prints.
//
// Deterministic for a given seed (std::mt19937_64, whose sequence the standard fixes). Pure
// functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "csv/reader.h"

namespace signx::leads {

struct ReferenceScores {
  std::vector<std::string> ids;
  std::vector<float> scores;
  std::vector<std::optional<float>> labels;  // nullopt when the file has no label column
};

// Parses the reference file (CSV text). InvalidArgument naming the line for a missing column, an
// empty id, a repeated id, a score outside [0, 1] or a label other than 0/1.
Result<ReferenceScores> ReadReferenceScores(std::string_view csv_text);

// For each id (a value of column `from_column` of `data`), the value of `to_column` in the same
// row. InvalidArgument when a column is missing, an id matches no row or more than one row.
Result<std::vector<std::string>> MapIds(const csv::Table& data, std::string_view from_column,
                                        std::string_view to_column,
                                        std::span<const std::string> ids);

struct MetricDifference {
  std::string metric;  // "auc_roc", "brier", "log_loss"
  bool higher_is_better = false;
  double ours = 0;        // on all the rows
  double reference = 0;   // on all the rows
  double difference = 0;  // ours − reference on all the rows
  double lower = 0;       // percentile interval of the bootstrap differences
  double upper = 0;
  // "better" / "worse" when the interval excludes 0 on that side, else "no difference".
  std::string verdict;
};

struct BootstrapOptions {
  int resamples = 2000;
  std::uint64_t seed = 42;
  double level = 0.95;
};

struct PairedComparison {
  std::size_t rows = 0;
  std::size_t positives = 0;
  int resamples = 0;  // resamples used (draws with a single class are redrawn)
  std::uint64_t seed = 0;
  double level = 0;
  std::vector<MetricDifference> metrics;  // auc_roc, brier, log_loss
};

// Paired bootstrap of ours − reference over the rows (labels 0/1). InvalidArgument for
// mismatched sizes, fewer than 2 rows, a single class, resamples < 1 or a level outside (0, 1).
// A resample with a single class (AUC undefined) is drawn again.
Result<PairedComparison> PairedBootstrap(std::span<const float> labels, std::span<const float> ours,
                                         std::span<const float> reference,
                                         const BootstrapOptions& options = {});

// Empirical quantile with linear interpolation between order statistics (sorts `values`).
double Percentile(std::vector<double>& values, double q);

// Lines for people: a header and one row per metric.
std::string FormatComparison(const PairedComparison& c, std::string_view ours_name,
                             std::string_view reference_name);

boost::json::object ComparisonToJson(const PairedComparison& c);

}  // namespace signx::leads
