// Private to SearchIndex's implementation, which is split in three files:
//   search_index.cc        the index's layout on disk (the XAPIANDB stub naming the live
//                          generation, the stored-data codec), the analyser, the per-org shards,
//                          options and parameters, health (Check, Verify);
//   search_index_write.cc  writes: Create, Upsert, Delete, DropOrg, Rebuild (the write lock,
//                          Xapian documents, the change log the in-memory copies update from);
//   search_index_query.cc  reads: the pooled read handles, Search and RerankCandidates (the
//                          BM25 first stage over the in-memory copy, the re-ranker's features,
//                          feedback expansion, fusion, snippets) and the semantic model.
// This header holds what more than one of them uses: the helpers below (defined in
// search_index.cc) and SearchIndex::Shard. Nothing outside those three files includes it.
#pragma once

#include <xapian.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "search/search_index.h"

namespace signx::search {

class MemoryIndex;
class SemanticModel;

namespace internal {

// The analyser: Xapian's English stemmer (one per thread) and a TermGenerator with Lucene's
// English stop words, STOP_ALL and STEM_ALL_Z.
const Xapian::Stem& Stemmer();
Xapian::TermGenerator MakeTermGenerator();

// True when `s` is 1..max characters of [a-z0-9_].
bool IsName(std::string_view s, std::size_t max);

// The prefix of a named field's words ("XWtitle:").
std::string FieldPrefix(std::string_view field);

// A document's stored data: its id and fields (for snippets).
std::string EncodeData(const Document& d);
struct StoredDoc {
  std::string_view id;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};
StoredDoc DecodeData(std::string_view data);

// A Xapian error as a Status (kNotFound, kUnavailable, kDataLoss or kInternal).
Status FromXapian(const Xapian::Error& e, std::string_view what);

// <org>/XAPIANDB: the live generation directory's name ("g<N>"), and its atomic switch.
Result<std::string> ReadStub(const std::string& org_path);
Status WriteStub(const std::string& org_path, const std::string& gen);

}  // namespace internal

// One org's index: the write mutex and a pool of read handles on the live generation.
struct SearchIndex::Shard {
  std::string path;
  std::mutex write_mu;
  std::mutex pool_mu;
  std::string generation;  // of the pooled handles
  std::vector<std::unique_ptr<Xapian::Database>> idle;
  // BuildSemantic's model and the generation it was built from (guarded by pool_mu).
  std::shared_ptr<const SemanticModel> semantic;
  std::string semantic_generation;
  // The in-memory copy's term numbers → the semantic vocabulary, for the pair it was made for.
  std::shared_ptr<const std::vector<int>> sem_ids;
  std::weak_ptr<const MemoryIndex> sem_ids_mem;
  std::weak_ptr<const SemanticModel> sem_ids_model;

  // The documents this process's commits changed, by revision (of generation changes_gen), so
  // the in-memory copy of an earlier revision is updated rather than made anew.
  void RecordChange(const std::string& gen, std::uint64_t revision,
                    std::vector<Xapian::docid> docids) {
    std::lock_guard lock(changes_mu);
    if (changes_gen != gen) {
      changes.clear();
      changes_gen = gen;
    }
    auto& at = changes[revision];
    at.insert(at.end(), docids.begin(), docids.end());
    while (changes.size() > 256) changes.erase(changes.begin());
  }
  // The documents changed by the revisions after `from` up to `to`, when every one of them was
  // this process's commit; nullopt otherwise (another process wrote, or the log is too short).
  std::optional<std::vector<Xapian::docid>> Changed(const std::string& gen, std::uint64_t from,
                                                    std::uint64_t to) {
    std::lock_guard lock(changes_mu);
    if (changes_gen != gen || to <= from) return std::nullopt;
    std::vector<Xapian::docid> out;
    for (std::uint64_t r = from + 1; r <= to; ++r) {
      auto it = changes.find(r);
      if (it == changes.end()) return std::nullopt;
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  std::mutex changes_mu;
  std::string changes_gen;
  std::map<std::uint64_t, std::vector<Xapian::docid>> changes;
};

}  // namespace signx::search
