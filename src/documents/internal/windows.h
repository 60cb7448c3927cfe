// Regex safety: libstdc++'s std::regex backtracks recursively, one stack frame per repeated
// character, so a long run of matching characters (a crafted 1 MB "word") can exhaust the stack.
// Every regex in documents runs over windows of at most kRegexWindow bytes, cut at whitespace
// where possible (a match across a cut is lost; the cut prefers spaces to keep that rare).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace signx::documents::internal {

inline constexpr std::size_t kRegexWindow = 2000;

// Calls fn(window, offset) for consecutive windows covering `text`.
template <typename F>
void ForEachWindow(std::string_view text, F&& fn, std::size_t max = kRegexWindow) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t len = std::min(max, text.size() - at);
    if (at + len < text.size()) {
      const std::size_t space = text.substr(at, len).find_last_of(" \n\t");
      if (space != std::string_view::npos && space > max / 2) len = space + 1;
    }
    fn(text.substr(at, len), at);
    at += len;
  }
}

}  // namespace signx::documents::internal
