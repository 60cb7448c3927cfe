#include "documents/pii.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "documents/internal/windows.h"

namespace signx::documents {
namespace {

struct Pattern {
  const char* kind;
  std::regex re;
};

const std::vector<Pattern>& Patterns() {
  static const std::vector<Pattern> kPatterns = [] {
    const auto flags = std::regex::ECMAScript | std::regex::optimize;
    std::vector<Pattern> p;
    p.push_back(
        {"email",
         std::regex(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})",
                    flags)});
    p.push_back(
        {"ssn", std::regex(R"(\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b)", flags)});
    p.push_back({"card", std::regex(R"(\b\d(?:[ \-]?\d){12,18}\b)", flags)});
    p.push_back(
        {"phone",
         std::regex(
             R"((?:\+\d{1,3}[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}\b(?:\s?(?:x|ext\.?)\s?\d{1,5})?)",
             flags)});
    p.push_back(
        {"address",
         std::regex(
             R"(\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][A-Za-z0-9'\-]*\s+){0,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Terrace|Ter|Square|Sq)\b\.?(?:,?\s+(?:Suite|Ste\.?|Unit|Apt\.?|#)\s*[A-Za-z0-9\-]+)?(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+){0,2},?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?)",
             flags)});
    return p;
  }();
  return kPatterns;
}

std::string Tag(std::string_view kind) {
  std::string t = "[";
  for (char c : kind) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return t + "]";
}

}  // namespace

bool LuhnValid(std::string_view number) {
  int sum = 0, n = 0;
  for (auto it = number.rbegin(); it != number.rend(); ++it) {
    const char c = *it;
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') return false;
    int d = c - '0';
    if (n % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    ++n;
  }
  return n >= 2 && sum % 10 == 0;
}

std::vector<PiiSpan> FindPii(std::string_view text) {
  std::vector<PiiSpan> all;
  internal::ForEachWindow(text, [&](std::string_view window, std::size_t offset) {
    const std::string s(window);
    for (const Pattern& p : Patterns()) {
      // Cheap pre-checks: no '@' → no e-mail; no digit → nothing else.
      if (std::string_view(p.kind) == "email" && s.find('@') == std::string::npos) continue;
      if (std::string_view(p.kind) != "email" &&
          std::none_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      for (auto it = std::sregex_iterator(s.begin(), s.end(), p.re); it != std::sregex_iterator();
           ++it) {
        const auto& m = *it;
        const std::string matched = m.str();
        if (std::string_view(p.kind) == "card") {
          int digits = 0;
          for (char c : matched) digits += c >= '0' && c <= '9';
          if (digits < 13 || digits > 19 || !LuhnValid(matched)) continue;
        }
        all.push_back({p.kind, offset + static_cast<std::size_t>(m.position()),
                       offset + static_cast<std::size_t>(m.position() + m.length())});
      }
    }
  });
  // Earlier first; at the same start the longer wins; drop overlaps.
  std::sort(all.begin(), all.end(), [](const PiiSpan& a, const PiiSpan& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  std::vector<PiiSpan> out;
  for (auto& span : all) {
    if (!out.empty() && span.start < out.back().end) continue;
    out.push_back(std::move(span));
  }
  return out;
}

Redacted Redact(std::string_view text) {
  Redacted r;
  r.spans = FindPii(text);
  std::size_t at = 0;
  for (const PiiSpan& s : r.spans) {
    r.text.append(text.substr(at, s.start - at));
    r.text += Tag(s.kind);
    at = s.end;
  }
  r.text.append(text.substr(at));
  return r;
}

}  // namespace signx::documents
