#include "leads/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "csv/reader.h"

namespace signx::leads {
namespace internal {
extern const std::string_view kXEducationSchemaJson;
extern const std::string_view kCrmSalesOpportunitiesSchemaJson;
}  // namespace internal

namespace json = boost::json;

namespace {

// The largest accepted max_length (2^53: every integer up to it is exact as a double).
constexpr double kMaxTextLength = 9007199254740992.0;

std::optional<FieldType> ParseType(std::string_view s) {
  if (s == "number") return FieldType::kNumber;
  if (s == "integer") return FieldType::kInteger;
  if (s == "category") return FieldType::kCategory;
  if (s == "boolean") return FieldType::kBoolean;
  if (s == "text") return FieldType::kText;
  if (s == "date") return FieldType::kDate;
  return std::nullopt;
}

std::optional<FieldRole> ParseRole(std::string_view s) {
  if (s == "id") return FieldRole::kId;
  if (s == "feature") return FieldRole::kFeature;
  if (s == "label") return FieldRole::kLabel;
  if (s == "excluded") return FieldRole::kExcluded;
  return std::nullopt;
}

// Reads an optional array of strings; records an error when it is not one.
std::vector<std::string> Strings(const json::object& o, std::string_view key,
                                 const std::string& path, std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (!v) return out;
  if (!v->is_array()) {
    errors.push_back({path + "." + std::string(key), "must be an array of strings"});
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      errors.push_back({path + "." + std::string(key), "must be an array of strings"});
      return {};
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

std::string String(const json::object& o, std::string_view key, const std::string& path,
                   std::vector<FieldError>& errors) {
  const auto* v = o.if_contains(key);
  if (!v) return "";
  if (!v->is_string()) {
    errors.push_back({path + "." + std::string(key), "must be a string"});
    return "";
  }
  return std::string(v->get_string());
}

std::optional<double> Number(const json::object& o, std::string_view key, const std::string& path,
                             std::vector<FieldError>& errors) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_number()) {
    errors.push_back({path + "." + std::string(key), "must be a number"});
    return std::nullopt;
  }
  return v->to_number<double>();
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

std::string_view FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kNumber:
      return "number";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kCategory:
      return "category";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kText:
      return "text";
    case FieldType::kDate:
      return "date";
  }
  return "text";
}

std::string_view FieldRoleName(FieldRole r) {
  switch (r) {
    case FieldRole::kId:
      return "id";
    case FieldRole::kFeature:
      return "feature";
    case FieldRole::kLabel:
      return "label";
    case FieldRole::kExcluded:
      return "excluded";
  }
  return "excluded";
}

FieldNameTable::FieldNameTable(const std::vector<FieldSpec>& fields) : fields_(fields.size()) {
  if (fields.empty() || fields.size() > 4096) return;  // int16 indexes; no schema is that wide
  std::size_t size = 16;
  int bits = 4;
  while (size < 4 * fields.size()) {
    size *= 2;
    ++bits;
  }
  slots_.assign(size, -1);
  shift_ = 64 - bits;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (Find(fields[i].name, fields) >= 0) {  // a name given twice: not usable
      slots_.clear();
      return;
    }
    std::size_t s = Hash(fields[i].name) >> shift_;
    while (slots_[s] >= 0) s = (s + 1) & (size - 1);
    slots_[s] = static_cast<std::int16_t>(i);
  }
  usable_ = true;
}

int Schema::FieldIndex(std::string_view field_name) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field_name) return static_cast<int>(i);
  }
  return -1;
}

int Schema::LabelIndex() const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].role == FieldRole::kLabel) return static_cast<int>(i);
  }
  return -1;
}

bool Schema::IsMissing(std::size_t i, std::string_view text) const {
  const auto& f = fields[i].missing;
  return std::find(missing.begin(), missing.end(), text) != missing.end() ||
         std::find(f.begin(), f.end(), text) != f.end();
}

Result<Schema> ParseSchema(const json::value& value) {
  const auto* root = value.if_object();
  if (!root) return ValidationFailed({{"schema", "must be a JSON object"}});
  std::vector<FieldError> errors;
  Schema s;
  s.name = String(*root, "name", "schema", errors);
  s.description = String(*root, "description", "schema", errors);
  const std::string delim = String(*root, "delimiter", "schema", errors);
  if (!delim.empty()) {
    if (delim.size() != 1) errors.push_back({"schema.delimiter", "must be one character"});
    s.delimiter = delim.empty() ? ',' : delim[0];
  }
  if (root->contains("missing")) s.missing = Strings(*root, "missing", "schema", errors);
  const auto* fields = root->if_contains("fields");
  if (!fields || !fields->is_array() || fields->get_array().empty()) {
    errors.push_back({"schema.fields", "must be a non-empty array"});
    return ValidationFailed(std::move(errors), "invalid lead schema");
  }
  std::set<std::string> names, columns;
  int labels = 0;
  for (std::size_t i = 0; i < fields->get_array().size(); ++i) {
    const std::string path = fmt::format("schema.fields[{}]", i);
    const auto* o = fields->get_array()[i].if_object();
    if (!o) {
      errors.push_back({path, "must be an object"});
      continue;
    }
    FieldSpec f;
    f.name = String(*o, "name", path, errors);
    if (f.name.empty()) errors.push_back({path + ".name", "is required"});
    if (!names.insert(f.name).second) {
      errors.push_back({path + ".name", fmt::format("duplicate field name '{}'", f.name)});
    }
    f.column = String(*o, "column", path, errors);
    if (f.column.empty()) f.column = f.name;
    if (!columns.insert(f.column).second) {
      errors.push_back({path + ".column", fmt::format("duplicate column '{}'", f.column)});
    }
    f.label = String(*o, "label", path, errors);
    if (f.label.empty()) f.label = f.column;
    const std::string type = String(*o, "type", path, errors);
    if (auto t = ParseType(type)) {
      f.type = *t;
    } else {
      errors.push_back({path + ".type", fmt::format("'{}' is not one of number, integer, "
                                                    "category, boolean, text, date",
                                                    type)});
    }
    const std::string role = o->contains("role") ? String(*o, "role", path, errors) : "feature";
    if (auto r = ParseRole(role)) {
      f.role = *r;
    } else {
      errors.push_back(
          {path + ".role", fmt::format("'{}' is not one of id, feature, label, excluded", role)});
    }
    f.categories = Strings(*o, "categories", path, errors);
    f.missing = Strings(*o, "missing", path, errors);
    f.min = Number(*o, "min", path, errors);
    f.max = Number(*o, "max", path, errors);
    if (f.min && f.max && *f.min > *f.max) errors.push_back({path + ".min", "is above max"});
    if (const auto* v = o->if_contains("leaky")) {
      if (!v->is_bool())
        errors.push_back({path + ".leaky", "must be true or false"});
      else
        f.leaky = v->get_bool();
    }
    if (const auto* v = o->if_contains("display")) {
      if (!v->is_bool())
        errors.push_back({path + ".display", "must be true or false"});
      else
        f.display = v->get_bool();
    }
    if (const auto* v = o->if_contains("required")) {
      if (!v->is_bool())
        errors.push_back({path + ".required", "must be true or false"});
      else
        f.required = v->get_bool();
    }
    if (const auto* v = o->if_contains("default")) {
      if (f.type != FieldType::kBoolean || !v->is_bool()) {
        errors.push_back({path + ".default", "is only supported for boolean fields (true/false)"});
      } else {
        f.default_bool = v->get_bool();
      }
    }
    if (auto ml = Number(*o, "max_length", path, errors)) {
      // Above kMaxTextLength the cast to size_t could overflow (undefined); no cell is that long.
      if (*ml < 1)
        errors.push_back({path + ".max_length", "must be at least 1"});
      else if (!(*ml <= kMaxTextLength))
        errors.push_back({path + ".max_length", "is too large"});
      else
        f.max_length = static_cast<std::size_t>(*ml);
    }
    f.positive = Strings(*o, "positive", path, errors);
    f.negative = Strings(*o, "negative", path, errors);
    f.description = String(*o, "description", path, errors);
    if (f.role == FieldRole::kLabel) {
      ++labels;
      if (f.display) errors.push_back({path + ".display", "the label cannot be a display field"});
      if (f.positive.empty() || f.negative.empty()) {
        errors.push_back({path, "the label needs non-empty 'positive' and 'negative' value lists"});
      }
    }
    s.fields.push_back(std::move(f));
  }
  if (labels != 1) {
    errors.push_back(
        {"schema.fields", fmt::format("needs exactly one label field, found {}", labels)});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid lead schema");
  s.field_names = FieldNameTable(s.fields);
  return s;
}

Result<Schema> ParseSchemaText(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status(ErrorCode::kMalformedJson, "schema is not valid JSON: " + ec.message());
  return ParseSchema(v);
}

Result<Schema> LoadSchemaFile(const std::string& path) {
  SIGNX_ASSIGN_OR_RETURN(const std::string text, csv::ReadFile(path));
  auto s = ParseSchemaText(text);
  if (!s.ok()) return s.status().WithContext(path);
  return s;
}

json::object SchemaToJson(const Schema& s) {
  json::object o;
  o["name"] = s.name;
  if (!s.description.empty()) o["description"] = s.description;
  o["delimiter"] = std::string(1, s.delimiter);
  o["missing"] = ToArray(s.missing);
  json::array fields;
  for (const auto& f : s.fields) {
    json::object fo;
    fo["name"] = f.name;
    fo["column"] = f.column;
    fo["label"] = f.label;
    fo["type"] = FieldTypeName(f.type);
    fo["role"] = FieldRoleName(f.role);
    if (!f.categories.empty()) fo["categories"] = ToArray(f.categories);
    if (f.min) fo["min"] = *f.min;
    if (f.max) fo["max"] = *f.max;
    if (!f.missing.empty()) fo["missing"] = ToArray(f.missing);
    if (f.leaky) fo["leaky"] = true;
    if (f.display) fo["display"] = true;
    if (f.required) fo["required"] = true;
    if (f.max_length) fo["max_length"] = *f.max_length;
    if (f.default_bool) fo["default"] = *f.default_bool;
    if (!f.positive.empty()) fo["positive"] = ToArray(f.positive);
    if (!f.negative.empty()) fo["negative"] = ToArray(f.negative);
    if (!f.description.empty()) fo["description"] = f.description;
    fields.push_back(std::move(fo));
  }
  o["fields"] = std::move(fields);
  return o;
}

Result<Schema> BuiltinSchema(std::string_view name) {
  if (name == "x_education") return ParseSchemaText(internal::kXEducationSchemaJson);
  if (name == "crm_sales_opportunities") {
    return ParseSchemaText(internal::kCrmSalesOpportunitiesSchemaJson);
  }
  return NotFound(
      fmt::format("no built-in schema '{}' (have: {})", name, Join(BuiltinSchemaNames(), ", ")));
}

std::vector<std::string> BuiltinSchemaNames() { return {"x_education", "crm_sales_opportunities"}; }

std::string ToSnakeCase(std::string_view text) {
  std::string out;
  auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto is_lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_upper(c) || is_lower(c) || is_digit(c)) {
      // A word boundary inside CamelCase: "TotalVisits" -> "total_visits".
      if (is_upper(c) && i > 0 && !out.empty() && out.back() != '_' &&
          (is_lower(text[i - 1]) ||
           (i + 1 < text.size() && is_lower(text[i + 1]) && is_upper(text[i - 1])))) {
        out += '_';
      }
      out += is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

}  // namespace signx::leads
