// multipart/form-data (RFC 7578) bodies: the form fields and uploaded files of a browser form
// with enctype="multipart/form-data". The whole body is in memory (the route's max_body_bytes
// bounds it). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::web {

struct FormPart {
  std::string name;
  std::optional<std::string> filename;  // set for file inputs (may be "" when none was chosen)
  std::string content_type;             // of the part; "" when not given
  std::string data;
};

// The boundary parameter of a multipart/form-data Content-Type, or nullopt when the type is not
// multipart/form-data or has no usable boundary.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// Splits `body` into its parts. kInvalidArgument for a malformed body (no closing boundary, a
// part without Content-Disposition: form-data, more than `max_parts` parts).
Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             std::size_t max_parts = 64);

}  // namespace signx::web
