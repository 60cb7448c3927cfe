#include "leads/encoder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

namespace signx::leads {
namespace json = boost::json;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

bool Encodable(const FieldSpec& f) {
  return f.role == FieldRole::kFeature && f.type != FieldType::kText;
}

}  // namespace

Result<Encoder> Encoder::Fit(const Schema& schema, std::span<const Lead> rows,
                             const EncoderOptions& options) {
  if (rows.empty()) return InvalidArgument("cannot fit an encoder on zero rows");
  Encoder enc;
  enc.include_leaky_ = options.include_leaky;
  enc.min_category_count_ = std::max(1, options.min_category_count);
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const FieldSpec& f = schema.fields[i];
    if (!Encodable(f) || (f.leaky && !options.include_leaky)) continue;
    Source s;
    s.field = static_cast<int>(i);
    s.name = f.name;
    s.type = f.type;
    if (f.type == FieldType::kCategory) {
      std::map<std::string, int> counts;
      for (const Lead& lead : rows) {
        if (const auto* v = std::get_if<std::string>(&lead.values[i])) ++counts[*v];
      }
      for (const auto& [value, n] : counts) {
        if (n >= enc.min_category_count_) {
          s.vocab.push_back(value);
        } else {
          s.other = true;
        }
      }
    }
    enc.sources_.push_back(std::move(s));
  }
  if (enc.sources_.empty()) return InvalidArgument("the schema has no encodable feature fields");
  enc.Layout();
  return enc;
}

void Encoder::Layout() {
  column_names_.clear();
  column_source_.clear();
  for (std::size_t si = 0; si < sources_.size(); ++si) {
    Source& s = sources_[si];
    s.first_column = column_names_.size();
    switch (s.type) {
      case FieldType::kCategory:
        for (const auto& v : s.vocab) column_names_.push_back(s.name + "=" + v);
        if (s.other) column_names_.push_back(s.name + "=(other)");
        break;
      case FieldType::kDate:
        column_names_.push_back(s.name + ".days");
        column_names_.push_back(s.name + ".month");
        column_names_.push_back(s.name + ".weekday");
        break;
      default:
        column_names_.push_back(s.name);
        break;
    }
    s.width = column_names_.size() - s.first_column;
    column_source_.resize(column_names_.size(), si);
  }
}

int Encoder::Encode(const Lead& lead, std::span<float> out,
                    std::vector<std::string>* unknown_fields) const {
  int unknown = 0;
  for (const Source& s : sources_) {
    const FieldValue& v = lead.values[static_cast<std::size_t>(s.field)];
    float* col = out.data() + s.first_column;
    switch (s.type) {
      case FieldType::kNumber:
      case FieldType::kInteger:
        col[0] = std::holds_alternative<double>(v) ? static_cast<float>(std::get<double>(v))
                                                   : kNaN;
        break;
      case FieldType::kBoolean:
        col[0] = std::holds_alternative<bool>(v) ? (std::get<bool>(v) ? 1.0f : 0.0f) : kNaN;
        break;
      case FieldType::kCategory: {
        std::fill(col, col + s.width, 0.0f);
        const auto* text = std::get_if<std::string>(&v);
        if (!text) break;
        const auto it = std::lower_bound(s.vocab.begin(), s.vocab.end(), *text);
        if (it != s.vocab.end() && *it == *text) {
          col[it - s.vocab.begin()] = 1.0f;
        } else {
          ++unknown;
          if (unknown_fields) unknown_fields->push_back(s.name);
          if (s.other) col[s.width - 1] = 1.0f;
        }
        break;
      }
      case FieldType::kDate: {
        const auto* text = std::get_if<std::string>(&v);
        const auto days = text ? ParseIsoDate(*text) : std::nullopt;
        if (!days) {
          col[0] = col[1] = col[2] = kNaN;
          break;
        }
        col[0] = static_cast<float>(*days);
        // Month from days via civil_from_days; weekday: 1970-01-01 was a Thursday (3).
        const int z = *days + 719468;
        const int era = (z >= 0 ? z : z - 146096) / 146097;
        const int doe = z - era * 146097;
        const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const int mp = (5 * doy + 2) / 153;
        col[1] = static_cast<float>(mp < 10 ? mp + 3 : mp - 9);
        col[2] = static_cast<float>(((*days % 7) + 7 + 3) % 7);
        break;
      }
      case FieldType::kText:
        break;
    }
  }
  return unknown;
}

json::object Encoder::ToJson() const {
  json::object o;
  o["version"] = 1;
  o["include_leaky"] = include_leaky_;
  o["min_category_count"] = min_category_count_;
  json::array sources;
  for (const Source& s : sources_) {
    json::object so;
    so["field"] = s.name;
    so["type"] = FieldTypeName(s.type);
    if (s.type == FieldType::kCategory) {
      json::array vocab;
      for (const auto& v : s.vocab) vocab.emplace_back(v);
      so["vocab"] = std::move(vocab);
      so["other"] = s.other;
    }
    sources.push_back(std::move(so));
  }
  o["sources"] = std::move(sources);
  json::array cols;
  for (const auto& c : column_names_) cols.emplace_back(c);
  o["columns"] = std::move(cols);
  return o;
}

Result<Encoder> Encoder::FromJson(const json::value& value, const Schema& schema) {
  const auto* o = value.if_object();
  if (!o) return InvalidArgument("encoder must be a JSON object");
  Encoder enc;
  if (const auto* v = o->if_contains("include_leaky"); v && v->is_bool()) {
    enc.include_leaky_ = v->get_bool();
  }
  if (const auto* v = o->if_contains("min_category_count"); v && v->is_int64()) {
    enc.min_category_count_ = static_cast<int>(v->get_int64());
  }
  const auto* sources = o->if_contains("sources");
  if (!sources || !sources->is_array()) return InvalidArgument("encoder.sources missing");
  for (const auto& sv : sources->get_array()) {
    const auto* so = sv.if_object();
    const auto* field = so ? so->if_contains("field") : nullptr;
    const auto* type = so ? so->if_contains("type") : nullptr;
    if (!field || !field->is_string() || !type || !type->is_string()) {
      return InvalidArgument("encoder source needs field and type");
    }
    Source s;
    s.name = std::string(field->get_string());
    s.field = schema.FieldIndex(s.name);
    if (s.field < 0) {
      return InvalidArgument(fmt::format("encoder field '{}' is not in the schema", s.name));
    }
    s.type = schema.fields[static_cast<std::size_t>(s.field)].type;
    if (FieldTypeName(s.type) != type->get_string()) {
      return InvalidArgument(fmt::format("encoder field '{}' has type {} but the schema says {}",
                                         s.name, std::string_view(type->get_string()),
                                         FieldTypeName(s.type)));
    }
    if (s.type == FieldType::kCategory) {
      const auto* vocab = so->if_contains("vocab");
      if (!vocab || !vocab->is_array()) {
        return InvalidArgument(fmt::format("encoder field '{}' lacks its vocab", s.name));
      }
      for (const auto& v : vocab->get_array()) {
        if (!v.is_string()) return InvalidArgument("encoder vocab entries must be strings");
        s.vocab.emplace_back(v.get_string());
      }
      if (!std::is_sorted(s.vocab.begin(), s.vocab.end())) {
        return InvalidArgument(fmt::format("encoder vocab of '{}' is not sorted", s.name));
      }
      if (const auto* other = so->if_contains("other"); other && other->is_bool()) {
        s.other = other->get_bool();
      }
    }
    enc.sources_.push_back(std::move(s));
  }
  enc.Layout();
  return enc;
}

}  // namespace signx::leads
