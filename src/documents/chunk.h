// Page- and heading-aware chunks of a document's text, the unit search indexes and answers cite,
// and language detection.
//
// A chunk never crosses a page or a heading: it holds consecutive blocks of one page under the
// same heading, up to `target_chars` (a block longer than `max_chars` is cut at sentence ends,
// else at a space). Its text is exactly page_text[start, end) of its page (PageTexts in
// extract.h), so a hit can be highlighted in the page and cited as (document, page, span).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "documents/extract.h"

namespace signx::documents {

struct Chunk {
  int seq = 0;          // 0-based order in the document
  int page = 1;         // 1-based
  std::string heading;  // the nearest heading above (may be from an earlier page); "" = none
  std::string text;
  int64_t start = 0;  // byte offsets into the page's text
  int64_t end = 0;
};

struct ChunkOptions {
  std::size_t target_chars = 1000;
  std::size_t max_chars = 1600;
};

std::vector<Chunk> MakeChunks(const Extracted& e, const PageText& pages,
                              const ChunkOptions& options = {});

// ISO 639-1 code of the text's language from stop-word profiles (en, de, fr, es, it, nl, pt),
// or "und" when the text is too short or matches none clearly.
std::string DetectLanguage(std::string_view text);

}  // namespace signx::documents
