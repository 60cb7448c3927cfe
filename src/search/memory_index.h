// MemoryIndex: an in-memory, read-only copy of one org's Xapian index at one revision, for the
// first stage of a search and the re-ranker's features (ADR 0011). Xapian stays the durable index,
// the analyser, the positions, stored data and snippets; this copy holds what a search reads for
// every candidate:
//   - each text term's posting list (dense document number, wdf), so the top-k BM25 is one pass
//     over the query terms' postings with Xapian's BM25 formula and parameters (BM25Weight
//     k1, k2 = 0, k3 = 1, b, min_normlen 0.5), ranked like Xapian's matcher (weight descending,
//     then docid ascending);
//   - each document's term list (term number, wdf), for the re-ranker's per-field, expansion and
//     semantic features and for Bo1 query expansion, without Xapian's term-list decoding;
//   - document lengths, boolean filter terms ("XF…") and the date slot, for filters.
// Term numbers follow the terms' byte order, so a document's term list is sorted like Xapian's.
//
// An org's copy is built from a read handle (Build), or updated from the previous revision's copy
// and the documents changed since (Update), when the index's revision or generation changes
// (MemoryCache::Get, which SearchIndex calls with the changes its own writes logged); MemoryCache
// bounds the copies' total memory with an LRU over orgs. A copy is only ever reached through its
// org's cache entry, so it never serves another org.
//
// Thread-safety: immutable after Build/Update; all const methods may be called concurrently.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace signx::search {

// One query term for Bm25TopK: its analysed form, its query frequency (wqf) and Xapian's weight
// scale factor (1, or OP_SCALE_WEIGHT's factor).
struct WeightedTerm {
  std::string term;
  unsigned wqf = 1;
  double factor = 1;
};

struct Bm25Params {
  double k1 = 0.9;
  double b = 0.4;
};

struct ScoredDoc {
  std::uint32_t doc = 0;  // dense document number
  double weight = 0;
};

struct TopK {
  std::vector<ScoredDoc> docs;  // best first: weight descending, then docid ascending
  std::uint64_t matches = 0;    // documents matching any term (and the filter)
};

class MemoryIndex {
 public:
  static constexpr std::uint32_t kNoTerm = 0xffffffffu;

  // Reads the whole database (throws Xapian::Error as its calls do).
  static std::shared_ptr<const MemoryIndex> Build(Xapian::Database& db);
  // The copy of `db` made from `old` (a copy of an earlier revision of the same database) and the
  // documents `changed` since (Xapian docids, sorted: added, replaced or deleted), which are read
  // from `db`; every other document is taken from `old`. Equal to Build(db) but for terms no
  // document has any more (kept, without postings).
  static std::shared_ptr<const MemoryIndex> Update(const MemoryIndex& old, Xapian::Database& db,
                                                   const std::vector<Xapian::docid>& changed);

  std::uint32_t doc_count() const { return static_cast<std::uint32_t>(docids_.size()); }
  Xapian::docid docid(std::uint32_t doc) const { return docids_[doc]; }
  std::uint32_t doclen(std::uint32_t doc) const { return doclen_[doc]; }
  double avg_length() const { return avg_length_; }
  std::uint64_t revision() const { return revision_; }
  // Approximate heap bytes held.
  std::size_t bytes() const { return bytes_; }

  // The term's number, or kNoTerm when no document has it.
  std::uint32_t Find(std::string_view term) const;
  const std::string& term(std::uint32_t t) const { return terms_[t]; }
  std::size_t term_count() const { return terms_.size(); }
  // Number of documents with the term.
  std::uint32_t termfreq(std::uint32_t t) const { return post_off_[t + 1] - post_off_[t]; }
  // The document's term list is entries [TermsBegin(doc), TermsEnd(doc)): term numbers
  // ascending (TermAt) and their wdf (WdfAt).
  std::size_t TermsBegin(std::uint32_t doc) const { return fwd_off_[doc]; }
  std::size_t TermsEnd(std::uint32_t doc) const { return fwd_off_[doc + 1]; }
  std::uint32_t TermAt(std::size_t i) const { return fwd_term_[i]; }
  std::uint32_t WdfAt(std::size_t i) const {
    return fwd_wdf_[i] != kBigWdf ? fwd_wdf_[i] : BigWdf(fwd_big_, i);
  }
  // The wdf of term `t` in `doc` (0 when absent).
  std::uint32_t Wdf(std::uint32_t doc, std::uint32_t t) const;

  // Documents matching `filters` (key → accepted values; every key must match one value) and the
  // inclusive date range (documents without a date never match a range); nullopt = no filter.
  // One byte per document, 1 = passes.
  std::vector<std::uint8_t> FilterMask(
      const std::map<std::string, std::vector<std::string>>& filters,
      std::optional<double> date_from, std::optional<double> date_to) const;

  // The top `k` documents of the OR of `terms` by Xapian's BM25 (see the header comment),
  // restricted to `mask` when given. Without terms: every (filtered) document in docid order,
  // weight 0.
  TopK Bm25TopK(const std::vector<WeightedTerm>& terms, const Bm25Params& params, std::size_t k,
                const std::vector<std::uint8_t>* mask) const;

  // Xapian's Bo1 query expansion (Enquire::get_eset with the "bo1" scheme, min weight 0): the
  // `count` best terms of the documents `rset` (dense numbers) that `accept` takes and that are
  // not in `exclude` (the query's terms), weight descending, with their Bo1 weights.
  std::vector<std::pair<std::string, double>> Bo1Expand(
      const std::vector<std::uint32_t>& rset, std::size_t count, bool (*accept)(std::string_view),
      const std::vector<std::string>& exclude) const;

 private:
  MemoryIndex() = default;
  void CountBytes();
  // wdf are kept in 16 bits; a larger one is kBigWdf there and its value in a side map.
  static constexpr std::uint16_t kBigWdf = 0xffff;
  static std::uint32_t BigWdf(const std::unordered_map<std::size_t, std::uint32_t>& big,
                              std::size_t i) {
    return big.at(i);
  }
  // k1 × (normalised length × b + 1 − b) per document, the length part of Xapian's BM25
  // denominator, made once per (k1, b).
  struct Norms {
    double k1 = 0, b = 0;
    std::vector<double> k;
  };
  std::shared_ptr<const Norms> NormsFor(const Bm25Params& params) const;

  std::uint64_t revision_ = 0;
  double avg_length_ = 0;
  std::size_t bytes_ = 0;
  std::vector<Xapian::docid> docids_;  // dense number → Xapian docid (ascending)
  std::vector<std::uint32_t> doclen_;
  std::vector<std::string> terms_;  // text terms, sorted
  std::vector<std::uint32_t> post_off_;
  std::vector<std::uint32_t> post_doc_;
  std::vector<std::uint16_t> post_wdf_;
  std::vector<std::uint32_t> fwd_off_;
  std::vector<std::uint32_t> fwd_term_;
  std::vector<std::uint16_t> fwd_wdf_;
  std::unordered_map<std::size_t, std::uint32_t> post_big_, fwd_big_;  // entry → wdf >= kBigWdf
  // Boolean filter terms ("XF<key>:<value>") → dense document numbers ascending.
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> filters_;
  std::vector<double> dates_;                   // NaN = none
  std::vector<std::uint64_t> collection_freq_;  // per term: the sum of its wdf
  mutable std::mutex norms_mu_;
  mutable std::vector<std::shared_ptr<const Norms>> norms_;
};

// The orgs' MemoryIndex copies under a memory budget: Get returns the org's copy when it matches
// the handle's generation and revision, else builds one from the handle (one build at a time per
// org; concurrent searches of that org wait for it) and evicts the least recently used other orgs'
// copies while the total exceeds the budget (the org being searched is always kept).
class MemoryCache {
 public:
  explicit MemoryCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

  // The documents changed between two revisions of a generation, when known (else nullopt).
  using ChangeLog = std::function<std::optional<std::vector<Xapian::docid>>(
      const std::string& generation, std::uint64_t from, std::uint64_t to)>;

  // `org` names the copy; `generation` and db's revision identify the index state. A copy of an
  // earlier revision of the same generation is updated (MemoryIndex::Update) when `changes`
  // knows the documents changed since and they are at most a tenth; else a copy is built.
  std::shared_ptr<const MemoryIndex> Get(const std::string& org, const std::string& generation,
                                         Xapian::Database& db, const ChangeLog& changes = {});
  void Drop(const std::string& org);

  std::size_t bytes() const;
  std::size_t size() const;
  std::uint64_t builds() const;   // copies made (built or updated)
  std::uint64_t updates() const;  // of which updated

 private:
  struct Entry {
    std::mutex build_mu;  // one build at a time for the org
    std::shared_ptr<const MemoryIndex> index;
    std::string generation;
    std::list<std::string>::iterator lru;  // valid while listed
    bool listed = false;
  };
  void Touch(Entry& e, const std::string& org);  // mu_ held
  void Evict(const std::string& keep);           // mu_ held

  const std::size_t budget_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
  std::list<std::string> lru_;  // most recent first
  std::size_t bytes_ = 0;
  std::uint64_t builds_ = 0;
  std::uint64_t updates_ = 0;
};

}  // namespace signx::search
