#include "search/search_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "search/reranker.h"
#include "search/testing/temp_index_test.h"

namespace signx::search {
namespace {

namespace fs = std::filesystem;

class SearchIndexTest : public testing::TempIndexTest {
 protected:

  static Document Doc(std::string id, std::string title, std::string body,
                      std::vector<std::pair<std::string, std::string>> filters = {},
                      std::optional<std::int64_t> date = std::nullopt) {
    Document d;
    d.id = std::move(id);
    d.fields = {{"title", std::move(title), 2}, {"body", std::move(body), 1}};
    d.filters = std::move(filters);
    d.date = date;
    return d;
  }

  std::vector<std::string> Ids(std::string_view org, Query q) {
    auto r = index_->Search(org, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    if (r.ok()) {
      for (const Hit& h : r->hits) ids.push_back(h.id);
    }
    return ids;
  }

  std::vector<std::string> Ids(std::string_view org, std::string text) {
    Query q;
    q.text = std::move(text);
    return Ids(org, q);
  }

  void Seed(std::string_view org) {
    ASSERT_TRUE(index_->Create(org).ok());
    const std::vector<Document> docs = {
        Doc("d1", "Pylon sign contract", "The customer runs a pylon sign program for gardens.",
            {{"type", "contract"}, {"project", "p1"}, {"owner", "u1"}}, 1000),
        Doc("d2", "Permit for the monument", "City permit approving the monument sign.",
            {{"type", "permit"}, {"project", "p1"}, {"owner", "u2"}}, 2000),
        Doc("d3", "Change order", "Change order: larger cabinet and running lights.",
            {{"type", "change_order"}, {"project", "p2"}, {"owner", "u1"}}, 3000),
    };
    ASSERT_TRUE(index_->Upsert(org, docs).ok());
  }

};

TEST_F(SearchIndexTest, IndexesAndFindsStemmedWords) {
  Seed("org_a");
  EXPECT_EQ(Ids("org_a", "permits"), std::vector<std::string>{"d2"});
  // "running" and "runs" share the stem "run".
  const auto run = Ids("org_a", "running");
  EXPECT_EQ(run.size(), 2u);
  EXPECT_TRUE(Ids("org_a", "the of and").empty());  // stop words only
  EXPECT_TRUE(Ids("org_a", "zeppelin").empty());
  EXPECT_EQ(index_->Check("org_a").doc_count, 3u);
  EXPECT_EQ(index_->Check("org_a").state, IndexState::kOk);
}

TEST_F(SearchIndexTest, FieldWeightRanksTitleMatchesFirst) {
  ASSERT_TRUE(index_->Create("org_a").ok());
  const std::vector<Document> docs = {
      Doc("body_only", "Quarterly report", "A short note that mentions lighting once."),
      Doc("in_title", "Lighting", "A short note about the quarterly report."),
  };
  ASSERT_TRUE(index_->Upsert("org_a", docs).ok());
  Query q;
  q.text = "lighting";
  q.mode = Mode::kBm25;
  EXPECT_EQ(Ids("org_a", q), (std::vector<std::string>{"in_title", "body_only"}));
}

TEST_F(SearchIndexTest, ReplaceAndDeleteById) {
  Seed("org_a");
  // A pooled read handle exists before the writes; it must reopen to see them.
  EXPECT_EQ(Ids("org_a", "monument"), std::vector<std::string>{"d2"});
  const Document replaced = Doc("d2", "Permit", "Now about a zeppelin.");
  ASSERT_TRUE(index_->Upsert("org_a", std::span(&replaced, 1)).ok());
  EXPECT_TRUE(Ids("org_a", "monument").empty());
  EXPECT_EQ(Ids("org_a", "zeppelin"), std::vector<std::string>{"d2"});
  EXPECT_EQ(index_->Check("org_a").doc_count, 3u);

  const std::vector<std::string> gone = {"d2", "no_such_id"};
  ASSERT_TRUE(index_->Delete("org_a", gone).ok());
  EXPECT_TRUE(Ids("org_a", "zeppelin").empty());
  EXPECT_EQ(index_->Check("org_a").doc_count, 2u);
}

TEST_F(SearchIndexTest, FiltersByTermsAndDateRange) {
  Seed("org_a");
  Query q;
  q.text = "sign";
  q.filters["type"] = {"permit"};
  EXPECT_EQ(Ids("org_a", q), std::vector<std::string>{"d2"});
  q.filters["type"] = {"permit", "contract"};  // any of the values
  auto ids = Ids("org_a", q);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"d1", "d2"}));
  q.filters["owner"] = {"u1"};  // and every key
  EXPECT_EQ(Ids("org_a", q), std::vector<std::string>{"d1"});

  Query dated;  // no text: every document passing the filters
  dated.date_from = 1500;
  dated.date_to = 3000;
  ids = Ids("org_a", dated);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"d2", "d3"}));
  dated.filters["project"] = {"p2"};
  EXPECT_EQ(Ids("org_a", dated), std::vector<std::string>{"d3"});
  dated.date_to = 2999;
  EXPECT_TRUE(Ids("org_a", dated).empty());

  Query bad;
  bad.text = "sign";
  bad.date_from = 5;
  bad.date_to = 1;
  EXPECT_EQ(index_->Search("org_a", bad).status().code(), ErrorCode::kInvalidArgument);
  bad = Query{};
  bad.filters["Bad Key"] = {"x"};
  EXPECT_EQ(index_->Search("org_a", bad).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SearchIndexTest, SnippetsHighlightMatchesAndEscapeHtml) {
  ASSERT_TRUE(index_->Create("org_a").ok());
  const Document d = Doc("d1", "Wind load", "Check <b>wind</b> loads & the pole footing depth.");
  ASSERT_TRUE(index_->Upsert("org_a", std::span(&d, 1)).ok());
  Query q;
  q.text = "loading";
  auto r = index_->Search("org_a", q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->hits.size(), 1u);
  const std::string& s = r->hits[0].snippet;
  EXPECT_NE(s.find("<mark>loads</mark>"), std::string::npos) << s;
  EXPECT_NE(s.find("&lt;b&gt;"), std::string::npos) << s;
  EXPECT_NE(s.find("&amp;"), std::string::npos) << s;
  EXPECT_EQ(s.find("<b>"), std::string::npos) << s;
  q.snippet_field = "title";
  r = index_->Search("org_a", q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hits[0].snippet, "Wind <mark>load</mark>");
}

TEST_F(SearchIndexTest, PagesSayWhetherMoreHitsFollowAndHighlightEachReturnedHit) {
  ASSERT_TRUE(index_->Create("org_a").ok());
  std::vector<Document> docs;
  for (int i = 0; i < 3; ++i) {
    docs.push_back(Doc("d" + std::to_string(i), "Pole " + std::to_string(i),
                       "The footing of pole " + std::to_string(i) + " needs <deeper> anchors."));
  }
  ASSERT_TRUE(index_->Upsert("org_a", docs).ok());
  Query q;
  q.text = "anchor footing";
  q.mode = Mode::kBm25;
  q.limit = 2;
  auto r = index_->Search("org_a", q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->hits.size(), 2u);  // the page only, though one more hit exists
  EXPECT_TRUE(r->more);
  for (const Hit& h : r->hits) {
    EXPECT_NE(h.snippet.find("<mark>footing</mark>"), std::string::npos) << h.snippet;
    EXPECT_NE(h.snippet.find("<mark>anchors</mark>"), std::string::npos) << h.snippet;
    EXPECT_NE(h.snippet.find("&lt;deeper&gt;"), std::string::npos) << h.snippet;
  }
  q.offset = 2;
  r = index_->Search("org_a", q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_FALSE(r->more);
  EXPECT_NE(r->hits[0].snippet.find("<mark>footing</mark>"), std::string::npos);
  q.offset = 0;
  q.limit = 3;
  r = index_->Search("org_a", q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hits.size(), 3u);
  EXPECT_FALSE(r->more);
}

TEST_F(SearchIndexTest, OrgsAreIsolated) {
  Seed("org_a");
  ASSERT_TRUE(index_->Create("org_b").ok());
  const Document other = Doc("b1", "Pylon", "Another company's pylon sign.");
  ASSERT_TRUE(index_->Upsert("org_b", std::span(&other, 1)).ok());
  EXPECT_EQ(Ids("org_b", "pylon"), std::vector<std::string>{"b1"});
  EXPECT_EQ(Ids("org_a", "pylon"), std::vector<std::string>{"d1"});
  EXPECT_TRUE(Ids("org_b", "permit").empty());
  // Separate directories, by construction.
  EXPECT_TRUE(fs::is_directory(dir_ / "search" / "documents" / "org_a"));
  EXPECT_TRUE(fs::is_directory(dir_ / "search" / "documents" / "org_b"));
  // Org ids cannot escape the index folder.
  EXPECT_EQ(index_->Search("../org_a", Query{}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(index_->Create("").code(), ErrorCode::kInvalidArgument);
}

TEST_F(SearchIndexTest, MissingIndexIsReported) {
  EXPECT_EQ(index_->Check("org_new").state, IndexState::kMissing);
  const Status st = index_->Search("org_new", Query{}).status();
  EXPECT_EQ(st.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(NeedsRebuild(st));
  // A write never silently creates a partial index.
  const Document d = Doc("x", "t", "b");
  EXPECT_EQ(index_->Upsert("org_new", std::span(&d, 1)).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(index_->Create("org_new").ok());
  EXPECT_TRUE(index_->Upsert("org_new", std::span(&d, 1)).ok());
  EXPECT_EQ(index_->Check("org_new").doc_count, 1u);
  // Removed → missing again.
  ASSERT_TRUE(index_->DropOrg("org_new").ok());
  EXPECT_EQ(index_->Check("org_new").state, IndexState::kMissing);
}

TEST_F(SearchIndexTest, CorruptIndexIsDetectedAndRebuilt) {
  Seed("org_a");
  ASSERT_EQ(Ids("org_a", "permit").size(), 1u);  // a pooled reader is open
  const fs::path org = dir_ / "search" / "documents" / "org_a";
  std::string gen;
  std::ifstream(org / "XAPIANDB") >> gen >> gen;
  for (const auto& entry : fs::directory_iterator(org / gen)) {
    std::ofstream(entry.path(), std::ios::trunc) << "garbage, not a glass table";
  }
  EXPECT_EQ(index_->Check("org_a").state, IndexState::kCorrupt);
  const Status st = index_->Search("org_a", Query{.text = "permit"}).status();
  EXPECT_TRUE(NeedsRebuild(st)) << st.ToString();
  EXPECT_EQ(st.code(), ErrorCode::kDataLoss) << st.ToString();
  const Document d = Doc("x", "t", "b");
  EXPECT_EQ(index_->Upsert("org_a", std::span(&d, 1)).code(), ErrorCode::kDataLoss);

  // Rebuild from the caller's stream (e.g. its database rows).
  const std::vector<Document> rows = {Doc("d1", "Pylon", "pylon sign"),
                                      Doc("d2", "Permit", "city permit")};
  std::size_t i = 0;
  auto count = index_->Rebuild("org_a", [&]() -> Result<std::optional<Document>> {
    if (i == rows.size()) return std::optional<Document>();
    return std::optional<Document>(rows[i++]);
  });
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 2u);
  EXPECT_EQ(index_->Check("org_a").state, IndexState::kOk);
  EXPECT_EQ(index_->Verify("org_a").state, IndexState::kOk);
  EXPECT_EQ(Ids("org_a", "permit"), std::vector<std::string>{"d2"});
}

TEST_F(SearchIndexTest, BrokenStubIsCorrupt) {
  Seed("org_a");
  std::ofstream(dir_ / "search" / "documents" / "org_a" / "XAPIANDB", std::ios::trunc) << "??";
  EXPECT_EQ(index_->Check("org_a").state, IndexState::kCorrupt);
  EXPECT_EQ(index_->Search("org_a", Query{.text = "x"}).status().code(), ErrorCode::kDataLoss);
}

TEST_F(SearchIndexTest, FailedRebuildKeepsTheOldIndex) {
  Seed("org_a");
  int calls = 0;
  auto r = index_->Rebuild("org_a", [&]() -> Result<std::optional<Document>> {
    if (calls++ == 0) return std::optional<Document>(Doc("n1", "new", "zeppelin"));
    return Unavailable("database went away");
  });
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Ids("org_a", "permit"), std::vector<std::string>{"d2"});
  EXPECT_TRUE(Ids("org_a", "zeppelin").empty());
  EXPECT_EQ(index_->Check("org_a").doc_count, 3u);
}

TEST_F(SearchIndexTest, RebuildSwitchesReadersToTheNewGeneration) {
  Seed("org_a");
  EXPECT_EQ(Ids("org_a", "permit").size(), 1u);
  bool done = false;
  ASSERT_TRUE(index_
                  ->Rebuild("org_a",
                            [&]() -> Result<std::optional<Document>> {
                              if (done) return std::optional<Document>();
                              done = true;
                              return std::optional<Document>(Doc("z1", "Zeppelin", "airship sign"));
                            })
                  .ok());
  EXPECT_TRUE(Ids("org_a", "permit").empty());
  EXPECT_EQ(Ids("org_a", "zeppelin"), std::vector<std::string>{"z1"});
  // Writes go to the new generation.
  const Document d = Doc("z2", "Blimp", "another airship");
  ASSERT_TRUE(index_->Upsert("org_a", std::span(&d, 1)).ok());
  EXPECT_EQ(Ids("org_a", "airship").size(), 2u);
}

TEST_F(SearchIndexTest, RejectsBadDocuments) {
  ASSERT_TRUE(index_->Create("org_a").ok());
  Document d = Doc("", "t", "b");
  EXPECT_EQ(index_->Upsert("org_a", std::span(&d, 1)).code(), ErrorCode::kInvalidArgument);
  d = Doc("x", "t", "b");
  d.fields[0].name = "Title!";
  EXPECT_EQ(index_->Upsert("org_a", std::span(&d, 1)).code(), ErrorCode::kInvalidArgument);
  d = Doc("x", "t", "b", {{"type", ""}});
  EXPECT_EQ(index_->Upsert("org_a", std::span(&d, 1)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SearchIndex::Open({.data_dir = dir_.string(), .name = "Bad/Name"}).status().code(),
            ErrorCode::kInvalidArgument);
}

// One writer and several readers at once: every search succeeds and sees a consistent index.
TEST_F(SearchIndexTest, ConcurrentWriterAndReaders) {
  ASSERT_TRUE(index_->Create("org_a").ok());
  std::atomic<bool> stop = false;
  std::atomic<int> failures = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        Query q;
        q.text = "sign";
        auto r = index_->Search("org_a", q);
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << r.status().ToString();
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    const Document d =
        Doc("d" + std::to_string(i), "Sign", "pylon sign number " + std::to_string(i));
    ASSERT_TRUE(index_->Upsert("org_a", std::span(&d, 1)).ok());
    RetrievalParams p = *index_->params();  // parameters swapped while searches run
    p.k1 = i % 2 ? 1.2 : 0.9;
    index_->set_params(p);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures, 0);
  Query q;
  q.text = "sign";
  q.limit = 100;
  EXPECT_EQ(Ids("org_a", q).size(), 50u);
}

TEST_F(SearchIndexTest, HybridUsesATrainedReranker) {
  ASSERT_TRUE(index_->Create("org_a").ok());
  // Relevant documents carry the query words in the title; decoys repeat them in long bodies.
  std::vector<Document> docs;
  std::vector<std::pair<std::string, std::string>> queries;
  const char* topics[] = {"anchor", "banner",  "cabinet", "channel", "footing", "neon",
                          "pylon",  "raceway", "vinyl",   "awning",  "kiosk",   "mural"};
  for (int i = 0; i < 12; ++i) {
    const std::string t = topics[i];
    docs.push_back(Doc("rel_" + t, t + " letters", "about " + t + " letters in short"));
    docs.push_back(Doc("dec_" + t, "misc notes",
                       t + " " + t + " " + t + " letters letters and many other words here"));
    queries.emplace_back(t, t + " letters");
  }
  ASSERT_TRUE(index_->Upsert("org_a", docs).ok());
  std::vector<RerankGroup> groups;
  for (const auto& [t, text] : queries) {
    auto c = index_->RerankCandidates("org_a", text, 10);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_EQ(c->features.size(), c->ids.size() * kNumRerankFeatures);
    RerankGroup g;
    g.features = c->features;
    for (const std::string& id : c->ids) g.labels.push_back(id == "rel_" + t ? 1.0f : 0.0f);
    groups.push_back(std::move(g));
  }
  auto model = Reranker::Train(groups, {.rounds = 20, .max_depth = 2, .eta = 0.3});
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  // Save/Load round trip scores identically.
  auto bytes = (*model)->Save();
  ASSERT_TRUE(bytes.ok());
  auto loaded = Reranker::Load(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto s1 = (*model)->Score(groups[0].features);
  auto s2 = (*loaded)->Score(groups[0].features);
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(*s1, *s2);
  // Scores come from the compact copy of the trees, exactly XGBoost's own margins.
  EXPECT_TRUE((*model)->native());
  EXPECT_TRUE((*loaded)->native());
  for (const RerankGroup& g : groups) {
    auto ours = (*loaded)->Score(g.features);
    auto xgb = (*loaded)->ScoreWithXGBoost(g.features);
    ASSERT_TRUE(ours.ok() && xgb.ok());
    EXPECT_EQ(*ours, *xgb);
  }

  RetrievalParams p = *index_->params();
  p.reranker = *loaded;
  index_->set_params(p);
  Query q;
  q.text = "pylon letters";
  q.limit = 3;
  auto r = index_->Search("org_a", q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->hits.empty());
  EXPECT_EQ(r->hits[0].id, "rel_pylon");
  EXPECT_EQ(Reranker::Train({}).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signx::search
