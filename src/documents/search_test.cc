// Document search and Q&A on SQLite and PostgreSQL: documents uploaded through the API, processed
// and indexed by a real jobs::Worker into a real per-org Xapian index (search/search_index.h),
// searched and asked through the Router; the fallback to the database when the index directory is
// removed, and the documents.reindex job that rebuilds it.
#include "documents/search.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "documents/changes.h"
#include "documents/project_summary.h"
#include "documents/routes.h"
#include "documents/service.h"
#include "jobs/worker.h"
#include "search/reranker.h"
#include "search/reranker_registry.h"
#include "storage/testing/test_stores.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

constexpr std::string_view kMinutes =
    "Project Meeting Minutes\n\nDate: December 7, 2026\n\nThe team reviewed the pylon sign "
    "schedule. Fabrication is two weeks behind because the LED modules are on backorder.\n\n"
    "It was agreed to proceed with the revised footing design.\n\nDana to send the revised shop "
    "drawings by Friday.\n";

constexpr std::string_view kPermit =
    "Sign Permit Application\n\nThe city requires a wind load calculation for the monument "
    "sign. The permit fee is $450 and inspection follows installation.\n";

class DocumentSearchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-docsearch-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_ / "blobs", int64_t{1} << 27)));
    models_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    service_ = std::make_unique<DocumentService>(db_->store(), outbox_, *queue_, blobs_, *models_,
                                                 ServiceOptions{.seed_per_type = 15});
    auto search = DocumentSearch::Open(db_->store(), *queue_, dir_.string(), models_.get());
    ASSERT_TRUE(search.ok()) << search.status().ToString();
    search_ = std::move(*search);
    service_->set_indexer(search_.get());
    RegisterDocumentJobs(*queue_, *service_);
    RegisterSearchJobs(*queue_, *search_);
    AddDocumentRoutes(router_, schemas_, *service_);
    AddSearchRoutes(router_, schemas_, *search_);
    AddProjectSummaryRoute(router_, schemas_, *service_);
    AddProjectChangesRoute(router_, schemas_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& org = "org_a") {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::ParseQuery(target.substr(q + 1));
    req.request_id = "req-1";
    req.body = body;
    req.principal = http::Principal{.kind = "user",
                                    .subject_id = "usr_" + org,
                                    .org_id = org,
                                    .role = "org_member",
                                    .permissions = {"*"}};
    http::Match m = router_.Find(method, req.path);
    SIGNX_CHECK(m.route != nullptr, "no route for " + method + " " + req.path);
    req.path_params = m.params;
    return m.route->handler(req);
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }

  std::string Upload(std::string_view bytes, const std::string& filename,
                     const std::string& org = "org_a", const std::string& project = "") {
    auto r = Call(
        "POST",
        "/v1/documents?filename=" + filename + (project.empty() ? "" : "&project_id=" + project),
        std::string(bytes), org);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? std::string(Obj(r).at("id").as_string()) : "";
  }

  void AddProject(const std::string& id, const std::string& org = "org_a") {
    ASSERT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& txn) {
                      return txn
                          .Exec(
                              "INSERT INTO projects (id, org_id, name, status, metadata, "
                              "created_at, updated_at) VALUES ($1, $2, $3, 'draft', '{}', 0, 0)",
                              {id, org, "Project " + id})
                          .status();
                    })
                    .ok());
  }

  int RunJobs() {
    jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
    int ran = 0;
    while (*worker.RunOnce()) ++ran;
    return ran;
  }

  json::object Search(const std::string& query, const std::string& org = "org_a") {
    auto r = Call("GET", "/v1/documents/search?" + query, "", org);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Obj(r) : json::object{};
  }
  static std::vector<std::string> DocIds(const json::object& result) {
    std::vector<std::string> out;
    if (!result.contains("items")) return out;
    for (const auto& h : result.at("items").as_array()) {
      out.emplace_back(h.as_object().at("document_id").as_string());
    }
    return out;
  }
  int64_t ReindexJobs(const std::string& state) {
    return db_->store()
        .Query("SELECT COUNT(*) FROM jobs WHERE type = 'documents.reindex' AND state = $1", {state})
        ->rows[0]
        .Int(0);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> models_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<DocumentService> service_;
  std::unique_ptr<DocumentSearch> search_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(DocumentSearchTest, ReadyDocumentsAreFoundWithSnippetsPagesAndFilters) {
  AddProject("prj_1");
  AddProject("prj_2");
  const std::string minutes = Upload(kMinutes, "minutes.txt", "org_a", "prj_1");
  const std::string permit = Upload(kPermit, "permit.txt", "org_a", "prj_2");
  RunJobs();
  auto r = Search("q=footing+design");
  EXPECT_EQ(r.at("source"), "index");
  ASSERT_EQ(DocIds(r), std::vector<std::string>{minutes});
  const auto& hit = r.at("items").as_array()[0].as_object();
  EXPECT_EQ(hit.at("title"), "minutes.txt");
  EXPECT_EQ(hit.at("page").as_int64(), 1);
  EXPECT_GT(hit.at("score").as_double(), 0);
  EXPECT_NE(std::string(hit.at("snippet").as_string()).find("<mark>footing</mark>"),
            std::string::npos)
      << hit.at("snippet");

  // The file name is a weighted field.
  EXPECT_EQ(DocIds(Search("q=permit")).front(), permit);
  // Filters: project, type, dates.
  EXPECT_EQ(DocIds(Search("q=sign&project_id=prj_2")), std::vector<std::string>{permit});
  EXPECT_TRUE(DocIds(Search("q=footing&project_id=prj_2")).empty());
  auto doc = Obj(Call("GET", "/v1/documents/" + minutes));
  const std::string type(doc.at("doc_type").as_string());
  const std::string other = type == "invoice" ? "contract" : "invoice";
  EXPECT_EQ(DocIds(Search("q=footing&type=" + type)), std::vector<std::string>{minutes});
  EXPECT_TRUE(DocIds(Search("q=footing&type=" + other)).empty());
  EXPECT_TRUE(DocIds(Search("q=footing&from=2999-01-01")).empty());
  EXPECT_EQ(DocIds(Search("q=footing&from=2000-01-01&to=2999-12-31")),
            std::vector<std::string>{minutes});
  EXPECT_TRUE(DocIds(Search("q=footing&owner=usr_nobody")).empty());
  EXPECT_EQ(DocIds(Search("q=footing&owner=usr_org_a")), std::vector<std::string>{minutes});

  // Offset pages.
  auto p1 = Search("q=sign&limit=1");
  ASSERT_EQ(p1.at("items").as_array().size(), 1u);
  ASSERT_TRUE(p1.at("next_cursor").is_string());
  auto p2 = Search("q=sign&limit=1&cursor=" + std::string(p1.at("next_cursor").as_string()));
  ASSERT_EQ(p2.at("items").as_array().size(), 1u);
  EXPECT_NE(DocIds(p1), DocIds(p2));
}

TEST_P(DocumentSearchTest, ARegisteredRerankerMakesSearchHybridAndBm25IsTheFallback) {
  const std::string minutes = Upload(kMinutes, "minutes.txt");
  const std::string permit = Upload(kPermit, "permit.txt");
  // The LSA vectors need at least 10 chunks: a few more short notes.
  const char* subjects[] = {"cabinet", "footing", "permit", "LED module", "raceway", "vinyl",
                            "survey", "crane", "invoice", "channel letter", "monument", "paint"};
  for (int i = 0; i < 12; ++i) {
    Upload(fmt::format("Note {}\n\nThe {} for the {} was checked on site by the crew and the "
                       "{} needs a second visit.\n",
                       i, subjects[i], subjects[(i + 5) % 12], subjects[(i + 7) % 12]),
           fmt::format("note{}.txt", i));
  }
  RunJobs();
  ASSERT_TRUE(search_->StartRanking(std::chrono::hours(1)).ok());
  // No model registered: BM25.
  auto r = Search("q=sign+schedule");
  EXPECT_EQ(r.at("ranking"), "bm25");
  EXPECT_EQ(search_->RankingFor("org_a"), "bm25");

  // A re-ranker trained on this index (judging the minutes relevant to sign queries), registered
  // and promoted as `signx train retrieval` does.
  {
    Status built = search_->BuildSemantic("org_a");
    ASSERT_TRUE(built.ok()) << built.ToString();
  }
  std::vector<search::RerankGroup> groups;
  for (const char* q : {"sign", "sign schedule", "pylon sign", "sign permit", "the sign"}) {
    auto c = search_->index().RerankCandidates("org_a", q, 50);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    search::RerankGroup g{.features = c->features, .labels = {}};
    for (const auto& id : c->ids) g.labels.push_back(id.starts_with(minutes) ? 1.0f : 0.0f);
    groups.push_back(std::move(g));
  }
  auto model = search::Reranker::Train(groups, {.rounds = 20, .max_depth = 3});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto version = search::RegisterReranker(*models_, **model, {{"training_data", "test"}}, "test",
                                          /*promote=*/true);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  ASSERT_TRUE(search_->RefreshReranker().ok());
  EXPECT_EQ(search_->RankingFor("org_a"), "hybrid:" + version->version);
  r = Search("q=sign");
  EXPECT_EQ(r.at("ranking").as_string(), "hybrid:" + version->version);
  // Re-ranked (the model learned to put the minutes first), nothing dropped.
  EXPECT_EQ(DocIds(r), (std::vector<std::string>{minutes, permit}));
  // Filters still apply to the hybrid.
  EXPECT_EQ(DocIds(Search("q=sign&owner=usr_nobody")), std::vector<std::string>{});
  // Another org's searches stay BM25 until its LSA vectors exist.
  Upload(kPermit, "permit.txt", "org_b");
  RunJobs();
  EXPECT_EQ(Search("q=permit", "org_b").at("ranking"), "bm25");
}

TEST_P(DocumentSearchTest, BadQueriesAre422NamingTheField) {
  for (const auto& [q, field] :
       std::vector<std::pair<std::string, std::string>>{{"", "q"},
                                                        {"q=x&from=2026-13-01", "from"},
                                                        {"q=x&type=nope", "type"},
                                                        {"q=x&limit=0", "limit"},
                                                        {"q=x&cursor=abc", "cursor"}}) {
    auto r = Call("GET", "/v1/documents/search?" + q);
    EXPECT_EQ(r.status, 422) << q;
    EXPECT_NE(r.body.find("\"" + field + "\""), std::string::npos) << r.body;
  }
  auto a = Call("POST", "/v1/documents/ask", R"({"question": ""})");
  EXPECT_EQ(a.status, 422);
  EXPECT_NE(a.body.find("question"), std::string::npos);
}

TEST_P(DocumentSearchTest, AnOrgNeverSeesAnotherOrgsHitsInIndexOrFallback) {
  const std::string a = Upload(kMinutes, "minutes.txt", "org_a");
  const std::string b = Upload(std::string(kMinutes) + "\nOrg B copy.\n", "b.txt", "org_b");
  RunJobs();
  EXPECT_EQ(DocIds(Search("q=footing", "org_a")), std::vector<std::string>{a});
  EXPECT_EQ(DocIds(Search("q=footing", "org_b")), std::vector<std::string>{b});
  auto ask = Obj(Call("POST", "/v1/documents/ask", R"({"question": "org B copy"})", "org_a"));
  for (const auto& c : ask.at("citations").as_array()) {
    EXPECT_EQ(c.as_object().at("document_id").as_string(), a);
  }
  // Fallback (org_a's index removed): still only org_a's chunks.
  std::filesystem::remove_all(search_->index().OrgPath("org_a"));
  auto r = Search("q=footing", "org_a");
  EXPECT_EQ(r.at("source"), "database");
  EXPECT_EQ(DocIds(r), std::vector<std::string>{a});
  EXPECT_EQ(Search("q=footing", "org_b").at("source"), "index");
}

TEST_P(DocumentSearchTest, MissingIndexFallsBackToTheDatabaseAndTheJobRebuildsIt) {
  const std::string id = Upload(kMinutes, "minutes.txt");
  RunJobs();
  EXPECT_EQ(Search("q=footing").at("source"), "index");
  ASSERT_TRUE(std::filesystem::exists(search_->index().OrgPath("org_a")));
  std::filesystem::remove_all(search_->index().OrgPath("org_a"));

  auto r = Search("q=revised+footing");
  EXPECT_EQ(r.at("source"), "database");
  ASSERT_EQ(DocIds(r), std::vector<std::string>{id});
  EXPECT_NE(std::string(r.at("items").as_array()[0].as_object().at("snippet").as_string())
                .find("<mark>footing</mark>"),
            std::string::npos);
  Search("q=footing");  // a second fallback queues no second job
  EXPECT_EQ(ReindexJobs("queued"), 1);

  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(ReindexJobs("succeeded"), 2);  // the first document's and this one
  auto again = Search("q=footing");
  EXPECT_EQ(again.at("source"), "index");
  EXPECT_EQ(DocIds(again), std::vector<std::string>{id});
}

TEST_P(DocumentSearchTest, DeletedDocumentsLeaveTheIndex) {
  const std::string id = Upload(kMinutes, "minutes.txt");
  RunJobs();
  auto before = search_->index().Search("org_a", {.text = "footing"});
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->hits.size(), 1u);
  ASSERT_EQ(Call("DELETE", "/v1/documents/" + id).status, 204);
  auto after = search_->index().Search("org_a", {.text = "footing"});
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->hits.empty());
  EXPECT_TRUE(DocIds(Search("q=footing")).empty());
}

TEST_P(DocumentSearchTest, AskQuotesTheBestSentenceWithItsCitation) {
  const std::string id = Upload(kMinutes, "minutes.txt");
  Upload(kPermit, "permit.txt");
  RunJobs();
  auto r =
      Call("POST", "/v1/documents/ask", R"({"question": "Who sends the revised shop drawings?"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto a = Obj(r);
  EXPECT_TRUE(a.at("found").as_bool());
  EXPECT_EQ(a.at("source"), "index");
  EXPECT_NE(std::string(a.at("answer").as_string()).find("Dana to send the revised shop drawings"),
            std::string::npos)
      << r.body;
  const auto& c = a.at("citations").as_array().at(0).as_object();
  EXPECT_EQ(c.at("document_id").as_string(), id);
  EXPECT_EQ(c.at("title"), "minutes.txt");
  // The span is the cited text in the page's text.
  auto text = Obj(Call("GET", "/v1/documents/" + id + "/text"));
  const std::string page(text.at("pages")
                             .as_array()
                             .at(c.at("page").as_int64() - 1)
                             .as_object()
                             .at("text")
                             .as_string());
  const auto start = c.at("start").as_int64(), end = c.at("end").as_int64();
  ASSERT_LE(end, static_cast<int64_t>(page.size()));
  EXPECT_EQ(page.substr(start, end - start), std::string(c.at("text").as_string()));

  auto none = Obj(Call("POST", "/v1/documents/ask", R"({"question": "xylophone quasar"})"));
  EXPECT_FALSE(none.at("found").as_bool());
  EXPECT_EQ(none.at("answer"), "No answer found in the documents.");
  EXPECT_TRUE(none.at("citations").as_array().empty());
}

TEST_P(DocumentSearchTest, SnippetsEscapeHtmlFromDocuments) {
  Upload("Footing notes\n\n<script>alert(1)</script> the footing depth is 6 ft & more.\n",
         "notes.txt");
  RunJobs();
  auto r = Search("q=footing+depth");
  ASSERT_FALSE(r.at("items").as_array().empty());
  const std::string snippet(r.at("items").as_array()[0].as_object().at("snippet").as_string());
  EXPECT_EQ(snippet.find("<script>"), std::string::npos) << snippet;
  EXPECT_NE(snippet.find("&lt;script&gt;"), std::string::npos) << snippet;
  std::filesystem::remove_all(search_->index().OrgPath("org_a"));
  auto fb = Search("q=footing+depth");
  ASSERT_EQ(fb.at("source"), "database");
  const std::string s2(fb.at("items").as_array()[0].as_object().at("snippet").as_string());
  EXPECT_EQ(s2.find("<script>"), std::string::npos) << s2;
  EXPECT_NE(s2.find("&lt;script&gt;"), std::string::npos) << s2;
}

TEST_P(DocumentSearchTest, ProjectSummaryListsOpenActionItemsAndRisksWithTheirDocuments) {
  AddProject("prj_1");
  AddProject("prj_2");
  const std::string minutes = Upload(kMinutes, "minutes.txt", "org_a", "prj_1");
  Upload(std::string(kMinutes) + "\nOther project.\n", "other.txt", "org_a", "prj_2");
  RunJobs();
  auto r = Call("GET", "/v1/projects/prj_1/documents/summary");
  ASSERT_EQ(r.status, 200) << r.body;
  auto s = Obj(r);
  EXPECT_EQ(s.at("document_count").as_int64(), 1);
  const auto& actions = s.at("action_items").as_array();
  ASSERT_FALSE(actions.empty()) << r.body;
  bool dana = false;
  int64_t dana_index = -1;
  for (const auto& a : actions) {
    EXPECT_EQ(a.as_object().at("document_id").as_string(), minutes);
    EXPECT_EQ(a.as_object().at("title"), "minutes.txt");
    EXPECT_GE(a.as_object().at("page").as_int64(), 1);
    EXPECT_EQ(a.as_object().at("source"), "offline");  // no LLM configured
    if (std::string(a.as_object().at("text").as_string()).find("Dana to send") !=
        std::string::npos) {
      dana = true;
      dana_index = a.as_object().at("item_index").as_int64();
    }
  }
  EXPECT_TRUE(dana) << r.body;
  const auto& risks = s.at("risks").as_array();
  ASSERT_FALSE(risks.empty()) << r.body;
  EXPECT_NE(std::string(risks[0].as_object().at("text").as_string()).find("backorder"),
            std::string::npos);
  EXPECT_EQ(risks[0].as_object().at("document_id").as_string(), minutes);

  // Marked done on the document page → no longer open.
  ASSERT_EQ(Call("POST", "/v1/documents/" + minutes + "/feedback",
                 R"({"target": "action_items", "item_index": )" + std::to_string(dana_index) +
                     R"(, "correction": {"done": true}})")
                .status,
            201);
  auto after = Obj(Call("GET", "/v1/projects/prj_1/documents/summary"));
  EXPECT_EQ(after.at("action_items").as_array().size(), actions.size() - 1);

  // Another org's project is 404.
  EXPECT_EQ(Call("GET", "/v1/projects/prj_1/documents/summary", "", "org_b").status, 404);
  EXPECT_EQ(Call("GET", "/v1/projects/prj_missing/documents/summary").status, 404);
}

TEST(HighlightSnippetTest, MarksStemmedMatchesAndEscapes) {
  const auto terms = search::AnalyzeTerms("footings");
  EXPECT_EQ(HighlightSnippet("A <b> footing & wall", terms, 200),
            "A &lt;b&gt; <mark>footing</mark> &amp; wall");
  EXPECT_EQ(DayToUnix("1970-01-02"), 86400);
  EXPECT_FALSE(DayToUnix("2026-02-30"));
}

constexpr std::string_view kRfp =
    "Request for Proposal: Pylon Signs\n\nThe vendor shall fabricate and install 2 pylon signs at "
    "the north entrance. Installation must be complete by March 15, 2027. The budget is "
    "$12,500.00 including permits.\n\nNight work is not permitted.\n";
constexpr std::string_view kContract =
    "Sign Installation Contract\n\nThe vendor shall fabricate and install 3 pylon signs at the "
    "north entrance. Installation must be complete by April 30, 2027. The budget is $14,200.00 "
    "including permits.\n\nLiquidated damages of $250 per day apply after the completion "
    "date.\n";

TEST_P(DocumentSearchTest, ProjectChangesBetweenTheRfpAndTheContractWithCitations) {
  AddProject("prj_1");
  AddProject("prj_2");
  const std::string rfp = Upload(kRfp, "rfp.txt", "org_a", "prj_1");
  const std::string contract = Upload(kContract, "contract.txt", "org_a", "prj_1");
  const std::string other = Upload(kPermit, "permit.txt", "org_a", "prj_2");
  RunJobs();
  auto changes = [&](const std::string& query, const std::string& org = "org_a") {
    return Call("GET", "/v1/projects/prj_1/documents/changes" + query, "", org);
  };
  // Explicit documents.
  auto r = changes("?from=" + rfp + "&to=" + contract);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object body = Obj(r);
  EXPECT_EQ(body.at("from").as_object().at("document_id").as_string(), rfp);
  EXPECT_EQ(body.at("to").as_object().at("document_id").as_string(), contract);
  const auto& counts = body.at("counts").as_object();
  EXPECT_EQ(counts.at("changed").as_int64(), 3);
  EXPECT_EQ(counts.at("added").as_int64(), 2);    // the contract's title, liquidated damages
  EXPECT_EQ(counts.at("removed").as_int64(), 2);  // the RFP's title, night work
  std::map<std::string, std::pair<std::string, std::string>> values;
  for (const auto& c : body.at("changes").as_array()) {
    const auto& o = c.as_object();
    if (o.at("kind") != "changed") continue;
    EXPECT_EQ(o.at("from").as_object().at("document_id").as_string(), rfp);
    EXPECT_EQ(o.at("from").as_object().at("page").as_int64(), 1);
    EXPECT_EQ(o.at("to").as_object().at("title"), "contract.txt");
    for (const auto& v : o.at("values").as_array()) {
      const auto& x = v.as_object();
      values[std::string(x.at("kind").as_string())] = {std::string(x.at("from").as_string()),
                                                       std::string(x.at("to").as_string())};
    }
  }
  EXPECT_EQ(values["quantity"], std::make_pair(std::string("2 pylon"), std::string("3 pylon")));
  EXPECT_EQ(values["date"],
            std::make_pair(std::string("March 15, 2027"), std::string("April 30, 2027")));
  EXPECT_EQ(values["amount"], std::make_pair(std::string("$12,500.00"), std::string("$14,200.00")));
  // The citation's offsets point into the page text of GET /text.
  const auto text = Obj(Call("GET", "/v1/documents/" + contract + "/text"));
  const std::string page1(text.at("pages").as_array()[0].as_object().at("text").as_string());
  for (const auto& c : body.at("changes").as_array()) {
    const auto& to = c.as_object().at("to");
    if (!to.is_object()) continue;
    const auto start = static_cast<std::size_t>(to.as_object().at("start").as_int64());
    const auto end = static_cast<std::size_t>(to.as_object().at("end").as_int64());
    EXPECT_EQ(page1.substr(start, end - start), to.as_object().at("text").as_string());
  }

  // Defaults: the newest ready rfp and contract of the project, by classification.
  for (const auto& [id, type] : {std::pair{rfp, "rfp"}, std::pair{contract, "contract"}}) {
    ASSERT_EQ(Call("POST", "/v1/documents/" + id + "/feedback",
                   std::string(R"({"target":"classification","correction":{"doc_type":")") +
                       type + R"("}})")
                  .status,
              201);
}
r = changes("");
ASSERT_EQ(r.status, 200) << r.body;
EXPECT_EQ(Obj(r).at("from").as_object().at("doc_type"), "rfp");
EXPECT_EQ(Obj(r).at("to").as_object().at("document_id").as_string(), contract);

// Errors: a document of another project (422 naming it), the same document twice, another
// org's project (404), a project without an rfp (422 naming from).
r = changes("?from=" + other + "&to=" + contract);
EXPECT_EQ(r.status, 422) << r.body;
EXPECT_NE(r.body.find("\"from\""), std::string::npos) << r.body;
EXPECT_EQ(changes("?from=" + rfp + "&to=" + rfp).status, 422);
EXPECT_EQ(changes("", "org_b").status, 404);
r = Call("GET", "/v1/projects/prj_2/documents/changes");
EXPECT_EQ(r.status, 422) << r.body;
EXPECT_NE(r.body.find("\"from\""), std::string::npos) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, DocumentSearchTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::documents
