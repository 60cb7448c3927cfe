// A lead schema: the data that describes one CRM export — its fields, their types, allowed
// categories or ranges, missing-value markers and roles — so validation, encoding and training
// are driven by a JSON file instead of code.
//
// JSON form (see schemas/x_education.json):
//   {"name": "...", "description": "...", "delimiter": ",", "missing": ["", "NA"],
//    "fields": [{"name": "lead_source", "column": "Lead Source", "label": "Lead source",
//                "type": "category", "role": "feature", "categories": ["Google", ...],
//                "missing": ["Select"], "leaky": false, "display": false, "min": 0, "max": 10,
//                "required": false, "max_length": 128, "default": false,
//                "positive": ["Won"], "negative": ["Lost"], "description": "..."}]}
// type: number | integer | category | boolean | text | date (YYYY-MM-DD);
// role: id | feature | label | excluded. Exactly one label field; "positive"/"negative" list its
// values (rows with any other label value are not used for training). "display": true shows the
// field's value to salespeople (worklist, lead page) — a contact name or e-mail is an excluded
// field with display true, so it is read and shown but never a model input; not for the label.
//
// Thread-safety: a Schema is an immutable value once parsed.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::leads {

enum class FieldType { kNumber, kInteger, kCategory, kBoolean, kText, kDate };
enum class FieldRole { kId, kFeature, kLabel, kExcluded };

std::string_view FieldTypeName(FieldType t);
std::string_view FieldRoleName(FieldRole r);

struct FieldSpec {
  std::string name;    // API/JSON field name, snake_case
  std::string column;  // CSV header of the column (defaults to name)
  std::string label;   // human-readable name used in reasons (defaults to column)
  FieldType type = FieldType::kText;
  FieldRole role = FieldRole::kFeature;
  std::vector<std::string> categories;  // known categories (others are accepted and counted)
  std::optional<double> min;            // inclusive range for number/integer
  std::optional<double> max;
  std::vector<std::string> missing;  // markers meaning "not given", added to the schema's
  bool leaky = false;     // written after contact: excluded from training unless asked for
  bool display = false;   // shown in the worklist and on the lead page (never makes a feature)
  bool required = false;  // an API request must give a non-missing value
  std::optional<std::size_t> max_length;  // for text/id/category strings
  std::optional<bool> default_bool;       // boolean value used when the field is missing
  std::vector<std::string> positive;      // label values meaning 1
  std::vector<std::string> negative;      // label values meaning 0
  std::string description;
};

struct Schema {
  std::string name;
  std::string description;
  char delimiter = ',';
  std::vector<std::string> missing = {""};  // markers for every field
  std::vector<FieldSpec> fields;

  // Index of the field named `name` (API name), or -1.
  int FieldIndex(std::string_view name) const;
  // Index of the label field (ParseSchema guarantees exactly one).
  int LabelIndex() const;
  // Whether `text` (already trimmed) is a missing marker for field `i`.
  bool IsMissing(std::size_t i, std::string_view text) const;
};

// Whether a lead's value of `f` is read when it is scored: its id, its features and the fields
// shown to salespeople.
inline bool ReadWhenScoring(const FieldSpec& f) {
  return f.role == FieldRole::kId || f.role == FieldRole::kFeature || f.display;
}

// Parses and checks a schema; every problem is reported at once as ValidationFailed details.
Result<Schema> ParseSchema(const boost::json::value& json);
Result<Schema> ParseSchemaText(std::string_view text);
Result<Schema> LoadSchemaFile(const std::string& path);
boost::json::object SchemaToJson(const Schema& schema);

// The shipped schemas, compiled into the binary: "x_education" (default) and
// "crm_sales_opportunities". NotFound for other names.
Result<Schema> BuiltinSchema(std::string_view name);
std::vector<std::string> BuiltinSchemaNames();

// "Lead Source" -> "lead_source", "TotalVisits" -> "total_visits".
std::string ToSnakeCase(std::string_view text);

}  // namespace signx::leads
