// Standard base64 (RFC 4648, with padding) for embedding binary artifacts (model bytes) in JSON.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::ml {

std::string Base64Encode(std::string_view bytes);
// Rejects characters outside the alphabet and bad padding; ignores nothing (no whitespace).
Result<std::string> Base64Decode(std::string_view text);

}  // namespace signx::ml
