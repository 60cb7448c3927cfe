// One lead as typed values, parsed and validated against a Schema from a JSON object (API
// requests) or from a CSV row (training data).
//
// Validation reports every bad field at once as ValidationFailed with one FieldError per field
// naming the field and the rule broken ("total_visits": "must be at least 0"). Categories not in
// the schema or the model's vocabulary are not errors (the encoder counts them). Unknown JSON keys
// are ignored. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "leads/schema.h"

namespace signx::leads {

// Missing, a number (number/integer), a flag (boolean) or text (category/text/date "YYYY-MM-DD").
using FieldValue = std::variant<std::monostate, double, bool, std::string>;

inline bool IsMissing(const FieldValue& v) { return std::holds_alternative<std::monostate>(v); }

struct Lead {
  std::string id;                  // value of the first id field ("" if none)
  std::vector<FieldValue> values;  // one per schema field (label/excluded stay missing)
};

// Parses one field from text (CSV cell or JSON string). Missing markers → monostate; a boolean
// missing value takes the field's default. The error string is the rule broken.
Result<FieldValue> ParseFieldText(const Schema& schema, std::size_t field, std::string_view text);

// Validates and converts a JSON object keyed by field names.
Result<Lead> LeadFromJson(const Schema& schema, const boost::json::object& object);
// The lead's given values by field name (missing ones left out): what LeadFromJson reads back
// into the same lead. The lake stores it as a scored lead's features.
boost::json::object LeadToJson(const Schema& schema, const Lead& lead);
// The display fields' values of a lead object (JSON keyed by field name), as text of at most
// kMaxDisplayChars bytes each (cut at a UTF-8 boundary), missing ones left out: what the worklist
// and the lead page show. Empty when the schema has no display field.
inline constexpr std::size_t kMaxDisplayChars = 200;
boost::json::object DisplayValues(const Schema& schema, const boost::json::object& lead);

// A batch: every lead validated, all problems reported at once as leads[i].<field>.
Result<std::vector<Lead>> LeadsFromJson(const Schema& schema, const boost::json::array& leads);

// Maps schema fields to CSV columns by header: column_of_field[i] is the CSV column of field i or
// -1. ValidationFailed listing every id/feature/label column the header lacks.
Result<std::vector<int>> MapColumns(const Schema& schema, const std::vector<std::string>& header);

// Converts one CSV row; cells that fail validation are listed as errors. With `lenient` non-null
// the row always converts: bad cells become missing and are appended to *lenient.
Result<Lead> LeadFromCsvRow(const Schema& schema, const std::vector<int>& column_of_field,
                            const std::vector<std::string>& row,
                            std::vector<FieldError>* lenient = nullptr);

// Days since 1970-01-01 of a strict "YYYY-MM-DD" date, or nullopt.
std::optional<int> ParseIsoDate(std::string_view text);

}  // namespace signx::leads
