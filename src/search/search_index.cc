#include "search/search_index.h"

#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <thread>

#include "base/strings.h"
#include "search/fusion.h"

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
    "a",    "an",   "and",   "are",  "as",    "at",   "be",    "but",  "by",
    "for",  "if",   "in",    "into", "is",    "it",   "no",    "not",  "of",
    "on",   "or",   "such",  "that", "the",   "their", "then", "there", "these",
    "they", "this", "to",    "was",  "will",  "with"};

const Xapian::SimpleStopper& Stopper() {
  static const Xapian::SimpleStopper* s =
      new Xapian::SimpleStopper(std::begin(kStopWords), std::end(kStopWords));
  return *s;
}

const Xapian::Stem& Stemmer() {
  static const Xapian::Stem* s = new Xapian::Stem("english");
  return *s;
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
      return InvalidArgument(fmt::format("{}.fields: name '{}' must match [a-z0-9_]{{1,32}}",
                                         where, f.name));
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
  if (type == "DatabaseLockError") return Unavailable(msg);
  if (type == "DatabaseCorruptError" || type == "DatabaseOpeningError" ||
      type == "DatabaseVersionError" || type == "DatabaseError" ||
      type == "SerialisationError") {
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

class TermPrefixDecider final : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& term) const override {
    return term.size() > 2 && term[0] == 'Z';
  }
};

Xapian::Query TextQuery(std::string_view text) {
  Xapian::Document scratch;
  Xapian::TermGenerator tg = MakeTermGenerator();
  tg.set_document(scratch);
  tg.index_text(std::string(text));
  std::vector<Xapian::Query> terms;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    terms.emplace_back(*t, t.get_wdf());
  }
  return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

// The query's analysed terms in text order (stop words dropped), for proximity pairs.
std::vector<std::string> QueryTermSequence(std::string_view text) {
  Xapian::Document scratch;
  Xapian::TermGenerator tg = MakeTermGenerator();
  tg.set_document(scratch);
  tg.index_text(std::string(text));
  std::vector<std::pair<Xapian::termpos, std::string>> at;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) at.emplace_back(*p, *t);
  }
  std::sort(at.begin(), at.end());
  std::vector<std::string> out;
  for (auto& [pos, term] : at) out.push_back(std::move(term));
  return out;
}

std::optional<Xapian::Query> FilterQuery(const Query& q) {
  std::vector<Xapian::Query> parts;
  for (const auto& [key, values] : q.filters) {
    std::vector<Xapian::Query> any;
    for (const std::string& v : values) any.emplace_back(FilterTerm(key, v));
    parts.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  if (q.date_from || q.date_to) {
    const double lo = q.date_from ? static_cast<double>(*q.date_from)
                                  : -std::numeric_limits<double>::max();
    const double hi = q.date_to ? static_cast<double>(*q.date_to)
                                : std::numeric_limits<double>::max();
    parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, kDateSlot, Xapian::sortable_serialise(lo),
                       Xapian::sortable_serialise(hi));
  }
  if (parts.empty()) return std::nullopt;
  return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
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
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
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

SearchIndex::SearchIndex(IndexOptions options) : options_(std::move(options)) {
  root_ = (fs::path(options_.data_dir) / "search" / options_.name).string();
}

SearchIndex::~SearchIndex() = default;

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

// Runs `fn` on the org's live generation opened for writing, then commits.
template <typename Fn>
Status WithWriter(const std::string& path, Fn&& fn) {
  SIGNX_ASSIGN_OR_RETURN(std::string gen, ReadStub(path));
  try {
    Xapian::WritableDatabase db =
        OpenWritable((fs::path(path) / gen).string(), Xapian::DB_OPEN);
    fn(db);
    db.commit();
    db.close();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search: writing " + path);
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
  return WithWriter(shard->path, [&](Xapian::WritableDatabase& db) {
    for (const Document& d : docs) db.replace_document(kIdPrefix + d.id, BuildDocument(d));
  });
}

Status SearchIndex::Delete(std::string_view org, std::span<const std::string> ids) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return WithWriter(shard->path, [&](Xapian::WritableDatabase& db) {
    for (const std::string& id : ids) db.delete_document(kIdPrefix + id);
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

Result<SearchResult> SearchIndex::Search(std::string_view org, const Query& query) const {
  SIGNX_RETURN_IF_ERROR(CheckQuery(query));
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  const RetrievalParams& p = options_.params;

  for (int attempt = 0;; ++attempt) {
    // Acquire a read handle on the live generation.
    SIGNX_ASSIGN_OR_RETURN(std::string gen, ReadStub(shard->path));
    std::unique_ptr<Xapian::Database> handle;
    {
      std::lock_guard lock(shard->pool_mu);
      if (shard->generation != gen) {
        shard->idle.clear();
        shard->generation = gen;
      }
      if (!shard->idle.empty()) {
        handle = std::move(shard->idle.back());
        shard->idle.pop_back();
      }
    }
    try {
      if (handle) {
        handle->reopen();
      } else {
        handle = std::make_unique<Xapian::Database>((fs::path(shard->path) / gen).string(),
                                                     Xapian::DB_BACKEND_GLASS);
      }
    } catch (const Xapian::Error& e) {
      return FromXapian(e, "search: opening " + shard->path);
    }
    Reader reader(shard->pool_mu, shard->generation, shard->idle, gen, std::move(handle));
    Xapian::Database& db = reader.db();
    try {
      SearchResult result;
      const std::size_t want = query.offset + query.limit;
      const std::size_t depth = std::max(p.depth, want);
      const Xapian::BM25Weight weight(p.k1, 0, 1, p.b, 0.5);

      Xapian::Query base = Trim(query.text).empty() ? Xapian::Query::MatchAll
                                                    : TextQuery(query.text);
      const std::optional<Xapian::Query> filter = FilterQuery(query);
      auto filtered = [&](const Xapian::Query& q) {
        return filter ? Xapian::Query(Xapian::Query::OP_FILTER, q, *filter) : q;
      };

      Xapian::Enquire bm25(db);
      bm25.set_weighting_scheme(weight);
      bm25.set_query(filtered(base));
      const bool hybrid = query.mode == Mode::kHybrid && !base.empty() &&
                          !Trim(query.text).empty() && p.fb_docs > 0 && p.fb_terms > 0;
      Xapian::MSet first = bm25.get_mset(0, static_cast<Xapian::doccount>(hybrid ? depth : want));
      result.estimated_total = first.get_matches_estimated();

      std::vector<std::pair<Xapian::docid, double>> ranked;  // best first
      if (!hybrid || first.empty()) {
        for (auto it = first.begin(); it != first.end(); ++it) ranked.emplace_back(*it, it.get_weight());
      } else {
        // Pseudo-relevance feedback: expansion terms from the top BM25 hits.
        Xapian::RSet rset;
        std::size_t n = 0;
        for (auto it = first.begin(); it != first.end() && n < p.fb_docs; ++it, ++n) rset.add_document(*it);
        bm25.set_expansion_scheme("bo1");
        const TermPrefixDecider decider;
        const Xapian::ESet eset =
            bm25.get_eset(static_cast<Xapian::termcount>(p.fb_terms), rset, &decider);
        double max_w = 0;
        for (auto it = eset.begin(); it != eset.end(); ++it) max_w = std::max(max_w, it.get_weight());
        std::vector<Xapian::Query> expansion;
        for (auto it = eset.begin(); it != eset.end(); ++it) {
          if (max_w <= 0) break;
          expansion.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(*it),
                                 p.fb_weight * it.get_weight() / max_w);
        }
        Xapian::Query expanded(Xapian::Query::OP_OR, base,
                               Xapian::Query(Xapian::Query::OP_OR, expansion.begin(),
                                             expansion.end()));
        if (p.prox_weight > 0) {
          const std::vector<std::string> seq = QueryTermSequence(query.text);
          std::vector<Xapian::Query> pairs;
          for (std::size_t i = 0; i + 1 < seq.size(); ++i) {
            if (seq[i] == seq[i + 1]) continue;
            Xapian::Query pair[2] = {Xapian::Query(seq[i]), Xapian::Query(seq[i + 1])};
            pairs.emplace_back(Xapian::Query::OP_NEAR, pair, pair + 2,
                               static_cast<Xapian::termcount>(p.prox_window));
          }
          if (!pairs.empty()) {
            expanded = Xapian::Query(
                Xapian::Query::OP_OR, expanded,
                Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                              Xapian::Query(Xapian::Query::OP_OR, pairs.begin(), pairs.end()),
                              p.prox_weight));
          }
        }
        Xapian::Enquire prf(db);
        prf.set_weighting_scheme(weight);
        prf.set_query(filtered(expanded));
        Xapian::MSet second = prf.get_mset(0, static_cast<Xapian::doccount>(depth));
        Run runs[2];
        runs[0].weight = p.bm25_run_weight;
        runs[1].weight = p.prf_run_weight;
        for (auto it = first.begin(); it != first.end(); ++it) runs[0].ids.push_back(std::to_string(*it));
        for (auto it = second.begin(); it != second.end(); ++it) runs[1].ids.push_back(std::to_string(*it));
        if (p.fusion == 1) runs[0].ids.clear();
        for (const Fused& f : ReciprocalRankFusion(runs, p.rrf_k)) {
          ranked.emplace_back(static_cast<Xapian::docid>(std::stoul(f.id)), f.score);
        }
      }

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
          // snippet() HTML-escapes the text itself; MatchAll queries highlight nothing.
          hit.snippet = Trim(query.text).empty()
                            ? HtmlEscape(text.substr(0, query.snippet_chars))
                            : first.snippet(std::string(text), query.snippet_chars, Stemmer(),
                                            Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                                                Xapian::MSet::SNIPPET_EXHAUSTIVE,
                                            "<mark>", "</mark>", "…");
        }
        result.hits.push_back(std::move(hit));
      }
      return result;
    } catch (const Xapian::DatabaseModifiedError& e) {
      reader.Discard();
      if (attempt >= 2) return FromXapian(e, "search: reading " + shard->path);
    } catch (const Xapian::Error& e) {
      reader.Discard();
      return FromXapian(e, "search: reading " + shard->path);
    }
  }
}

Health SearchIndex::Check(std::string_view org) const {
  Health h;
  auto shard = GetShard(org);
  if (!shard.ok()) return {IndexState::kCorrupt, std::string(shard.status().message()), 0};
  auto gen = ReadStub((*shard)->path);
  if (!gen.ok()) {
    h.state = gen.status().code() == ErrorCode::kNotFound ? IndexState::kMissing
                                                          : IndexState::kCorrupt;
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
    const std::size_t errors = Xapian::Database::check(
        (fs::path((*shard)->path) / *gen).string(), Xapian::DBCHECK_SHORT_TREE, &sink);
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
