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
//   Ranking    hybrid when the model registry has a production "search-reranker" (trained by
//              `signx train retrieval`, search/reranker_registry.h): the top 50 BM25 hits are
//              re-ordered by the learned re-ranker over lexical and LSA features, then the rest
//              of the BM25 hits follow. The LSA vectors are built per org in the background
//              (one thread) on its first search, after a rebuild (new generation), when the
//              index's size moved by more than a fifth since the last build, and after a
//              document is removed (so an erased document leaves no trace); until they exist
//              the org's searches are BM25. The model is re-read from the registry every
//              minute (a promotion or rollback takes effect without a restart). No model: BM25.
//   Search     BM25 (or the hybrid) over the index; hits are joined to document_chunks for title
//   and page (a hit
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

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "documents/service.h"
#include "jobs/queue.h"
#include "ml/registry.h"
#include "runtime/periodic_task.h"
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
  std::string ranking;                     // "hybrid:<re-ranker version>" or "bm25"
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
  // Opens (creates the folder of) the documents index under `data_dir`. With `models`, searches
  // use its production search-reranker once StartRanking has loaded it.
  static Result<std::unique_ptr<DocumentSearch>> Open(storage::Store& store, jobs::Queue& queue,
                                                      const std::string& data_dir,
                                                      ml::ModelRegistry* models = nullptr);
  ~DocumentSearch() override;

  // Loads the re-ranker now (an error is returned but nothing stops: search stays BM25), then
  // re-reads it every `poll`, and starts the LSA builder thread. Serve only; idempotent.
  Status StartRanking(std::chrono::milliseconds poll = std::chrono::minutes(1));
  // Stops the refresh and the builder thread (waits for a build in progress). Idempotent.
  void StopRanking();
  // Re-reads the production re-ranker (no-op when unchanged); the periodic task calls it.
  Status RefreshReranker();
  // Builds the org's LSA vectors now (what the background thread does), synchronously.
  Status BuildSemantic(const std::string& org_id);
  // "hybrid:<version>" when searches of the org re-rank now, else "bm25".
  std::string RankingFor(const std::string& org_id) const;

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
                 std::unique_ptr<search::SearchIndex> index, ml::ModelRegistry* models);
  Status IndexDocument(const Scope& scope, const std::string& document_id);
  Result<SearchResponse> SearchDatabase(const Scope& scope, const SearchRequest& request);

  // Asks the builder thread for the org's LSA vectors (coalesced; no-op before StartRanking).
  void RequestSemantic(const std::string& org_id, bool force);
  void SemanticLoop();

  storage::Store& store_;
  jobs::Queue& queue_;
  std::unique_ptr<search::SearchIndex> index_;
  ml::ModelRegistry* models_ = nullptr;
  runtime::PeriodicTask refresh_;

  mutable std::mutex mu_;
  std::string reranker_version_;  // "" = none loaded
  struct SemanticState {
    bool queued = false;
    bool force = false;            // rebuild even if the vectors exist (a removal)
    std::uint64_t built_docs = 0;  // index size when last built
    int64_t checked_at_ms = 0;     // last size check (steady clock)
  };
  std::map<std::string, SemanticState> semantic_;
  std::deque<std::string> semantic_queue_;
  std::condition_variable semantic_cv_;
  bool semantic_running_ = false;
  bool stopping_ = false;
  std::thread semantic_thread_;
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
