#include "documents/search.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "documents/analysis.h"
#include "http/json.h"
#include "search/reranker_registry.h"
#include "search/semantic.h"
#include "web/templates.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

constexpr int kSnippetChars = 220;
constexpr std::size_t kFallbackMaxRows = 2000;  // chunks scanned by the database fallback
constexpr int kReindexBatch = 500;
constexpr int kAskChunks = 8;

std::string ChunkId(std::string_view doc, int64_t seq) { return fmt::format("{}#{}", doc, seq); }

bool ParseChunkId(std::string_view id, std::string& doc, int64_t& seq) {
  const auto hash = id.rfind('#');
  if (hash == std::string_view::npos || hash + 1 >= id.size()) return false;
  int64_t v = 0;
  for (char c : id.substr(hash + 1)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  doc = std::string(id.substr(0, hash));
  seq = v;
  return true;
}

// Unix seconds of the document's date (document_date, else the upload day).
std::optional<int64_t> DocDate(const std::optional<std::string>& document_date,
                               int64_t created_at_micros) {
  if (document_date) {
    if (auto d = DayToUnix(*document_date)) return d;
  }
  const int64_t secs = created_at_micros / 1000000;
  return secs - ((secs % 86400) + 86400) % 86400;
}

// Words of `text`: maximal runs of letters, digits (and bytes >= 0x80), as [start, end).
std::vector<std::pair<std::size_t, std::size_t>> Words(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t i = 0;
  auto word_char = [](unsigned char c) { return std::isalnum(c) || c >= 0x80; };
  while (i < text.size()) {
    while (i < text.size() && !word_char(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t s = i;
    while (i < text.size() && word_char(static_cast<unsigned char>(text[i]))) ++i;
    if (i > s) out.emplace_back(s, i);
  }
  return out;
}

std::set<std::string> TermSet(std::string_view text) {
  auto t = search::AnalyzeTerms(text);
  return {t.begin(), t.end()};
}

// The chunk rows (with their document's title) for these (document, seq) pairs of the org.
struct ChunkInfo {
  std::string title;
  int64_t page = 1;
  std::string text;
  int64_t start = 0;
};

Result<std::map<std::pair<std::string, int64_t>, ChunkInfo>> LoadChunks(
    storage::Store& store, const std::string& org,
    const std::vector<std::pair<std::string, int64_t>>& keys) {
  std::map<std::pair<std::string, int64_t>, ChunkInfo> out;
  if (keys.empty()) return out;
  // The keys drive the join (primary-key lookups): with an OR of the pairs SQLite's planner,
  // which has no statistics, scanned every chunk of the org by the org_id index instead
  // (~250 ms at 100,000 chunks against ~0.3 ms). CROSS JOIN fixes that order in SQLite; PostgreSQL
  // plans it freely. VALUES columns are column1, column2 in both.
  std::string sql =
      "SELECT c.document_id, c.seq, c.page, c.text, c.start_offset, d.filename FROM (VALUES ";
  storage::Params params;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    sql += fmt::format("{}(${}, CAST(${} AS BIGINT))", i > 0 ? ", " : "", params.size() + 1,
                       params.size() + 2);
    params.emplace_back(keys[i].first);
    params.emplace_back(keys[i].second);
  }
  sql += fmt::format(
      ") AS k CROSS JOIN document_chunks c CROSS JOIN documents d WHERE c.document_id = k.column1 "
      "AND c.seq = k.column2 AND d.id = c.document_id AND c.org_id = ${0} AND d.org_id = ${0} AND "
      "d.status = 'ready'",
      params.size() + 1);
  params.emplace_back(org);
  SIGNX_ASSIGN_OR_RETURN(auto rs, store.Query(sql, params));
  for (const auto& r : rs.rows) {
    out[{r.Text(0), r.Int(1)}] =
        ChunkInfo{.title = r.Text(5), .page = r.Int(2), .text = r.Text(3), .start = r.Int(4)};
  }
  return out;
}

bool PassesFilters(const SearchFilters& f, const std::optional<std::string>& type,
                   const std::optional<std::string>& project,
                   const std::optional<std::string>& owner, std::optional<int64_t> date) {
  if (f.doc_type && type != f.doc_type) return false;
  if (f.project_id && project != f.project_id) return false;
  if (f.owner && owner != f.owner) return false;
  if (f.from && (!date || *date < *DayToUnix(*f.from))) return false;
  if (f.to && (!date || *date > *DayToUnix(*f.to))) return false;
  return true;
}

}  // namespace

std::optional<int64_t> DayToUnix(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (!y || !m || !d) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                        std::chrono::month(static_cast<unsigned>(*m)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count() * int64_t{86400};
}

std::string HighlightSnippet(std::string_view text, const std::vector<std::string>& terms,
                             std::size_t max_chars) {
  const std::set<std::string> want(terms.begin(), terms.end());
  const auto words = Words(text);
  std::vector<bool> hit(words.size());
  std::size_t first = words.size();
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (const auto& t :
         search::AnalyzeTerms(text.substr(words[i].first, words[i].second - words[i].first))) {
      if (want.count(t)) hit[i] = true;
    }
    if (hit[i] && first == words.size()) first = i;
  }
  std::size_t begin = 0;
  if (first < words.size() && words[first].first > max_chars / 3) {
    begin = words[first].first - max_chars / 3;
    while (begin < text.size() && begin > 0 && text[begin - 1] != ' ') ++begin;  // a word start
  }
  std::size_t end = std::min(text.size(), begin + max_chars);
  while (end < text.size() && end > begin && text[end] != ' ' &&
         (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    ++end;  // never cut inside a UTF-8 sequence
  }
  std::string out = begin > 0 ? "…" : "";
  std::size_t pos = begin;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].first < begin) continue;
    if (words[i].second > end) break;
    if (!hit[i]) continue;
    out += web::EscapeHtml(text.substr(pos, words[i].first - pos));
    out += "<mark>";
    out += web::EscapeHtml(text.substr(words[i].first, words[i].second - words[i].first));
    out += "</mark>";
    pos = words[i].second;
  }
  if (pos < end) out += web::EscapeHtml(text.substr(pos, end - pos));
  if (end < text.size()) out += "…";
  return out;
}

DocumentSearch::DocumentSearch(storage::Store& store, jobs::Queue& queue,
                               std::unique_ptr<search::SearchIndex> index,
                               ml::ModelRegistry* models)
    : store_(store), queue_(queue), index_(std::move(index)), models_(models) {}

DocumentSearch::~DocumentSearch() { StopRanking(); }

Result<std::unique_ptr<DocumentSearch>> DocumentSearch::Open(storage::Store& store,
                                                             jobs::Queue& queue,
                                                             const std::string& data_dir,
                                                             ml::ModelRegistry* models) {
  search::IndexOptions o{.data_dir = data_dir, .name = "documents"};
  SIGNX_ASSIGN_OR_RETURN(auto index, search::SearchIndex::Open(std::move(o)));
  return std::unique_ptr<DocumentSearch>(
      new DocumentSearch(store, queue, std::move(index), models));
}

// --- Ranking: the re-ranker from the registry and the per-org LSA vectors ----------------------

namespace {

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kSemanticRecheckMs = 60000;  // how often a search may ask for a size check
constexpr int64_t kSemanticRetryMs = 5000;     // after a build that could not run

}  // namespace

Status DocumentSearch::StartRanking(std::chrono::milliseconds poll) {
  {
    std::lock_guard lock(mu_);
    if (semantic_running_ || stopping_) return Status::Ok();
    semantic_running_ = true;
  }
  semantic_thread_ = std::thread([this] { SemanticLoop(); });
  Status st = RefreshReranker();
  if (!st.ok()) {
    spdlog::warn("documents: loading the search re-ranker failed: {}; searching with BM25",
                 st.ToString());
  }
  refresh_.Start(poll, [this] {
    if (Status s = RefreshReranker(); !s.ok()) {
      spdlog::warn("documents: refreshing the search re-ranker failed: {}", s.ToString());
    }
  });
  return st;
}

void DocumentSearch::StopRanking() {
  refresh_.Stop();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  semantic_cv_.notify_all();
  if (semantic_thread_.joinable()) semantic_thread_.join();
}

Status DocumentSearch::RefreshReranker() {
  if (models_ == nullptr) return Status::Ok();
  SIGNX_ASSIGN_OR_RETURN(std::string version, search::ProductionRerankerVersion(*models_));
  {
    std::lock_guard lock(mu_);
    if (version == reranker_version_) return Status::Ok();
  }
  search::RetrievalParams p = *index_->params();
  p.reranker = nullptr;
  if (!version.empty()) {
    SIGNX_ASSIGN_OR_RETURN(auto loaded, search::LoadProductionReranker(*models_));
    version = loaded ? loaded->version : "";
    if (loaded) p.reranker = loaded->model;
  }
  index_->set_params(std::move(p));
  std::lock_guard lock(mu_);
  reranker_version_ = version;
  spdlog::info("documents: search ranking is now {}",
               version.empty() ? "BM25 (no search-reranker in the registry)"
                               : "hybrid with search-reranker " + version);
  return Status::Ok();
}

std::string DocumentSearch::RankingFor(const std::string& org_id) const {
  std::string version;
  {
    std::lock_guard lock(mu_);
    version = reranker_version_;
  }
  if (version.empty() || !index_->HasSemantic(org_id)) return "bm25";
  return "hybrid:" + version;
}

Status DocumentSearch::BuildSemantic(const std::string& org_id) {
  const search::Health h = index_->Check(org_id);
  if (h.state != search::IndexState::kOk) {
    return FailedPrecondition(
        fmt::format("the documents index of {} is not usable: {}", org_id, h.detail));
  }
  const auto t0 = std::chrono::steady_clock::now();
  SIGNX_RETURN_IF_ERROR(index_->BuildSemantic(org_id, search::SemanticOptions{}));
  spdlog::info("documents: LSA vectors of {} built from {} chunks in {:.1f} s", org_id, h.doc_count,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::lock_guard lock(mu_);
  semantic_[org_id].built_docs = h.doc_count;
  return Status::Ok();
}

void DocumentSearch::RequestSemantic(const std::string& org_id, bool force) {
  std::lock_guard lock(mu_);
  if (!semantic_running_ || stopping_ || reranker_version_.empty()) return;
  SemanticState& st = semantic_[org_id];
  const int64_t now = SteadyMillis();
  if (force) {
    st.force = true;
  } else {
    if (st.queued) return;
    const int64_t wait = index_->HasSemantic(org_id) ? kSemanticRecheckMs : kSemanticRetryMs;
    if (st.checked_at_ms != 0 && now - st.checked_at_ms < wait) return;
  }
  st.checked_at_ms = now;
  if (!st.queued) {
    st.queued = true;
    semantic_queue_.push_back(org_id);
    semantic_cv_.notify_one();
  }
}

void DocumentSearch::SemanticLoop() {
  for (;;) {
    std::string org;
    bool force = false;
    std::uint64_t built = 0;
    {
      std::unique_lock lock(mu_);
      semantic_cv_.wait(lock, [&] { return stopping_ || !semantic_queue_.empty(); });
      if (stopping_) return;
      org = std::move(semantic_queue_.front());
      semantic_queue_.pop_front();
      SemanticState& st = semantic_[org];
      st.queued = false;
      force = st.force;
      st.force = false;
      built = st.built_docs;
    }
    const search::Health h = index_->Check(org);
    if (h.state != search::IndexState::kOk) continue;  // the reindex job comes first
    // Rebuilt when missing (first search, new generation), forced (a removal), or when the
    // index grew or shrank by more than a fifth since the last build.
    const std::uint64_t diff = h.doc_count > built ? h.doc_count - built : built - h.doc_count;
    if (!force && index_->HasSemantic(org) && diff * 5 <= built) continue;
    if (Status st = BuildSemantic(org); !st.ok()) {
      // Too few chunks (under 10) is expected for a new org: its searches stay BM25.
      if (st.code() == ErrorCode::kInvalidArgument) {
        spdlog::debug("documents: no LSA vectors for {}: {}", org, st.ToString());
      } else {
        spdlog::warn("documents: building the LSA vectors of {} failed: {}", org, st.ToString());
      }
    }
  }
}

Status DocumentSearch::ScheduleReindex(const std::string& org_id) {
  SIGNX_ASSIGN_OR_RETURN(auto queued, queue_.List({.state = jobs::JobState::kQueued,
                                                   .type = std::string(kReindexJob),
                                                   .org_id = org_id,
                                                   .limit = 1}));
  if (!queued.jobs.empty()) return Status::Ok();
  return queue_.Enqueue({.type = std::string(kReindexJob), .org_id = org_id, .max_attempts = 5})
      .status();
}

namespace {

// The index documents of a document's chunks, from rows of
// (document_id, seq, heading, text, filename, doc_type, project_id, uploaded_by, document_date,
//  created_at).
constexpr std::string_view kIndexCols =
    "SELECT c.document_id, c.seq, c.heading, c.text, d.filename, d.doc_type, d.project_id, "
    "d.uploaded_by, d.document_date, d.created_at FROM document_chunks c JOIN documents d ON "
    "d.id = c.document_id ";

search::Document IndexDoc(const storage::Row& r) {
  search::Document doc;
  doc.id = ChunkId(r.Text(0), r.Int(1));
  doc.fields.push_back({.name = "title", .text = r.Text(4), .weight = 3});
  if (auto h = r.OptText(2); h && !h->empty()) {
    doc.fields.push_back({.name = "heading", .text = *h, .weight = 2});
  }
  doc.fields.push_back({.name = "body", .text = r.Text(3), .weight = 1});
  if (auto t = r.OptText(5)) doc.filters.emplace_back("type", *t);
  if (auto p = r.OptText(6)) doc.filters.emplace_back("project", *p);
  if (auto o = r.OptText(7)) doc.filters.emplace_back("owner", *o);
  doc.date = DocDate(r.OptText(8), r.Int(9));
  return doc;
}

}  // namespace

Status DocumentSearch::IndexDocument(const Scope& scope, const std::string& document_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, store_.Query(std::string(kIndexCols) +
                                "WHERE c.document_id = $1 AND c.org_id = $2 AND d.org_id = $2 AND "
                                "d.status = 'ready' ORDER BY c.seq",
                            {document_id, scope.org_id}));
  std::vector<search::Document> docs;
  for (const auto& r : rs.rows) docs.push_back(IndexDoc(r));
  if (docs.empty()) return Status::Ok();
  return index_->Upsert(scope.org_id, docs);
}

void DocumentSearch::Indexed(const Scope& scope, const std::string& document_id) {
  Status st = IndexDocument(scope, document_id);
  if (st.ok()) return;
  // kNotFound is expected for an org's first document (no index yet): the rebuild creates it.
  if (st.code() == ErrorCode::kNotFound) {
    spdlog::info("documents: {} has no search index yet; queueing {}", scope.org_id, kReindexJob);
  } else {
    spdlog::warn("documents: indexing {} failed: {}; the org's index will be rebuilt", document_id,
                 st.ToString());
  }
  if (Status s = ScheduleReindex(scope.org_id); !s.ok()) {
    spdlog::error("documents: could not queue {}: {}", kReindexJob, s.ToString());
  }
}

void DocumentSearch::Removed(const Scope& scope, const std::string& document_id,
                             const std::vector<int64_t>& chunk_seqs) {
  std::vector<std::string> ids;
  for (int64_t s : chunk_seqs) ids.push_back(ChunkId(document_id, s));
  if (ids.empty()) return;
  Status st = index_->Delete(scope.org_id, ids);
  // The org's LSA vectors were built with the removed text: rebuild them (coalesced).
  if (index_->HasSemantic(scope.org_id)) RequestSemantic(scope.org_id, true);
  if (st.ok()) return;
  spdlog::warn("documents: removing {} from the index failed: {}; the org's index will be rebuilt",
               document_id, st.ToString());
  if (Status s = ScheduleReindex(scope.org_id); !s.ok()) {
    spdlog::error("documents: could not queue {}: {}", kReindexJob, s.ToString());
  }
}

Result<std::uint64_t> DocumentSearch::Reindex(const std::string& org_id) {
  std::vector<search::Document> batch;
  std::size_t next = 0;
  std::string last_doc;
  int64_t last_seq = -1;
  bool done = false;
  auto stream = [&]() -> Result<std::optional<search::Document>> {
    if (next == batch.size()) {
      if (done) return std::optional<search::Document>();
      batch.clear();
      next = 0;
      SIGNX_ASSIGN_OR_RETURN(
          auto rs,
          store_.Query(std::string(kIndexCols) +
                           fmt::format("WHERE c.org_id = $1 AND d.org_id = $1 AND d.status = "
                                       "'ready' AND (c.document_id > $2 OR (c.document_id = $2 "
                                       "AND c.seq > $3)) ORDER BY c.document_id, c.seq LIMIT {}",
                                       kReindexBatch),
                       {org_id, last_doc, last_seq}));
      for (const auto& r : rs.rows) batch.push_back(IndexDoc(r));
      if (!rs.rows.empty()) {
        last_doc = rs.rows.back().Text(0);
        last_seq = rs.rows.back().Int(1);
      }
      if (rs.rows.size() < static_cast<std::size_t>(kReindexBatch)) done = true;
      if (batch.empty()) return std::optional<search::Document>();
    }
    return std::optional<search::Document>(std::move(batch[next++]));
  };
  return index_->Rebuild(org_id, stream);
}

Result<SearchResponse> DocumentSearch::Search(const Scope& scope, const SearchRequest& req) {
  search::Query q;
  q.text = req.q;
  q.offset = req.offset;
  q.limit = static_cast<std::size_t>(req.limit);
  // The hybrid when a re-ranker is loaded and the org's LSA vectors exist (the model was
  // trained with them); BM25 otherwise, while they are built.
  const std::string ranking = RankingFor(scope.org_id);
  q.mode = ranking == "bm25" ? search::Mode::kBm25 : search::Mode::kHybrid;
  if (models_ != nullptr) RequestSemantic(scope.org_id, false);
  q.snippet_field = "body";
  q.snippet_chars = kSnippetChars;
  const auto& f = req.filters;
  if (f.doc_type) q.filters["type"] = {*f.doc_type};
  if (f.project_id) q.filters["project"] = {*f.project_id};
  if (f.owner) q.filters["owner"] = {*f.owner};
  if (f.from) q.date_from = DayToUnix(*f.from);
  if (f.to) q.date_to = DayToUnix(*f.to);  // the day itself: every date of it is its 00:00
  auto result = index_->Search(scope.org_id, q);
  if (!result.ok()) {
    if (!search::NeedsRebuild(result.status())) return result.status();
    spdlog::warn(
        "documents: the search index of {} needs a rebuild ({}); answering from the "
        "database",
        scope.org_id, result.status().ToString());
    SIGNX_RETURN_IF_ERROR(ScheduleReindex(scope.org_id));
    return SearchDatabase(scope, req);
  }
  SearchResponse out;
  out.source = "index";
  out.ranking = ranking;
  if (result->more) out.next_offset = req.offset + req.limit;
  std::vector<std::pair<std::string, int64_t>> keys;
  for (const auto& h : result->hits) {
    std::string doc;
    int64_t seq = 0;
    if (ParseChunkId(h.id, doc, seq)) keys.emplace_back(doc, seq);
  }
  SIGNX_ASSIGN_OR_RETURN(auto chunks, LoadChunks(store_, scope.org_id, keys));
  for (const auto& h : result->hits) {
    std::string doc;
    int64_t seq = 0;
    if (!ParseChunkId(h.id, doc, seq)) continue;
    auto it = chunks.find({doc, seq});
    if (it == chunks.end()) continue;  // deleted since it was indexed
    out.hits.push_back(SearchHit{.document_id = doc,
                                 .title = it->second.title,
                                 .page = it->second.page,
                                 .chunk = seq,
                                 .score = h.score,
                                 .snippet = h.snippet,
                                 .text = it->second.text,
                                 .start = it->second.start});
  }
  return out;
}

Result<SearchResponse> DocumentSearch::SearchDatabase(const Scope& scope,
                                                      const SearchRequest& req) {
  // Query words, lower-cased (letters and digits only, so no LIKE metacharacters).
  std::vector<std::string> words;
  for (auto [s, e] : Words(req.q)) {
    std::string w;
    for (std::size_t i = s; i < e; ++i) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(req.q[i])));
    }
    if (search::AnalyzeTerms(w).empty()) continue;  // a stop word
    if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
    if (words.size() == 8) break;
  }
  SearchResponse out;
  out.source = "database";
  out.ranking = "database";
  if (words.empty()) return out;
  std::string sql =
      "SELECT c.document_id, c.seq, c.page, c.heading, c.text, c.start_offset, d.filename, "
      "d.doc_type, d.project_id, d.uploaded_by, d.document_date, d.created_at FROM "
      "document_chunks c JOIN documents d ON d.id = c.document_id WHERE c.org_id = $1 AND "
      "d.org_id = $1 AND d.status = 'ready' AND (";
  storage::Params params{scope.org_id};
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) sql += " OR ";
    sql += fmt::format("LOWER(c.text) LIKE ${0} OR LOWER(COALESCE(c.heading, '')) LIKE ${0}",
                       params.size() + 1);
    params.emplace_back("%" + words[i] + "%");
  }
  sql += fmt::format(") ORDER BY c.document_id DESC, c.seq LIMIT {}", kFallbackMaxRows);
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(sql, params));
  std::vector<std::string> terms;
  for (const auto& w : words) {
    for (auto& t : search::AnalyzeTerms(w)) terms.push_back(t);
  }
  std::vector<SearchHit> hits;
  for (const auto& r : rs.rows) {
    if (!PassesFilters(req.filters, r.OptText(7), r.OptText(8), r.OptText(9),
                       DocDate(r.OptText(10), r.Int(11)))) {
      continue;
    }
    const std::string text = r.Text(4);
    std::string lower = r.OptText(3).value_or("") + "\n" + text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    double score = 0;
    for (const auto& w : words) {
      int n = 0;
      for (auto p = lower.find(w); p != std::string::npos; p = lower.find(w, p + w.size())) ++n;
      if (n > 0) score += 1.0 + std::log(static_cast<double>(n));
    }
    hits.push_back(SearchHit{.document_id = r.Text(0),
                             .title = r.Text(6),
                             .page = r.Int(2),
                             .chunk = r.Int(1),
                             .score = score,
                             .snippet = HighlightSnippet(text, terms, kSnippetChars),
                             .text = text,
                             .start = r.Int(5)});
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
  const std::size_t begin = std::min(req.offset, hits.size());
  const std::size_t end = std::min(hits.size(), begin + static_cast<std::size_t>(req.limit));
  out.hits.assign(std::make_move_iterator(hits.begin() + begin),
                  std::make_move_iterator(hits.begin() + end));
  if (end < hits.size()) out.next_offset = end;
  return out;
}

Result<AskResponse> DocumentSearch::Ask(const Scope& scope, const std::string& question,
                                        const SearchFilters& filters) {
  SIGNX_ASSIGN_OR_RETURN(auto found,
                         Search(scope, {.q = question, .filters = filters, .limit = kAskChunks}));
  AskResponse out;
  out.source = found.source;
  const std::set<std::string> qterms = TermSet(question);
  struct Cand {
    std::size_t hit;
    std::size_t s, e;
    std::set<std::string> terms;
    double score = 0;
  };
  std::vector<Cand> cands;
  std::map<std::string, int> df;
  for (std::size_t h = 0; h < found.hits.size(); ++h) {
    const std::string& text = found.hits[h].text;
    for (std::string_view sentence : SplitSentences(text)) {
      const std::size_t s = static_cast<std::size_t>(sentence.data() - text.data());
      const std::size_t e = s + sentence.size();
      Cand c{h, s, e, {}};
      for (const auto& t : TermSet(std::string_view(text).substr(s, e - s))) {
        if (qterms.count(t)) c.terms.insert(t);
      }
      for (const auto& t : c.terms) ++df[t];
      cands.push_back(std::move(c));
    }
  }
  const double n = static_cast<double>(cands.size());
  for (auto& c : cands) {
    for (const auto& t : c.terms) c.score += std::log(1.0 + n / df[t]);
    if (c.score > 0) c.score += 0.5 / (1.0 + static_cast<double>(c.hit));  // the chunk's rank
  }
  std::stable_sort(cands.begin(), cands.end(),
                   [](const Cand& a, const Cand& b) { return a.score > b.score; });
  if (cands.empty() || cands[0].score <= 0) {
    out.answer = "No answer found in the documents.";
    return out;
  }
  out.found = true;
  const double best = cands[0].score;
  for (std::size_t i = 0; i < cands.size() && out.citations.size() < 2; ++i) {
    const Cand& c = cands[i];
    if (c.score < 0.6 * best) break;
    const SearchHit& h = found.hits[c.hit];
    std::string text = h.text.substr(c.s, c.e - c.s);
    if (!out.answer.empty()) out.answer += " ";
    out.answer += text;
    out.citations.push_back(Citation{.document_id = h.document_id,
                                     .title = h.title,
                                     .page = h.page,
                                     .start = h.start + static_cast<int64_t>(c.s),
                                     .end = h.start + static_cast<int64_t>(c.e),
                                     .text = std::move(text)});
  }
  return out;
}

void RegisterSearchJobs(jobs::Queue& queue, DocumentSearch& search) {
  queue.RegisterHandler(std::string(kReindexJob),
                        [&search](jobs::JobContext& ctx) -> Status {
                          if (!ctx.org_id())
                            return InvalidArgument("documents.reindex needs the job's org_id");
                          SIGNX_ASSIGN_OR_RETURN(std::uint64_t n, search.Reindex(*ctx.org_id()));
                          ctx.SetResult(http::ToJsonText(json::object{{"chunks_indexed", n}}));
                          return Status::Ok();
                        },
                        {.max_concurrency = 1});
}

}  // namespace signx::documents
