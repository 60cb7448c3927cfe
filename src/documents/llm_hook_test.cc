// The optional LLM in the documents analysis step, end to end: a document uploaded and processed
// by the documents.process job (real jobs::Worker, SQLite and PostgreSQL) with the LLM router
// pointed at a local OpenAI-compatible server (llm/testing/chat_server.h). Checks the summaries'
// source, that the server never sees the document's e-mail address or phone number (this
// module's PII gate runs first), the offline fallback with its reason, and the per-org cache.
#include "documents/llm_hook.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "documents/routes.h"
#include "documents/service.h"
#include "jobs/worker.h"
#include "llm/testing/chat_server.h"
#include "storage/testing/test_stores.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using llm::testing::Behaviour;
using storage::testing::Backend;

constexpr std::string_view kMinutes =
    "Project Meeting Minutes\n\nDate: December 7, 2026\n\nThe team reviewed the pylon sign "
    "schedule. Fabrication is two weeks behind because the LED modules are on backorder.\n\n"
    "It was agreed to proceed with the revised footing design.\n\nDana to send the revised shop "
    "drawings by Friday.\n\nContact dana@example.com or 555-123-4567 with questions.\n";

class DocumentsLlmTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    ASSERT_TRUE(server_.started());
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-docllm-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 27)));
    models_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    service_ = std::make_unique<DocumentService>(db_->store(), outbox_, *queue_, blobs_, *models_,
                                                 ServiceOptions{.seed_per_type = 15});
    RegisterDocumentJobs(*queue_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  void UseLlm(int timeout_ms = 5000,
              std::vector<std::string> tasks = {"summary_short", "summary_detailed"}) {
    config::LlmConfig c;
    c.url = server_.base_url();
    c.timeout_ms = timeout_ms;
    c.allow_private_cidrs = {"127.0.0.1"};
    c.small_model = "small-model";
    c.large_model = "large-model";
    c.tasks = std::move(tasks);
    auto s = llm::SettingsFrom(c);
    ASSERT_TRUE(s.ok());
    router_ = OpenLlmRouter(db_->store(), *s);
    service_->set_llm(router_.get());
  }

  // Uploads `text` for `org`, runs the job, returns the stored analysis.
  json::object Analyse(const std::string& org, std::string_view text) {
    const Scope scope{org, "usr_" + org};
    auto up = service_->Upload(scope, {.bytes = text, .filename = "minutes.txt"});
    SIGNX_CHECK(up.ok(), up.status().ToString());
    jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
    while (*worker.RunOnce()) {
    }
    auto a = service_->Analysis(scope, up->document.id);
    SIGNX_CHECK(a.ok(), a.status().ToString());
    return json::parse(a->analysis_json).as_object();
  }

  static const json::object& Summary(const json::object& a, std::string_view name) {
    return a.at("summaries").as_object().at(name).as_object();
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  llm::testing::ChatServer server_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> models_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<llm::LlmRouter> router_;
  std::unique_ptr<DocumentService> service_;
};

TEST_P(DocumentsLlmTest, OfflineByDefault) {
  json::object a = Analyse("org_a", kMinutes);
  for (const char* name : {"short", "medium", "detailed"}) {
    EXPECT_EQ(Summary(a, name).at("source").as_string(), "offline");
    EXPECT_FALSE(Summary(a, name).contains("llm_outcome"));
  }
  for (const auto& item : a.at("action_items").as_array()) {
    EXPECT_EQ(item.at("source").as_string(), "offline");
  }
  EXPECT_FALSE(a.contains("action_items_llm"));
  EXPECT_EQ(server_.calls(), 0);
}

TEST_P(DocumentsLlmTest, LlmActionItemsAreMergedResolvedAndMarked) {
  UseLlm(5000, {"action_items"});
  // The LLM names the offline item in its own words (no owner, no date), one the rules missed
  // with a relative deadline, and one with its own date.
  server_.Script({{.kind = Behaviour::kAnswer,
                   .content = R"([{"text": "Dana to send the revised shop drawings by Friday.",
                                   "owner": null, "due": null},
                                  {"text": "Ask the inspector to check the footing next week",
                                   "owner": "Marco", "due": null},
                                  {"text": "Order spare LED modules", "owner": null,
                                   "due": "2026-12-20"}])"}});
  json::object a = Analyse("org_a", kMinutes);
  const json::array& items = a.at("action_items").as_array();
  ASSERT_GE(items.size(), 3u) << json::serialize(items);
  const json::object& dana = items[0].as_object();
  EXPECT_EQ(dana.at("source").as_string(), "llm");
  EXPECT_EQ(dana.at("owner").as_string(), "Dana");      // named in the text, as offline
  EXPECT_EQ(dana.at("due").as_string(), "2026-12-11");  // Friday after Monday 2026-12-07
  EXPECT_EQ(dana.at("due_text").as_string(), "by Friday");
  EXPECT_EQ(dana.at("page").as_int64(), 1);
  const json::object& marco = items[1].as_object();
  EXPECT_EQ(marco.at("source").as_string(), "llm");
  EXPECT_EQ(marco.at("owner").as_string(), "Marco");
  EXPECT_EQ(marco.at("due").as_string(), "2026-12-14");  // next week, from the document's date
  EXPECT_TRUE(marco.at("page").is_null());               // not in the text as written
  const json::object& order = items[2].as_object();
  EXPECT_TRUE(order.at("owner").is_null());
  EXPECT_EQ(order.at("due").as_string(), "2026-12-20");
  // The offline item the LLM restated is replaced, the others stay, marked offline.
  for (std::size_t i = 3; i < items.size(); ++i) {
    EXPECT_EQ(items[i].at("source").as_string(), "offline");
    EXPECT_EQ(std::string(items[i].at("text").as_string()).find("Dana to send"), std::string::npos);
  }
  const json::object& meta = a.at("action_items_llm").as_object();
  EXPECT_EQ(meta.at("outcome").as_string(), "ok");
  EXPECT_EQ(meta.at("model").as_string(), "small-model");
  EXPECT_EQ(meta.at("llm_items").as_int64(), 3);
  ASSERT_EQ(server_.calls(), 1);
  const auto req = server_.requests()[0];
  EXPECT_NE(req.system.find("JSON array"), std::string::npos);
  EXPECT_EQ(req.body.find("dana@example.com"), std::string::npos);
  EXPECT_EQ(req.body.find("555-123-4567"), std::string::npos);
  // Summaries were not asked of the LLM (not in llm.tasks).
  EXPECT_EQ(Summary(a, "short").at("source").as_string(), "offline");
}

TEST_P(DocumentsLlmTest, LlmActionItemFailuresLeaveTheOfflineItems) {
  const json::object offline = Analyse("org_b", kMinutes);
  UseLlm(5000, {"action_items"});
  server_.Script({{.kind = Behaviour::kStatus, .status = 500},
                  {.kind = Behaviour::kAnswer, .content = "Sure! No action items here."}});
  for (const char* want : {"server_error", "invalid_answer"}) {
    json::object a = Analyse("org_a", kMinutes);
    const json::array& items = a.at("action_items").as_array();
    const json::array& expected = offline.at("action_items").as_array();
    ASSERT_EQ(items.size(), expected.size()) << want;
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(items[i].at("text"), expected[i].at("text"));
      EXPECT_EQ(items[i].at("due"), expected[i].at("due"));
      EXPECT_EQ(items[i].at("source").as_string(), "offline");
    }
    EXPECT_EQ(a.at("action_items_llm").at("outcome").as_string(), want);
    EXPECT_FALSE(a.at("action_items_llm").at("reason").as_string().empty());
    const Scope scope{"org_a", "usr_org_a"};
    auto list = service_->List(scope, {});
    ASSERT_TRUE(list.ok());
    ASSERT_TRUE(service_->Delete(scope, list->items[0].id).ok());  // the next upload is new
  }
}

TEST_P(DocumentsLlmTest, SummariesFromTheLlmWithoutPersonalData) {
  UseLlm();
  json::object a = Analyse("org_a", kMinutes);
  const auto& s = Summary(a, "short");
  ASSERT_EQ(s.at("source").as_string(), "llm") << json::serialize(s);
  EXPECT_EQ(s.at("model").as_string(), "small-model");
  EXPECT_EQ(s.at("tier").as_string(), "small");
  EXPECT_TRUE(std::string(s.at("text").as_string()).starts_with("Summary by small-model"));
  EXPECT_FALSE(s.at("sentences").as_array().empty());
  EXPECT_FALSE(s.at("offline").as_object().at("sentences").as_array().empty());
  EXPECT_EQ(Summary(a, "detailed").at("source").as_string(), "llm");
  EXPECT_EQ(Summary(a, "detailed").at("model").as_string(), "large-model");
  // summary_medium is not in llm.tasks.
  EXPECT_EQ(Summary(a, "medium").at("source").as_string(), "offline");
  ASSERT_EQ(server_.calls(), 2);
  for (const auto& req : server_.requests()) {
    EXPECT_EQ(req.body.find("dana@example.com"), std::string::npos);
    EXPECT_EQ(req.body.find("555-123-4567"), std::string::npos);
    EXPECT_NE(req.user.find("[EMAIL]"), std::string::npos);
    EXPECT_NE(req.user.find("[PHONE]"), std::string::npos);
    EXPECT_NE(req.user.find("revised footing design"), std::string::npos);
  }
  auto rs = db_->store().Query(
      "SELECT COUNT(*), SUM(cost_micro_usd) FROM llm_usage WHERE org_id = 'org_a' AND "
      "outcome = 'ok'");
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->rows[0].Int(0), 2);
}

TEST_P(DocumentsLlmTest, ServerErrorsLeaveTheOfflineSummaryWithTheReason) {
  UseLlm();
  server_.Script(
      {{.kind = Behaviour::kStatus, .status = 500}, {.kind = Behaviour::kStatus, .status = 503}});
  json::object a = Analyse("org_a", kMinutes);
  const auto& s = Summary(a, "short");
  EXPECT_EQ(s.at("source").as_string(), "offline");
  EXPECT_EQ(s.at("llm_outcome").as_string(), "server_error");
  EXPECT_NE(std::string(s.at("reason").as_string()).find("500"), std::string::npos);
  EXPECT_FALSE(s.at("sentences").as_array().empty());  // the extractive summary stands
  EXPECT_EQ(Summary(a, "detailed").at("source").as_string(), "offline");
}

TEST_P(DocumentsLlmTest, TimeoutLeavesTheOfflineSummary) {
  UseLlm(/*timeout_ms=*/300);
  server_.Script({{.kind = Behaviour::kSlow, .slow_ms = 3000}});
  json::object a = Analyse("org_a", kMinutes);
  EXPECT_EQ(Summary(a, "short").at("source").as_string(), "offline");
  EXPECT_EQ(Summary(a, "short").at("llm_outcome").as_string(), "timeout");
  EXPECT_EQ(Summary(a, "detailed").at("source").as_string(), "llm");  // the next call answered
}

TEST_P(DocumentsLlmTest, CacheIsPerOrgAndPerDocument) {
  UseLlm();
  Analyse("org_a", kMinutes);
  EXPECT_EQ(server_.calls(), 2);
  // The same bytes in another org: its own calls, never org_a's cached answers.
  json::object b = Analyse("org_b", kMinutes);
  EXPECT_EQ(Summary(b, "short").at("cached").as_bool(), false);
  EXPECT_EQ(server_.calls(), 4);
}

TEST_P(DocumentsLlmTest, DeletingTheDocumentForgetsItsCachedAnswers) {
  UseLlm();
  Analyse("org_a", kMinutes);
  Analyse("org_b", kMinutes);
  auto cached = [&](const std::string& org) {
    return db_->store()
        .Query("SELECT COUNT(*) FROM llm_cache WHERE org_id = $1", {org})
        ->rows[0]
        .Int(0);
  };
  ASSERT_EQ(cached("org_a"), 2);
  const Scope scope{"org_a", "usr_org_a"};
  auto list = service_->List(scope, {});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  ASSERT_TRUE(service_->Delete(scope, list->items[0].id).ok());
  EXPECT_EQ(cached("org_a"), 0);
  EXPECT_EQ(cached("org_b"), 2);  // the other org's copy of the same bytes keeps its answers
}

INSTANTIATE_TEST_SUITE_P(Backends, DocumentsLlmTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::documents
