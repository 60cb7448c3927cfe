// The M4 Competition's file layout, parsed from text (the caller reads the file): a header row,
// then one row per series: id, then values, right-padded with empty or NA fields. Forecast files
// use the same layout (id,F1..Fh).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::forecast {

struct NamedSeries {
  std::string id;
  std::vector<double> values;
};

// Quotes around fields are stripped; empty, "NA", "NaN" and "NULL" fields are skipped. A field
// that is not a number is an InvalidArgument naming its line and column; so is a row without an id.
Result<std::vector<NamedSeries>> ParseM4Csv(std::string_view text);

// M4 constants by the first letter of the ids (H, W, D, ...): horizon and the m of MASE/Naive2.
struct M4Frequency {
  std::string name;
  int horizon = 0;
  int mase_period = 1;
};
Result<M4Frequency> M4FrequencyFor(std::string_view name_or_id);

}  // namespace signx::forecast
