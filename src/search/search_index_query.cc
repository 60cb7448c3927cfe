// SearchIndex (search_index.h), part 3 of 3: reads. The pooled read handles (WithReader), Search
// and RerankCandidates: query analysis, the BM25 first stage over the org's in-memory copy
// (memory_index.h, ADR 0011), the re-ranker's features, pseudo-relevance feedback, fusion of the
// two runs, and the page's stored documents and snippets; and the org's semantic model
// (BuildSemantic, HasSemantic) that two of the re-ranker's features use.
#include <fmt/format.h>
#include <xapian.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "base/strings.h"
#include "search/fusion.h"
#include "search/memory_index.h"
#include "search/reranker.h"
#include "search/search_index.h"
#include "search/search_index_internal.h"
#include "search/semantic.h"

namespace signx::search {
namespace fs = std::filesystem;

using internal::DecodeData;
using internal::FieldPrefix;
using internal::FromXapian;
using internal::IsName;
using internal::MakeTermGenerator;
using internal::ReadStub;
using internal::Stemmer;
using internal::StoredDoc;

namespace {

constexpr std::size_t kMaxLimit = 1000;

// Expansion candidates: stemmed text terms, not field-prefixed ones ("ZXW…").
bool ExpansionTerm(std::string_view term) {
  return term.size() > 2 && term[0] == 'Z' && term[1] != 'X';
}

Status CheckQuery(const Query& q) {
  if (q.limit < 1 || q.limit > kMaxLimit) {
    return InvalidArgument(fmt::format("limit must be 1..{}", kMaxLimit));
  }
  if (q.offset > 10000) return InvalidArgument("offset must be at most 10000");
  for (const auto& [key, values] : q.filters) {
    if (!IsName(key, 32)) {
      return InvalidArgument(fmt::format("filter key '{}' must match [a-z0-9_]{{1,32}}", key));
    }
    if (values.empty()) return InvalidArgument(fmt::format("filter '{}' has no values", key));
  }
  if (q.date_from && q.date_to && *q.date_from > *q.date_to) {
    return InvalidArgument("date_from must not be after date_to");
  }
  return Status::Ok();
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The analysed query: unique terms with their query frequency and the text-order sequence.
struct QueryTerms {
  std::vector<std::string> terms;  // sorted, unique
  std::vector<Xapian::termcount> wqf;
  std::vector<std::size_t> sequence;  // indexes into terms, in text order
};

QueryTerms AnalyzeQuery(std::string_view text) {
  QueryTerms q;
  Xapian::Document scratch;
  Xapian::TermGenerator tg = MakeTermGenerator();
  tg.set_document(scratch);
  tg.index_text(std::string(text));
  std::vector<std::pair<Xapian::termpos, std::size_t>> at;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    const std::size_t i = q.terms.size();
    q.terms.push_back(*t);
    q.wqf.push_back(t.get_wdf());
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) at.emplace_back(*p, i);
  }
  std::sort(at.begin(), at.end());
  for (const auto& [pos, i] : at) q.sequence.push_back(i);
  return q;
}

// Feedback terms for the re-ranker's expansion features: Bo1-weighted terms of the top BM25
// hits, the query terms excluded.
constexpr std::size_t kFeedbackDocs = 5;
constexpr Xapian::termcount kFeedbackTerms = 30;

std::vector<std::pair<std::string, double>> FeedbackTerms(const MemoryIndex& mem,
                                                          const QueryTerms& q,
                                                          const std::vector<ScoredDoc>& top,
                                                          std::size_t docs, std::size_t terms) {
  std::vector<std::uint32_t> rset;
  for (std::size_t i = 0; i < top.size() && i < docs; ++i) rset.push_back(top[i].doc);
  return mem.Bo1Expand(rset, terms, &ExpansionTerm, q.terms);
}

// The re-ranker's features (reranker.h, RerankFeatureNames) of the first `n` candidates, row-major:
// term frequencies from the in-memory term lists (`sem_ids` maps its term numbers to the semantic
// vocabulary), positions from the index's position lists.
std::vector<float> CandidateFeatures(const Xapian::Database& db, const MemoryIndex& mem,
                                     const QueryTerms& q, const std::vector<ScoredDoc>& cands,
                                     std::size_t n, const std::vector<std::string>& named_fields,
                                     const std::vector<std::pair<std::string, double>>& expansion,
                                     const SemanticModel* sem, const std::vector<int>* sem_ids) {
  const std::size_t nt = q.terms.size();
  const double docs = std::max<double>(1, mem.doc_count());
  std::vector<double> idf(nt);
  double idf_sum = 0, idf_max = 0;
  for (std::size_t i = 0; i < nt; ++i) {
    const std::uint32_t t = mem.Find(q.terms[i]);
    const double df = std::max<double>(1, t == MemoryIndex::kNoTerm ? 0 : mem.termfreq(t));
    idf[i] = std::log(1 + docs / df);
    idf_sum += idf[i];
    idf_max = std::max(idf_max, idf[i]);
  }
  if (idf_sum <= 0) idf_sum = 1;
  if (idf_max <= 0) idf_max = 1;
  if (sem_ids == nullptr) sem = nullptr;
  // The query's projection and vocabulary ids for the semantic features.
  std::vector<int> q_sem(nt, -1);
  Eigen::VectorXf q_vec;
  if (sem != nullptr) {
    q_vec = Eigen::VectorXf::Zero(sem->dim());
    for (std::size_t i = 0; i < nt; ++i) {
      q_sem[i] = sem->Find(q.terms[i]);
      if (q_sem[i] >= 0)
        sem->Accumulate(q_sem[i], static_cast<float>(q.wqf[i]) * sem->idf(q_sem[i]), q_vec);
    }
    const float norm = q_vec.norm();
    if (norm > 0) q_vec /= norm;
  }
  // The wanted terms' numbers — query terms, their field-prefixed forms ("ZXWtitle:<stem>") and
  // the expansion terms — sorted, so one merge with a document's sorted term list finds all.
  struct Want {
    std::uint32_t term;
    std::size_t qi;
    int kind;  // 0 query term, 1 query term in a named field, 2 expansion term
  };
  std::vector<Want> wants;
  auto want = [&](const std::string& term, std::size_t qi, int kind) {
    const std::uint32_t t = mem.Find(term);
    if (t != MemoryIndex::kNoTerm) wants.push_back({t, qi, kind});
  };
  for (std::size_t i = 0; i < nt; ++i) {
    want(q.terms[i], i, 0);
    const std::string& t = q.terms[i];
    if (t.size() > 1 && t[0] == 'Z') {
      for (const std::string& f : named_fields) want("Z" + FieldPrefix(f) + t.substr(1), i, 1);
    }
  }
  double expansion_sum = 0;
  for (std::size_t i = 0; i < expansion.size(); ++i) {
    want(expansion[i].first, i, 2);
    expansion_sum += expansion[i].second;
  }
  if (expansion_sum <= 0) expansion_sum = 1;
  std::vector<Xapian::termcount> tf_exp(expansion.size());
  std::sort(wants.begin(), wants.end(), [](const Want& a, const Want& b) {
    return a.term != b.term ? a.term < b.term : a.kind < b.kind;
  });

  const double avg_len = std::max(1.0, mem.avg_length());
  double top = 0, mean = 0, sq = 0;
  std::size_t m = 0;
  for (; m < cands.size() && m < n; ++m) {
    const double w = cands[m].weight;
    if (m == 0) top = w;
    mean += w;
    sq += w * w;
  }
  if (m == 0) return {};
  mean /= static_cast<double>(m);
  const double sd = std::sqrt(std::max(1e-12, sq / static_cast<double>(m) - mean * mean));

  std::vector<float> out;
  out.reserve(m * kNumRerankFeatures);
  std::vector<Xapian::termcount> tf(nt), tf_named(nt);
  // Per candidate (reused): each query term's positions, its vocabulary terms, its projection.
  std::vector<std::vector<Xapian::termpos>> positions(nt);
  std::vector<int> d_terms;
  Eigen::VectorXf d_vec;
  std::size_t rank = 0;
  for (; rank < m; ++rank) {
    const std::uint32_t doc = cands[rank].doc;
    const Xapian::docid did = mem.docid(doc);
    std::fill(tf.begin(), tf.end(), 0);
    std::fill(tf_named.begin(), tf_named.end(), 0);
    std::fill(tf_exp.begin(), tf_exp.end(), 0);
    // One pass over the document's sorted term list: the wanted terms by merge, and the
    // vocabulary terms for the semantic features.
    d_terms.clear();
    if (sem != nullptr) d_vec.setZero(sem->dim());
    std::size_t wi = 0;
    for (std::size_t k = mem.TermsBegin(doc), end = mem.TermsEnd(doc); k < end; ++k) {
      const std::uint32_t term = mem.TermAt(k);
      const Xapian::termcount wdf = mem.WdfAt(k);
      while (wi < wants.size() && wants[wi].term < term) ++wi;
      for (std::size_t j = wi; j < wants.size() && wants[j].term == term; ++j) {
        const Want& w = wants[j];
        (w.kind == 0 ? tf : w.kind == 1 ? tf_named : tf_exp)[w.qi] += wdf;
      }
      if (sem == nullptr) continue;
      const int id = (*sem_ids)[term];
      if (id < 0) continue;
      d_terms.push_back(id);
      sem->Accumulate(id, (1.0f + std::log(static_cast<float>(std::max(1u, wdf)))) * sem->idf(id),
                      d_vec);
    }
    double cov = 0, cov_named = 0, cov_lead = 0, tfidf = 0, tfidf_named = 0, max_idf = 0;
    std::size_t matched = 0;
    Xapian::termpos first_pos = std::numeric_limits<Xapian::termpos>::max();
    for (auto& pos : positions) pos.clear();
    for (std::size_t i = 0; i < nt; ++i) {
      if (tf[i] > 0) {
        cov += idf[i];
        ++matched;
        max_idf = std::max(max_idf, idf[i]);
        tfidf += idf[i] * tf[i] / (tf[i] + 1.2);
        std::vector<Xapian::termpos>& pos = positions[i];
        for (auto p = db.positionlist_begin(did, q.terms[i]);
             p != db.positionlist_end(did, q.terms[i]); ++p) {
          pos.push_back(*p);
        }
        if (!pos.empty()) {
          first_pos = std::min(first_pos, pos.front());
          if (pos.front() <= 50) cov_lead += idf[i];
        }
      }
      if (tf_named[i] > 0) {
        cov_named += idf[i];
        tfidf_named += idf[i] * tf_named[i] / (tf_named[i] + 1.2);
      }
    }
    double exp_cov = 0, exp_tfsat = 0;
    for (std::size_t i = 0; i < expansion.size(); ++i) {
      if (tf_exp[i] == 0) continue;
      exp_cov += expansion[i].second;
      exp_tfsat += expansion[i].second * tf_exp[i] / (tf_exp[i] + 1.2);
    }
    // Proximity of adjacent query-term pairs.
    std::size_t pairs = 0, ordered = 0, near = 0;
    for (std::size_t i = 0; i + 1 < q.sequence.size(); ++i) {
      if (q.sequence[i] == q.sequence[i + 1]) continue;
      ++pairs;
      // A term without positions here (unmatched) was absent from the old per-candidate map.
      const std::vector<Xapian::termpos>& a = positions[q.sequence[i]];
      const std::vector<Xapian::termpos>& b = positions[q.sequence[i + 1]];
      if (tf[q.sequence[i]] == 0 || tf[q.sequence[i + 1]] == 0) continue;
      bool is_ordered = false, is_near = false;
      for (Xapian::termpos pa : a) {
        auto lo = std::lower_bound(b.begin(), b.end(), pa > 10 ? pa - 10 : 0);
        for (auto pb = lo; pb != b.end() && *pb <= pa + 10; ++pb) {
          is_near = true;
          if (*pb > pa && *pb <= pa + 3) is_ordered = true;
        }
        if (is_ordered) break;
      }
      ordered += is_ordered;
      near += is_near;
    }
    // Semantic features: cosine of the projections; soft match of the missing query words.
    double sem_cos = 0, soft = cov;
    if (sem != nullptr) {
      const float norm = d_vec.norm();
      if (norm > 0 && q_vec.size() > 0) sem_cos = q_vec.dot(d_vec) / norm;
      for (std::size_t i = 0; i < nt; ++i) {
        if (tf[i] > 0 || q_sem[i] < 0) continue;
        float best = 0;
        for (int d : d_terms) best = std::max(best, sem->TermCosine(q_sem[i], d));
        soft += idf[i] * best;
      }
    }
    const double w = cands[rank].weight;
    const double len = mem.doclen(doc);
    const float row[kNumRerankFeatures] = {
        static_cast<float>(top > 0 ? w / top : 0),
        static_cast<float>(w),
        static_cast<float>(std::log1p(static_cast<double>(rank))),
        static_cast<float>(cov / idf_sum),
        static_cast<float>(cov_named / idf_sum),
        static_cast<float>(cov_lead / idf_sum),
        static_cast<float>(nt ? static_cast<double>(matched) / static_cast<double>(nt) : 0),
        static_cast<float>(tfidf / idf_sum),
        static_cast<float>(tfidf_named / idf_sum),
        static_cast<float>(std::log1p(len / avg_len)),
        static_cast<float>(pairs ? static_cast<double>(ordered) / static_cast<double>(pairs) : 0),
        static_cast<float>(pairs ? static_cast<double>(near) / static_cast<double>(pairs) : 0),
        static_cast<float>(std::log1p(static_cast<double>(nt))),
        static_cast<float>(max_idf / idf_max),
        static_cast<float>((w - mean) / sd),
        static_cast<float>(first_pos == std::numeric_limits<Xapian::termpos>::max()
                               ? 10.0
                               : std::log1p(static_cast<double>(first_pos))),
        static_cast<float>(exp_cov / expansion_sum),
        static_cast<float>(exp_tfsat / expansion_sum),
        static_cast<float>(sem_cos),
        static_cast<float>(soft / idf_sum)};
    out.insert(out.end(), row, row + kNumRerankFeatures);
  }
  return out;
}

// A pooled read handle, returned to its shard's pool when done (unless the generation changed
// or the handle saw an error).
class Reader {
 public:
  Reader(std::mutex& mu, std::string& generation,
         std::vector<std::unique_ptr<Xapian::Database>>& idle, std::string gen,
         std::unique_ptr<Xapian::Database> db)
      : mu_(mu), generation_(generation), idle_(idle), gen_(std::move(gen)), db_(std::move(db)) {}
  ~Reader() {
    if (!db_ || discard_) return;
    std::lock_guard lock(mu_);
    if (generation_ == gen_ && idle_.size() < 64) idle_.push_back(std::move(db_));
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Xapian::Database& db() { return *db_; }
  void Discard() { discard_ = true; }

 private:
  std::mutex& mu_;
  std::string& generation_;
  std::vector<std::unique_ptr<Xapian::Database>>& idle_;
  std::string gen_;
  std::unique_ptr<Xapian::Database> db_;
  bool discard_ = false;
};

}  // namespace

namespace {

// Runs `fn` with a pooled read handle on the org's live generation, reopened to the latest
// commit; retries when a concurrent commit invalidates the handle mid-read.
template <typename T, typename Fn>
Result<T> WithReader(SearchIndex::Shard& shard, Fn&& fn) {
  for (int attempt = 0;; ++attempt) {
    SIGNX_ASSIGN_OR_RETURN(std::string gen, ReadStub(shard.path));
    std::unique_ptr<Xapian::Database> handle;
    {
      std::lock_guard lock(shard.pool_mu);
      if (shard.generation != gen) {
        shard.idle.clear();
        shard.generation = gen;
      }
      if (!shard.idle.empty()) {
        handle = std::move(shard.idle.back());
        shard.idle.pop_back();
      }
    }
    try {
      if (handle) {
        handle->reopen();
      } else {
        handle = std::make_unique<Xapian::Database>((fs::path(shard.path) / gen).string(),
                                                    Xapian::DB_BACKEND_GLASS);
      }
    } catch (const Xapian::DatabaseModifiedError& e) {
      // A commit landed while opening: open afresh.
      if (attempt >= 4) return FromXapian(e, "search: opening " + shard.path);
      continue;
    } catch (const Xapian::Error& e) {
      return FromXapian(e, "search: opening " + shard.path);
    }
    Reader reader(shard.pool_mu, shard.generation, shard.idle, gen, std::move(handle));
    try {
      return fn(reader.db(), gen);
    } catch (const Xapian::DatabaseModifiedError& e) {
      reader.Discard();
      if (attempt >= 4) return FromXapian(e, "search: reading " + shard.path);
    } catch (const Xapian::Error& e) {
      reader.Discard();
      return FromXapian(e, "search: reading " + shard.path);
    }
  }
}

}  // namespace

namespace {

// The org's semantic model if it was built from the live generation.
std::shared_ptr<const SemanticModel> Semantic(SearchIndex::Shard& shard) {
  std::lock_guard lock(shard.pool_mu);
  if (shard.semantic && shard.semantic_generation == shard.generation) return shard.semantic;
  return nullptr;
}

}  // namespace

bool SearchIndex::HasSemantic(std::string_view org) const {
  auto shard = GetShard(org);
  return shard.ok() && Semantic(**shard) != nullptr;
}

Status SearchIndex::BuildSemantic(std::string_view org, const SemanticOptions& options) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  SIGNX_ASSIGN_OR_RETURN(std::string gen, ReadStub(shard->path));
  auto model = WithReader<std::shared_ptr<const SemanticModel>>(
      *shard,
      [&](Xapian::Database& db,
          const std::string&) -> Result<std::shared_ptr<const SemanticModel>> {
        std::vector<std::vector<std::pair<std::string, unsigned>>> docs;
        std::unordered_map<std::string, unsigned> df;
        for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
          auto& terms = docs.emplace_back();
          for (auto t = db.termlist_begin(*d); t != db.termlist_end(*d); ++t) {
            std::string term = *t;
            if (term.size() < 2 || term[0] != 'Z' || term[1] == 'X') continue;
            ++df[term];
            terms.emplace_back(std::move(term), t.get_wdf());
          }
        }
        return SemanticModel::Build(docs, df, options);
      });
  SIGNX_RETURN_IF_ERROR(model.status());
  std::lock_guard lock(shard->pool_mu);
  shard->semantic = *model;
  shard->semantic_generation = gen;
  return Status::Ok();
}

namespace {

// Xapian's query for the analysed terms (the enquire that expansion and snippets use).
Xapian::Query TermsQuery(const QueryTerms& q) {
  std::vector<Xapian::Query> terms;
  for (std::size_t i = 0; i < q.terms.size(); ++i) terms.emplace_back(q.terms[i], q.wqf[i]);
  return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

MemoryCache::ChangeLog ChangesOf(SearchIndex::Shard& shard) {
  return [&shard](const std::string& gen, std::uint64_t from, std::uint64_t to) {
    return shard.Changed(gen, from, to);
  };
}

std::vector<WeightedTerm> Weighted(const QueryTerms& q) {
  std::vector<WeightedTerm> out;
  for (std::size_t i = 0; i < q.terms.size(); ++i) out.push_back({q.terms[i], q.wqf[i], 1});
  return out;
}

// The org's semantic model (when built from the live generation) and the map from the in-memory
// copy's term numbers to its vocabulary (made once per copy and model).
std::pair<std::shared_ptr<const SemanticModel>, std::shared_ptr<const std::vector<int>>>
SemanticFor(SearchIndex::Shard& shard, const std::shared_ptr<const MemoryIndex>& mem) {
  std::shared_ptr<const SemanticModel> sem = Semantic(shard);
  if (!sem) return {};
  {
    std::lock_guard lock(shard.pool_mu);
    if (shard.sem_ids && shard.sem_ids_mem.lock() == mem && shard.sem_ids_model.lock() == sem) {
      return {sem, shard.sem_ids};
    }
  }
  auto ids = std::make_shared<std::vector<int>>(mem->term_count(), -1);
  for (std::size_t t = 0; t < mem->term_count(); ++t) {
    const std::string& term = mem->term(static_cast<std::uint32_t>(t));
    if (term.size() < 2 || term[0] != 'Z' || term[1] == 'X') continue;
    (*ids)[t] = sem->Find(term);
  }
  std::lock_guard lock(shard.pool_mu);
  shard.sem_ids = ids;
  shard.sem_ids_mem = mem;
  shard.sem_ids_model = sem;
  return {sem, std::move(ids)};
}

}  // namespace

Result<Candidates> SearchIndex::RerankCandidates(std::string_view org, std::string_view text,
                                                 std::size_t depth) const {
  if (depth < 1 || depth > kMaxLimit) return InvalidArgument("depth must be 1..1000");
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  const std::shared_ptr<const RetrievalParams> params_now = params();
  const RetrievalParams& p = *params_now;
  return WithReader<Candidates>(
      *shard, [&](Xapian::Database& db, const std::string& gen) -> Result<Candidates> {
        Candidates c;
        const QueryTerms q = AnalyzeQuery(text);
        if (q.terms.empty()) return c;
        const std::shared_ptr<const MemoryIndex> mem =
            memory_->Get(std::string(org), gen, db, ChangesOf(*shard));
        const TopK top = mem->Bm25TopK(Weighted(q), {p.k1, p.b}, depth, nullptr);
        const auto [sem, sem_ids] = SemanticFor(*shard, mem);
        c.features =
            CandidateFeatures(db, *mem, q, top.docs, depth, p.named_fields,
                              FeedbackTerms(*mem, q, top.docs, kFeedbackDocs, kFeedbackTerms),
                              sem.get(), sem_ids.get());
        for (const ScoredDoc& d : top.docs) {
          c.ids.emplace_back(DecodeData(db.get_document(mem->docid(d.doc)).get_data()).id);
        }
        return c;
      });
}

Result<SearchResult> SearchIndex::Search(std::string_view org, const Query& query) const {
  SIGNX_RETURN_IF_ERROR(CheckQuery(query));
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  const std::shared_ptr<const RetrievalParams> params_now = params();
  const RetrievalParams& p = *params_now;
  return WithReader<SearchResult>(
      *shard, [&](Xapian::Database& db, const std::string& gen) -> Result<SearchResult> {
        SearchResult result;
        const std::size_t want = query.offset + query.limit;
        const std::size_t depth = std::max(p.depth, want);
        const bool has_text = !Trim(query.text).empty();
        const QueryTerms q = has_text ? AnalyzeQuery(query.text) : QueryTerms{};
        // Text of stop words only: nothing matches.
        if (has_text && q.terms.empty()) return result;

        // The first stage: BM25 over the org's in-memory copy, Xapian's formula and tie order.
        const std::shared_ptr<const MemoryIndex> mem =
            memory_->Get(std::string(org), gen, db, ChangesOf(*shard));
        const bool filtered = !query.filters.empty() || query.date_from || query.date_to;
        std::vector<std::uint8_t> mask;
        if (filtered) {
          mask = mem->FilterMask(
              query.filters,
              query.date_from ? std::optional<double>(static_cast<double>(*query.date_from))
                              : std::nullopt,
              query.date_to ? std::optional<double>(static_cast<double>(*query.date_to))
                            : std::nullopt);
        }
        const std::vector<std::uint8_t>* mask_ptr = filtered ? &mask : nullptr;
        const std::vector<WeightedTerm> terms = Weighted(q);
        const Bm25Params bm25{p.k1, p.b};

        const bool hybrid = query.mode == Mode::kHybrid && has_text &&
                            (p.reranker || (p.fb_docs > 0 && p.fb_terms > 0));
        // The re-ranker needs its candidates only; feedback fusion needs the whole BM25 run.
        // One more than the page (want + 1) tells whether a next page exists.
        const std::size_t first_size = !hybrid      ? want + 1
                                       : p.reranker ? std::max(p.rerank_depth, want + 1)
                                                    : std::max(depth, want + 1);
        const TopK first = mem->Bm25TopK(terms, bm25, first_size, mask_ptr);
        result.estimated_total = first.matches;

        // Xapian's enquire on the query, for snippets (no match is run).
        std::optional<Xapian::Enquire> enquire;
        auto text_enquire = [&]() -> Xapian::Enquire& {
          if (!enquire) {
            enquire.emplace(db);
            enquire->set_weighting_scheme(Xapian::BM25Weight(p.k1, 0, 1, p.b, 0.5));
            enquire->set_query(TermsQuery(q));
          }
          return *enquire;
        };

        std::vector<std::pair<Xapian::docid, double>> ranked;  // best first
        RankedRun runs[2];
        runs[0].weight = p.bm25_run_weight;
        runs[1].weight = p.second_run_weight;
        for (const ScoredDoc& d : first.docs)
          runs[0].ids.push_back(std::to_string(mem->docid(d.doc)));
        if (!hybrid || first.docs.empty()) {
          for (const ScoredDoc& d : first.docs) ranked.emplace_back(mem->docid(d.doc), d.weight);
        } else if (p.reranker) {
          // Learned re-ranking of the top rerank_depth BM25 candidates.
          const std::size_t n = std::min<std::size_t>(p.rerank_depth, first.docs.size());
          const auto [sem, sem_ids] = SemanticFor(*shard, mem);
          const std::vector<float> features =
              CandidateFeatures(db, *mem, q, first.docs, n, p.named_fields,
                                FeedbackTerms(*mem, q, first.docs, kFeedbackDocs, kFeedbackTerms),
                                sem.get(), sem_ids.get());
          SIGNX_ASSIGN_OR_RETURN(std::vector<float> scores, p.reranker->Score(features));
          std::vector<std::size_t> order(scores.size());
          for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
          std::stable_sort(order.begin(), order.end(),
                           [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
          for (std::size_t i : order) runs[1].ids.push_back(runs[0].ids[i]);
        } else {
          // Pseudo-relevance feedback: expansion terms from the top BM25 hits, added to the query
          // scaled by their Bo1 weight relative to the best one's.
          const auto eset = FeedbackTerms(*mem, q, first.docs, p.fb_docs, p.fb_terms);
          double max_w = 0;
          for (const auto& [term, w] : eset) max_w = std::max(max_w, w);
          std::vector<WeightedTerm> expanded = terms;
          for (const auto& [term, w] : eset) {
            if (max_w > 0) expanded.push_back({term, 1, p.fb_weight * w / max_w});
          }
          const TopK second = mem->Bm25TopK(expanded, bm25, depth, mask_ptr);
          for (const ScoredDoc& d : second.docs)
            runs[1].ids.push_back(std::to_string(mem->docid(d.doc)));
        }
        if (hybrid && !first.docs.empty()) {
          if (p.fusion == 1) {
            // The second run first, then the BM25 hits it did not rank.
            std::unordered_set<std::string> seen(runs[1].ids.begin(), runs[1].ids.end());
            double score = static_cast<double>(runs[1].ids.size() + runs[0].ids.size());
            for (const std::string& id : runs[1].ids) ranked.emplace_back(std::stoul(id), score--);
            for (const std::string& id : runs[0].ids) {
              if (!seen.count(id)) ranked.emplace_back(std::stoul(id), score--);
            }
          } else {
            for (const Fused& f : ReciprocalRankFusion(runs, p.rrf_k)) {
              ranked.emplace_back(static_cast<Xapian::docid>(std::stoul(f.id)), f.score);
            }
          }
        }

        result.more = ranked.size() > want;
        // Documents and snippets for the returned page only. Xapian's snippet generator needs an
        // MSet of the query's enquire: an empty one (no match run) carries the query and its stats.
        std::optional<Xapian::MSet> snippets;
        for (std::size_t i = query.offset; i < ranked.size() && i < want; ++i) {
          const Xapian::Document doc = db.get_document(ranked[i].first);
          const std::string data = doc.get_data();
          const StoredDoc stored = DecodeData(data);
          Hit hit;
          hit.id = std::string(stored.id);
          hit.score = ranked[i].second;
          if (query.snippet_chars > 0 && !stored.fields.empty()) {
            std::string_view text = stored.fields.front().second;
            for (const auto& [name, t] : stored.fields) {
              if (name == query.snippet_field) {
                text = t;
                break;
              }
            }
            // snippet() HTML-escapes the text itself; a filter-only query highlights nothing.
            if (has_text && !snippets) snippets = text_enquire().get_mset(0, 0);
            hit.snippet = has_text ? snippets->snippet(std::string(text), query.snippet_chars,
                                                       Stemmer(), Xapian::MSet::SNIPPET_EXHAUSTIVE,
                                                       "<mark>", "</mark>", "…")
                                   : HtmlEscape(text.substr(0, query.snippet_chars));
          }
          result.hits.push_back(std::move(hit));
        }
        return result;
      });
}

}  // namespace signx::search
