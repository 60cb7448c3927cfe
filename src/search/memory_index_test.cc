// MemoryIndex against Xapian on a real index (written by SearchIndex): the same top-k with the
// same BM25 weights, filters and date ranges, the same Bo1 expansion terms; MemoryCache rebuilds
// on a new revision and keeps its budget; every org searches its own copy only.
#include "search/memory_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "search/search_index.h"
#include "search/testing/temp_index_test.h"

namespace signx::search {
namespace {

namespace fs = std::filesystem;

class MemoryIndexTest : public testing::TempIndexTest {
 protected:

  // A few thousand documents over a Zipf-distributed vocabulary (so terms range from rare to
  // frequent: some index more than half of the documents), titles with weight 3, bodies of
  // varying length, type filters and dates, some exact duplicates (ties).
  void Seed(const std::string& org, int n, std::uint64_t seed = 7) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> vocab;
    for (int i = 0; i < 1500; ++i) vocab.push_back("w" + std::to_string(i) + "x");
    std::vector<double> weights;
    for (int i = 0; i < 1500; ++i) weights.push_back(1.0 / (i + 1));
    std::discrete_distribution<int> word(weights.begin(), weights.end());
    std::uniform_int_distribution<int> len(5, 160);
    const char* types[] = {"contract", "permit", "invoice"};
    auto text = [&](int words) {
      std::string s;
      for (int i = 0; i < words; ++i) s += (i ? " " : "") + vocab[word(rng)];
      return s;
    };
    std::vector<Document> docs;
    for (int i = 0; i < n; ++i) {
      Document d;
      d.id = "d" + std::to_string(i);
      if (i % 97 == 5 && !docs.empty()) {
        d.fields = docs.back().fields;  // a duplicate of the previous document
      } else {
        d.fields = {{"title", text(4), 3}, {"body", text(len(rng)), 1}};
      }
      d.filters = {{"type", types[i % 3]}};
      if (i % 4 != 0) d.date = 1000 + i;
      docs.push_back(std::move(d));
    }
    std::size_t next = 0;
    auto r = index_->Rebuild(org, [&]() -> Result<std::optional<Document>> {
      if (next == docs.size()) return std::optional<Document>();
      return std::optional<Document>(docs[next++]);
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    queries_.clear();
    for (int q = 0; q < 60; ++q) {
      std::vector<std::string> words;
      const int k = 1 + static_cast<int>(rng() % 9);
      for (int i = 0; i < k; ++i) words.push_back(vocab[rng() % 400]);
      if (q % 5 == 0) words.push_back(words.front());  // a repeated word: wqf 2
      queries_.push_back(words);
    }
  }

  Xapian::Database Open(const std::string& org) {
    std::ifstream stub(fs::path(index_->OrgPath(org)) / "XAPIANDB");
    std::string backend, gen;
    stub >> backend >> gen;
    return Xapian::Database((fs::path(index_->OrgPath(org)) / gen).string());
  }

  static std::vector<WeightedTerm> Terms(const std::vector<std::string>& words) {
    // AnalyzeTerms lists each term once; count the words for the wqf like the term generator.
    std::map<std::string, unsigned> count;
    for (const std::string& w : words) {
      for (const std::string& t : AnalyzeTerms(w)) ++count[t];
    }
    std::vector<WeightedTerm> out;
    for (const auto& [t, n] : count) out.push_back({t, n, 1});
    return out;
  }

  static Xapian::Query XapianQuery(const std::vector<WeightedTerm>& terms) {
    std::vector<Xapian::Query> qs;
    for (const WeightedTerm& t : terms) {
      Xapian::Query q(t.term, t.wqf);
      qs.push_back(t.factor == 1 ? q : Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, t.factor));
    }
    return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
  }

  // Xapian's and the copy's top `k` agree: the same documents in the same order with the same
  // weights (to rounding: the sums add the same parts in another order).
  static void ExpectSameTopK(Xapian::Database& db, const MemoryIndex& mem,
                             const std::vector<WeightedTerm>& terms, const Bm25Params& params,
                             std::size_t k, const std::optional<Xapian::Query>& filter,
                             const std::vector<std::uint8_t>* mask) {
    Xapian::Enquire enquire(db);
    enquire.set_weighting_scheme(Xapian::BM25Weight(params.k1, 0, 1, params.b, 0.5));
    Xapian::Query q = XapianQuery(terms);
    if (filter) q = Xapian::Query(Xapian::Query::OP_FILTER, q, *filter);
    enquire.set_query(q);
    const Xapian::MSet mset =
        enquire.get_mset(0, static_cast<Xapian::doccount>(k), db.get_doccount());
    const TopK top = mem.Bm25TopK(terms, params, k, mask);
    ASSERT_EQ(top.docs.size(), mset.size());
    EXPECT_EQ(top.matches, mset.get_matches_estimated());
    std::size_t i = 0;
    for (auto it = mset.begin(); it != mset.end(); ++it, ++i) {
      const double w = it.get_weight();
      EXPECT_NEAR(top.docs[i].weight, w, 1e-9 * w) << "rank " << i;
      if (mem.docid(top.docs[i].doc) != *it) {
        // Only a tie may be ordered differently by rounding.
        EXPECT_NEAR(top.docs[i].weight, w, 1e-12 * w) << "rank " << i;
      }
    }
  }

  std::vector<std::vector<std::string>> queries_;
};

TEST_F(MemoryIndexTest, TopKEqualsXapiansBm25) {
  Seed("org_a", 3000);
  Xapian::Database db = Open("org_a");
  const auto mem = MemoryIndex::Build(db);
  ASSERT_EQ(mem->doc_count(), 3000u);
  EXPECT_DOUBLE_EQ(mem->avg_length(), db.get_avlength());
  for (const Bm25Params params : {Bm25Params{0.9, 0.4}, Bm25Params{1.2, 0.75}}) {
    for (const auto& words : queries_) {
      SCOPED_TRACE(words.front());
      ExpectSameTopK(db, *mem, Terms(words), params, 50, std::nullopt, nullptr);
      ExpectSameTopK(db, *mem, Terms(words), params, 11, std::nullopt, nullptr);
    }
  }
}

TEST_F(MemoryIndexTest, ScaledTermsWeighLikeXapiansScaleWeight) {
  Seed("org_a", 1500);
  Xapian::Database db = Open("org_a");
  const auto mem = MemoryIndex::Build(db);
  for (const auto& words : queries_) {
    std::vector<WeightedTerm> terms = Terms(words);
    terms.push_back({AnalyzeTerms("w7x").front(), 1, 0.37});
    terms.push_back({AnalyzeTerms("w301x").front(), 1, 0.05});
    terms.push_back({AnalyzeTerms("w1200x").front(), 1, 0});  // matches, weighs nothing
    ExpectSameTopK(db, *mem, terms, {0.9, 0.4}, 100, std::nullopt, nullptr);
    ExpectSameTopK(db, *mem, terms, {0.9, 0.4}, 3000, std::nullopt, nullptr);  // every match
  }
}

TEST_F(MemoryIndexTest, FiltersAndDateRangesMatchXapiansFilter) {
  Seed("org_a", 2000);
  Xapian::Database db = Open("org_a");
  const auto mem = MemoryIndex::Build(db);
  const std::map<std::string, std::vector<std::string>> filters = {
      {"type", {"contract", "invoice"}}};
  const auto mask = mem->FilterMask(filters, 1500.0, 2600.0);
  const Xapian::Query filter(
      Xapian::Query::OP_AND,
      Xapian::Query(Xapian::Query::OP_OR, Xapian::Query("XFtype:contract"),
                    Xapian::Query("XFtype:invoice")),
      Xapian::Query(Xapian::Query::OP_VALUE_RANGE, 0, Xapian::sortable_serialise(1500),
                    Xapian::sortable_serialise(2600)));
  std::size_t passing = 0;
  for (std::uint8_t m : mask) passing += m;
  EXPECT_GT(passing, 0u);
  EXPECT_LT(passing, 2000u);
  for (const auto& words : queries_) {
    ExpectSameTopK(db, *mem, Terms(words), {0.9, 0.4}, 20, filter, &mask);
  }
  // A value that no document has: nothing passes.
  const auto none = mem->FilterMask({{"type", {"memo"}}}, std::nullopt, std::nullopt);
  EXPECT_EQ(std::count(none.begin(), none.end(), 1), 0);
}

TEST_F(MemoryIndexTest, Bo1ExpansionEqualsXapiansESet) {
  Seed("org_a", 2000);
  Xapian::Database db = Open("org_a");
  const auto mem = MemoryIndex::Build(db);
  auto accept = [](std::string_view t) { return t.size() > 2 && t[0] == 'Z' && t[1] != 'X'; };
  struct Decider final : Xapian::ExpandDecider {
    bool operator()(const std::string& t) const override {
      return t.size() > 2 && t[0] == 'Z' && t[1] != 'X';
    }
  } decider;
  for (const auto& words : queries_) {
    const std::vector<WeightedTerm> terms = Terms(words);
    const TopK top = mem->Bm25TopK(terms, {0.9, 0.4}, 5, nullptr);
    std::vector<std::uint32_t> rset_docs;
    Xapian::RSet rset;
    for (const ScoredDoc& d : top.docs) {
      rset_docs.push_back(d.doc);
      rset.add_document(mem->docid(d.doc));
    }
    std::vector<std::string> exclude;
    for (const WeightedTerm& t : terms) exclude.push_back(t.term);
    Xapian::Enquire enquire(db);
    enquire.set_query(XapianQuery(terms));
    enquire.set_expansion_scheme("bo1");
    const Xapian::ESet eset = enquire.get_eset(30, rset, &decider);
    const auto mine = mem->Bo1Expand(rset_docs, 30, +accept, exclude);
    ASSERT_EQ(mine.size(), eset.size());
    std::size_t i = 0;
    for (auto it = eset.begin(); it != eset.end(); ++it, ++i) {
      EXPECT_EQ(mine[i].first, *it) << i;
      EXPECT_EQ(mine[i].second, it.get_weight()) << i;
    }
  }
}

TEST_F(MemoryIndexTest, TermListsAndLengthsAreXapians) {
  Seed("org_a", 300);
  Xapian::Database db = Open("org_a");
  const auto mem = MemoryIndex::Build(db);
  for (std::uint32_t d = 0; d < mem->doc_count(); ++d) {
    const Xapian::docid did = mem->docid(d);
    EXPECT_EQ(mem->doclen(d), db.get_doclength(did));
    std::size_t i = mem->TermsBegin(d);
    for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
      if ((*t)[0] != 'Z') continue;  // boolean terms (ids, filters) are not text
      ASSERT_LT(i, mem->TermsEnd(d));
      EXPECT_EQ(mem->term(mem->TermAt(i)), *t);
      EXPECT_EQ(mem->WdfAt(i), t.get_wdf());
      EXPECT_EQ(mem->Wdf(d, mem->TermAt(i)), t.get_wdf());
      ++i;
    }
    EXPECT_EQ(i, mem->TermsEnd(d));
  }
}

// Two copies hold the same index: documents, lengths, term lists, postings, filters and dates, and
// so the same rankings and expansions (terms without documents aside).
void ExpectSameCopy(const MemoryIndex& a, const MemoryIndex& b) {
  ASSERT_EQ(a.doc_count(), b.doc_count());
  EXPECT_EQ(a.revision(), b.revision());
  EXPECT_DOUBLE_EQ(a.avg_length(), b.avg_length());
  for (std::uint32_t d = 0; d < a.doc_count(); ++d) {
    ASSERT_EQ(a.docid(d), b.docid(d));
    EXPECT_EQ(a.doclen(d), b.doclen(d));
    ASSERT_EQ(a.TermsEnd(d) - a.TermsBegin(d), b.TermsEnd(d) - b.TermsBegin(d)) << d;
    for (std::size_t i = a.TermsBegin(d), j = b.TermsBegin(d); i < a.TermsEnd(d); ++i, ++j) {
      EXPECT_EQ(a.term(a.TermAt(i)), b.term(b.TermAt(j)));
      EXPECT_EQ(a.WdfAt(i), b.WdfAt(j));
    }
  }
  for (std::uint32_t t = 0; t < a.term_count(); ++t) {
    const std::uint32_t u = b.Find(a.term(t));
    EXPECT_EQ(a.termfreq(t), u == MemoryIndex::kNoTerm ? 0 : b.termfreq(u)) << a.term(t);
  }
  for (std::uint32_t t = 0; t < b.term_count(); ++t) {
    const std::uint32_t u = a.Find(b.term(t));
    EXPECT_EQ(b.termfreq(t), u == MemoryIndex::kNoTerm ? 0 : a.termfreq(u)) << b.term(t);
  }
  for (const char* type : {"contract", "permit", "invoice", "memo"}) {
    EXPECT_EQ(a.FilterMask({{"type", {type}}}, std::nullopt, std::nullopt),
              b.FilterMask({{"type", {type}}}, std::nullopt, std::nullopt));
  }
  EXPECT_EQ(a.FilterMask({}, 1200.0, 1900.0), b.FilterMask({}, 1200.0, 1900.0));
}

// A copy updated from the previous revision's and the changed documents equals one built anew.
TEST_F(MemoryIndexTest, UpdatedCopyEqualsABuiltOne) {
  Seed("org_a", 1500);
  Xapian::Database db = Open("org_a");
  std::shared_ptr<const MemoryIndex> copy = MemoryIndex::Build(db);
  auto docid = [&](const std::string& id) {
    auto p = db.postlist_begin("Q" + id);
    return p == db.postlist_end("Q" + id) ? Xapian::docid{0} : *p;
  };
  for (int round = 0; round < 4; ++round) {
    std::vector<Xapian::docid> changed;
    // Replaced documents (new text, new words, another type, a date or none), new ones, deleted.
    std::vector<Document> docs;
    for (int i = 0; i < 6; ++i) {
      Document d;
      d.id = "d" + std::to_string(round * 100 + i * 7);
      d.fields = {{"title", "quokka" + std::to_string(round) + " w5x", 3},
                  {"body", "zebra w1x w2x w" + std::to_string(i) + "x", 1}};
      d.filters = {{"type", i % 2 ? "memo" : "permit"}};
      if (i % 3) d.date = 1500 + i;
      docs.push_back(d);
      Document added = d;
      added.id = "new" + std::to_string(round) + "_" + std::to_string(i);
      docs.push_back(added);
    }
    std::vector<std::string> gone = {"d" + std::to_string(round * 100 + 50),
                                     "new" + std::to_string(round - 1) + "_0", "no_such_id"};
    for (const std::string& id : gone) {
      if (docid(id)) changed.push_back(docid(id));
    }
    ASSERT_TRUE(index_->Delete("org_a", gone).ok());
    ASSERT_TRUE(index_->Upsert("org_a", docs).ok());
    db.reopen();
    for (const Document& d : docs) changed.push_back(docid(d.id));
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    const auto updated = MemoryIndex::Update(*copy, db, changed);
    const auto built = MemoryIndex::Build(db);
    ExpectSameCopy(*updated, *built);
    for (const auto& words : queries_) {
      const std::vector<WeightedTerm> terms = Terms(words);
      ExpectSameTopK(db, *updated, terms, {0.9, 0.4}, 20, std::nullopt, nullptr);
      const TopK top = updated->Bm25TopK(terms, {0.9, 0.4}, 5, nullptr);
      std::vector<std::uint32_t> rset;
      for (const ScoredDoc& s : top.docs) rset.push_back(s.doc);
      auto accept = [](std::string_view t) { return t.size() > 2 && t[0] == 'Z'; };
      EXPECT_EQ(updated->Bo1Expand(rset, 30, +accept, {}), built->Bo1Expand(rset, 30, +accept, {}));
    }
    copy = updated;  // the next round updates the updated copy
  }
}

// wdf are stored in 16 bits; larger ones (a word repeated in a heavily weighted field) keep their
// value.
TEST_F(MemoryIndexTest, LargeWdfKeepTheirValue) {
  Seed("org_a", 200);
  std::string many;
  for (int i = 0; i < 4000; ++i) many += "quokka ";
  Document big;
  big.id = "big";
  big.fields = {{"title", many, 20}, {"body", many + "w3x", 1}};  // wdf 80,000 + 4,000
  Document small;
  small.id = "small";
  small.fields = {{"body", "quokka w3x", 1}};
  ASSERT_TRUE(index_->Upsert("org_a", std::vector<Document>{big, small}).ok());
  Xapian::Database db = Open("org_a");
  const auto mem = MemoryIndex::Build(db);
  const std::uint32_t quokka = mem->Find(AnalyzeTerms("quokka").front());
  ASSERT_NE(quokka, MemoryIndex::kNoTerm);
  const Xapian::docid big_id = *db.postlist_begin("Qbig");
  std::uint32_t big_doc = 0;
  while (mem->docid(big_doc) != big_id) ++big_doc;
  EXPECT_EQ(mem->Wdf(big_doc, quokka), 84000u);
  ExpectSameTopK(db, *mem, {{AnalyzeTerms("quokka").front(), 1, 1}}, {0.9, 0.4}, 5, std::nullopt,
                 nullptr);
  ExpectSameTopK(db, *mem, Terms({"quokka", "w3x", "w1x"}), {0.9, 0.4}, 50, std::nullopt, nullptr);
}

TEST_F(MemoryIndexTest, CacheRebuildsOnANewRevisionAndKeepsItsBudget) {
  Seed("org_a", 200, 1);
  Seed("org_b", 200, 2);
  Seed("org_c", 200, 3);
  Xapian::Database a = Open("org_a"), b = Open("org_b"), c = Open("org_c");
  const std::size_t one = MemoryIndex::Build(a)->bytes();
  MemoryCache cache(one * 5 / 2);  // room for two orgs
  const auto ma = cache.Get("org_a", "g1", a);
  EXPECT_EQ(cache.Get("org_a", "g1", a), ma);  // same revision: the same copy
  cache.Get("org_b", "g1", b);
  EXPECT_EQ(cache.size(), 2u);
  cache.Get("org_a", "g1", a);  // a is now the most recent
  cache.Get("org_c", "g1", c);  // evicts b, the least recently used
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_LE(cache.bytes(), one * 5 / 2);
  EXPECT_EQ(cache.builds(), 3u);
  EXPECT_EQ(cache.Get("org_a", "g1", a), ma);
  cache.Get("org_b", "g1", b);  // built again
  EXPECT_EQ(cache.builds(), 4u);

  // A write (new revision): the next Get builds a copy that has the new document.
  Document d;
  d.id = "fresh";
  d.fields = {{"body", "zanzibar quokka", 1}};
  ASSERT_TRUE(index_->Upsert("org_a", std::span<const Document>(&d, 1)).ok());
  a.reopen();
  const auto ma2 = cache.Get("org_a", "g1", a);
  EXPECT_NE(ma2, ma);
  EXPECT_EQ(ma2->revision(), a.get_revision());
  EXPECT_EQ(ma2->Bm25TopK({{AnalyzeTerms("quokka").front(), 1, 1}}, {}, 10, nullptr).docs.size(),
            1u);
  // Another generation (a rebuild) is another copy too.
  EXPECT_NE(cache.Get("org_a", "g2", a), ma2);
}

// Every org ranks from its own copy, also when a budget too small for two orgs makes each search
// rebuild: alternating searches never see the other org's documents, and a write is seen at once.
TEST(MemoryIndexIsolationTest, EachOrgSearchesItsOwnCopyOnly) {
  const fs::path dir = fs::temp_directory_path() / "signx_memory_index_isolation";
  fs::remove_all(dir);
  auto index =
      SearchIndex::Open({.data_dir = dir.string(), .name = "documents", .memory_budget_bytes = 1});
  ASSERT_TRUE(index.ok());
  SearchIndex& idx = **index;
  for (const std::string org : {"org_a", "org_b"}) {
    ASSERT_TRUE(idx.Create(org).ok());
    std::vector<Document> docs;
    for (int i = 0; i < 5; ++i) {
      Document d;
      d.id = org + "_" + std::to_string(i);
      d.fields = {{"body", "shared words pylon sign " + org, 1}};
      docs.push_back(d);
    }
    ASSERT_TRUE(idx.Upsert(org, docs).ok());
  }
  for (int round = 0; round < 4; ++round) {
    for (const std::string org : {"org_a", "org_b"}) {
      Query q;
      q.text = "pylon sign";
      q.mode = round % 2 ? Mode::kHybrid : Mode::kBm25;
      auto r = idx.Search(org, q);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->hits.size(), 5u);
      for (const Hit& h : r->hits) EXPECT_EQ(h.id.rfind(org + "_", 0), 0u) << h.id;
      EXPECT_EQ(idx.memory_orgs(), 1u);  // the budget keeps only the org being searched
    }
  }
  Document d;
  d.id = "org_a_new";
  d.fields = {{"body", "pylon sign quokka", 1}};
  ASSERT_TRUE(idx.Upsert("org_a", std::span<const Document>(&d, 1)).ok());
  Query q;
  q.text = "quokka";
  auto r = idx.Search("org_a", q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].id, "org_a_new");
  r = idx.Search("org_b", q);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->hits.empty());
  // With room for the copies, a write updates the org's copy instead of building it anew, and a
  // search sees the write at once.
  auto roomy = SearchIndex::Open({.data_dir = dir.string(), .name = "documents"});
  ASSERT_TRUE(roomy.ok());
  ASSERT_TRUE((*roomy)->Search("org_a", q).ok());  // the first copy
  const std::vector<std::string> gone = {"org_a_new"};
  ASSERT_TRUE((*roomy)->Delete("org_a", gone).ok());
  r = (*roomy)->Search("org_a", q);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->hits.empty());
  ASSERT_TRUE((*roomy)->Upsert("org_a", std::span<const Document>(&d, 1)).ok());
  r = (*roomy)->Search("org_a", q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].id, "org_a_new");
  EXPECT_EQ((*roomy)->memory_builds(), 3u);
  EXPECT_EQ((*roomy)->memory_updates(), 2u);
  roomy->reset();
  index->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace signx::search
