#include "search/memory_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace signx::search {
namespace {

constexpr const char* kFilterPrefix = "XF";
constexpr Xapian::valueno kDateSlot = 0;
// Xapian::BM25Weight's min_normlen as SearchIndex sets it.
constexpr double kMinNormlen = 0.5;

template <typename T>
std::size_t Bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

std::shared_ptr<const MemoryIndex> MemoryIndex::Build(Xapian::Database& db) {
  std::shared_ptr<MemoryIndex> m(new MemoryIndex());
  m->revision_ = db.get_revision();
  m->avg_length_ = db.get_avlength();
  const Xapian::doccount n = db.get_doccount();
  m->docids_.reserve(n);
  m->doclen_.reserve(n);
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    m->docids_.push_back(*it);
    m->doclen_.push_back(static_cast<std::uint32_t>(it.get_doclength()));
  }
  // Xapian docid → dense number.
  std::vector<std::uint32_t> dense(m->docids_.empty() ? 1 : m->docids_.back() + 1, kNoTerm);
  for (std::uint32_t i = 0; i < m->docids_.size(); ++i) dense[m->docids_[i]] = i;
  auto to_dense = [&](Xapian::docid d) { return d < dense.size() ? dense[d] : kNoTerm; };

  m->post_off_.push_back(0);
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    const std::string term = *t;
    if (term.empty()) continue;
    if (term[0] == 'Z') {
      m->terms_.push_back(term);
      std::uint64_t cf = 0;
      for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
        const std::uint32_t d = to_dense(*p);
        if (d == kNoTerm) continue;
        const Xapian::termcount wdf = p.get_wdf();
        if (wdf >= kBigWdf) m->post_big_[m->post_doc_.size()] = wdf;
        m->post_doc_.push_back(d);
        m->post_wdf_.push_back(
            static_cast<std::uint16_t>(std::min<Xapian::termcount>(wdf, kBigWdf)));
        cf += wdf;
      }
      m->collection_freq_.push_back(cf);
      m->post_off_.push_back(static_cast<std::uint32_t>(m->post_doc_.size()));
    } else if (term.rfind(kFilterPrefix, 0) == 0) {
      std::vector<std::uint32_t>& docs = m->filters_[term];
      for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
        const std::uint32_t d = to_dense(*p);
        if (d != kNoTerm) docs.push_back(d);
      }
    }
  }
  m->post_doc_.shrink_to_fit();
  m->post_wdf_.shrink_to_fit();
  // Term lists: the postings inverted (term numbers come out ascending per document).
  m->fwd_off_.assign(m->docids_.size() + 1, 0);
  for (std::uint32_t d : m->post_doc_) ++m->fwd_off_[d + 1];
  for (std::size_t i = 1; i < m->fwd_off_.size(); ++i) m->fwd_off_[i] += m->fwd_off_[i - 1];
  m->fwd_term_.resize(m->post_doc_.size());
  m->fwd_wdf_.resize(m->post_doc_.size());
  {
    std::vector<std::uint32_t> at(m->fwd_off_.begin(), m->fwd_off_.end() - 1);
    for (std::uint32_t t = 0; t + 1 < m->post_off_.size(); ++t) {
      for (std::uint32_t i = m->post_off_[t]; i < m->post_off_[t + 1]; ++i) {
        const std::uint32_t d = m->post_doc_[i];
        m->fwd_term_[at[d]] = t;
        m->fwd_wdf_[at[d]] = m->post_wdf_[i];
        if (m->post_wdf_[i] == kBigWdf) m->fwd_big_[at[d]] = m->post_big_.at(i);
        ++at[d];
      }
    }
  }
  m->dates_.assign(m->docids_.size(), std::numeric_limits<double>::quiet_NaN());
  for (auto v = db.valuestream_begin(kDateSlot); v != db.valuestream_end(kDateSlot); ++v) {
    const std::uint32_t d = to_dense(v.get_docid());
    if (d != kNoTerm) m->dates_[d] = Xapian::sortable_unserialise(*v);
  }

  m->CountBytes();
  return m;
}

void MemoryIndex::CountBytes() {
  std::size_t bytes = Bytes(docids_) + Bytes(doclen_) + Bytes(post_off_) + Bytes(post_doc_) +
                      Bytes(post_wdf_) + Bytes(fwd_off_) + Bytes(fwd_term_) + Bytes(fwd_wdf_) +
                      Bytes(dates_) + Bytes(terms_) + Bytes(collection_freq_);
  for (const std::string& t : terms_) bytes += t.capacity() > 15 ? t.capacity() + 1 : 0;
  for (const auto& [term, docs] : filters_) bytes += term.size() + 64 + Bytes(docs);
  bytes += (post_big_.size() + fwd_big_.size()) * 32;
  bytes_ = bytes;
}

std::shared_ptr<const MemoryIndex> MemoryIndex::Update(const MemoryIndex& old, Xapian::Database& db,
                                                       const std::vector<Xapian::docid>& changed) {
  std::shared_ptr<MemoryIndex> m(new MemoryIndex());
  m->revision_ = db.get_revision();
  m->avg_length_ = db.get_avlength();
  m->docids_.reserve(db.get_doccount());
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    m->docids_.push_back(*it);
    m->doclen_.push_back(static_cast<std::uint32_t>(it.get_doclength()));
  }
  const std::uint32_t n = m->doc_count();
  // Each document now: its number in the old copy (unchanged), or read afresh from the index.
  std::vector<std::uint32_t> from_old(n, kNoTerm);
  std::vector<std::uint32_t> new_of_old(old.doc_count(), kNoTerm);
  for (std::uint32_t i = 0, j = 0; i < n; ++i) {
    const Xapian::docid did = m->docids_[i];
    while (j < old.doc_count() && old.docids_[j] < did) ++j;
    if (j < old.doc_count() && old.docids_[j] == did &&
        !std::binary_search(changed.begin(), changed.end(), did)) {
      from_old[i] = j;
      new_of_old[j] = i;
    }
  }
  struct Fresh {
    std::vector<std::pair<std::string, Xapian::termcount>> terms;  // text terms, sorted
    std::vector<std::string> filters;
    double date = std::numeric_limits<double>::quiet_NaN();
  };
  std::map<std::uint32_t, Fresh> fresh;
  std::vector<std::string> fresh_terms;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (from_old[i] != kNoTerm) continue;
    Fresh& f = fresh[i];
    const Xapian::docid did = m->docids_[i];
    for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
      std::string term = *t;
      if (term.empty()) continue;
      if (term[0] == 'Z') {
        fresh_terms.push_back(term);
        f.terms.emplace_back(std::move(term), t.get_wdf());
      } else if (term.rfind(kFilterPrefix, 0) == 0) {
        f.filters.push_back(std::move(term));
      }
    }
    const std::string value = db.get_document(did).get_value(kDateSlot);
    if (!value.empty()) f.date = Xapian::sortable_unserialise(value);
  }
  // Terms: the old ones (a term left without documents stays, with no postings) and the new.
  std::sort(fresh_terms.begin(), fresh_terms.end());
  fresh_terms.erase(std::unique(fresh_terms.begin(), fresh_terms.end()), fresh_terms.end());
  std::vector<std::uint32_t> term_of_old(old.terms_.size());
  {
    std::size_t i = 0, j = 0;
    while (i < old.terms_.size() || j < fresh_terms.size()) {
      if (j == fresh_terms.size() || (i < old.terms_.size() && old.terms_[i] <= fresh_terms[j])) {
        if (j < fresh_terms.size() && old.terms_[i] == fresh_terms[j]) ++j;
        term_of_old[i] = static_cast<std::uint32_t>(m->terms_.size());
        m->terms_.push_back(old.terms_[i++]);
      } else {
        m->terms_.push_back(fresh_terms[j++]);
      }
    }
  }
  // Term lists (the old ones copied, renumbered when terms were added), then the postings by
  // inverting them.
  m->fwd_off_.assign(n + 1, 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t o = from_old[i];
    m->fwd_off_[i + 1] = m->fwd_off_[i] + (o != kNoTerm ? old.fwd_off_[o + 1] - old.fwd_off_[o]
                                                        : fresh.at(i).terms.size());
  }
  m->fwd_term_.resize(m->fwd_off_[n]);
  m->fwd_wdf_.resize(m->fwd_off_[n]);
  const bool same_terms = m->terms_.size() == old.terms_.size();
  m->dates_.assign(n, std::numeric_limits<double>::quiet_NaN());
  for (std::uint32_t i = 0; i < n; ++i) {
    std::size_t at = m->fwd_off_[i];
    if (const std::uint32_t o = from_old[i]; o != kNoTerm) {
      const std::size_t begin = old.fwd_off_[o], end = old.fwd_off_[o + 1];
      if (same_terms) {
        std::copy(old.fwd_term_.begin() + begin, old.fwd_term_.begin() + end,
                  m->fwd_term_.begin() + at);
      } else {
        for (std::size_t k = begin; k < end; ++k)
          m->fwd_term_[at + k - begin] = term_of_old[old.fwd_term_[k]];
      }
      std::copy(old.fwd_wdf_.begin() + begin, old.fwd_wdf_.begin() + end, m->fwd_wdf_.begin() + at);
      if (!old.fwd_big_.empty()) {
        for (std::size_t k = begin; k < end; ++k) {
          if (old.fwd_wdf_[k] == kBigWdf) m->fwd_big_[at + k - begin] = old.fwd_big_.at(k);
        }
      }
      m->dates_[i] = old.dates_[o];
    } else {
      const Fresh& f = fresh.at(i);
      for (const auto& [term, wdf] : f.terms) {
        m->fwd_term_[at] = m->Find(term);
        if (wdf >= kBigWdf) m->fwd_big_[at] = wdf;
        m->fwd_wdf_[at++] = static_cast<std::uint16_t>(std::min<std::uint32_t>(wdf, kBigWdf));
      }
      m->dates_[i] = f.date;
    }
  }
  // Postings: per term, the old postings of the documents kept (renumbered; the order holds, as
  // numbers follow docids) merged with the fresh documents' — a stream, not a scatter.
  struct FreshPosting {
    std::uint32_t term, doc, wdf;
    bool operator<(const FreshPosting& o) const {
      return term != o.term ? term < o.term : doc < o.doc;
    }
  };
  std::vector<FreshPosting> fresh_postings;
  for (const auto& [i, f] : fresh) {
    for (std::size_t k = m->fwd_off_[i]; k < m->fwd_off_[i + 1]; ++k) {
      fresh_postings.push_back({m->fwd_term_[k], i, m->WdfAt(k)});
    }
  }
  std::sort(fresh_postings.begin(), fresh_postings.end());
  std::vector<std::uint32_t> old_of_term(m->terms_.size(), kNoTerm);
  for (std::uint32_t o = 0; o < term_of_old.size(); ++o) old_of_term[term_of_old[o]] = o;
  m->post_off_.reserve(m->terms_.size() + 1);
  m->post_doc_.reserve(m->fwd_term_.size());
  m->post_wdf_.reserve(m->fwd_term_.size());
  m->collection_freq_.assign(m->terms_.size(), 0);
  m->post_off_.push_back(0);
  std::size_t f = 0;
  auto put = [&](std::uint32_t t, std::uint32_t doc, std::uint16_t w16, std::uint32_t wdf) {
    if (w16 == kBigWdf) m->post_big_[m->post_doc_.size()] = wdf;
    m->post_doc_.push_back(doc);
    m->post_wdf_.push_back(w16);
    m->collection_freq_[t] += wdf;
  };
  for (std::uint32_t t = 0; t < m->terms_.size(); ++t) {
    if (const std::uint32_t o = old_of_term[t]; o != kNoTerm) {
      for (std::uint32_t i = old.post_off_[o]; i < old.post_off_[o + 1]; ++i) {
        const std::uint32_t doc = new_of_old[old.post_doc_[i]];
        if (doc == kNoTerm) continue;
        for (; f < fresh_postings.size() && fresh_postings[f].term == t &&
               fresh_postings[f].doc < doc;
             ++f) {
          const FreshPosting& p = fresh_postings[f];
          put(t, p.doc, static_cast<std::uint16_t>(std::min<std::uint32_t>(p.wdf, kBigWdf)), p.wdf);
        }
        const std::uint16_t w16 = old.post_wdf_[i];
        put(t, doc, w16, w16 != kBigWdf ? w16 : old.post_big_.at(i));
      }
    }
    for (; f < fresh_postings.size() && fresh_postings[f].term == t; ++f) {
      const FreshPosting& p = fresh_postings[f];
      put(t, p.doc, static_cast<std::uint16_t>(std::min<std::uint32_t>(p.wdf, kBigWdf)), p.wdf);
    }
    m->post_off_.push_back(static_cast<std::uint32_t>(m->post_doc_.size()));
  }
  // Filter terms: the old lists renumbered, the fresh documents' added.
  for (const auto& [term, docs] : old.filters_) {
    std::vector<std::uint32_t> now;
    for (std::uint32_t o : docs) {
      if (new_of_old[o] != kNoTerm) now.push_back(new_of_old[o]);
    }
    if (!now.empty()) m->filters_.emplace(term, std::move(now));
  }
  for (const auto& [i, f] : fresh) {
    for (const std::string& term : f.filters) m->filters_[term].push_back(i);
  }
  for (auto& [term, docs] : m->filters_) std::sort(docs.begin(), docs.end());
  m->CountBytes();
  return m;
}

std::uint32_t MemoryIndex::Find(std::string_view term) const {
  auto it = std::lower_bound(terms_.begin(), terms_.end(), term,
                             [](const std::string& a, std::string_view b) { return a < b; });
  if (it == terms_.end() || *it != term) return kNoTerm;
  return static_cast<std::uint32_t>(it - terms_.begin());
}

std::uint32_t MemoryIndex::Wdf(std::uint32_t doc, std::uint32_t t) const {
  const std::uint32_t* begin = fwd_term_.data() + fwd_off_[doc];
  const std::uint32_t* end = fwd_term_.data() + fwd_off_[doc + 1];
  const std::uint32_t* it = std::lower_bound(begin, end, t);
  if (it == end || *it != t) return 0;
  return WdfAt(static_cast<std::size_t>(it - fwd_term_.data()));
}

std::vector<std::uint8_t> MemoryIndex::FilterMask(
    const std::map<std::string, std::vector<std::string>>& filters, std::optional<double> date_from,
    std::optional<double> date_to) const {
  std::vector<std::uint8_t> mask(docids_.size(), 1);
  std::vector<std::uint8_t> any;
  for (const auto& [key, values] : filters) {
    any.assign(docids_.size(), 0);
    for (const std::string& v : values) {
      auto it = filters_.find(std::string(kFilterPrefix) + key + ":" + v);
      if (it == filters_.end()) continue;
      for (std::uint32_t d : it->second) any[d] = 1;
    }
    for (std::size_t d = 0; d < mask.size(); ++d) mask[d] &= any[d];
  }
  if (date_from || date_to) {
    const double lo = date_from.value_or(-std::numeric_limits<double>::max());
    const double hi = date_to.value_or(std::numeric_limits<double>::max());
    for (std::size_t d = 0; d < mask.size(); ++d) {
      const double v = dates_[d];
      if (std::isnan(v) || v < lo || v > hi) mask[d] = 0;
    }
  }
  return mask;
}

TopK MemoryIndex::Bm25TopK(const std::vector<WeightedTerm>& terms, const Bm25Params& params,
                           std::size_t k, const std::vector<std::uint8_t>* mask) const {
  TopK out;
  const std::uint32_t n = doc_count();
  if (terms.empty()) {
    for (std::uint32_t d = 0; d < n; ++d) {
      if (mask != nullptr && !(*mask)[d]) continue;
      ++out.matches;
      if (out.docs.size() < k) out.docs.push_back({d, 0});
    }
    return out;
  }
  // Accumulators reused by the thread (weights are > 0 once touched: Xapian's term weight is
  // log of at least 1.5, and every posting has wdf >= 1).
  thread_local std::vector<double> acc;
  thread_local std::vector<std::uint32_t> touched;  // each document at most once
  if (acc.size() < n) acc.assign(n, 0);
  if (touched.size() < n) touched.resize(n);
  double* const a = acc.data();
  std::uint32_t* const tb = touched.data();
  std::size_t nt = 0;
  // Xapian's BM25Weight::init and get_sumpart with k2 = 0, k3 = 1, min_normlen 0.5.
  const double k1 = params.k1;
  const std::shared_ptr<const Norms> norms = NormsFor(params);
  const double* norm = norms->k.data();
  std::vector<std::uint32_t> unweighted;  // terms scaled by 0: they match with weight 0
  for (const WeightedTerm& wt : terms) {
    const std::uint32_t t = Find(wt.term);
    if (t == kNoTerm) continue;
    if (wt.factor == 0) {
      unweighted.push_back(t);
      continue;
    }
    const Xapian::doccount tf = termfreq(t);
    double tw = (static_cast<double>(n) - tf + 0.5) / (tf + 0.5);
    if (tw < 2) tw = tw * 0.5 + 1;
    double termweight = std::log(tw) * wt.factor;
    const double wqf = wt.wqf;
    termweight *= (1 + 1) * wqf / (1 + wqf);  // k3 = 1
    termweight *= (k1 + 1);
    const std::uint32_t* docs = post_doc_.data() + post_off_[t];
    const std::uint16_t* wdfs = post_wdf_.data() + post_off_[t];
    const std::size_t first = post_off_[t];
    auto wdf_at = [&](std::uint32_t i) -> double {
      return wdfs[i] != kBigWdf ? wdfs[i] : BigWdf(post_big_, first + i);
    };
    const std::uint32_t count = post_off_[t + 1] - post_off_[t];
    const double tweight = termweight;
    std::size_t touched_now = nt;
    auto add = [a, tb, norm, tweight, &touched_now](std::uint32_t d, double wdf) {
      const double cur = a[d];
      if (cur == 0) tb[touched_now++] = d;
      a[d] = cur + tweight * (wdf / (norm[d] + wdf));
    };
    if (mask == nullptr) {
      for (std::uint32_t i = 0; i < count; ++i) add(docs[i], wdf_at(i));
    } else {
      const std::uint8_t* pass = mask->data();
      for (std::uint32_t i = 0; i < count; ++i) {
        if (pass[docs[i]]) add(docs[i], wdf_at(i));
      }
    }
    nt = touched_now;
  }
  if (!unweighted.empty()) {
    // After the weighted terms, so a zero accumulator means "not matched yet".
    std::vector<std::uint8_t> seen(n, 0);
    for (std::uint32_t t : unweighted) {
      for (std::uint32_t i = post_off_[t]; i < post_off_[t + 1]; ++i) {
        const std::uint32_t d = post_doc_[i];
        if ((mask != nullptr && !(*mask)[d]) || a[d] != 0 || seen[d]) continue;
        seen[d] = 1;
        tb[nt++] = d;
      }
    }
  }
  out.matches = nt;
  // The best k in one pass: a heap whose front is the worst kept (most documents lose against
  // it with one comparison); the accumulators are cleared on the way.
  auto better = [](const ScoredDoc& x, const ScoredDoc& y) {
    return x.weight != y.weight ? x.weight > y.weight : x.doc < y.doc;
  };
  std::vector<ScoredDoc>& heap = out.docs;
  heap.reserve(std::min(k, nt));
  for (std::size_t i = 0; i < nt; ++i) {
    const std::uint32_t d = tb[i];
    const ScoredDoc s{d, a[d]};
    a[d] = 0;
    if (heap.size() < k) {
      heap.push_back(s);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (k > 0 && better(s, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = s;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  return out;
}

std::shared_ptr<const MemoryIndex::Norms> MemoryIndex::NormsFor(const Bm25Params& params) const {
  std::lock_guard lock(norms_mu_);
  for (const auto& n : norms_) {
    if (n->k1 == params.k1 && n->b == params.b) return n;
  }
  auto n = std::make_shared<Norms>();
  n->k1 = params.k1;
  n->b = params.b;
  const double k1 = params.k1, b = params.b;
  const double len_factor = (b == 0 || k1 == 0 || avg_length_ == 0) ? 0 : 1 / avg_length_;
  n->k.resize(doclen_.size());
  for (std::size_t d = 0; d < doclen_.size(); ++d) {
    const double normlen = std::max(doclen_[d] * len_factor, kMinNormlen);
    n->k[d] = k1 * (normlen * b + (1 - b));
  }
  if (norms_.size() >= 4) norms_.erase(norms_.begin());  // a parameter sweep
  norms_.push_back(n);
  return n;
}

std::vector<std::pair<std::string, double>> MemoryIndex::Bo1Expand(
    const std::vector<std::uint32_t>& rset, std::size_t count, bool (*accept)(std::string_view),
    const std::vector<std::string>& exclude) const {
  std::vector<std::pair<std::string, double>> out;
  if (rset.empty() || count == 0) return out;
  // The relevant documents' terms, merged in term order, with their summed wdf.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> all;
  std::vector<std::uint32_t> docs(rset);
  std::sort(docs.begin(), docs.end());
  docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
  for (std::uint32_t d : docs) {
    for (std::uint32_t i = fwd_off_[d]; i < fwd_off_[d + 1]; ++i)
      all.emplace_back(fwd_term_[i], WdfAt(i));
  }
  std::sort(all.begin(), all.end());
  // Xapian's ESet::Internal::expand: terms in ascending order, a min-heap of the best `count`
  // by ExpandTerm's order (weight descending, then term descending).
  struct Item {
    double wt;
    const std::string* term;
    bool operator<(const Item& o) const {
      if (wt > o.wt) return true;
      if (wt < o.wt) return false;
      return *term > *o.term;
    }
  };
  std::vector<Item> items;
  bool is_heap = false;
  double min_wt = 0;
  const double n = static_cast<double>(doc_count());
  for (std::size_t i = 0; i < all.size();) {
    const std::uint32_t t = all[i].first;
    double rcf = 0;
    for (; i < all.size() && all[i].first == t; ++i) rcf += all[i].second;
    const std::string& term = terms_[t];
    if (!accept(term)) continue;
    if (std::find(exclude.begin(), exclude.end(), term) != exclude.end()) continue;
    // Bo1EWeight::get_weight.
    const double mean = static_cast<double>(collection_freq_[t]) / n;
    const double wt = rcf * std::log2((1.0 + mean) / mean) + std::log2(1.0 + mean);
    if (wt <= min_wt) continue;
    items.push_back({wt, &term});
    if (items.size() > count) {
      if (!is_heap) {
        is_heap = true;
        std::make_heap(items.begin(), items.end());
      } else {
        std::push_heap(items.begin(), items.end());
      }
      std::pop_heap(items.begin(), items.end());
      items.pop_back();
      min_wt = items.front().wt;
    }
  }
  if (is_heap) {
    std::sort_heap(items.begin(), items.end());
  } else {
    std::sort(items.begin(), items.end());
  }
  for (const Item& it : items) out.emplace_back(*it.term, it.wt);
  return out;
}

std::shared_ptr<const MemoryIndex> MemoryCache::Get(const std::string& org,
                                                    const std::string& generation,
                                                    Xapian::Database& db,
                                                    const ChangeLog& changes) {
  std::shared_ptr<Entry> e;
  auto current = [&]() -> std::shared_ptr<const MemoryIndex> {
    if (e->index && e->generation == generation && e->index->revision() >= db.get_revision()) {
      return e->index;
    }
    return nullptr;
  };
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(org);
    if (it == entries_.end()) it = entries_.emplace(org, std::make_shared<Entry>()).first;
    e = it->second;
    if (!e->listed) {
      lru_.push_front(org);
      e->lru = lru_.begin();
      e->listed = true;
    }
    if (auto m = current()) {
      // A pooled handle opened before the copy's commit: bring it up to the copy's revision.
      if (m->revision() > db.get_revision()) db.reopen();
      if (m->revision() == db.get_revision()) {
        Touch(*e, org);
        return m;
      }
    }
  }
  std::lock_guard build(e->build_mu);
  {
    std::lock_guard lock(mu_);
    if (auto m = current(); m && m->revision() == db.get_revision()) return m;
  }
  std::shared_ptr<const MemoryIndex> previous;
  {
    std::lock_guard lock(mu_);
    if (e->generation == generation) previous = e->index;
  }
  std::shared_ptr<const MemoryIndex> m;
  bool updated = false;
  if (previous && changes && previous->revision() < db.get_revision()) {
    const auto changed = changes(generation, previous->revision(), db.get_revision());
    if (changed && changed->size() <= previous->doc_count() / 10 + 10) {
      m = MemoryIndex::Update(*previous, db, *changed);
      updated = true;
    }
  }
  if (!m) m = MemoryIndex::Build(db);
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(org); it == entries_.end() || it->second != e) {
    // Evicted meanwhile: listed again.
    entries_.insert_or_assign(org, e);
    lru_.push_front(org);
    e->lru = lru_.begin();
    e->listed = true;
  }
  if (e->index) bytes_ -= e->index->bytes();
  e->index = m;
  e->generation = generation;
  bytes_ += m->bytes();
  ++builds_;
  updates_ += updated;
  Touch(*e, org);
  Evict(org);
  return m;
}

void MemoryCache::Touch(Entry& e, const std::string& org) {
  lru_.erase(e.lru);
  lru_.push_front(org);
  e.lru = lru_.begin();
}

void MemoryCache::Evict(const std::string& keep) {
  while (bytes_ > budget_ && lru_.size() > 1) {
    const std::string victim = lru_.back();
    if (victim == keep) break;  // cannot happen: keep was just touched (front)
    lru_.pop_back();
    auto it = entries_.find(victim);
    if (it != entries_.end()) {
      if (it->second->index) bytes_ -= it->second->index->bytes();
      it->second->listed = false;
      it->second->index.reset();
      entries_.erase(it);
    }
  }
}

void MemoryCache::Drop(const std::string& org) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(org);
  if (it == entries_.end()) return;
  if (it->second->index) bytes_ -= it->second->index->bytes();
  lru_.erase(it->second->lru);
  it->second->listed = false;
  it->second->index.reset();
  entries_.erase(it);
}

std::size_t MemoryCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t MemoryCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::uint64_t MemoryCache::builds() const {
  std::lock_guard lock(mu_);
  return builds_;
}

std::uint64_t MemoryCache::updates() const {
  std::lock_guard lock(mu_);
  return updates_;
}

}  // namespace signx::search
