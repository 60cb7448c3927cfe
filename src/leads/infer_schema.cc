#include "leads/infer_schema.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "leads/lead.h"
#include "leads/schema.h"

namespace signx::leads {
namespace json = boost::json;

namespace {

const std::vector<std::string> kMissing = {"", "NA", "N/A", "null", "NULL", "None", "nan"};
const std::vector<std::string> kLabelWords = {"converted", "won", "label", "target", "outcome",
                                              "status", "stage", "result", "closed", "churn"};

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

}  // namespace

json::object InferSchema(const csv::Table& table, char delimiter, const InferOptions& options) {
  json::object out;
  out["name"] = "inferred";
  out["description"] = fmt::format("Proposed from a CSV with {} rows and {} columns; review "
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
        notes.emplace_back(fmt::format("{}: every value is distinct; treated as an identifier",
                                       name));
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
    f["missing_rate"] =
        table.rows.empty() ? 0.0
                           : static_cast<double>(missing_count) / static_cast<double>(table.rows.size());

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
        cand["reason"] = LabelLikeName(name) ? "outcome-like values and name"
                                             : "outcome-like values";
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
  } else {
    notes.emplace_back("no label chosen: set role \"label\" with \"positive\"/\"negative\" values "
                       "on one field");
  }
  out["fields"] = std::move(fields);
  out["label_candidates"] = std::move(candidates);
  out["notes"] = std::move(notes);
  return out;
}

}  // namespace signx::leads
