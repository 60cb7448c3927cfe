// Numbered error codes and their one mapping to HTTP statuses (see error_codes.def).
// Thread-safety: everything here is constant data; safe from any thread.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace signx {

enum class ErrorCode : int {
#define SIGNX_ERROR_CODE(name, number, http, text) name = number,
#include "base/error_codes.def"
#undef SIGNX_ERROR_CODE
};

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;         // stable snake_case name, e.g. "invalid_argument"
  int http_status;               // the HTTP status a handler answers with
  std::string_view description;  // one line for docs and the OpenAPI document
};

// The whole registry, ordered by number.
std::span<const ErrorCodeInfo> AllErrorCodes();

// Info for `code`; every enumerator has an entry.
const ErrorCodeInfo& Info(ErrorCode code);
inline std::string_view Name(ErrorCode code) { return Info(code).name; }
inline int HttpStatus(ErrorCode code) { return Info(code).http_status; }

// Looks a code up by its stable name ("not_found"); nullopt for unknown names.
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

}  // namespace signx
