#include "search/search_index.h"

#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "base/strings.h"
#include "search/fusion.h"
#include "search/memory_index.h"
#include "search/reranker.h"
#include "search/semantic.h"

namespace signx::search {
namespace fs = std::filesystem;
namespace {

constexpr Xapian::valueno kDateSlot = 0;
constexpr const char* kStubName = "XAPIANDB";
constexpr const char* kIdPrefix = "Q";
constexpr const char* kFilterPrefix = "XF";
constexpr std::size_t kMaxLimit = 1000;

// Lucene's English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET): the set BM25 baselines
// (Anserini) use.
constexpr const char* kStopWords[] = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

const Xapian::SimpleStopper& Stopper() {
  static const Xapian::SimpleStopper* s =
      new Xapian::SimpleStopper(std::begin(kStopWords), std::end(kStopWords));
  return *s;
}

// Per thread: a Xapian::Stem keeps per-call state and a non-atomic reference count, so threads
// must not share one.
const Xapian::Stem& Stemmer() {
  thread_local const Xapian::Stem stem("english");
  return stem;
}

Xapian::TermGenerator MakeTermGenerator() {
  Xapian::TermGenerator tg;
  tg.set_stemmer(Stemmer());
  tg.set_stopper(&Stopper());
  tg.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
  return tg;
}

bool IsName(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsOrg(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// "XWtitle:" — with STEM_ALL_Z a field word becomes "ZXWtitle:<stem>".
std::string FieldPrefix(std::string_view field) { return fmt::format("XW{}:", field); }

std::string FilterTerm(std::string_view key, std::string_view value) {
  return fmt::format("{}{}:{}", kFilterPrefix, key, value);
}

// Stored document data: the id and the fields (for snippets), length-prefixed.
void PutString(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  char buf[4];
  std::memcpy(buf, &n, 4);
  out.append(buf, 4);
  out.append(s);
}

bool GetString(std::string_view& in, std::string_view* s) {
  if (in.size() < 4) return false;
  std::uint32_t n = 0;
  std::memcpy(&n, in.data(), 4);
  if (in.size() - 4 < n) return false;
  *s = in.substr(4, n);
  in.remove_prefix(4 + n);
  return true;
}

std::string EncodeData(const Document& d) {
  std::string out;
  PutString(out, d.id);
  for (const Field& f : d.fields) {
    PutString(out, f.name);
    PutString(out, f.text);
  }
  return out;
}

struct StoredDoc {
  std::string_view id;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

StoredDoc DecodeData(std::string_view data) {
  StoredDoc d;
  if (!GetString(data, &d.id)) return d;
  std::string_view name, text;
  while (GetString(data, &name) && GetString(data, &text)) d.fields.emplace_back(name, text);
  return d;
}

Status CheckDocument(const Document& d, std::size_t i) {
  const std::string where = fmt::format("documents[{}]", i);
  if (d.id.empty() || d.id.size() > 200) {
    return InvalidArgument(where + ".id must be 1..200 bytes");
  }
  for (const Field& f : d.fields) {
    if (!IsName(f.name, 32)) {
      return InvalidArgument(
          fmt::format("{}.fields: name '{}' must match [a-z0-9_]{{1,32}}", where, f.name));
    }
    if (f.weight < 1 || f.weight > 20) {
      return InvalidArgument(fmt::format("{}.fields.{}.weight must be 1..20", where, f.name));
    }
  }
  for (const auto& [k, v] : d.filters) {
    if (!IsName(k, 32)) {
      return InvalidArgument(
          fmt::format("{}.filters: key '{}' must match [a-z0-9_]{{1,32}}", where, k));
    }
    if (v.empty() || v.size() > 200) {
      return InvalidArgument(fmt::format("{}.filters.{} must be 1..200 bytes", where, k));
    }
  }
  return Status::Ok();
}

Xapian::Document BuildDocument(const Document& d) {
  Xapian::Document xd;
  Xapian::TermGenerator tg = MakeTermGenerator();
  tg.set_document(xd);
  for (const Field& f : d.fields) {
    tg.index_text(f.text, static_cast<Xapian::termcount>(f.weight));
    tg.increase_termpos(100);  // no phrase matches across fields
  }
  // Fields other than the body are also indexed under their own prefix (no positions), for the
  // re-ranker's per-field features.
  for (const Field& f : d.fields) {
    if (f.name != "body") tg.index_text_without_positions(f.text, 1, FieldPrefix(f.name));
  }
  xd.add_boolean_term(kIdPrefix + d.id);
  for (const auto& [k, v] : d.filters) xd.add_boolean_term(FilterTerm(k, v));
  if (d.date) xd.add_value(kDateSlot, Xapian::sortable_serialise(static_cast<double>(*d.date)));
  xd.set_data(EncodeData(d));
  return xd;
}

Status FromXapian(const Xapian::Error& e, std::string_view what) {
  const std::string msg = fmt::format("{}: {}: {}", what, e.get_type(), e.get_msg());
  const std::string_view type = e.get_type();
  if (type == "DatabaseNotFoundError") return NotFound(msg);
  if (type == "DatabaseLockError" || type == "DatabaseModifiedError") return Unavailable(msg);
  if (type == "DatabaseCorruptError" || type == "DatabaseOpeningError" ||
      type == "DatabaseVersionError" || type == "DatabaseError" || type == "SerialisationError") {
    return Status(ErrorCode::kDataLoss, msg);
  }
  return Internal(msg);
}

// The generation directory named by <org>/XAPIANDB ("glass g<N>"), or the reason there is none.
Result<std::string> ReadStub(const std::string& org_path) {
  std::error_code ec;
  if (!fs::is_directory(org_path, ec)) {
    return NotFound(fmt::format("search index '{}' does not exist", org_path));
  }
  std::ifstream in(fs::path(org_path) / kStubName);
  if (!in) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("search index '{}' has no {} file", org_path, kStubName));
  }
  std::string backend, gen;
  in >> backend >> gen;
  if (backend != "glass" || gen.size() < 2 || gen[0] != 'g' ||
      !std::all_of(gen.begin() + 1, gen.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("search index '{}' has a malformed {} file", org_path, kStubName));
  }
  return gen;
}

Status WriteStub(const std::string& org_path, const std::string& gen) {
  const fs::path tmp = fs::path(org_path) / (std::string(kStubName) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "glass " << gen << "\n";
    out.flush();
    if (!out) return Internal(fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  fs::rename(tmp, fs::path(org_path) / kStubName, ec);  // atomic switch for readers
  if (ec) return Internal(fmt::format("cannot switch {}: {}", org_path, ec.message()));
  return Status::Ok();
}

std::uint64_t GenerationNumber(std::string_view gen) {
  std::uint64_t n = 0;
  for (char c : gen.substr(1)) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  return n;
}

// Opens a writable handle, retrying while another process holds the write lock.
Xapian::WritableDatabase OpenWritable(const std::string& path, int flags) {
  for (int attempt = 0;; ++attempt) {
    try {
      return Xapian::WritableDatabase(path, flags | Xapian::DB_BACKEND_GLASS);
    } catch (const Xapian::DatabaseLockError&) {
      if (attempt >= 40) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

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
}  // namespace

bool NeedsRebuild(const Status& status) {
  return status.code() == ErrorCode::kNotFound || status.code() == ErrorCode::kDataLoss;
}

std::vector<std::string> AnalyzeTerms(std::string_view text) {
  Xapian::Document scratch;
  Xapian::TermGenerator tg = MakeTermGenerator();
  tg.set_document(scratch);
  tg.index_text(std::string(text));
  std::vector<std::string> out;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) out.push_back(*t);
  return out;
}

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

namespace {

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

SearchIndex::SearchIndex(IndexOptions options)
    : options_(std::move(options)),
      params_(std::make_shared<const RetrievalParams>(options_.params)),
      memory_(std::make_unique<MemoryCache>(options_.memory_budget_bytes)) {
  root_ = (fs::path(options_.data_dir) / "search" / options_.name).string();
}

std::size_t SearchIndex::memory_bytes() const { return memory_->bytes(); }
std::size_t SearchIndex::memory_orgs() const { return memory_->size(); }
std::uint64_t SearchIndex::memory_builds() const { return memory_->builds(); }
std::uint64_t SearchIndex::memory_updates() const { return memory_->updates(); }

SearchIndex::~SearchIndex() = default;

std::shared_ptr<const RetrievalParams> SearchIndex::params() const {
  std::lock_guard lock(params_mu_);
  return params_;
}

void SearchIndex::set_params(RetrievalParams p) {
  auto next = std::make_shared<const RetrievalParams>(std::move(p));
  std::lock_guard lock(params_mu_);
  params_ = std::move(next);
}

Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(IndexOptions options) {
  if (options.data_dir.empty()) return InvalidArgument("search: data_dir is empty");
  if (!IsName(options.name, 32)) {
    return InvalidArgument("search: index name must match [a-z0-9_]{1,32}");
  }
  const RetrievalParams& p = options.params;
  if (!(p.k1 >= 0) || !(p.b >= 0 && p.b <= 1) || !(p.fb_weight >= 0) || !(p.rrf_k > 0) ||
      p.depth < 1) {
    return InvalidArgument("search: retrieval parameters out of range");
  }
  std::unique_ptr<SearchIndex> index(new SearchIndex(std::move(options)));
  std::error_code ec;
  fs::create_directories(index->root_, ec);
  if (ec) return Internal(fmt::format("search: cannot create {}: {}", index->root_, ec.message()));
  return index;
}

std::string SearchIndex::OrgPath(std::string_view org) const {
  return (fs::path(root_) / std::string(org)).string();
}

Result<SearchIndex::Shard*> SearchIndex::GetShard(std::string_view org) const {
  if (!IsOrg(org)) return InvalidArgument(fmt::format("search: bad org id '{}'", org));
  std::lock_guard lock(shards_mu_);
  auto it = shards_.find(org);
  if (it == shards_.end()) {
    auto shard = std::make_unique<Shard>();
    shard->path = OrgPath(org);
    it = shards_.emplace(std::string(org), std::move(shard)).first;
  }
  return it->second.get();
}

namespace {

// Creates <org>/g1 and the stub when the org has no index yet.
Status EnsureCreated(const std::string& path) {
  auto gen = ReadStub(path);
  if (gen.ok()) return Status::Ok();
  if (gen.status().code() != ErrorCode::kNotFound) return gen.status();
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Internal(fmt::format("search: cannot create {}: {}", path, ec.message()));
  try {
    Xapian::WritableDatabase db =
        OpenWritable((fs::path(path) / "g1").string(), Xapian::DB_CREATE_OR_OPEN);
    db.commit();
    db.close();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search: creating " + path);
  }
  return WriteStub(path, "g1");
}

// Runs `fn` on the org's live generation opened for writing, then commits; `fn` returns the
// Xapian docids it added, replaced or deleted, which are recorded with the commit's revision.
template <typename Fn>
Status WithWriter(SearchIndex::Shard& shard, Fn&& fn) {
  SIGNX_ASSIGN_OR_RETURN(std::string gen, ReadStub(shard.path));
  try {
    Xapian::WritableDatabase db =
        OpenWritable((fs::path(shard.path) / gen).string(), Xapian::DB_OPEN);
    std::vector<Xapian::docid> changed = fn(db);
    db.commit();
    shard.RecordChange(gen, db.get_revision(), std::move(changed));
    db.close();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search: writing " + shard.path);
  }
  return Status::Ok();
}

}  // namespace

Status SearchIndex::Create(std::string_view org) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return EnsureCreated(shard->path);
}

Status SearchIndex::Upsert(std::string_view org, std::span<const Document> docs) {
  for (std::size_t i = 0; i < docs.size(); ++i) SIGNX_RETURN_IF_ERROR(CheckDocument(docs[i], i));
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return WithWriter(*shard, [&](Xapian::WritableDatabase& db) {
    std::vector<Xapian::docid> changed;
    for (const Document& d : docs) {
      changed.push_back(db.replace_document(kIdPrefix + d.id, BuildDocument(d)));
    }
    return changed;
  });
}

Status SearchIndex::Delete(std::string_view org, std::span<const std::string> ids) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return WithWriter(*shard, [&](Xapian::WritableDatabase& db) {
    std::vector<Xapian::docid> changed;
    for (const std::string& id : ids) {
      const std::string term = kIdPrefix + id;
      for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
        changed.push_back(*p);
      }
      db.delete_document(term);
    }
    return changed;
  });
}

Status SearchIndex::DropOrg(std::string_view org) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  {
    std::lock_guard pool(shard->pool_mu);
    shard->idle.clear();
    shard->generation.clear();
  }
  memory_->Drop(std::string(org));
  std::error_code ec;
  fs::remove_all(shard->path, ec);
  if (ec) return Internal(fmt::format("search: cannot remove {}: {}", shard->path, ec.message()));
  return Status::Ok();
}

Result<std::uint64_t> SearchIndex::Rebuild(std::string_view org, const DocumentStream& next) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  const std::string& path = shard->path;
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Internal(fmt::format("search: cannot create {}: {}", path, ec.message()));
  // The next generation number: above every g<N> directory present (even a corrupt index's).
  std::uint64_t max_gen = 0;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= 2 && name[0] == 'g' &&
        std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      max_gen = std::max(max_gen, GenerationNumber(name));
    }
  }
  const std::string gen = fmt::format("g{}", max_gen + 1);
  const std::string gen_path = (fs::path(path) / gen).string();
  std::uint64_t count = 0;
  Status failed;
  try {
    Xapian::WritableDatabase db = OpenWritable(gen_path, Xapian::DB_CREATE_OR_OVERWRITE);
    std::size_t i = 0;
    while (true) {
      Result<std::optional<Document>> doc = next();
      if (!doc.ok()) {
        failed = doc.status().WithContext("search: rebuild stream");
        break;
      }
      if (!doc->has_value()) break;
      Status st = CheckDocument(**doc, i++);
      if (!st.ok()) {
        failed = st;
        break;
      }
      db.replace_document(kIdPrefix + (*doc)->id, BuildDocument(**doc));
      ++count;
    }
    if (failed.ok()) db.commit();
    db.close();
  } catch (const Xapian::Error& e) {
    failed = FromXapian(e, "search: rebuilding " + path);
  }
  if (!failed.ok()) {
    fs::remove_all(gen_path, ec);
    return failed;
  }
  SIGNX_RETURN_IF_ERROR(WriteStub(path, gen));
  // Keep the new generation and the one before it (readers may still hold it); drop the rest.
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 2 || name[0] != 'g' || !entry.is_directory()) continue;
    const std::uint64_t n = GenerationNumber(name);
    if (n + 1 < max_gen + 1) fs::remove_all(entry.path(), ec);
  }
  return count;
}

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

Health SearchIndex::Check(std::string_view org) const {
  Health h;
  auto shard = GetShard(org);
  if (!shard.ok()) return {IndexState::kCorrupt, std::string(shard.status().message()), 0};
  auto gen = ReadStub((*shard)->path);
  if (!gen.ok()) {
    h.state =
        gen.status().code() == ErrorCode::kNotFound ? IndexState::kMissing : IndexState::kCorrupt;
    h.detail = std::string(gen.status().message());
    return h;
  }
  try {
    Xapian::Database db((fs::path((*shard)->path) / *gen).string(), Xapian::DB_BACKEND_GLASS);
    h.doc_count = db.get_doccount();
    // Touch the tables a search reads: a posting list, a document's data and its terms.
    auto t = db.allterms_begin("Z");
    if (t != db.allterms_end("Z")) {
      auto p = db.postlist_begin(*t);
      if (p != db.postlist_end(*t)) {
        (void)db.get_document(*p).get_data();
        (void)db.get_doclength(*p);
      }
    }
  } catch (const Xapian::Error& e) {
    h.state = IndexState::kCorrupt;
    h.detail = fmt::format("{}: {}", e.get_type(), e.get_msg());
    h.doc_count = 0;
  }
  return h;
}

Health SearchIndex::Verify(std::string_view org) const {
  Health h = Check(org);
  if (h.state != IndexState::kOk) return h;
  auto shard = GetShard(org);
  auto gen = ReadStub((*shard)->path);
  if (!gen.ok()) return {IndexState::kCorrupt, std::string(gen.status().message()), 0};
  try {
    std::ostringstream sink;
    const std::size_t errors = Xapian::Database::check((fs::path((*shard)->path) / *gen).string(),
                                                       Xapian::DBCHECK_SHORT_TREE, &sink);
    if (errors > 0) {
      h.state = IndexState::kCorrupt;
      h.detail = fmt::format("{} consistency errors", errors);
      h.doc_count = 0;
    }
  } catch (const Xapian::Error& e) {
    h.state = IndexState::kCorrupt;
    h.detail = fmt::format("{}: {}", e.get_type(), e.get_msg());
    h.doc_count = 0;
  }
  return h;
}

}  // namespace signx::search
