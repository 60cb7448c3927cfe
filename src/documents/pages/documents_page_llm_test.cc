// The document page end to end with the optional LLM (SQLite): a document uploaded and processed
// by the documents.process job (real jobs::Worker) with the LLM router's action_items task pointed
// at a local OpenAI-compatible server (llm/testing/chat_server.h), then GET /documents/{id}
// through the web shell as a logged-in member (web/testing/page_client.h). Each action item of
// the checklist shows where it came from — "LLM" or "offline" — when the LLM contributed any; a
// document analysed offline only shows no labels.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "documents/llm_hook.h"
#include "documents/pages/documents_pages.h"
#include "documents/routes.h"
#include "documents/service.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/worker.h"
#include "llm/testing/chat_server.h"
#include "web/identity_backend.h"
#include "web/testing/page_checks.h"
#include "web/testing/page_client.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using identity::testing::IdentityWorld;
using identity::testing::kTestPassword;
using llm::testing::Behaviour;
using web::testing::Count;

constexpr std::string_view kMinutes =
    "Project Meeting Minutes\n\nDate: December 7, 2026\n\nThe team reviewed the pylon sign "
    "schedule. Fabrication is two weeks behind because the LED modules are on backorder.\n\n"
    "It was agreed to proceed with the revised footing design.\n\nDana to send the revised shop "
    "drawings by Friday.\n\nPlease confirm the crane booking with the city by Monday.\n";

class DocumentPageLlmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(storage::testing::Backend::kSqlite);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    ASSERT_TRUE(server_.started());
    a_ = world_->SeedOrg("a");
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-docpage-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 27)));
    models_ = std::make_unique<ml::ModelRegistry>(world_->store(), *blobs_, SystemClock::Get());
    queue_ = std::make_unique<jobs::Queue>(world_->store());
    service_ = std::make_unique<DocumentService>(world_->store(), outbox_, *queue_, blobs_,
                                                 *models_, ServiceOptions{.seed_per_type = 15});
    RegisterDocumentJobs(*queue_, *service_);
    web::Shell shell = web::AddWebRoutes(router_, web::MakeIdentityBackend(world_->service()),
                                         {.secret = "documents-page-llm-test-secret-0123456789"});
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddDocumentPages(shell, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  void UseLlmForActionItems() {
    config::LlmConfig c;
    c.url = server_.base_url();
    c.timeout_ms = 5000;
    c.allow_private_cidrs = {"127.0.0.1"};
    c.small_model = "small-model";
    c.large_model = "large-model";
    c.tasks = {"action_items"};
    auto s = llm::SettingsFrom(c);
    ASSERT_TRUE(s.ok());
    router_llm_ = OpenLlmRouter(world_->store(), *s);
    service_->set_llm(router_llm_.get());
  }

  // Uploads `text` as the org's member and runs the job; returns the document id.
  std::string Process(std::string_view text, const std::string& filename) {
    const Scope scope{a_.org.id, a_.member.id};
    auto up = service_->Upload(scope, {.bytes = text, .filename = filename});
    SIGNX_CHECK(up.ok(), up.status().ToString());
    jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
    while (*worker.RunOnce()) {
    }
    return up->document.id;
  }

  // The stored action items' sources, counted.
  std::pair<int, int> Sources(const std::string& id) {
    auto a = service_->Analysis({a_.org.id, a_.member.id}, id);
    SIGNX_CHECK(a.ok(), a.status().ToString());
    int llm = 0, offline = 0;
    const json::value analysis = json::parse(a->analysis_json);
    for (const auto& item : analysis.at("action_items").as_array()) {
      const auto& source = item.at("source").as_string();
      llm += source == "llm";
      offline += source == "offline";
    }
    return {llm, offline};
  }

  std::unique_ptr<IdentityWorld> world_;
  identity::testing::SeededOrg a_;
  llm::testing::ChatServer server_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> models_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<llm::LlmRouter> router_llm_;
  std::unique_ptr<DocumentService> service_;
  http::Router router_;
  web::testing::PageClient client_{router_};
};

TEST_F(DocumentPageLlmTest, ChecklistLabelsEachItemWithItsSourceOnlyWhenTheLlmContributed) {
  // Offline (the default): the items stand without labels.
  const std::string offline_id = Process(kMinutes, "minutes.txt");
  const auto [offline_llm, offline_items] = Sources(offline_id);
  ASSERT_EQ(offline_llm, 0);
  ASSERT_GE(offline_items, 2);  // Dana's drawings, the crane booking
  client_.LogIn(a_.member.email, std::string(kTestPassword));
  auto plain = client_.Call("GET", "/documents/" + offline_id);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(Count(plain.body, "data-testid=\"action-item\""), offline_items);
  EXPECT_EQ(plain.body.find("action-source"), std::string::npos);

  // With the LLM: it restates Dana's item and adds one the rules missed (on no page).
  UseLlmForActionItems();
  server_.Script({{.kind = Behaviour::kAnswer,
                   .content = R"([{"text": "Dana to send the revised shop drawings by Friday.",
                                   "owner": null, "due": null},
                                  {"text": "Ask the inspector to check the footing next week",
                                   "owner": "Marco", "due": null}])"}});
  const std::string id =
      Process(std::string(kMinutes) + "\nNext meeting in two weeks.\n", "minutes-llm.txt");
  const auto [llm, offline] = Sources(id);
  ASSERT_EQ(llm, 2);
  ASSERT_GE(offline, 1);  // the crane booking, which the LLM did not name
  auto page = client_.Call("GET", "/documents/" + id);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(Count(page.body, "data-testid=\"action-item\""), llm + offline);
  EXPECT_EQ(Count(page.body,
                  "title=\"Found by the optional LLM (small-model) in the redacted text\" "
                  "data-testid=\"action-source-llm\">LLM</span>"),
            llm)
      << page.body;
  EXPECT_EQ(Count(page.body,
                  "title=\"Found by SignX&apos;s offline analysis of the text\" "
                  "data-testid=\"action-source-offline\">offline</span>"),
            offline);
  EXPECT_NE(page.body.find("data-testid=\"action-items-source\""), std::string::npos);
  // Marco's item is on no page and has a due date without words of its own.
  EXPECT_EQ(page.body.find("p. 0"), std::string::npos);
  EXPECT_EQ(page.body.find("()"), std::string::npos);
}

}  // namespace
}  // namespace signx::documents
