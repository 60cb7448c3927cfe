// Feature encoder learned from training leads: turns a Lead into a dense float row for XGBoost.
//
//   number / integer → one column, NaN when missing;
//   boolean          → one column 1/0, NaN when missing (after the schema default);
//   category         → one-hot over the categories seen at least `min_category_count` times in
//                      training (sorted), plus an "<field>=(other)" column when rarer categories
//                      existed; missing → all zeros; a category unknown to the encoder → the
//                      other column (or all zeros) and is counted;
//   date             → "<field>.days" (days since 1970-01-01), ".month" (1–12), ".weekday"
//                      (0 = Monday); NaN when missing;
//   text / id        → not encoded.
// Fields marked leaky in the schema are encoded only with include_leaky.
//
// The encoder is serialised to JSON (ToJson/FromJson) and saved with the model. Immutable after
// Fit/FromJson: Encode is const and thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/status.h"
#include "leads/lead.h"
#include "leads/schema.h"

namespace signx::leads {

struct EncoderOptions {
  int min_category_count = 5;  // rarer categories share the "(other)" column
  bool include_leaky = false;
};

class Encoder {
 public:
  // One schema field and the columns it produced.
  struct Source {
    int field = -1;                   // index into the schema's fields
    std::string name;                 // the schema field name
    FieldType type = FieldType::kNumber;
    std::vector<std::string> vocab;   // categories with their own column (category only)
    bool other = false;               // whether an "(other)" column exists (category only)
    std::size_t first_column = 0;
    std::size_t width = 0;
  };

  static Result<Encoder> Fit(const Schema& schema, std::span<const Lead> rows,
                             const EncoderOptions& options);

  std::size_t width() const { return column_names_.size(); }
  const std::vector<std::string>& column_names() const { return column_names_; }
  const std::vector<Source>& sources() const { return sources_; }
  // Index into sources() of the source that produced column `col`.
  std::size_t SourceOfColumn(std::size_t col) const { return column_source_[col]; }
  bool include_leaky() const { return include_leaky_; }
  int min_category_count() const { return min_category_count_; }

  // Writes width() values to `out` (must have width() elements). Returns how many category values
  // were not in the vocabulary; `unknown_fields`, when given, receives their field names.
  int Encode(const Lead& lead, std::span<float> out,
             std::vector<std::string>* unknown_fields = nullptr) const;

  boost::json::object ToJson() const;
  // Rebuilds an encoder against `schema` (field names must exist with the same types).
  static Result<Encoder> FromJson(const boost::json::value& json, const Schema& schema);

 private:
  void Layout();  // computes column names and offsets from sources_
  std::vector<Source> sources_;
  std::vector<std::string> column_names_;
  std::vector<std::size_t> column_source_;
  bool include_leaky_ = false;
  int min_category_count_ = 5;
};

}  // namespace signx::leads
