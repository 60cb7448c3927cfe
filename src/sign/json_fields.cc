#include "sign/json_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace signx::sign {

namespace json = boost::json;

namespace {

std::string Num(double v) { return fmt::format("{}", v); }

}  // namespace

JsonFields::JsonFields(const json::object& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const json::value* JsonFields::Find(std::string_view name) {
  seen_.emplace_back(name);
  const json::value* v = object_.if_contains(name);
  if (v != nullptr && v->is_null()) return nullptr;  // null = absent
  return v;
}

void JsonFields::Add(std::string field, std::string message) {
  errors_->push_back({std::move(field), std::move(message)});
}

std::optional<double> JsonFields::Number(std::string_view name, double min, double max,
                                         bool required, std::string_view unit) {
  const json::value* v = Find(name);
  if (v == nullptr) {
    if (required) Add(Field(name), "is required");
    return std::nullopt;
  }
  double d;
  if (v->is_double()) {
    d = v->get_double();
  } else if (v->is_int64()) {
    d = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->get_uint64());
  } else {
    Add(Field(name), "must be a number");
    return std::nullopt;
  }
  const std::string u = unit.empty() ? "" : " " + std::string(unit);
  if (!std::isfinite(d) || d < min || d > max) {
    Add(Field(name),
        "must be between " + Num(min) + " and " + Num(max) + u + " (got " + Num(d) + ")");
    return std::nullopt;
  }
  return d;
}

std::optional<int> JsonFields::Integer(std::string_view name, int min, int max, bool required) {
  const json::value* v = Find(name);
  if (v == nullptr) {
    if (required) Add(Field(name), "is required");
    return std::nullopt;
  }
  int64_t i;
  if (v->is_int64()) {
    i = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= 1000) {
    i = static_cast<int64_t>(v->get_uint64());
  } else if (v->is_double() && std::floor(v->get_double()) == v->get_double() &&
             std::abs(v->get_double()) < 1e6) {
    i = static_cast<int64_t>(v->get_double());
  } else {
    Add(Field(name),
        "must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  if (i < min || i > max) {
    Add(Field(name), "must be an integer between " + std::to_string(min) + " and " +
                         std::to_string(max) + " (got " + std::to_string(i) + ")");
    return std::nullopt;
  }
  return static_cast<int>(i);
}

std::optional<bool> JsonFields::Bool(std::string_view name) {
  const json::value* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    Add(Field(name), "must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::string> JsonFields::Enum(std::string_view name,
                                            std::initializer_list<std::string_view> allowed,
                                            bool required) {
  const json::value* v = Find(name);
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (v == nullptr) {
    if (required) Add(Field(name), "is required (one of " + list + ")");
    return std::nullopt;
  }
  if (v->is_string()) {
    std::string_view s = v->get_string();
    if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return std::string(s);
  }
  Add(Field(name), "must be one of " + list);
  return std::nullopt;
}

const json::object* JsonFields::Object(std::string_view name, bool required) {
  const json::value* v = Find(name);
  if (v == nullptr) {
    if (required) Add(Field(name), "is required (an object)");
    return nullptr;
  }
  if (!v->is_object()) {
    Add(Field(name), "must be an object");
    return nullptr;
  }
  return &v->get_object();
}

void JsonFields::RejectUnknown() {
  for (const auto& kv : object_) {
    if (std::find(seen_.begin(), seen_.end(), kv.key()) == seen_.end()) {
      Add(Field(kv.key()), "unknown field");
    }
  }
}

Status JsonFields::Finish() const {
  if (errors_->empty()) return Status::Ok();
  return ValidationFailed(*errors_);
}

}  // namespace signx::sign
