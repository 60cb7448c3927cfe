// Proposes a lead schema from any CSV export for a person to review: delimiter, one field per
// column with a snake_case name, a type (number, integer, boolean, date, category, text), the
// categories seen, missing markers ("", "NA", "Select", ...), id columns and label candidates.
// The proposal is a valid schema once a label is chosen; when a likely label is found (a binary
// column named like converted/won/label/target/outcome/status/stage) it is marked as the label.
// Pure function; thread-safe.
#pragma once

#include <boost/json.hpp>

#include "csv/reader.h"

namespace signx::leads {

struct InferOptions {
  std::size_t max_categories = 100;  // more distinct values than this → text
};

// {"name", "delimiter", "missing", "fields": [...], "label_candidates": [{"field", "values",
//  "reason"}], "notes": [...]}
boost::json::object InferSchema(const csv::Table& table, char delimiter,
                                const InferOptions& options = {});

}  // namespace signx::leads
