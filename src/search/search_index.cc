// SearchIndex (search_index.h), part 1 of 3: the index's layout on disk (the XAPIANDB stub, the
// stored-data codec), the analyser, names, Xapian errors as statuses, options and retrieval
// parameters, the per-org shards and health (Check, Verify). Writes are in search_index_write.cc,
// searches in search_index_query.cc; search_index_internal.h holds what they share.
#include "search/search_index.h"

#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "search/memory_index.h"
#include "search/search_index_internal.h"

namespace signx::search {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStubName = "XAPIANDB";

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

bool IsOrg(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
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

}  // namespace

namespace internal {

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

// "XWtitle:" — with STEM_ALL_Z a field word becomes "ZXWtitle:<stem>".
std::string FieldPrefix(std::string_view field) { return fmt::format("XW{}:", field); }

std::string EncodeData(const Document& d) {
  std::string out;
  PutString(out, d.id);
  for (const Field& f : d.fields) {
    PutString(out, f.name);
    PutString(out, f.text);
  }
  return out;
}

StoredDoc DecodeData(std::string_view data) {
  StoredDoc d;
  if (!GetString(data, &d.id)) return d;
  std::string_view name, text;
  while (GetString(data, &name) && GetString(data, &text)) d.fields.emplace_back(name, text);
  return d;
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

}  // namespace internal

using internal::IsName;
using internal::MakeTermGenerator;
using internal::ReadStub;

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
