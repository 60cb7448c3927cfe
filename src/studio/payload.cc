#include "studio/payload.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "base/check.h"
#include "base/sha256.h"
#include "studio/canonical_json.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

std::string Num(double d) { return EcmaNumber(d); }

const json::object* ObjAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<double> NumAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

bool TypeMatches(std::string_view type, const json::value& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_bool();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    if (v.is_double()) {
      const double d = v.get_double();
      return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
    }
    return false;
  }
  if (type == "null") return v.is_null();
  return false;
}

std::string_view Article(std::string_view type) {
  return type == "object" || type == "array" || type == "integer" ? "an" : "a";
}

void Validate(const json::object& schema, const json::value& v, const std::string& path,
              std::vector<FieldError>& out) {
  if (const json::value* t = schema.if_contains("type"); t && t->is_string()) {
    if (!TypeMatches(t->get_string(), v)) {
      out.push_back({path, fmt::format("must be {} {}", Article(t->get_string()),
                                       std::string_view(t->get_string()))});
      return;
    }
  }
  if (const json::value* e = schema.if_contains("enum"); e && e->is_array()) {
    bool found = false;
    std::string names;
    const auto& arr = e->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto a = CanonicalJson(arr[i]);
      auto b = CanonicalJson(v);
      if (a.ok() && b.ok() && *a == *b) found = true;
      if (i > 0) names += i + 1 == arr.size() ? " or " : ", ";
      names += arr[i].is_string() ? std::string(arr[i].get_string()) : (a.ok() ? *a : "?");
    }
    if (!found) {
      out.push_back({path, "must be " + names});
      return;
    }
  }
  if (v.is_number()) {
    const double d = v.to_number<double>();
    const auto min = NumAt(schema, "minimum");
    const auto max = NumAt(schema, "maximum");
    const auto xmin = NumAt(schema, "exclusiveMinimum");
    const bool bad = (min && d < *min) || (max && d > *max) || (xmin && d <= *xmin);
    if (bad) {
      if (min && max) {
        out.push_back({path, fmt::format("must be between {} and {}", Num(*min), Num(*max))});
      } else if (xmin && max) {
        out.push_back({path, fmt::format("must be > {} and <= {}", Num(*xmin), Num(*max))});
      } else if (min) {
        out.push_back({path, fmt::format("must be >= {}", Num(*min))});
      } else if (xmin) {
        out.push_back({path, fmt::format("must be > {}", Num(*xmin))});
      } else {
        out.push_back({path, fmt::format("must be <= {}", Num(*max))});
      }
    }
  }
  if (v.is_string()) {
    const std::size_t n = v.get_string().size();
    if (auto mx = NumAt(schema, "maxLength"); mx && static_cast<double>(n) > *mx) {
      out.push_back({path, fmt::format("must be at most {} characters", Num(*mx))});
    }
    if (auto mn = NumAt(schema, "minLength"); mn && static_cast<double>(n) < *mn) {
      out.push_back({path, *mn == 1 ? std::string("must not be empty")
                                    : fmt::format("must be at least {} characters", Num(*mn))});
    }
  }
  if (v.is_array()) {
    const auto& a = v.get_array();
    if (auto mx = NumAt(schema, "maxItems"); mx && static_cast<double>(a.size()) > *mx) {
      out.push_back({path, fmt::format("must have at most {} items", Num(*mx))});
    }
    if (const json::object* items = ObjAt(schema, "items")) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        Validate(*items, a[i], fmt::format("{}[{}]", path, i), out);
      }
    }
  }
  if (v.is_object()) {
    const json::object& o = v.get_object();
    const json::object* props = ObjAt(schema, "properties");
    if (const json::value* req = schema.if_contains("required"); req && req->is_array()) {
      for (const json::value& r : req->get_array()) {
        if (r.is_string() && !o.contains(r.get_string())) {
          out.push_back({path + "." + std::string(r.get_string()), "is required"});
        }
      }
    }
    const json::value* extra = schema.if_contains("additionalProperties");
    const bool closed = extra && extra->is_bool() && !extra->get_bool();
    // Members in sorted order so the error list is deterministic.
    std::vector<std::string> keys;
    for (const auto& kv : o) keys.emplace_back(kv.key());
    std::sort(keys.begin(), keys.end());
    for (const std::string& k : keys) {
      const json::object* sub = props ? ObjAt(*props, k) : nullptr;
      if (!sub) {
        if (closed) out.push_back({path + "." + k, "is not a known field"});
        continue;
      }
      Validate(*sub, o.at(k), path + "." + k, out);
    }
  }
}

const std::map<std::string, json::object, std::less<>>& Schemas() {
  static const auto* schemas = [] {
    auto* m = new std::map<std::string, json::object, std::less<>>();
    for (const web::EmbeddedFile& f : EmbeddedSchemas()) {
      std::string_view name(f.name);
      if (name.ends_with(".json")) name.remove_suffix(5);
      json::value v = json::parse(f.data);
      SIGNX_CHECK(v.is_object(), fmt::format("studio schema {} is not an object", f.name));
      m->emplace(std::string(name), std::move(v.get_object()));
    }
    for (std::string_view module : kModules) {
      SIGNX_CHECK(m->contains(module), fmt::format("studio schema {}.json missing", module));
    }
    return m;
  }();
  return *schemas;
}

}  // namespace

bool IsModule(std::string_view module) {
  return std::find(std::begin(kModules), std::end(kModules), module) != std::end(kModules);
}

const std::string& ModuleRule() {
  static const std::string rule = [] {
    std::string out = "must be ";
    const std::size_t n = std::size(kModules);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out += i + 1 == n ? " or " : ", ";
      out += kModules[i];
    }
    return out;
  }();
  return rule;
}

const json::object& ModuleSchema(std::string_view module) {
  auto it = Schemas().find(module);
  SIGNX_CHECK(it != Schemas().end(), fmt::format("no schema for module {}", module));
  return it->second;
}

std::vector<FieldError> ValidateAgainstSchema(const json::object& schema, const json::value& value,
                                              const std::string& path) {
  std::vector<FieldError> out;
  Validate(schema, value, path, out);
  return out;
}

Status ValidatePayloadConfig(std::string_view module, const json::value& config) {
  if (!IsModule(module)) return ValidationFailed({{"module", ModuleRule()}});
  std::vector<FieldError> errors = ValidateAgainstSchema(ModuleSchema(module), config, "config");
  if (module == "structure" && config.is_object()) {
    const json::object& o = config.get_object();
    auto s = NumAt(o, "sign_height_ft");
    auto h = NumAt(o, "top_height_ft");
    if (s && h && *h < *s) {
      errors.push_back(
          {"config.top_height_ft", fmt::format("must be at least sign_height_ft ({})", Num(*s))});
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "the payload is not valid");
  return Status::Ok();
}

json::array FilesJson(std::vector<PayloadFile> files) {
  std::sort(files.begin(), files.end(),
            [](const PayloadFile& a, const PayloadFile& b) { return a.name < b.name; });
  json::array out;
  for (const PayloadFile& f : files) {
    out.push_back(json::object{{"name", f.name},
                               {"sha256", f.sha256},
                               {"size_bytes", f.size_bytes},
                               {"content_type", f.content_type}});
  }
  return out;
}

Result<std::string> PayloadSha256(std::string_view module, const json::value& config,
                                  const std::vector<PayloadFile>& files) {
  return CanonicalSha256(
      json::object{{"config", config}, {"files", FilesJson(files)}, {"module", module}});
}

Result<std::string> PayloadsSha256(const std::map<std::string, std::string>& sha_by_module) {
  json::object o;
  for (const auto& [m, sha] : sha_by_module) o[m] = sha;
  return CanonicalSha256(o);
}

json::object CostSpecFromPayloads(const std::map<std::string, json::object>& configs) {
  auto st = configs.find("structure");
  auto cab = configs.find("cabinet");
  if (st == configs.end() || cab == configs.end()) return {};
  const json::object& s = st->second;
  const json::object& c = cab->second;
  json::object spec;
  // The model's sign: face in inches, wind, material (seed 000).
  spec["width_in"] = NumAt(s, "sign_width_ft").value_or(0) * 12.0;
  spec["height_in"] = NumAt(s, "sign_height_ft").value_or(0) * 12.0;
  spec["wind_speed_mph"] = NumAt(s, "wind_speed_mph").value_or(0);
  spec["material"] = c.at("material");
  if (auto h = NumAt(s, "top_height_ft")) spec["sign_height_ft"] = *h;
  if (const json::value* e = s.if_contains("exposure")) spec["exposure_category"] = *e;
  if (const json::value* k = s.if_contains("soil_class")) spec["soil_class"] = *k;
  if (const json::value* t = c.if_contains("sign_type")) spec["sign_type"] = *t;
  if (const json::value* f = c.if_contains("faces")) spec["faces"] = *f;
  if (auto e = configs.find("electrical"); e != configs.end()) {
    if (const json::value* i = e->second.if_contains("illumination")) spec["illumination"] = *i;
  }
  if (auto f = configs.find("foundation"); f != configs.end()) {
    if (const json::value* t = f->second.if_contains("type")) spec["foundation_type"] = *t;
  }
  if (auto in = configs.find("installation"); in != configs.end()) {
    const json::object& o = in->second;
    if (const json::value* v = o.if_contains("method")) spec["install_method"] = *v;
    if (const json::value* v = o.if_contains("complexity")) spec["install_complexity"] = *v;
    if (const json::value* v = o.if_contains("travel_miles")) spec["travel_miles"] = *v;
    if (const json::value* v = o.if_contains("permit_required")) spec["permit_required"] = *v;
  }
  if (auto g = configs.find("graphics"); g != configs.end()) {
    if (const json::value* v = g->second.if_contains("letter_count")) spec["letter_count"] = *v;
  }
  return spec;
}

}  // namespace signx::studio
