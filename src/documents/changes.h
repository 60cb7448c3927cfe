// "What changed between the RFP and the contract" (issue 18 item 5, multi-document synthesis):
// two documents of a project aligned sentence by sentence, with what was added, removed and
// changed — amounts, dates and quantities that differ called out — each cited by document, page
// and [start, end) offsets in the page text (as Ask cites).
//
//   GET /v1/projects/{id}/documents/changes?from=<doc>&to=<doc>   (documents:read)
//
// Defaults: `from` = the project's newest ready document typed rfp, `to` = its newest ready
// contract (422 naming the parameter when the project has none). Both must be ready documents of
// the project (404 for a project or document of another org).
//
// Alignment (DiffTexts, pure): each page's text is split into sentences (analysis.h's splitter;
// table rows and kept line breaks are units). Sentences equal after normalisation (case, spacing,
// punctuation) are anchored by a longest common subsequence, so order is kept; between two
// anchors, the remaining sentences are paired greedily by the cosine of their word sets with
// numbers masked (so "2 pylon signs" and "3 pylon signs" pair) — a pair at ≥ 0.5 is "changed",
// with a word-level diff and the amounts ($, USD), dates and quantities (a number and the word
// after it) that differ; the rest are "removed" (only in `from`) or "added" (only in `to`).
//
// Thread-safety: pure functions and the service's thread-safety.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "documents/service.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::documents {

struct PagedText {
  std::string document_id;
  std::string title;
  std::vector<PageRow> pages;
};

struct SentenceRef {
  int64_t page = 1;
  int64_t start = 0, end = 0;  // in the page's text
  std::string text;
};

struct WordDiff {
  std::string op;  // "equal", "delete" (only in from), "insert" (only in to)
  std::string text;
};

struct ValueChange {
  std::string kind;  // "amount", "date", "quantity"
  std::string from;  // "" when the value is only in `to`
  std::string to;    // "" when only in `from`
};

struct Change {
  std::string kind;  // "changed", "added", "removed"
  std::optional<SentenceRef> from, to;
  double similarity = 0;  // for "changed"
  std::vector<WordDiff> diff;
  std::vector<ValueChange> values;
};

struct TextDiff {
  std::vector<Change> changes;  // in document order (of `to`, removals where they were)
  int unchanged = 0;
  bool truncated = false;  // more than kMaxChangeSentences sentences in a document
};

inline constexpr std::size_t kMaxChangeSentences = 5000;

// The sentences of the pages, with their page and offsets.
std::vector<SentenceRef> PageSentences(const std::vector<PageRow>& pages);
// The aligned differences of two documents' pages.
TextDiff DiffTexts(const std::vector<PageRow>& from, const std::vector<PageRow>& to);
// Amounts, dates and quantities in a sentence, as (kind, text) in order.
std::vector<std::pair<std::string, std::string>> ExtractValues(std::string_view sentence);

// The route's body: {project_id, from, to, counts, changes, truncated}.
Result<boost::json::object> ProjectDocumentChanges(DocumentService& svc, const Scope& scope,
                                                   const std::string& project_id,
                                                   std::optional<std::string> from,
                                                   std::optional<std::string> to);

void AddProjectChangesRoute(http::Router& router, http::SchemaRegistry& schemas,
                            DocumentService& svc);

}  // namespace signx::documents
