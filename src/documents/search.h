// Document search and extractive Q&A (issue 18 item 5) over the org's `documents` search index
// (search/search_index.h: one Xapian database per org under <data_dir>/search/documents/<org>/,
// so a search can only ever read its own org's chunks).
//
//   Indexing   one index document per chunk, id "<document_id>#<seq>": fields title (the file
//              name, weight 3), heading (weight 2) and body (the chunk text); filters type,
//              project, owner (the uploader); the document date (else the upload day). A document
//              is indexed by the documents.process job after the transaction that makes it ready
//              commits (DocumentIndexer), re-indexed when its type is corrected, and removed after
//              its delete commits.
//   Search     BM25 over the index; hits are joined to document_chunks for title and page (a hit
//              whose chunk is gone is dropped). When the index is missing or corrupt
//              (search::NeedsRebuild) the answer comes from the database — every query term
//              matched with LIKE over the org's chunks, ranked by term counts — with
//              source "database", and a documents.reindex job is queued (one at a time per org).
//   Reindex    the documents.reindex job rebuilds the org's index from document_chunks of its
//              ready documents (streamed in keyset batches; the old index stays until the new one
//              is complete). An index write that fails because the index is missing or corrupt
//              also queues it.
//   Ask        the top chunks of the question's search, split into sentences; each sentence is
//              scored by the IDF-weighted overlap of its analysed terms with the question's
//              (plus a small bonus for the chunk's rank); the best one or two sentences form the
//              answer, each cited with its document, page and [start, end) offsets in the page
//              text. "No answer found" when no sentence shares a query term.
//
// Thread-safety: thread-safe (the index is; state lives in the database).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "documents/service.h"
#include "jobs/queue.h"
#include "search/search_index.h"
#include "storage/store.h"

namespace signx::documents {

inline constexpr std::string_view kReindexJob = "documents.reindex";

struct SearchFilters {
  std::optional<std::string> doc_type;
  std::optional<std::string> project_id;
  std::optional<std::string> owner;  // uploaded_by
  std::optional<std::string> from;   // YYYY-MM-DD, inclusive (document date, else upload day)
  std::optional<std::string> to;     // YYYY-MM-DD, inclusive
};

struct SearchRequest {
  std::string q;
  SearchFilters filters;
  int limit = 10;          // 1..50
  std::size_t offset = 0;  // the cursor
};

struct SearchHit {
  std::string document_id;
  std::string title;  // the file name
  int64_t page = 1;
  int64_t chunk = 0;  // the chunk's seq
  double score = 0;
  std::string snippet;  // HTML-escaped, matches in <mark>
  // For Ask: the chunk's text and its offsets in the page text.
  std::string text;
  int64_t start = 0;
};

struct SearchResponse {
  std::vector<SearchHit> hits;
  std::string source;                      // "index" or "database"
  std::optional<std::size_t> next_offset;  // nullopt on the last page
};

struct Citation {
  std::string document_id;
  std::string title;
  int64_t page = 1;
  int64_t start = 0, end = 0;  // in the page's text
  std::string text;
};

struct AskResponse {
  bool found = false;
  std::string answer;  // "No answer found in the documents." when !found
  std::vector<Citation> citations;
  std::string source;
};

class DocumentSearch final : public DocumentIndexer {
 public:
  // Opens (creates the folder of) the documents index under `data_dir`.
  static Result<std::unique_ptr<DocumentSearch>> Open(storage::Store& store, jobs::Queue& queue,
                                                      const std::string& data_dir);

  Result<SearchResponse> Search(const Scope& scope, const SearchRequest& request);
  Result<AskResponse> Ask(const Scope& scope, const std::string& question,
                          const SearchFilters& filters);

  // The documents.reindex job body: rebuilds the org's index; returns the chunks indexed.
  Result<std::uint64_t> Reindex(const std::string& org_id);
  // Queues documents.reindex for the org unless one is already queued.
  Status ScheduleReindex(const std::string& org_id);

  void Indexed(const Scope& scope, const std::string& document_id) override;
  void Removed(const Scope& scope, const std::string& document_id,
               const std::vector<int64_t>& chunk_seqs) override;

  search::SearchIndex& index() { return *index_; }

 private:
  DocumentSearch(storage::Store& store, jobs::Queue& queue,
                 std::unique_ptr<search::SearchIndex> index);
  Status IndexDocument(const Scope& scope, const std::string& document_id);
  Result<SearchResponse> SearchDatabase(const Scope& scope, const SearchRequest& request);

  storage::Store& store_;
  jobs::Queue& queue_;
  std::unique_ptr<search::SearchIndex> index_;
};

// Registers documents.reindex (payload {}; the job's org). `search` must outlive the workers.
void RegisterSearchJobs(jobs::Queue& queue, DocumentSearch& search);

// The date as unix seconds at 00:00 UTC; nullopt unless YYYY-MM-DD.
std::optional<int64_t> DayToUnix(std::string_view date);
// `text` HTML-escaped with the words whose analysed term is in `terms` wrapped in <mark>; cut to
// about `max_chars` around the first match.
std::string HighlightSnippet(std::string_view text, const std::vector<std::string>& terms,
                             std::size_t max_chars);

}  // namespace signx::documents
