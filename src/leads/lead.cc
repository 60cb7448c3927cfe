#include "leads/lead.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "base/strings.h"

namespace signx::leads {
namespace json = boost::json;

namespace {

std::string FormatLimit(double v) { return fmt::format("{:g}", v); }

// The rule a number breaks for `f`, or "" (most numbers break none: no allocation then).
std::string RangeError(const FieldSpec& f, double v) {
  if (!std::isfinite(v)) return "must be a finite number";
  if (f.type == FieldType::kInteger && v != std::floor(v)) return "must be an integer";
  if (f.min && v < *f.min) return "must be at least " + FormatLimit(*f.min);
  if (f.max && v > *f.max) return "must be at most " + FormatLimit(*f.max);
  return {};
}

// Each Read* sets `out` to the field's value and returns true, or returns false with the rule
// broken in `error` (`out` then unspecified).
bool ReadNumber(const FieldSpec& f, double v, FieldValue& out, std::string& error) {
  error = RangeError(f, v);
  if (!error.empty()) return false;
  out = v;
  return true;
}

bool ReadString(const FieldSpec& f, std::string_view s, FieldValue& out, std::string& error) {
  if (f.max_length && s.size() > *f.max_length) {
    error = fmt::format("must be at most {} characters", *f.max_length);
    return false;
  }
  if (f.type == FieldType::kDate && !ParseIsoDate(s)) {
    error = "must be a date YYYY-MM-DD";
    return false;
  }
  out.emplace<std::string>(s);
  return true;
}

FieldValue MissingValue(const FieldSpec& f) {
  if (f.type == FieldType::kBoolean && f.default_bool) return FieldValue(*f.default_bool);
  return FieldValue();
}

// ParseFieldText's work: a field's value from text (a CSV cell or a JSON string).
bool ReadText(const Schema& schema, std::size_t field, std::string_view raw, FieldValue& out,
              std::string& error) {
  const FieldSpec& f = schema.fields[field];
  const std::string_view text = Trim(raw);
  if (schema.IsMissing(field, text)) {
    out = MissingValue(f);
    return true;
  }
  switch (f.type) {
    case FieldType::kNumber:
    case FieldType::kInteger: {
      const auto v = ParseDouble(text);
      if (!v) {
        error = f.type == FieldType::kInteger ? "must be an integer" : "must be a number";
        return false;
      }
      return ReadNumber(f, *v, out, error);
    }
    case FieldType::kBoolean: {
      const auto b = ParseBool(text);
      if (!b) {
        error = "must be a boolean (true/false, yes/no, 1/0)";
        return false;
      }
      out = *b;
      return true;
    }
    case FieldType::kCategory:
    case FieldType::kText:
    case FieldType::kDate:
      return ReadString(f, text, out, error);
  }
  error = "unsupported type";
  return false;
}

// A field's value from its JSON value (nullptr: the key is absent).
bool ReadJson(const Schema& schema, std::size_t i, const json::value* v, FieldValue& out,
              std::string& error) {
  const FieldSpec& f = schema.fields[i];
  if (v == nullptr || v->is_null()) {
    out = MissingValue(f);
    return true;
  }
  if (const auto* s = v->if_string()) return ReadText(schema, i, *s, out, error);
  if (const auto* b = v->if_bool()) {
    if (f.type == FieldType::kBoolean) {
      out = *b;
      return true;
    }
    error = fmt::format("must be a {}, not a boolean", FieldTypeName(f.type));
    return false;
  }
  if (v->is_number()) {
    const double d = v->to_number<double>();
    if (f.type == FieldType::kNumber || f.type == FieldType::kInteger) {
      return ReadNumber(f, d, out, error);
    }
    if (f.type == FieldType::kBoolean && (d == 0 || d == 1)) {
      out = d == 1;
      return true;
    }
    if (f.role == FieldRole::kId && d == std::floor(d)) {
      return ReadString(f, fmt::format("{:.0f}", d), out, error);
    }
    error = f.type == FieldType::kBoolean
                ? "must be a boolean (true/false, yes/no, 1/0)"
                : fmt::format("must be a string ({})", FieldTypeName(f.type));
    return false;
  }
  error = fmt::format("must be a {} value, not an array or object", FieldTypeName(f.type));
  return false;
}

}  // namespace

std::optional<int> ParseIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const auto y = ParseInt(s.substr(0, 4));
  const auto m = ParseInt(s.substr(5, 2));
  const auto d = ParseInt(s.substr(8, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*d > kDays[*m - 1] + (*m == 2 && leap ? 1 : 0)) return std::nullopt;
  // Howard Hinnant's days_from_civil.
  const long long yy = *y - (*m <= 2 ? 1 : 0);
  const long long era = (yy >= 0 ? yy : yy - 399) / 400;
  const long long yoe = yy - era * 400;
  const long long mp = (*m + 9) % 12;
  const long long doy = (153 * mp + 2) / 5 + *d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int>(era * 146097 + doe - 719468);
}

Result<FieldValue> ParseFieldText(const Schema& schema, std::size_t field, std::string_view raw) {
  FieldValue value;
  std::string error;
  if (!ReadText(schema, field, raw, value, error)) return InvalidArgument(std::move(error));
  return value;
}

json::object LeadToJson(const Schema& schema, const Lead& lead) {
  json::object out;
  for (std::size_t i = 0; i < schema.fields.size() && i < lead.values.size(); ++i) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (!std::is_same_v<T, std::monostate>) out[schema.fields[i].name] = v;
        },
        lead.values[i]);
  }
  return out;
}

json::object DisplayValues(const Schema& schema, const json::object& lead) {
  json::object out;
  for (const FieldSpec& f : schema.fields) {
    if (!f.display) continue;
    const json::value* v = lead.if_contains(f.name);
    if (v == nullptr || v->is_null() || v->is_object() || v->is_array()) continue;
    // A string's text goes straight into the answer's storage (no std::string in between).
    std::string number;
    const std::string_view text = Utf8Prefix(
        v->is_string() ? std::string_view(v->get_string()) : (number = json::serialize(*v)),
        kMaxDisplayChars);
    if (!text.empty()) out[f.name] = text;
  }
  return out;
}

Result<Lead> LeadFromJson(const Schema& schema, const json::object& object) {
  const std::size_t n = schema.fields.size();
  // Each field's JSON value (nullptr: absent), found in one pass over the object's members (a
  // parsed object holds each key once: the parser keeps a duplicate key's last value).
  std::array<const json::value*, 64> small{};
  std::vector<const json::value*> large;
  const json::value** found = small.data();
  if (n > small.size()) {
    large.assign(n, nullptr);
    found = large.data();
  }
  if (schema.field_names.Covers(schema.fields)) {
    // Clients usually send the fields in the schema's order: the field after the last one found
    // is tried first, the table otherwise.
    std::size_t next = 0;
    for (const auto& member : object) {
      const std::string_view key = member.key();
      const int i = next < n && schema.fields[next].name == key
                        ? static_cast<int>(next)
                        : schema.field_names.Find(key, schema.fields);
      if (i >= 0) {
        found[i] = &member.value();
        next = static_cast<std::size_t>(i) + 1;
      }
    }
  } else {  // a Schema made by hand: search the object for each field
    for (std::size_t i = 0; i < n; ++i) found[i] = object.if_contains(schema.fields[i].name);
  }

  Lead lead;
  lead.values.resize(n);
  std::vector<FieldError> errors;
  std::string error;
  for (std::size_t i = 0; i < n; ++i) {
    const FieldSpec& f = schema.fields[i];
    if (!ReadWhenScoring(f)) continue;
    FieldValue& value = lead.values[i];
    if (!ReadJson(schema, i, found[i], value, error)) {
      value = FieldValue();
      errors.push_back({f.name, std::move(error)});
      continue;
    }
    if (f.required && IsMissing(value)) {
      errors.push_back({f.name, "is required"});
      continue;
    }
    if (f.role == FieldRole::kId && lead.id.empty()) {
      if (const auto* s = std::get_if<std::string>(&value)) lead.id = *s;
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "the lead is invalid");
  return lead;
}

Result<std::vector<int>> MapColumns(const Schema& schema, const std::vector<std::string>& header) {
  std::vector<int> out(schema.fields.size(), -1);
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const FieldSpec& f = schema.fields[i];
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (Trim(header[c]) == f.column) out[i] = static_cast<int>(c);
    }
    if (out[i] < 0 && f.role != FieldRole::kExcluded) {
      errors.push_back({f.name, fmt::format("column '{}' is not in the CSV header", f.column)});
    }
  }
  if (!errors.empty()) {
    return ValidationFailed(std::move(errors), "the CSV does not match the schema");
  }
  return out;
}

Result<Lead> LeadFromCsvRow(const Schema& schema, const std::vector<int>& column_of_field,
                            const std::vector<std::string>& row, std::vector<FieldError>* lenient) {
  Lead lead;
  lead.values.resize(schema.fields.size());
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const FieldSpec& f = schema.fields[i];
    if (!ReadWhenScoring(f) || column_of_field[i] < 0) continue;
    auto parsed = ParseFieldText(schema, i, row[static_cast<std::size_t>(column_of_field[i])]);
    if (!parsed.ok()) {
      errors.push_back({f.name, std::string(parsed.status().message())});
      continue;
    }
    lead.values[i] = std::move(parsed).value();
    if (f.role == FieldRole::kId && lead.id.empty()) {
      if (const auto* s = std::get_if<std::string>(&lead.values[i])) lead.id = *s;
    }
  }
  if (!errors.empty()) {
    if (lenient == nullptr) return ValidationFailed(std::move(errors), "the row is invalid");
    lenient->insert(lenient->end(), errors.begin(), errors.end());
  }
  return lead;
}

Result<std::vector<Lead>> LeadsFromJson(const Schema& schema, const boost::json::array& leads) {
  std::vector<Lead> parsed;
  parsed.reserve(leads.size());
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < leads.size(); ++i) {
    const std::string prefix = fmt::format("leads[{}]", i);
    const auto* o = leads[i].if_object();
    if (!o) {
      errors.push_back({prefix, "must be a JSON object"});
      continue;
    }
    auto lead = LeadFromJson(schema, *o);
    if (!lead.ok()) {
      for (const auto& e : lead.status().details()) {
        errors.push_back({prefix + "." + e.field, e.message});
      }
      continue;
    }
    parsed.push_back(std::move(lead).value());
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "some leads are invalid");
  return parsed;
}

}  // namespace signx::leads
