// Proposes a lead schema from any CSV export for a person to review: delimiter, one field per
// column with a snake_case name, a type (number, integer, boolean, date, category, text), the
// categories seen, missing markers ("", "NA", "Select", ...), id columns and label candidates.
// The proposal is a valid schema once a label is chosen: the caller names it (options.label, with
// the values meaning "converted" in options.positive; the others are negative), or a likely label
// (a binary column named like converted/won/label/target/outcome/status/stage) is marked.
//
// Leak check, once a label is known: a field whose value is filled in after the outcome (a close
// date, a deal value, a sales rep's tag) separates the label almost perfectly by itself. Each
// feature's single-field AUC is measured out of sample — category rates learnt on the even rows,
// scored on the odd rows; a number by its value, missing lowest — and a field at or above
// kLeakAuc is marked "leaky": true (excluded from training unless asked for) with a note giving its
// AUC; so is a field whose name says it is written at the close (close/closed/won/lost/...).
// Pure function; thread-safe.
#pragma once

#include <boost/json.hpp>

#include "csv/reader.h"

namespace signx::leads {

struct InferOptions {
  std::size_t max_categories = 100;   // more distinct values than this → text
  std::string label;                  // field name or CSV column of the label; "" = guess
  std::vector<std::string> positive;  // the label's values meaning converted (required with label)
};

inline constexpr double kLeakAuc = 0.9;

// {"name", "delimiter", "missing", "fields": [...], "label_candidates": [{"field", "values",
//  "reason"}], "notes": [...]}
// kInvalidArgument when options.label names no column, or its positive values are missing or
// match no row.
Result<boost::json::object> InferSchema(const csv::Table& table, char delimiter,
                                        const InferOptions& options = {});

}  // namespace signx::leads
