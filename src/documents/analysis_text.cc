// The word-level helpers of internal/analysis_text.h.
#include "documents/internal/analysis_text.h"

namespace signx::documents::internal {

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (IsAlpha(c) || c == '\'' || (std::isdigit(static_cast<unsigned char>(c)) && !w.empty())) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      out.push_back(w);
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

bool HasPhrase(const std::string& lower, std::string_view phrase) {
  std::size_t pos = 0;
  while ((pos = lower.find(phrase, pos)) != std::string::npos) {
    const bool left = pos == 0 || !IsAlpha(lower[pos - 1]);
    const std::size_t e = pos + phrase.size();
    const bool right = e >= lower.size() || !IsAlpha(lower[e]);
    if (left && right) return true;
    ++pos;
  }
  return false;
}

const std::unordered_set<std::string>& FunctionWords() {
  static const std::unordered_set<std::string> k = {
      "The",      "We",     "I",     "You",    "This",   "That",  "It",     "They",    "He",
      "She",      "Please", "All",   "Each",   "Our",    "Your",  "These",  "Those",   "There",
      "Here",     "If",     "When",  "Then",   "And",    "But",   "Also",   "Someone", "Somebody",
      "Everyone", "Nobody", "Who",   "What",   "Thanks", "Thank", "Hi",     "Hello",   "Dear",
      "Note",     "Action", "Owner", "Next",   "To",     "In",    "On",     "At",      "For",
      "By",       "Let",    "Can",   "Could",  "Would",  "Will",  "Should", "Do",      "Does",
      "Did",      "Send",   "Make",  "Review", "Call",   "Any",   "One",    "Both",    "Everybody"};
  return k;
}

}  // namespace signx::documents::internal
