#include "documents/chunk.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <unordered_map>
#include <utility>

#include "base/strings.h"

namespace signx::documents {
namespace {

// Where to cut `text` (length > max) at or before `max`: after a sentence end, else a space.
std::size_t CutPoint(std::string_view text, std::size_t target, std::size_t max) {
  std::size_t best = std::string_view::npos;
  for (std::size_t i = target / 2; i + 1 < text.size() && i < max; ++i) {
    if ((text[i] == '.' || text[i] == '?' || text[i] == '!' || text[i] == ';') &&
        text[i + 1] == ' ') {
      best = i + 1;
      if (i >= target) break;
    }
  }
  if (best != std::string_view::npos) return best;
  const std::size_t space = text.substr(0, max).rfind(' ');
  if (space != std::string_view::npos && space > 0) return space;
  // No space at all: cut at max, backing off to a UTF-8 character start.
  std::size_t cut = std::min(max, text.size());
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut == 0 ? std::min(max, text.size()) : cut;
}

}  // namespace

std::vector<Chunk> MakeChunks(const Extracted& e, const PageText& pages,
                              const ChunkOptions& options) {
  std::vector<Chunk> out;
  std::string heading;
  bool open = false;
  Chunk cur;
  auto close = [&] {
    if (!open) return;
    const std::string& page = pages.pages[static_cast<std::size_t>(cur.page - 1)];
    cur.text = page.substr(static_cast<std::size_t>(cur.start),
                           static_cast<std::size_t>(cur.end - cur.start));
    if (!Trim(cur.text).empty()) {
      cur.seq = static_cast<int>(out.size());
      out.push_back(cur);
    }
    open = false;
  };
  for (std::size_t i = 0; i < e.blocks.size(); ++i) {
    const Block& b = e.blocks[i];
    const int page = std::clamp(b.page, 1, static_cast<int>(pages.pages.size()));
    const auto start = static_cast<int64_t>(pages.block_offsets[i]);
    const auto end = start + static_cast<int64_t>(b.text.size());
    if (b.kind == Block::Kind::kHeading) {
      close();
      heading = b.text;
      // The heading's text opens the next chunk so a search for it finds its section.
      cur = Chunk{.page = page, .heading = heading, .start = start, .end = end};
      open = true;
      continue;
    }
    if (open &&
        (cur.page != page || static_cast<std::size_t>(end - cur.start) > options.target_chars)) {
      // A heading alone stays with its first paragraph even when that makes the chunk long.
      const bool heading_only =
          cur.end - cur.start <= static_cast<int64_t>(heading.size()) && cur.page == page;
      if (!heading_only || static_cast<std::size_t>(end - cur.start) > options.max_chars) close();
    }
    if (b.text.size() <= options.max_chars) {
      if (!open) {
        cur = Chunk{.page = page, .heading = heading, .start = start, .end = end};
        open = true;
      } else {
        cur.end = end;
      }
      continue;
    }
    // A long block: close what is open and cut the block into pieces.
    close();
    std::string_view rest = b.text;
    int64_t offset = start;
    while (!rest.empty()) {
      std::size_t cut = rest.size() <= options.max_chars
                            ? rest.size()
                            : CutPoint(rest, options.target_chars, options.max_chars);
      cur = Chunk{.page = page,
                  .heading = heading,
                  .start = offset,
                  .end = offset + static_cast<int64_t>(cut)};
      open = true;
      close();
      std::size_t skip = cut;
      while (skip < rest.size() && rest[skip] == ' ') ++skip;
      offset += static_cast<int64_t>(skip);
      rest.remove_prefix(skip);
    }
  }
  close();
  return out;
}

std::string DetectLanguage(std::string_view text) {
  struct Profile {
    const char* code;
    std::array<const char*, 16> words;
  };
  static const Profile kProfiles[] = {
      {"en",
       {"the", "and", "of", "to", "is", "in", "that", "for", "with", "this", "be", "are", "will",
        "on", "by", "you"}},
      {"de",
       {"der", "die", "und", "das", "ist", "nicht", "mit", "den", "ein", "eine", "zu", "auf", "für",
        "von", "wir", "sie"}},
      {"fr",
       {"le", "la", "les", "et", "des", "est", "une", "pour", "dans", "que", "pas", "du", "sur",
        "avec", "nous", "vous"}},
      {"es",
       {"el", "la", "los", "las", "que", "y", "del", "por", "una", "para", "con", "es", "se", "no",
        "como", "está"}},
      {"it",
       {"il", "che", "di", "della", "per", "una", "sono", "non", "con", "gli", "anche", "del",
        "nel", "questo", "come", "è"}},
      {"nl",
       {"de", "het", "een", "en", "van", "is", "dat", "niet", "voor", "met", "zijn", "op", "wij",
        "ook", "aan", "worden"}},
      {"pt",
       {"o", "os", "que", "não", "uma", "para", "com", "do", "da", "em", "por", "mais", "são",
        "como", "também", "ao"}},
  };
  static const std::unordered_map<std::string, std::vector<int>> kIndex = [] {
    std::unordered_map<std::string, std::vector<int>> m;
    for (int p = 0; p < static_cast<int>(std::size(kProfiles)); ++p) {
      for (const char* w : kProfiles[p].words) m[w].push_back(p);
    }
    return m;
  }();
  std::array<int, std::size(kProfiles)> hits{};
  int words = 0;
  std::string word;
  auto take = [&] {
    if (word.empty()) return;
    ++words;
    if (auto it = kIndex.find(word); it != kIndex.end()) {
      for (int p : it->second) ++hits[static_cast<std::size_t>(p)];
    }
    word.clear();
  };
  const std::size_t limit = std::min<std::size_t>(text.size(), 200000);
  for (std::size_t i = 0; i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isalpha(c) || c >= 0x80) {
      word += static_cast<char>(c >= 0x80 ? c : std::tolower(c));
    } else {
      take();
    }
  }
  take();
  if (words < 5) return "und";
  std::vector<std::pair<int, std::size_t>> ranked;
  for (std::size_t p = 0; p < hits.size(); ++p) ranked.push_back({hits[p], p});
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  const std::size_t best = ranked[0].second, second = ranked[1].second;
  // At least 8 % of the words are stop words of the winner, clearly ahead of the runner-up.
  if (hits[best] * 100 < words * 8 || hits[best] < 3) return "und";
  if (hits[best] * 10 < hits[second] * 13) return "und";
  return kProfiles[best].code;
}

}  // namespace signx::documents
