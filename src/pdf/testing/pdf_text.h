// Test helper: reads a PDF back with poppler-cpp, for tests of anything that renders PDFs
// (signx::pdf itself, estimating's quote PDF, studio's reports). Not for production code.
// Thread-safety: pure functions. Ownership: returns independent copies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::pdf::testing {

// The text of each page of `pdf` (UTF-8, in poppler's physical-layout order: lines top to bottom,
// words left to right), one entry per page. kInvalidArgument when poppler cannot open the bytes.
Result<std::vector<std::string>> PageTexts(std::string_view pdf);

// The document information entry `key` ("Title", "Creator", ...) as UTF-8, or "" when absent.
Result<std::string> InfoKey(std::string_view pdf, const std::string& key);

}  // namespace signx::pdf::testing
