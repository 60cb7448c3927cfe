#include "leads/infer_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"
#include "leads/lead.h"
#include "leads/schema.h"

namespace signx::leads {
namespace json = boost::json;

namespace {

const std::vector<std::string> kMissing = {"", "NA", "N/A", "null", "NULL", "None", "nan"};
const std::vector<std::string> kLabelWords = {"converted", "won",   "label",  "target", "outcome",
                                              "status",    "stage", "result", "closed", "churn"};

bool IsGenericMissing(std::string_view v) {
  return std::find(kMissing.begin(), kMissing.end(), v) != kMissing.end();
}

bool LabelLikeName(std::string_view snake) {
  return std::any_of(kLabelWords.begin(), kLabelWords.end(),
                     [&](const std::string& w) { return snake.find(w) != std::string::npos; });
}

bool PositiveWord(std::string_view v) {
  const std::string l = ToLower(v);
  return l == "1" || l == "yes" || l == "true" || l == "won" || l == "converted" || l == "y";
}
bool NegativeWord(std::string_view v) {
  const std::string l = ToLower(v);
  return l == "0" || l == "no" || l == "false" || l == "lost" || l == "n";
}

// Fewer labelled rows of a class than this and single-field AUCs are noise.
constexpr std::size_t kMinLeakCheckClassRows = 20;

// Names of fields written when a deal closes.
const std::vector<std::string> kCloseWords = {"close",   "closed", "won",   "lost",
                                              "outcome", "result", "stage", "status"};

bool CloseLikeName(std::string_view snake) {
  return std::any_of(kCloseWords.begin(), kCloseWords.end(),
                     [&](const std::string& w) { return snake.find(w) != std::string::npos; });
}

// Area under the ROC curve of `scores` for the 0/1 `labels` (Mann-Whitney, ties counted half);
// 0.5 when one class is absent.
double Auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  std::vector<std::size_t> order(scores.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double pos = 0, neg = 0, rank_sum = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based
    for (std::size_t k = i; k < j; ++k) {
      if (labels[order[k]] == 1) {
        rank_sum += mid_rank;
        ++pos;
      } else {
        ++neg;
      }
    }
    i = j;
  }
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

// How well column `c` alone tells the label apart, out of sample, as max(AUC, 1 - AUC). `rows`
// are the labelled rows (label 0/1 in `y`). Numbers rank by value (missing lowest); anything else
// by its conversion rate learnt on the even rows (smoothed; unseen and missing values share one
// rate), scored on the odd rows.
double SingleFieldAuc(const csv::Table& table, std::size_t c, bool numeric,
                      const std::vector<std::size_t>& rows, const std::vector<int>& y) {
  std::vector<double> scores;
  std::vector<int> labels;
  if (numeric) {
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const auto d = ParseDouble(Trim(table.rows[rows[k]][c]));
      scores.push_back(d ? *d : -1e300);
      labels.push_back(y[k]);
    }
  } else {
    std::map<std::string, std::pair<double, double>> seen;  // value -> (positives, rows)
    double all_pos = 0, all_n = 0;
    for (std::size_t k = 0; k < rows.size(); k += 2) {
      auto& [p, n] = seen[std::string(Trim(table.rows[rows[k]][c]))];
      p += y[k];
      n += 1;
      all_pos += y[k];
      all_n += 1;
    }
    const double prior = all_n > 0 ? all_pos / all_n : 0.5;
    for (std::size_t k = 1; k < rows.size(); k += 2) {
      const auto it = seen.find(std::string(Trim(table.rows[rows[k]][c])));
      const double rate =
          it == seen.end() ? prior : (it->second.first + 2 * prior) / (it->second.second + 2);
      scores.push_back(rate);
      labels.push_back(y[k]);
    }
  }
  const double auc = Auc(scores, labels);
  return std::max(auc, 1 - auc);
}

// Marks the features that look written after the outcome (see the header) and says why.
void LeakCheck(const csv::Table& table, std::size_t label, json::array& fields,
               json::array& notes) {
  const auto& lf = fields[label].as_object();
  std::set<std::string> positive, negative;
  for (const auto& v : lf.at("positive").as_array()) positive.insert(std::string(v.as_string()));
  for (const auto& v : lf.at("negative").as_array()) negative.insert(std::string(v.as_string()));
  std::vector<std::size_t> rows;
  std::vector<int> y;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string v(Trim(table.rows[r][label]));
    if (positive.contains(v) || negative.contains(v)) {
      rows.push_back(r);
      y.push_back(positive.contains(v) ? 1 : 0);
    }
  }
  const auto positives = static_cast<std::size_t>(std::count(y.begin(), y.end(), 1));
  if (positives < kMinLeakCheckClassRows || rows.size() - positives < kMinLeakCheckClassRows) {
    notes.emplace_back(fmt::format(
        "leak check skipped: it needs at least {} labelled rows of each class ({} positive, {} "
        "negative here)",
        kMinLeakCheckClassRows, positives, rows.size() - positives));
    return;
  }
  for (std::size_t c = 0; c < fields.size(); ++c) {
    auto& f = fields[c].as_object();
    if (c == label || f.at("role") != "feature") continue;
    const std::string name(f.at("name").as_string());
    const bool numeric = f.at("type") == "number" || f.at("type") == "integer";
    const double auc = SingleFieldAuc(table, c, numeric, rows, y);
    if (auc >= kLeakAuc) {
      f["leaky"] = true;
      notes.emplace_back(fmt::format(
          "{}: alone it separates the label with AUC {:.3f} (out of sample) — probably filled in "
          "after the outcome was known; marked leaky (not trained on unless asked for)",
          name, auc));
    } else if (CloseLikeName(name)) {
      f["leaky"] = true;
      notes.emplace_back(fmt::format(
          "{}: the name says it is written when the deal closes (AUC alone {:.3f}); marked leaky",
          name, auc));
    }
  }
}

}  // namespace

Result<json::object> InferSchema(const csv::Table& table, char delimiter,
                                 const InferOptions& options) {
  json::object out;
  out["name"] = "inferred";
  out["description"] = fmt::format(
      "Proposed from a CSV with {} rows and {} columns; review "
      "types, roles and the label before training.",
      table.rows.size(), table.header.size());
  out["delimiter"] = std::string(1, delimiter);
  json::array missing;
  for (const auto& m : kMissing) missing.emplace_back(m);
  out["missing"] = std::move(missing);
  json::array fields, candidates, notes;
  std::set<std::string> used_names;
  int label_field = -1;
  int best_label_score = 0;

  for (std::size_t c = 0; c < table.header.size(); ++c) {
    const std::string column(Trim(table.header[c]));
    std::string name = ToSnakeCase(column);
    if (name.empty()) name = fmt::format("column_{}", c + 1);
    while (!used_names.insert(name).second) name += "_2";
    std::map<std::string, std::size_t> counts;
    std::size_t present = 0;
    for (const auto& row : table.rows) {
      const std::string v(Trim(row[c]));
      if (IsGenericMissing(v)) continue;
      ++counts[v];
      ++present;
    }
    // "Select" (an untouched drop-down) is a missing marker when it is frequent.
    std::vector<std::string> field_missing;
    for (const char* marker : {"Select", "select", "-", "?", "unknown", "Unknown"}) {
      const auto it = counts.find(marker);
      if (it != counts.end() && it->second * 50 >= present) {
        field_missing.emplace_back(marker);
        present -= it->second;
        counts.erase(it);
      }
    }
    bool all_num = present > 0, all_int = present > 0, all_bool = present > 0,
         all_date = present > 0;
    double lo = 0, hi = 0;
    bool first = true;
    for (const auto& [v, n] : counts) {
      const auto d = ParseDouble(v);
      if (!d) {
        all_num = all_int = false;
      } else {
        if (*d != static_cast<double>(static_cast<long long>(*d))) all_int = false;
        lo = first ? *d : std::min(lo, *d);
        hi = first ? *d : std::max(hi, *d);
        first = false;
      }
      if (!ParseBool(v)) all_bool = false;
      if (!ParseIsoDate(v)) all_date = false;
    }
    const bool binary_numeric = all_int && counts.size() <= 2 && lo >= 0 && hi <= 1;
    json::object f;
    f["name"] = name;
    f["column"] = column;
    std::string type;
    if (all_bool && !binary_numeric) {
      type = "boolean";
    } else if (all_num) {
      type = all_int ? "integer" : "number";
    } else if (all_date) {
      type = "date";
    } else if (counts.size() <= options.max_categories && counts.size() * 2 <= present + 1) {
      type = "category";
    } else {
      type = "text";
    }
    f["type"] = type;
    std::string role = "feature";
    const bool unique = present == table.rows.size() && counts.size() == present && present > 1;
    if (unique && (type == "text" || type == "integer")) {
      role = "id";
      if (name.find("id") == std::string::npos && name.find("number") == std::string::npos) {
        role = "excluded";
        notes.emplace_back(
            fmt::format("{}: every value is distinct; treated as an identifier", name));
      }
    } else if (type == "text") {
      role = "excluded";
    } else if (counts.size() <= 1) {
      notes.emplace_back(fmt::format("{}: constant column (carries no signal)", name));
    }
    f["role"] = role;
    if (type == "category" || type == "boolean") {
      json::array cats;
      for (const auto& [v, n] : counts) cats.emplace_back(v);
      if (type == "category") f["categories"] = std::move(cats);
    }
    if ((type == "number" || type == "integer") && !first) {
      f["observed_min"] = lo;
      f["observed_max"] = hi;
    }
    if (!field_missing.empty()) {
      json::array m;
      for (const auto& s : field_missing) m.emplace_back(s);
      f["missing"] = std::move(m);
    }
    const std::size_t missing_count = table.rows.size() - present;
    f["missing_rate"] = table.rows.empty() ? 0.0
                                           : static_cast<double>(missing_count) /
                                                 static_cast<double>(table.rows.size());

    // Label candidates: binary columns, or small categoricals with a win/loss-like pair.
    if (role == "feature" && counts.size() >= 2 && counts.size() <= 6) {
      std::vector<std::string> pos, neg;
      for (const auto& [v, n] : counts) {
        if (PositiveWord(v)) pos.push_back(v);
        if (NegativeWord(v)) neg.push_back(v);
      }
      if (!pos.empty() && !neg.empty()) {
        json::object cand;
        cand["field"] = name;
        json::array values;
        for (const auto& [v, n] : counts) {
          json::object vo;
          vo["value"] = v;
          vo["rows"] = n;
          values.push_back(std::move(vo));
        }
        cand["values"] = std::move(values);
        json::array p, q;
        for (const auto& s : pos) p.emplace_back(s);
        for (const auto& s : neg) q.emplace_back(s);
        cand["positive"] = p;
        cand["negative"] = q;
        const int score = (LabelLikeName(name) ? 2 : 0) + (counts.size() == 2 ? 1 : 0);
        cand["reason"] =
            LabelLikeName(name) ? "outcome-like values and name" : "outcome-like values";
        candidates.push_back(std::move(cand));
        if (LabelLikeName(name) && score > best_label_score) {
          best_label_score = score;
          label_field = static_cast<int>(fields.size());
          f["positive"] = std::move(p);
          f["negative"] = std::move(q);
        }
      }
    }
    fields.push_back(std::move(f));
  }
  if (!options.label.empty()) {  // the caller's choice
    label_field = -1;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& o = fields[i].as_object();
      if (o.at("name").as_string() == options.label ||
          o.at("column").as_string() == options.label) {
        label_field = static_cast<int>(i);
      }
    }
    if (label_field < 0) {
      return InvalidArgument(fmt::format("--label '{}': no such column", options.label));
    }
    if (options.positive.empty()) {
      return InvalidArgument("--label needs --positive: the label's values meaning converted");
    }
    const std::size_t c = static_cast<std::size_t>(label_field);
    std::set<std::string> values;
    for (const auto& row : table.rows) {
      const std::string v(Trim(row[c]));
      if (!IsGenericMissing(v)) values.insert(v);
    }
    json::array p, q;
    for (const auto& v : options.positive) {
      if (!values.contains(v)) {
        return InvalidArgument(
            fmt::format("--positive '{}': no row of '{}' has that value", v, options.label));
      }
      p.emplace_back(v);
    }
    for (const auto& v : values) {
      if (std::find(options.positive.begin(), options.positive.end(), v) ==
          options.positive.end()) {
        q.emplace_back(v);
      }
    }
    if (q.empty()) {
      return InvalidArgument(
          fmt::format("--label '{}': every value is positive; nothing to learn", options.label));
    }
    auto& lf = fields[c].as_object();
    lf["type"] = "category";
    lf["positive"] = std::move(p);
    lf["negative"] = std::move(q);
  }
  if (label_field >= 0) {
    auto& lf = fields[static_cast<std::size_t>(label_field)].as_object();
    lf["role"] = "label";
    for (auto& f : fields) {
      auto& o = f.as_object();
      if (o.at("role") != "label") {
        o.erase("positive");
        o.erase("negative");
      }
    }
    LeakCheck(table, static_cast<std::size_t>(label_field), fields, notes);
  } else {
    notes.emplace_back(
        "no label chosen: set role \"label\" with \"positive\"/\"negative\" values "
        "on one field, or run again with --label FIELD --positive VALUE");
  }
  out["fields"] = std::move(fields);
  out["label_candidates"] = std::move(candidates);
  out["notes"] = std::move(notes);
  return out;
}

}  // namespace signx::leads
