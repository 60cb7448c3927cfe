#include "documents/changes.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include "base/strings.h"
#include "documents/analysis.h"
#include "http/handler.h"
#include "http/json.h"
#include "identity/scope.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

constexpr double kPairSimilarity = 0.5;
constexpr std::size_t kMaxDpCells = std::size_t{4} << 20;   // LCS table cells (uint16)
constexpr std::size_t kMaxPairCells = std::size_t{250000};  // similarity pairs per gap
constexpr std::size_t kMaxDiffTokens = 400;
constexpr std::size_t kMaxValueChars = 2000;  // regexes run over at most this much

// Lower-cased words (letters and digits), for equality of sentences.
std::string Normalise(std::string_view s) {
  std::string out;
  bool space = false;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      space = true;
    }
  }
  return out;
}

// The sentence's distinct words with every token holding a digit masked to "#".
std::set<std::string> MaskedWords(std::string_view s) {
  std::set<std::string> out;
  const std::string normal = Normalise(s);
  for (std::string_view w : Split(normal, ' ')) {
    if (w.empty()) continue;
    bool digit = false;
    for (char c : w) digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    out.insert(digit ? "#" : std::string(w));
  }
  return out;
}

double Cosine(const std::set<std::string>& a, const std::set<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  std::size_t common = 0;
  for (const auto& w : a) common += b.count(w);
  return static_cast<double>(common) /
         std::sqrt(static_cast<double>(a.size()) * static_cast<double>(b.size()));
}

// Longest common subsequence of a[a0, a1) and b[b0, b1) (equal strings), as index pairs.
std::vector<std::pair<std::size_t, std::size_t>> Lcs(const std::vector<std::string>& a,
                                                     std::size_t a0, std::size_t a1,
                                                     const std::vector<std::string>& b,
                                                     std::size_t b0, std::size_t b1) {
  const std::size_t n = a1 - a0, m = b1 - b0;
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (n == 0 || m == 0) return out;
  std::vector<uint16_t> t((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> uint16_t& { return t[i * (m + 1) + j]; };
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      at(i, j) = a[a0 + i] == b[b0 + j] ? static_cast<uint16_t>(at(i + 1, j + 1) + 1)
                                        : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (a[a0 + i] == b[b0 + j]) {
      out.emplace_back(a0 + i, b0 + j);
      ++i;
      ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

// Anchors of equal sentences in document order: the LCS when the table is small enough, else
// the sentences that occur once in each (patience diff) in increasing order, with an LCS inside
// each gap between them that is small enough.
std::vector<std::pair<std::size_t, std::size_t>> Anchors(const std::vector<std::string>& a,
                                                         const std::vector<std::string>& b) {
  if ((a.size() + 1) * (b.size() + 1) <= kMaxDpCells) return Lcs(a, 0, a.size(), b, 0, b.size());
  std::unordered_map<std::string, std::pair<int, std::size_t>> ca, cb;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto& e = ca[a[i]];
    ++e.first;
    e.second = i;
  }
  for (std::size_t j = 0; j < b.size(); ++j) {
    auto& e = cb[b[j]];
    ++e.first;
    e.second = j;
  }
  std::vector<std::pair<std::size_t, std::size_t>> unique;  // by i
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = ca.find(a[i]);
    const auto y = cb.find(a[i]);
    if (x->second.first == 1 && y != cb.end() && y->second.first == 1) {
      unique.emplace_back(i, y->second.second);
    }
  }
  // Longest increasing subsequence of the j's (patience sorting).
  std::vector<std::size_t> tails, prev(unique.size(), SIZE_MAX), tail_idx;
  for (std::size_t k = 0; k < unique.size(); ++k) {
    const std::size_t j = unique[k].second;
    auto it = std::lower_bound(tails.begin(), tails.end(), j);
    const std::size_t pos = static_cast<std::size_t>(it - tails.begin());
    if (it == tails.end()) {
      tails.push_back(j);
      tail_idx.push_back(k);
    } else {
      *it = j;
      tail_idx[pos] = k;
    }
    prev[k] = pos > 0 ? tail_idx[pos - 1] : SIZE_MAX;
  }
  std::vector<std::pair<std::size_t, std::size_t>> lis;
  for (std::size_t k = tail_idx.empty() ? SIZE_MAX : tail_idx.back(); k != SIZE_MAX; k = prev[k]) {
    lis.push_back(unique[k]);
  }
  std::reverse(lis.begin(), lis.end());
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t i0 = 0, j0 = 0;
  for (std::size_t k = 0; k <= lis.size(); ++k) {
    const std::size_t i1 = k < lis.size() ? lis[k].first : a.size();
    const std::size_t j1 = k < lis.size() ? lis[k].second : b.size();
    if ((i1 - i0 + 1) * (j1 - j0 + 1) <= kMaxDpCells) {
      for (const auto& p : Lcs(a, i0, i1, b, j0, j1)) out.push_back(p);
    }
    if (k < lis.size()) {
      out.push_back(lis[k]);
      i0 = i1 + 1;
      j0 = j1 + 1;
    }
  }
  return out;
}

// Whitespace-separated tokens with their comparison form (lower case, no surrounding
// punctuation).
struct Token {
  std::string text, key;
};
std::vector<Token> Tokens(std::string_view s) {
  std::vector<Token> out;
  for (std::string_view w : Split(s, ' ')) {
    w = Trim(w);
    if (w.empty()) continue;
    out.push_back({std::string(w), Normalise(w)});
  }
  return out;
}

std::vector<WordDiff> DiffWords(std::string_view from, std::string_view to) {
  const auto a = Tokens(from), b = Tokens(to);
  std::vector<WordDiff> out;
  auto add = [&](const char* op, const std::string& text) {
    if (!out.empty() && out.back().op == op) {
      out.back().text += " " + text;
    } else {
      out.push_back({op, text});
    }
  };
  if (a.size() > kMaxDiffTokens || b.size() > kMaxDiffTokens) {
    out.push_back({"delete", std::string(from)});
    out.push_back({"insert", std::string(to)});
    return out;
  }
  std::vector<std::string> ka, kb;
  for (const auto& t : a) ka.push_back(t.key);
  for (const auto& t : b) kb.push_back(t.key);
  const auto common = Lcs(ka, 0, ka.size(), kb, 0, kb.size());
  std::size_t i = 0, j = 0;
  for (const auto& [ci, cj] : common) {
    for (; i < ci; ++i) add("delete", a[i].text);
    for (; j < cj; ++j) add("insert", b[j].text);
    add("equal", b[cj].text);
    i = ci + 1;
    j = cj + 1;
  }
  for (; i < a.size(); ++i) add("delete", a[i].text);
  for (; j < b.size(); ++j) add("insert", b[j].text);
  return out;
}

const std::regex& AmountRx() {
  static const std::regex rx(
      R"((?:[$€£]|\bUSD ?|\bEUR ?)\d[\d,]*(?:\.\d+)?(?: ?(?:k|K|million|thousand)\b)?|\b\d[\d,]*(?:\.\d+)? ?(?:USD|EUR|dollars)\b)",
      std::regex::ECMAScript | std::regex::optimize);
  return rx;
}

const std::regex& DateRx() {
  static const std::regex rx(
      R"(\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}(?:st|nd|rd|th)?(?:,? \d{4})?\b|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b)",
      std::regex::ECMAScript | std::regex::optimize);
  return rx;
}

const std::regex& QuantityRx() {
  static const std::regex rx(R"(\b\d+(?:[.,]\d+)?(?: |-)(?:[A-Za-z][A-Za-z-]*))",
                             std::regex::ECMAScript | std::regex::optimize);
  return rx;
}

// Pairs up the values of one kind that differ: common values (as a multiset) are dropped, the
// rest paired in order (quantities first by their unit word).
void CompareValues(const std::string& kind, std::vector<std::string> a, std::vector<std::string> b,
                   std::vector<ValueChange>& out) {
  for (auto it = a.begin(); it != a.end();) {
    auto f = std::find(b.begin(), b.end(), *it);
    if (f != b.end()) {
      b.erase(f);
      it = a.erase(it);
    } else {
      ++it;
    }
  }
  auto unit = [](const std::string& q) {
    const auto sp = q.find_first_of(" -");
    return sp == std::string::npos ? std::string() : ToLower(q.substr(sp + 1));
  };
  if (kind == "quantity") {
    for (auto it = a.begin(); it != a.end();) {
      auto f = std::find_if(b.begin(), b.end(),
                            [&](const std::string& x) { return unit(x) == unit(*it); });
      if (f != b.end()) {
        out.push_back({kind, *it, *f});
        b.erase(f);
        it = a.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::size_t k = 0;
  for (; k < a.size() && k < b.size(); ++k) out.push_back({kind, a[k], b[k]});
  for (std::size_t x = k; x < a.size(); ++x) out.push_back({kind, a[x], ""});
  for (std::size_t x = k; x < b.size(); ++x) out.push_back({kind, "", b[x]});
}

std::vector<ValueChange> ValueChanges(std::string_view from, std::string_view to) {
  std::map<std::string, std::vector<std::string>> a, b;
  for (auto& [k, v] : ExtractValues(from)) a[k].push_back(std::move(v));
  for (auto& [k, v] : ExtractValues(to)) b[k].push_back(std::move(v));
  std::vector<ValueChange> out;
  for (const char* kind : {"amount", "date", "quantity"}) {
    CompareValues(kind, a[kind], b[kind], out);
  }
  return out;
}

json::value Cite(const PagedText& d, const std::optional<SentenceRef>& s) {
  if (!s) return nullptr;
  return json::object{{"document_id", d.document_id},
                      {"title", d.title},
                      {"page", s->page},
                      {"start", s->start},
                      {"end", s->end},
                      {"text", s->text}};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ExtractValues(std::string_view sentence) {
  const std::string s(sentence.substr(0, kMaxValueChars));
  std::vector<std::pair<std::size_t, std::size_t>> taken;
  std::vector<std::tuple<std::size_t, std::string, std::string>> found;  // (pos, kind, text)
  auto overlaps = [&](std::size_t b, std::size_t e) {
    for (auto [tb, te] : taken) {
      if (b < te && tb < e) return true;
    }
    return false;
  };
  for (const auto& [kind, rx] : {std::pair<const char*, const std::regex*>{"amount", &AmountRx()},
                                 {"date", &DateRx()},
                                 {"quantity", &QuantityRx()}}) {
    for (auto it = std::sregex_iterator(s.begin(), s.end(), *rx); it != std::sregex_iterator();
         ++it) {
      const std::size_t b = static_cast<std::size_t>(it->position(0));
      const std::size_t e = b + static_cast<std::size_t>(it->length(0));
      if (overlaps(b, e)) continue;
      taken.emplace_back(b, e);
      found.emplace_back(b, kind, it->str(0));
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [pos, kind, text] : found) out.emplace_back(kind, std::move(text));
  return out;
}

std::vector<SentenceRef> PageSentences(const std::vector<PageRow>& pages) {
  std::vector<SentenceRef> out;
  for (const PageRow& p : pages) {
    for (std::string_view s : SplitSentences(p.text)) {
      if (Normalise(s).empty()) continue;
      const auto start = static_cast<int64_t>(s.data() - p.text.data());
      out.push_back({p.page, start, start + static_cast<int64_t>(s.size()), std::string(s)});
    }
  }
  return out;
}

TextDiff DiffTexts(const std::vector<PageRow>& from_pages, const std::vector<PageRow>& to_pages) {
  TextDiff out;
  std::vector<SentenceRef> a = PageSentences(from_pages), b = PageSentences(to_pages);
  if (a.size() > kMaxChangeSentences || b.size() > kMaxChangeSentences) out.truncated = true;
  if (a.size() > kMaxChangeSentences) a.resize(kMaxChangeSentences);
  if (b.size() > kMaxChangeSentences) b.resize(kMaxChangeSentences);
  std::vector<std::string> na, nb;
  for (const auto& s : a) na.push_back(Normalise(s.text));
  for (const auto& s : b) nb.push_back(Normalise(s.text));
  auto anchors = Anchors(na, nb);
  out.unchanged = static_cast<int>(anchors.size());
  anchors.emplace_back(a.size(), b.size());  // the end
  std::size_t i0 = 0, j0 = 0;
  for (const auto& [i1, j1] : anchors) {
    // The gap a[i0, i1) × b[j0, j1): pair by masked-word cosine, greedily, best first.
    std::vector<std::tuple<double, std::size_t, std::size_t>> cand;
    if ((i1 - i0) * (j1 - j0) <= kMaxPairCells) {
      std::vector<std::set<std::string>> wa, wb;
      for (std::size_t i = i0; i < i1; ++i) wa.push_back(MaskedWords(a[i].text));
      for (std::size_t j = j0; j < j1; ++j) wb.push_back(MaskedWords(b[j].text));
      for (std::size_t i = i0; i < i1; ++i) {
        for (std::size_t j = j0; j < j1; ++j) {
          const double c = Cosine(wa[i - i0], wb[j - j0]);
          if (c >= kPairSimilarity) cand.emplace_back(-c, i, j);
        }
      }
      std::sort(cand.begin(), cand.end());
    }
    std::map<std::size_t, std::size_t> pair_of_i;  // i → j
    std::set<std::size_t> used_j;
    std::map<std::size_t, double> sim_of_i;
    for (const auto& [neg, i, j] : cand) {
      if (pair_of_i.contains(i) || used_j.contains(j)) continue;
      pair_of_i[i] = j;
      used_j.insert(j);
      sim_of_i[i] = -neg;
    }
    // Items ordered by their place in `to`; a removal goes right after the `to` sentence paired
    // with the paired `from` sentence before it (else at the start of the gap).
    std::vector<std::pair<double, Change>> items;
    std::map<std::size_t, std::size_t> j_to_i;
    for (auto [i, j] : pair_of_i) j_to_i[j] = i;
    for (std::size_t j = j0; j < j1; ++j) {
      Change c;
      c.to = b[j];
      if (auto it = j_to_i.find(j); it != j_to_i.end()) {
        c.kind = "changed";
        c.from = a[it->second];
        c.similarity = sim_of_i[it->second];
        c.diff = DiffWords(c.from->text, c.to->text);
        c.values = ValueChanges(c.from->text, c.to->text);
      } else {
        c.kind = "added";
      }
      items.emplace_back(static_cast<double>(j), std::move(c));
    }
    for (std::size_t i = i0; i < i1; ++i) {
      if (pair_of_i.contains(i)) continue;
      double key = static_cast<double>(j0) - 0.5;
      if (auto it = pair_of_i.lower_bound(i); it != pair_of_i.begin()) {
        key = static_cast<double>(std::prev(it)->second) + 0.5;
      }
      Change c;
      c.kind = "removed";
      c.from = a[i];
      items.emplace_back(key, std::move(c));
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto& [key, c] : items) out.changes.push_back(std::move(c));
    i0 = i1 + 1;
    j0 = j1 + 1;
  }
  return out;
}

namespace {

// The project's newest ready document of `type`, or nullopt.
Result<std::optional<std::string>> LatestOfType(DocumentService& svc, const Scope& scope,
                                                const std::string& project_id,
                                                const std::string& type) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, svc.store().Query("SELECT id FROM documents WHERE org_id = $1 AND project_id = $2 "
                                 "AND status = 'ready' AND doc_type = $3 ORDER BY created_at "
                                 "DESC, id DESC LIMIT 1",
                                 {scope.org_id, project_id, type}));
  if (rs.rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rs.rows[0].Text(0));
}

// The document `id` of the project (422 naming `field` when it is not the project's or not
// ready; 404 when it does not exist in the org).
Result<Document> ProjectDocument(DocumentService& svc, const Scope& scope,
                                 const std::string& project_id, const std::string& id,
                                 const std::string& field) {
  SIGNX_ASSIGN_OR_RETURN(Document d, svc.Get(scope, id));
  if (d.project_id != project_id) {
    return ValidationFailed(
        {{field, fmt::format("document {} is not in project {}", id, project_id)}});
  }
  if (d.status != "ready") {
    return ValidationFailed({{field, fmt::format("document {} is {}, not ready", id, d.status)}});
  }
  return d;
}

json::object DocJson(const Document& d) {
  return json::object{{"document_id", d.id},
                      {"title", d.filename},
                      {"doc_type", d.doc_type ? json::value(*d.doc_type) : json::value(nullptr)}};
}

constexpr std::string_view kChangesSchema = R"j({"type": "object", "properties": {
  "project_id": {"type": "string"},
  "from": {"$ref": "#/components/schemas/ChangedDocument"},
  "to": {"$ref": "#/components/schemas/ChangedDocument"},
  "counts": {"type": "object", "properties": {"added": {"type": "integer"}, "removed": {"type": "integer"}, "changed": {"type": "integer"}, "unchanged": {"type": "integer"}}},
  "truncated": {"type": "boolean", "description": "a document has more than 5,000 sentences; only the first 5,000 were compared"},
  "changes": {"type": "array", "items": {"type": "object", "properties": {
    "kind": {"type": "string", "enum": ["changed", "added", "removed"]},
    "similarity": {"type": "number", "description": "cosine of the two sentences' words with numbers masked (changed only)"},
    "from": {"oneOf": [{"$ref": "#/components/schemas/ChangeCitation"}, {"type": "null"}]},
    "to": {"oneOf": [{"$ref": "#/components/schemas/ChangeCitation"}, {"type": "null"}]},
    "diff": {"type": "array", "items": {"type": "object", "properties": {"op": {"type": "string", "enum": ["equal", "delete", "insert"]}, "text": {"type": "string"}}}},
    "values": {"type": "array", "description": "amounts, dates and quantities that differ", "items": {"type": "object", "properties": {
      "kind": {"type": "string", "enum": ["amount", "date", "quantity"]}, "from": {"type": "string"}, "to": {"type": "string"}}}}}}}}})j";

}  // namespace

Result<json::object> ProjectDocumentChanges(DocumentService& svc, const Scope& scope,
                                            const std::string& project_id,
                                            std::optional<std::string> from,
                                            std::optional<std::string> to) {
  SIGNX_ASSIGN_OR_RETURN(auto project,
                         svc.store().Query("SELECT 1 FROM projects WHERE id = $1 AND org_id = $2",
                                           {project_id, scope.org_id}));
  if (project.rows.empty()) return NotFound(fmt::format("project {} does not exist", project_id));
  if (!from) {
    SIGNX_ASSIGN_OR_RETURN(from, LatestOfType(svc, scope, project_id, "rfp"));
    if (!from) {
      return ValidationFailed(
          {{"from", "the project has no ready document typed rfp; pass from=<document id>"}});
    }
  }
  if (!to) {
    SIGNX_ASSIGN_OR_RETURN(to, LatestOfType(svc, scope, project_id, "contract"));
    if (!to) {
      return ValidationFailed(
          {{"to", "the project has no ready document typed contract; pass to=<document id>"}});
    }
  }
  if (*from == *to) return ValidationFailed({{"to", "must be another document than from"}});
  SIGNX_ASSIGN_OR_RETURN(Document fd, ProjectDocument(svc, scope, project_id, *from, "from"));
  SIGNX_ASSIGN_OR_RETURN(Document td, ProjectDocument(svc, scope, project_id, *to, "to"));
  SIGNX_ASSIGN_OR_RETURN(DocumentText ft, svc.Text(scope, fd.id));
  SIGNX_ASSIGN_OR_RETURN(DocumentText tt, svc.Text(scope, td.id));
  const PagedText fp{fd.id, fd.filename, std::move(ft.pages)};
  const PagedText tp{td.id, td.filename, std::move(tt.pages)};
  const TextDiff diff = DiffTexts(fp.pages, tp.pages);
  int added = 0, removed = 0, changed = 0;
  json::array changes;
  for (const Change& c : diff.changes) {
    (c.kind == "added" ? added : c.kind == "removed" ? removed : changed) += 1;
    json::object o{{"kind", c.kind}, {"from", Cite(fp, c.from)}, {"to", Cite(tp, c.to)}};
    if (c.kind == "changed") {
      o["similarity"] = std::round(c.similarity * 1000) / 1000;
      json::array d, v;
      for (const auto& w : c.diff) d.push_back(json::object{{"op", w.op}, {"text", w.text}});
      for (const auto& x : c.values) {
        v.push_back(json::object{{"kind", x.kind}, {"from", x.from}, {"to", x.to}});
      }
      o["diff"] = std::move(d);
      o["values"] = std::move(v);
    }
    changes.push_back(std::move(o));
  }
  return json::object{{"project_id", project_id},
                      {"from", DocJson(fd)},
                      {"to", DocJson(td)},
                      {"counts", json::object{{"added", added},
                                              {"removed", removed},
                                              {"changed", changed},
                                              {"unchanged", diff.unchanged}}},
                      {"truncated", diff.truncated},
                      {"changes", std::move(changes)}};
}

void AddProjectChangesRoute(http::Router& router, http::SchemaRegistry& schemas,
                            DocumentService& svc) {
  schemas.Add("ChangedDocument", R"j({"type": "object", "properties": {
    "document_id": {"type": "string"}, "title": {"type": "string"},
    "doc_type": {"type": ["string", "null"]}}})j");
  schemas.Add("ChangeCitation", R"j({"type": "object", "properties": {
    "document_id": {"type": "string"}, "title": {"type": "string"}, "page": {"type": "integer"},
    "start": {"type": "integer", "description": "offset in the page's text (GET /v1/documents/{id}/text)"},
    "end": {"type": "integer"}, "text": {"type": "string"}}})j");
  schemas.Add("ProjectDocumentChanges", kChangesSchema);
  router.Add(
      "GET", "/v1/projects/{id}/documents/changes",
      {.summary = "What changed between two documents of a project (by default RFP → contract)",
       .description =
           "Aligns the two documents sentence by sentence and lists what was added, removed and "
           "changed (with a word diff and the amounts, dates and quantities that differ), each "
           "cited with its document, page and offsets. Query: from, to (document ids; default "
           "the project's newest ready rfp and contract). 422 names from/to when a default is "
           "missing or a document is not a ready document of the project; 404 for a project or "
           "document of another org.",
       .tags = {"documents"},
       .permission = "documents:read",
       .response_schema = "ProjectDocumentChanges"},
      http::Handle([&svc](http::Request& req) -> Result<http::Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        auto param = [&](std::string_view k) -> std::optional<std::string> {
          auto v = req.Query(k);
          if (!v || Trim(*v).empty()) return std::nullopt;
          return std::string(Trim(*v));
        };
        SIGNX_ASSIGN_OR_RETURN(auto out,
                               ProjectDocumentChanges(svc, scope, std::string(req.PathParam("id")),
                                                      param("from"), param("to")));
        return http::JsonResponse(200, out);
      }));
}

}  // namespace signx::documents
