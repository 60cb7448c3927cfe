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
#include <cstdint>
#include <cstring>
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

// The fields' API names as a hash table, so a JSON lead is read in one pass over its members
// (LeadFromJson) instead of one search of the object per field. Open addressing; every hit is
// checked against the field's name, so the hash only decides speed, never results. ParseSchema
// builds it; a Schema's fields are not renamed, added or removed after that (code that did so
// would rebuild it). A Schema made by hand has an empty table, which covers nothing.
class FieldNameTable {
 public:
  FieldNameTable() = default;
  explicit FieldNameTable(const std::vector<FieldSpec>& fields);

  // Whether the table may be used for `fields`: it was built from as many fields, with names all
  // different. Otherwise (an empty table, names given twice) callers search field by field.
  bool Covers(const std::vector<FieldSpec>& fields) const {
    return usable_ && fields_ == fields.size();
  }
  // Index of the field of `fields` (those it was built from) named `name`, or -1.
  int Find(std::string_view name, const std::vector<FieldSpec>& fields) const {
    if (slots_.empty()) return -1;
    for (std::size_t s = Hash(name) >> shift_;; s = (s + 1) & (slots_.size() - 1)) {
      const int i = slots_[s];
      if (i < 0) return -1;
      if (fields[static_cast<std::size_t>(i)].name == name) return i;
    }
  }

 private:
  // Mixes the length and the first and last (up to) 8 bytes: names differ there.
  static std::uint64_t Hash(std::string_view s) {
    std::uint64_t a = 0, b = 0;
    const std::size_t n = s.size();
    if (n >= 8) {
      std::memcpy(&a, s.data(), 8);
      std::memcpy(&b, s.data() + n - 8, 8);
    } else {
      for (std::size_t k = 0; k < n; ++k) a = a << 8 | static_cast<unsigned char>(s[k]);
    }
    return (a ^ ((b ^ n) * 0x9E3779B97F4A7C15ULL)) * 0xFF51AFD7ED558CCDULL;
  }

  std::vector<std::int16_t> slots_;  // field index or -1; a power of two, at least 4x the fields
  int shift_ = 64;                   // 64 - log2(slots_.size())
  std::size_t fields_ = 0;
  bool usable_ = false;
};

struct Schema {
  std::string name;
  std::string description;
  char delimiter = ',';
  std::vector<std::string> missing = {""};  // markers for every field
  std::vector<FieldSpec> fields;
  FieldNameTable field_names;  // of `fields`, built by ParseSchema

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
