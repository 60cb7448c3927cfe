// Field-by-field reading of an engineering request's JSON object with every problem collected
// (field name + the limit it broke), for the ValidationFailed (422) the API answers. Internal to
// the sign module's Parse*Input functions.
// Thread-safety: one reader per request.
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::sign {

class JsonFields {
 public:
  // `prefix` is prepended to field names in errors ("wind." gives "wind.wind_speed_mph").
  JsonFields(const boost::json::object& object, std::string prefix = "");

  // A number in [min, max] (JSON integer or double). Absent: nullopt (an error when required).
  std::optional<double> Number(std::string_view name, double min, double max, bool required,
                               std::string_view unit = "");
  // An integer in [min, max].
  std::optional<int> Integer(std::string_view name, int min, int max, bool required);
  std::optional<bool> Bool(std::string_view name);
  // A string among `allowed`.
  std::optional<std::string> Enum(std::string_view name,
                                  std::initializer_list<std::string_view> allowed, bool required);
  // A nested object (nullptr when absent; an error when required or not an object).
  const boost::json::object* Object(std::string_view name, bool required);
  // Counts `name` as read (a field the caller checks itself).
  void MarkSeen(std::string_view name) { seen_.emplace_back(name); }
  // Every key not read through this reader is an error ("unknown field").
  void RejectUnknown();

  void Add(std::string field, std::string message);
  std::string Field(std::string_view name) const { return prefix_ + std::string(name); }
  std::vector<FieldError>& errors() { return *errors_; }
  // Shares the error list with `parent` (nested objects report into one list).
  void ShareErrors(JsonFields& parent) { errors_ = parent.errors_; }
  // OK, or ValidationFailed with every error.
  Status Finish() const;

 private:
  const boost::json::value* Find(std::string_view name);

  const boost::json::object& object_;
  std::string prefix_;
  std::vector<std::string> seen_;
  std::vector<FieldError> own_errors_;
  std::vector<FieldError>* errors_ = &own_errors_;
};

}  // namespace signx::sign
