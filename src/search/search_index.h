// SearchIndex: SignX's full-text search — one Xapian database per org under
// <data_dir>/search/<index>/<org>/ (isolation by construction: a search opens only its org's
// database), documents with weighted fields, boolean filter terms, a date range over a value slot,
// English stemming, BM25 and a hybrid mode (BM25 fused with pseudo-relevance-feedback query
// expansion, see docs/search.md), highlighted snippets, add/replace/delete by id and rebuild from
// a caller-supplied stream. Documents (issue 18) and studio (issue 16) index through this one path;
// `signx bench retrieval` measures it.
//
// Layout: <org>/XAPIANDB is a Xapian stub file naming the live generation directory
// (<org>/g<N>/, a glass database). Rebuild writes a new generation and switches the stub
// atomically (rename), so readers see the old index or the new one, never a half-built one.
//
// Health: a missing or unreadable index is reported, not hidden: Search and Check return
// kNotFound (no index for the org yet) or kDataLoss (corrupt or unreadable); NeedsRebuild(status)
// tells the caller to answer from the database instead and schedule Rebuild.
//
// Thread-safety: all methods may be called concurrently. Writes to one org are serialised by a
// per-org mutex (and across processes by Xapian's write lock; a write that finds it held retries
// for up to ~2 s, then returns kUnavailable). Searches use pooled read handles that reopen to the
// latest commit, so a search sees every write committed before it started.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace signx::search {

class MemoryCache;
class Reranker;
struct SemanticOptions;

// One searchable text field. `weight` (1..20) multiplies the field's term frequencies (a
// BM25F-style field weight: a title with weight 2 counts each of its words twice). The text is
// stored for snippets.
struct Field {
  std::string name;  // [a-z0-9_]{1,32}
  std::string text;
  int weight = 1;
};

struct Document {
  std::string id;  // caller's id (e.g. "chk_…"); 1..200 bytes; replaces any document with that id
  std::vector<Field> fields;
  // Boolean filter terms: key [a-z0-9_]{1,32} → value (1..200 bytes), e.g. {"type","contract"},
  // {"project","prj_1"}, {"owner","usr_9"}. A key may repeat with several values.
  std::vector<std::pair<std::string, std::string>> filters;
  std::optional<std::int64_t> date;  // unix seconds, for Query::date_from/date_to
};

enum class Mode {
  kBm25,    // BM25 alone
  kHybrid,  // BM25 fused with the feedback-expanded query (the default)
};

struct Query {
  std::string text;
  // key → accepted values: a document matches when, for every key, it has one of the values.
  std::map<std::string, std::vector<std::string>> filters;
  std::optional<std::int64_t> date_from;  // inclusive, unix seconds; documents without a date
  std::optional<std::int64_t> date_to;    // never match a date range
  std::size_t offset = 0;
  std::size_t limit = 10;  // 1..1000
  Mode mode = Mode::kHybrid;
  // Snippets of this field (or the first field when the document lacks it); 0 chars = none.
  std::string snippet_field = "body";
  std::size_t snippet_chars = 200;
};

struct Hit {
  std::string id;
  double score = 0;     // BM25 score (kBm25) or fused score (kHybrid); higher is better
  std::string snippet;  // HTML-escaped text with matches in <mark>…</mark>
};

struct Candidates {
  std::vector<std::string> ids;  // best BM25 first
  std::vector<float> features;   // ids.size() × kNumRerankFeatures
};

struct SearchResult {
  std::vector<Hit> hits;
  std::uint64_t estimated_total = 0;  // BM25 matches (Xapian's estimate)
  bool more = false;  // a hit exists after offset + limit (the next page is not empty)
};

// Retrieval parameters. The defaults are tuned on BEIR SciFact's TRAIN queries only
// (docs/search.md has the grid and the numbers).
struct RetrievalParams {
  double k1 = 0.9;
  double b = 0.4;
  // Pseudo-relevance feedback, the second run when there is no re-ranker: the top `fb_docs` BM25
  // hits give `fb_terms` expansion terms (Xapian's Bo1 expansion weights), added to the query
  // with weight `fb_weight` for the best term relative to the original terms' 1. Off (0) by
  // default: it lowered nDCG@10 on SciFact's train queries (docs/search.md), so without a
  // re-ranker kHybrid is BM25.
  std::size_t fb_docs = 0;
  std::size_t fb_terms = 20;
  double fb_weight = 0.5;
  // The learned re-ranker (reranker.h): when set, the hybrid's second run is the top
  // `rerank_depth` BM25 candidates re-ordered by it (instead of the feedback-expanded query).
  std::shared_ptr<const Reranker> reranker;
  std::size_t rerank_depth = 50;
  // Fields other than "body" whose words the re-ranker's per-field features look at.
  std::vector<std::string> named_fields = {"title"};
  // Reciprocal-rank fusion of the BM25 run and the second run: score = Σ w/(rrf_k + rank).
  double rrf_k = 60;
  double bm25_run_weight = 1.0;
  double second_run_weight = 1.0;
  // 0: fuse the BM25 run and the second run by RRF; 1: the second run alone (then the BM25
  // hits it lacks).
  int fusion = 1;
  // Both runs are cut at max(depth, offset + limit) before fusion.
  std::size_t depth = 100;
};

struct IndexOptions {
  std::string data_dir;  // indexes live in <data_dir>/search/<name>/<org>/
  std::string name;      // [a-z0-9_]{1,32}, e.g. "documents", "projects"
  RetrievalParams params;
  // Searches rank from an in-memory copy of each org's index (memory_index.h, ADR 0011); the
  // copies of all orgs together stay under this (least recently searched orgs dropped first; the
  // org being searched is always kept). About 0.8 KB per indexed chunk (100,000 chunks of
  // SciFact text: ~80 MB).
  std::size_t memory_budget_bytes = std::size_t{512} << 20;
};

enum class IndexState { kOk, kMissing, kCorrupt };

struct Health {
  IndexState state = IndexState::kOk;
  std::string detail;           // why, for kMissing / kCorrupt
  std::uint64_t doc_count = 0;  // for kOk
};

// True for the statuses a caller answers by falling back to its database and scheduling
// Rebuild: kNotFound (no index yet / removed) and kDataLoss (corrupt).
bool NeedsRebuild(const Status& status);

// The analysed terms of `text` (lower-cased, English stop words dropped, Porter2-stemmed, with
// Xapian's "Z" prefix): exactly what the index holds for a field and what a query looks up.
std::vector<std::string> AnalyzeTerms(std::string_view text);

class SearchIndex {
 public:
  // Validates the options and creates <data_dir>/search/<name>/. Opens no org yet.
  static Result<std::unique_ptr<SearchIndex>> Open(IndexOptions options);
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Creates an empty index for `org` when it has none (a new org); a no-op otherwise.
  Status Create(std::string_view org);
  // Adds or replaces (by id) `docs` in `org`'s index in one commit. kNotFound when the org has
  // no index (never created, or removed: the caller rebuilds, so a lost index is never silently
  // replaced by a partial one), kDataLoss when it is corrupt, kInvalidArgument naming the first
  // bad document.
  Status Upsert(std::string_view org, std::span<const Document> docs);
  // Removes the documents with these ids (unknown ids are ignored) in one commit; kNotFound /
  // kDataLoss as Upsert.
  Status Delete(std::string_view org, std::span<const std::string> ids);
  // Removes the org's whole index (its directory).
  Status DropOrg(std::string_view org);

  // Replaces (or creates) the org's index with the documents `next` yields (nullopt ends the
  // stream; an error aborts the rebuild and leaves the old index as it was). The new index becomes
  // visible at once when complete. Returns the number of documents indexed.
  using DocumentStream = std::function<Result<std::optional<Document>>()>;
  Result<std::uint64_t> Rebuild(std::string_view org, const DocumentStream& next);

  // Runs `query` against `org`'s index only.
  Result<SearchResult> Search(std::string_view org, const Query& query) const;

  // Builds the org's corpus-trained term vectors (semantic.h: LSA over the index) that the
  // re-ranker's two semantic features use; kept in memory for the live generation (a Rebuild
  // drops it; call again). Seconds for 100,000 chunks. Without it those features are 0.
  Status BuildSemantic(std::string_view org, const SemanticOptions& options);

  // True when BuildSemantic's vectors exist for the org's live generation (false after a
  // Rebuild until built again, and for an org without an index).
  bool HasSemantic(std::string_view org) const;

  // For training a re-ranker: the top `depth` BM25 candidates of `text` (ids and their
  // kNumRerankFeatures features, row-major), unfiltered.
  Result<Candidates> RerankCandidates(std::string_view org, std::string_view text,
                                      std::size_t depth) const;

  // Cheap check (opens the database and reads its statistics).
  Health Check(std::string_view org) const;
  // Full consistency check of every table (reads the whole index; for admin tools and tests).
  Health Verify(std::string_view org) const;

  // data_dir and name as opened (options().params is the initial parameter set; see params()).
  const IndexOptions& options() const { return options_; }
  // The retrieval parameters searches use now.
  std::shared_ptr<const RetrievalParams> params() const;
  // Replaces them for searches that start afterwards (e.g. a newly trained re-ranker, or a
  // benchmark's parameter sweep); safe while other threads search.
  void set_params(RetrievalParams p);

  // <data_dir>/search/<name>/<org>
  std::string OrgPath(std::string_view org) const;

  // The in-memory copies: bytes held, orgs held, copies built so far.
  std::size_t memory_bytes() const;
  std::size_t memory_orgs() const;
  std::uint64_t memory_builds() const;   // copies made (built or updated)
  std::uint64_t memory_updates() const;  // of which updated from the previous copy

  struct Shard;  // internal: one org's write lock and read-handle pool

 private:
  explicit SearchIndex(IndexOptions options);
  Result<Shard*> GetShard(std::string_view org) const;

  IndexOptions options_;
  std::string root_;
  mutable std::mutex params_mu_;
  std::shared_ptr<const RetrievalParams> params_;
  std::unique_ptr<MemoryCache> memory_;
  mutable std::mutex shards_mu_;
  mutable std::map<std::string, std::unique_ptr<Shard>, std::less<>> shards_;
};

}  // namespace signx::search
