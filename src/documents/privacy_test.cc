// Documents in the personal-data export and account deletion (identity/personal_data.h), on
// SQLite and PostgreSQL: a real IdentityService with DocumentsPersonalData registered, documents
// uploaded by seeded users through the routes, processed and indexed by a real worker into a real
// Xapian index; GET /v1/me/export's data lists the user's documents and feedback, DELETE /v1/me
// (IdentityService::DeleteAccount) and removal from the last org erase their documents from the
// database, the blob store and the search index, and leave other users' documents alone.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "documents/personal_data.h"
#include "documents/routes.h"
#include "documents/search.h"
#include "documents/service.h"
#include "http/testing/route_call.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/worker.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using identity::Role;
using identity::testing::IdentityWorld;
using identity::testing::kTestPassword;
using storage::testing::Backend;

constexpr std::string_view kMinutes =
    "Project Meeting Minutes\n\nDate: December 7, 2026\n\nThe team reviewed the pylon sign "
    "schedule. Fabrication is two weeks behind because the LED modules are on backorder.\n\n"
    "Dana to send the revised shop drawings by Friday.\n";
constexpr std::string_view kPermit =
    "Sign Permit Application\n\nThe city requires a wind load calculation for the monument "
    "sign. The permit fee is $450 and inspection follows installation.\n";

class DocumentsPrivacyTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(GetParam());
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-docprivacy-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_ / "blobs", int64_t{1} << 27)));
    models_ = std::make_unique<ml::ModelRegistry>(store(), *blobs_, SystemClock::Get());
    queue_ = std::make_unique<jobs::Queue>(store());
    service_ = std::make_unique<DocumentService>(store(), outbox_, *queue_, blobs_, *models_,
                                                 ServiceOptions{.seed_per_type = 15});
    auto search = DocumentSearch::Open(store(), *queue_, dir_.string());
    ASSERT_TRUE(search.ok()) << search.status().ToString();
    search_ = std::move(*search);
    service_->set_indexer(search_.get());
    RegisterDocumentJobs(*queue_, *service_);
    RegisterSearchJobs(*queue_, *search_);
    AddDocumentRoutes(router_, schemas_, *service_);
    AddSearchRoutes(router_, schemas_, *search_);
    personal_ = std::make_unique<DocumentsPersonalData>(*service_);
    world_->service().AddPersonalDataProvider(personal_.get());
    acme_ = world_->SeedOrg("acme");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  storage::Store& store() { return world_->store(); }

  http::Principal As(const identity::User& u, Role role) {
    return IdentityWorld::PrincipalOf(u, acme_.org, role);
  }

  http::Response Call(const http::Principal& p, const std::string& method,
                      const std::string& target, const std::string& body = "") {
    return http::testing::CallRoute(
        router_, {.method = method, .target = target, .body = body, .principal = p});
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }

  std::string Upload(const http::Principal& p, std::string_view bytes,
                     const std::string& filename) {
    auto r = Call(p, "POST", "/v1/documents?filename=" + filename, std::string(bytes));
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? std::string(Obj(r).at("id").as_string()) : "";
  }
  void RunJobs() {
    jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
    while (*worker.RunOnce()) {
    }
  }
  std::vector<std::string> Hits(const http::Principal& p, const std::string& q) {
    auto r = Call(p, "GET", "/v1/documents/search?q=" + q);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    const json::object body = Obj(r);
    for (const auto& h : body.at("items").as_array()) {
      out.emplace_back(h.as_object().at("document_id").as_string());
    }
    return out;
  }
  int64_t Count(const std::string& sql, const storage::Params& params) {
    return store().Query(sql, params)->rows[0].Int(0);
  }
  std::string Sha(const std::string& id) {
    return store().Query("SELECT sha256 FROM documents WHERE id = $1", {id})->rows[0].Text(0);
  }

  // member uploads the minutes and gives feedback on admin's permit; returns {minutes, permit}.
  std::pair<std::string, std::string> Seed() {
    const auto member = As(acme_.member, Role::kOrgMember);
    const auto admin = As(acme_.admin, Role::kOrgAdmin);
    const std::string minutes = Upload(member, kMinutes, "minutes.txt");
    const std::string permit = Upload(admin, kPermit, "permit.txt");
    RunJobs();
    EXPECT_EQ(Call(member, "POST", "/v1/documents/" + permit + "/feedback",
                   R"({"target":"summary.short","rating":"up"})")
                  .status,
              201);
    EXPECT_EQ(Call(member, "POST", "/v1/documents/" + minutes + "/feedback",
                   R"({"target":"action_items","item_index":0,"rating":"up"})")
                  .status,
              201);
    return {minutes, permit};
  }

  std::unique_ptr<IdentityWorld> world_;
  std::filesystem::path dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> models_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<DocumentService> service_;
  std::unique_ptr<DocumentSearch> search_;
  std::unique_ptr<DocumentsPersonalData> personal_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  identity::testing::SeededOrg acme_;
};

TEST_P(DocumentsPrivacyTest, ExportListsTheUsersDocumentsAndFeedback) {
  const auto [minutes, permit] = Seed();
  auto data = world_->service().ExportPersonalData(As(acme_.member, Role::kOrgMember), "req-2");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->modules.size(), 1u);
  EXPECT_EQ(data->modules[0].first, "documents");
  const json::object& section = data->modules[0].second.as_object();
  const json::array& docs = section.at("documents").as_array();
  ASSERT_EQ(docs.size(), 1u);  // the minutes, not the admin's permit
  const json::object& d = docs[0].as_object();
  EXPECT_EQ(d.at("id").as_string(), minutes);
  EXPECT_EQ(d.at("filename").as_string(), "minutes.txt");
  EXPECT_EQ(d.at("org_id").as_string(), acme_.org.id);
  EXPECT_EQ(d.at("links").as_object().at("file").as_string(), "/v1/documents/" + minutes + "/file");
  EXPECT_FALSE(d.contains("text"));  // metadata and links, not the contents
  const json::array& fb = section.at("feedback").as_array();
  ASSERT_EQ(fb.size(), 2u);
  std::set<std::string> fb_docs;
  for (const auto& f : fb) fb_docs.insert(std::string(f.as_object().at("document_id").as_string()));
  EXPECT_EQ(fb_docs, (std::set<std::string>{minutes, permit}));
  EXPECT_FALSE(section.at("documents_truncated").as_bool());
}

TEST_P(DocumentsPrivacyTest, DeletingTheAccountErasesTheUsersDocumentsEverywhere) {
  const auto [minutes, permit] = Seed();
  const auto admin = As(acme_.admin, Role::kOrgAdmin);
  const std::string minutes_sha = Sha(minutes);
  ASSERT_EQ(Hits(admin, "backorder"), std::vector<std::string>{minutes});
  ASSERT_TRUE(*blobs_->Exists(minutes_sha));
  const auto before = search_->index().Check(acme_.org.id);
  ASSERT_EQ(before.state, search::IndexState::kOk);
  // A cached LLM answer for the document (llm_cache, keyed by org and SHA-256).
  ASSERT_TRUE(store()
                  .WithTxn([&](storage::Txn& t) {
                    return t
                        .Exec(
                            "INSERT INTO llm_cache (org_id, document_sha256, task, tier, model, "
                            "prompt_version, answer, tokens_in, tokens_out, created_at) VALUES "
                            "($1, $2, 'summary_short', 'small', 'm', 'v1', 'x', 1, 1, 0)",
                            {acme_.org.id, minutes_sha})
                        .status();
                  })
                  .ok());

  ASSERT_TRUE(world_->service()
                  .DeleteAccount(As(acme_.member, Role::kOrgMember), kTestPassword, "req-3")
                  .ok());

  // Database: the document, its pages, chunks, analysis and feedback.
  for (const char* table :
       {"documents", "document_pages", "document_chunks", "document_analyses"}) {
    const std::string col = std::string(table) == "documents" ? "id" : "document_id";
    EXPECT_EQ(Count(fmt::format("SELECT COUNT(*) FROM {} WHERE {} = $1", table, col), {minutes}), 0)
        << table;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM document_feedback WHERE document_id = $1", {minutes}), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM blobs WHERE sha256 = $1", {minutes_sha}), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM llm_cache WHERE document_sha256 = $1", {minutes_sha}), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'documents.document_deleted' AND "
                  "subject_id = $1",
                  {minutes}),
            1);
  // The blob file, at once (not after the GC's grace period).
  EXPECT_FALSE(*blobs_->Exists(minutes_sha));
  // The search index: no hit, and the chunks left the index.
  EXPECT_TRUE(Hits(admin, "backorder").empty());
  const auto after = search_->index().Check(acme_.org.id);
  EXPECT_LT(after.doc_count, before.doc_count);
  EXPECT_EQ(after.doc_count,
            static_cast<std::uint64_t>(
                Count("SELECT COUNT(*) FROM document_chunks WHERE org_id = $1", {acme_.org.id})));
  // Other users' documents stay; the user's feedback on them stays as the org's label but no
  // longer names the user.
  EXPECT_EQ(Hits(admin, "permit"), std::vector<std::string>{permit});
  EXPECT_TRUE(*blobs_->Exists(Sha(permit)));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM document_feedback WHERE document_id = $1 AND created_by "
                  "IS NULL",
                  {permit}),
            1);
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM document_feedback WHERE created_by = $1", {acme_.member.id}), 0);
}

TEST_P(DocumentsPrivacyTest, RefusedDeletionKeepsEverything) {
  const auto [minutes, permit] = Seed();
  // The org's only org_admin cannot delete their account (409): nothing of theirs goes.
  auto st =
      world_->service().DeleteAccount(As(acme_.admin, Role::kOrgAdmin), kTestPassword, "req-4");
  ASSERT_EQ(st.code(), ErrorCode::kConflict) << st.ToString();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM documents WHERE id = $1", {permit}), 1);
  EXPECT_TRUE(*blobs_->Exists(Sha(permit)));
  EXPECT_EQ(Hits(As(acme_.member, Role::kOrgMember), "permit"), std::vector<std::string>{permit});
}

TEST_P(DocumentsPrivacyTest, RemovingAUserFromTheirLastOrgErasesTheirDocuments) {
  const auto [minutes, permit] = Seed();
  const auto admin = As(acme_.admin, Role::kOrgAdmin);
  auto removed = world_->service().RemoveUserFromOrg(admin, acme_.org.id, acme_.member.id, "req-5");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  ASSERT_TRUE(removed->account_deleted);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM documents WHERE id = $1", {minutes}), 0);
  EXPECT_TRUE(Hits(admin, "backorder").empty());
  EXPECT_EQ(Hits(admin, "permit"), std::vector<std::string>{permit});
}

INSTANTIATE_TEST_SUITE_P(Backends, DocumentsPrivacyTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::documents
