// Word-level helpers shared by the analysis files (analysis.h; internal to the module):
// analysis_sentences.cc, analysis_summaries.cc, analysis_actions.cc and analysis.cc.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace signx::documents::internal {

inline bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
inline bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// The lower-cased words of `s` (letters and apostrophes, digits after a letter).
std::vector<std::string> Words(std::string_view s);
// True when `phrase` occurs in `lower` (lower-cased) with no letter on either side.
bool HasPhrase(const std::string& lower, std::string_view phrase);
// Capitalised words that start a sentence but are no name ("The", "Please", "Send").
const std::unordered_set<std::string>& FunctionWords();

}  // namespace signx::documents::internal
