// The documents API on SQLite and PostgreSQL: routes called through the Router, the
// documents.process and documents.retrain jobs run by a real jobs::Worker, events in the outbox,
// blobs in a real BlobStore, the model registry for the classifier.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "blobs/blob_registry.h"
#include "documents/routes.h"
#include "documents/service.h"
#include "documents/testing/fixtures.h"
#include "http/testing/route_call.h"
#include "jobs/worker.h"
#include "storage/testing/test_stores.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
namespace fx = testing;
using storage::testing::Backend;

constexpr std::string_view kMinutes =
    "Project Meeting Minutes\n\nDate: December 7, 2026\n\nThe team reviewed the pylon sign "
    "schedule. Fabrication is two weeks behind because the LED modules are on backorder.\n\n"
    "It was agreed to proceed with the revised footing design.\n\nDana to send the revised shop "
    "drawings by Friday.\n\nContact dana@example.com or 555-123-4567 with questions.\n";

class DocumentsApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-docapi-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 27)));
    models_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    service_ = std::make_unique<DocumentService>(
        db_->store(), outbox_, *queue_, blobs_, *models_,
        ServiceOptions{.extract = {.max_uncompressed_bytes = 4 << 20, .max_xml_bytes = 2 << 20},
                       .seed_per_type = 15});
    RegisterDocumentJobs(*queue_, *service_);
    AddDocumentRoutes(router_, schemas_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", std::optional<std::string> org = "org_a",
                      std::map<std::string, std::string> headers = {}) {
    http::testing::RouteCall call{
        .method = method, .target = target, .body = body, .headers = std::move(headers)};
    if (org) {
      call.principal = http::Principal{.kind = "user",
                                       .subject_id = "usr_" + *org,
                                       .org_id = *org,
                                       .role = "org_member",
                                       .permissions = {"*"}};
    }
    return http::testing::CallRoute(router_, std::move(call));
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string Str(const json::object& o, std::string_view k) {
    return o.at(k).is_string() ? std::string(o.at(k).as_string()) : "";
  }

  std::string Upload(const std::string& bytes, const std::string& filename,
                     const std::string& org = "org_a", int want = 202) {
    auto r = Call("POST", "/v1/documents?filename=" + filename, bytes, org);
    EXPECT_EQ(r.status, want) << r.body;
    if (r.status != want || r.status >= 300) return "";
    return Str(Obj(r), "id");
  }

  int RunJobs() {
    jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
    int ran = 0;
    while (*worker.RunOnce()) ++ran;
    return ran;
  }

  std::vector<std::string> StatusEvents(const std::string& id) {
    auto rs = db_->store().Query(
        "SELECT payload FROM events WHERE subject_id = $1 AND type = "
        "'documents.document_status_changed' ORDER BY seq",
        {id});
    std::vector<std::string> out;
    for (const auto& r : rs->rows) {
      out.emplace_back(json::parse(r.Text(0)).as_object().at("status").as_string());
    }
    return out;
  }

  int64_t Count(const std::string& table, const std::string& id) {
    return db_->store()
        .Query("SELECT COUNT(*) FROM " + table + " WHERE document_id = $1", {id})
        ->rows[0]
        .Int(0);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> models_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<DocumentService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(DocumentsApiTest, UploadProcessesToReadyWithEventsTextAndAnalysis) {
  const std::string id = Upload(std::string(kMinutes), "minutes.txt");
  ASSERT_FALSE(id.empty());
  auto r = Call("GET", "/v1/documents/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Obj(r), "status"), "queued");
  EXPECT_EQ(Str(Obj(r), "media_type"), "text/plain");
  EXPECT_EQ(Call("GET", "/v1/documents/" + id + "/analysis").status, 409);
  EXPECT_EQ(Call("GET", "/v1/documents/" + id + "/text").status, 409);

  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(StatusEvents(id),
            (std::vector<std::string>{"queued", "extracting", "analysing", "ready"}));
  auto doc = Obj(Call("GET", "/v1/documents/" + id));
  EXPECT_EQ(Str(doc, "status"), "ready");
  EXPECT_EQ(Str(doc, "doc_type"), "meeting_notes");
  EXPECT_EQ(Str(doc, "language"), "en");
  EXPECT_EQ(Str(doc, "document_date"), "2026-12-07");
  EXPECT_EQ(doc.at("page_count").as_int64(), 1);

  auto text = Obj(Call("GET", "/v1/documents/" + id + "/text"));
  const auto& pages = text.at("pages").as_array();
  ASSERT_EQ(pages.size(), 1u);
  const std::string page(pages[0].at("text").as_string());
  EXPECT_NE(page.find("dana@example.com"), std::string::npos);
  const auto& chunks = text.at("chunks").as_array();
  ASSERT_GE(chunks.size(), 1u);
  for (const auto& c : chunks) {
    const auto start = static_cast<std::size_t>(c.at("start").as_int64());
    const auto end = static_cast<std::size_t>(c.at("end").as_int64());
    EXPECT_EQ(page.substr(start, end - start), std::string(c.at("text").as_string()));
  }
  EXPECT_EQ(Count("document_chunks", id), static_cast<int64_t>(chunks.size()));
  auto redacted = Obj(Call("GET", "/v1/documents/" + id + "/text?redact=true"));
  const std::string masked(redacted.at("pages").as_array()[0].at("text").as_string());
  EXPECT_EQ(masked.find("dana@example.com"), std::string::npos);
  EXPECT_NE(masked.find("[EMAIL]"), std::string::npos);
  EXPECT_NE(masked.find("[PHONE]"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/documents/" + id + "/text?redact=maybe").status, 422);

  auto analysis = Obj(Call("GET", "/v1/documents/" + id + "/analysis"));
  const auto& actions = analysis.at("action_items").as_array();
  ASSERT_GE(actions.size(), 1u);
  bool dana = false;
  for (const auto& a : actions) {
    if (a.at("owner").is_string() && a.at("owner").as_string() == "Dana") {
      dana = true;
      EXPECT_EQ(a.at("due").as_string(), "2026-12-11");
    }
  }
  EXPECT_TRUE(dana) << json::serialize(actions);
  EXPECT_EQ(analysis.at("classification").at("label").as_string(), "meeting_notes");
  EXPECT_EQ(analysis.at("classification").at("model_version").as_string(), "seed-builtin");
  EXPECT_GE(analysis.at("risks").as_array().size(), 1u);
  EXPECT_GE(analysis.at("decisions").as_array().size(), 1u);
  EXPECT_FALSE(analysis.at("summaries").at("short").at("text").as_string().empty());

  auto file = Call("GET", "/v1/documents/" + id + "/file");
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body, std::string(kMinutes));
  EXPECT_EQ(file.content_type, "text/plain");
  EXPECT_EQ(*file.headers.Get("Content-Disposition"), "attachment; filename=\"minutes.txt\"");
  EXPECT_EQ(*file.headers.Get("X-Content-Type-Options"), "nosniff");
  // Another org sees nothing of it.
  EXPECT_EQ(Call("GET", "/v1/documents/" + id + "/file", "", "org_b").status, 404);
  EXPECT_EQ(Call("GET", "/v1/documents/" + id, "", "org_b").status, 404);
  EXPECT_EQ(Call("GET", "/v1/documents/" + id + "/text", "", "org_b").status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/documents/" + id, "", "org_b").status, 404);
  EXPECT_EQ(Obj(Call("GET", "/v1/documents", "", "org_b")).at("items").as_array().size(), 0u);
}

TEST_P(DocumentsApiTest, EveryFormatReachesReady) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"quote.pdf", fx::TextPdf({"PROPOSAL\n\nPrepared for Metro Retail Group. Total: $12,400.",
                                 "This quote is valid for 30 days."})},
      {"contract.docx",
       fx::Docx(fx::Para("SERVICES AGREEMENT", "Title") +
                fx::Para("Contractor shall fabricate and install the pylon sign."))},
      {"page.html",
       "<html><body><h1>Permit</h1><p>Sign permit issued for 45 Harbor Blvd.</p></body></html>"},
      {"notes.md", "# Notes\n\n- Sam to order the LED modules by Friday.\n"},
      {"scan.png", fx::Png(fx::RenderText("CHANGE ORDER\nAdd illumination to the sign.", 150))}};
  std::vector<std::string> ids;
  for (const auto& [name, bytes] : files) ids.push_back(Upload(bytes, name));
  EXPECT_EQ(RunJobs(), static_cast<int>(files.size()));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto doc = Obj(Call("GET", "/v1/documents/" + ids[i]));
    EXPECT_EQ(Str(doc, "status"), "ready") << files[i].first << ": " << json::serialize(doc);
    EXPECT_GE(Count("document_chunks", ids[i]), 1) << files[i].first;
  }
  EXPECT_EQ(Obj(Call("GET", "/v1/documents/" + ids[0])).at("page_count").as_int64(), 2);
  EXPECT_EQ(Obj(Call("GET", "/v1/documents/" + ids[4])).at("ocr_pages").as_int64(), 1);
  auto ocr = Obj(Call("GET", "/v1/documents/" + ids[4] + "/text"));
  EXPECT_TRUE(ocr.at("pages").as_array()[0].at("ocr").as_bool());
}

TEST_P(DocumentsApiTest, BadFilesFailCleanlyAndBadUploadsAreRefused) {
  // Encrypted PDF and a zip bomb: accepted (they are a PDF and a DOCX), then failed with a reason.
  const std::string enc = Upload(fx::EncryptedPdf(), "locked.pdf");
  const std::string bomb = Upload(fx::Docx(fx::Para(std::string(8 << 20, 'x'))), "bomb.docx");
  EXPECT_EQ(RunJobs(), 2);
  auto e = Obj(Call("GET", "/v1/documents/" + enc));
  EXPECT_EQ(Str(e, "status"), "failed");
  EXPECT_NE(Str(e, "failure_reason").find("encrypted"), std::string::npos);
  EXPECT_EQ(StatusEvents(enc), (std::vector<std::string>{"queued", "extracting", "failed"}));
  auto b = Obj(Call("GET", "/v1/documents/" + bomb));
  EXPECT_EQ(Str(b, "status"), "failed");
  EXPECT_NE(Str(b, "failure_reason").find("zip bomb"), std::string::npos);
  for (const auto& id : {enc, bomb}) {
    EXPECT_EQ(Count("document_chunks", id), 0);
    EXPECT_EQ(Count("document_pages", id), 0);
    EXPECT_EQ(Count("document_analyses", id), 0);
  }

  // 415: unsupported and lying types, naming what was found; nothing stored.
  auto gif = Call("POST", "/v1/documents?filename=logo.gif", "GIF89a\x01\x00....");
  EXPECT_EQ(gif.status, 415) << gif.body;
  EXPECT_NE(gif.body.find("image/gif"), std::string::npos);
  auto lying =
      Call("POST", "/v1/documents?filename=contract.pdf", fx::Png(fx::RenderText("x", 20)));
  EXPECT_EQ(lying.status, 415);
  EXPECT_NE(lying.body.find("image/png"), std::string::npos);
  auto ct = Call("POST", "/v1/documents", "plain words", "org_a", {{"Content-Type", "image/png"}});
  EXPECT_EQ(ct.status, 415);
  // 413 over 50 MB.
  auto big = Call("POST", "/v1/documents?filename=big.txt", std::string((50 << 20) + 1, 'a'));
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
  // 422: an unknown project.
  auto project = Call("POST", "/v1/documents?filename=a.txt&project_id=prj_missing", "hello there");
  EXPECT_EQ(project.status, 422);
  EXPECT_NE(project.body.find("project_id"), std::string::npos);
  EXPECT_EQ(Obj(Call("GET", "/v1/documents")).at("items").as_array().size(), 2u);
}

TEST_P(DocumentsApiTest, DuplicatesByHashListFiltersAndPages) {
  const std::string a = Upload("First document about the pylon sign.", "a.txt");
  auto again =
      Call("POST", "/v1/documents?filename=copy.txt", "First document about the pylon sign.");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(Obj(again).at("duplicate").as_bool());
  EXPECT_EQ(Str(Obj(again), "id"), a);
  // The same bytes in another org are that org's own document.
  const std::string other = Upload("First document about the pylon sign.", "a.txt", "org_b");
  EXPECT_NE(other, a);
  for (int i = 0; i < 4; ++i) Upload("Document number " + std::to_string(i) + ".", "n.txt");
  EXPECT_EQ(RunJobs(), 6);
  auto page = Obj(Call("GET", "/v1/documents?limit=2"));
  ASSERT_EQ(page.at("items").as_array().size(), 2u);
  std::vector<std::string> seen;
  std::string cursor(page.at("next_cursor").as_string());
  for (auto& d : page.at("items").as_array()) seen.emplace_back(d.at("id").as_string());
  while (!cursor.empty()) {
    page = Obj(Call("GET", "/v1/documents?limit=2&cursor=" + cursor));
    for (auto& d : page.at("items").as_array()) seen.emplace_back(d.at("id").as_string());
    cursor =
        page.at("next_cursor").is_null() ? "" : std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(Obj(Call("GET", "/v1/documents?status=ready")).at("items").as_array().size(), 5u);
  EXPECT_EQ(Obj(Call("GET", "/v1/documents?status=failed")).at("items").as_array().size(), 0u);
  EXPECT_EQ(Call("GET", "/v1/documents?status=nope").status, 422);
  EXPECT_EQ(Call("GET", "/v1/documents?doc_type=poem").status, 422);
  EXPECT_EQ(Call("GET", "/v1/documents?cursor=bogus").status, 422);
  EXPECT_EQ(Call("GET", "/v1/documents?limit=0").status, 422);
}

TEST_P(DocumentsApiTest, FeedbackCorrectsTheTypeAndRetrainsTheOrgModel) {
  const std::string id = Upload(
      "Sign shop note. Please print the vinyl decals for the lobby windows. Sam will pick them up.",
      "note.txt");
  ASSERT_EQ(RunJobs(), 1);
  auto bad = Call("POST", "/v1/documents/" + id + "/feedback",
                  R"({"target": "classification", "correction": {"doc_type": "poem"}, "x": 1})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("correction.doc_type"), std::string::npos);
  EXPECT_NE(bad.body.find("\"x\""), std::string::npos);
  EXPECT_EQ(
      Call("POST", "/v1/documents/" + id + "/feedback", R"({"target": "summary.short"})").status,
      422);
  auto up = Call("POST", "/v1/documents/" + id + "/feedback",
                 R"({"target": "action_items", "item_index": 0, "rating": "up"})");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(Str(Obj(up), "rating"), "up");

  auto fix = Call("POST", "/v1/documents/" + id + "/feedback",
                  R"({"target": "classification", "correction": {"doc_type": "drawing_spec"}})");
  ASSERT_EQ(fix.status, 201) << fix.body;
  auto doc = Obj(Call("GET", "/v1/documents/" + id));
  EXPECT_EQ(Str(doc, "doc_type"), "drawing_spec");
  EXPECT_EQ(Str(doc, "doc_type_source"), "user");
  EXPECT_EQ(Obj(Call("GET", "/v1/documents/" + id + "/feedback")).at("items").as_array().size(),
            2u);

  // documents.retrain trains org_a's classifier with the correction and makes it production (and
  // a second documents.retrain for the action-item thumbs finds no platform model to tune).
  EXPECT_EQ(RunJobs(), 2);
  auto prod = models_->Production(ml::Owner::Org("org_a"), std::string(kClassifierModel));
  ASSERT_TRUE(prod.ok() && prod->has_value());
  const json::object card = json::parse((*prod)->card_json).as_object();
  EXPECT_EQ(card.at("training_data").at("corrections").as_int64(), 1);
  EXPECT_NE(std::string(card.at("training_data").at("seed_source").as_string()).find("synthetic"),
            std::string::npos);
  auto used = service_->ClassifierFor("org_a");
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->second, (*prod)->version);
  // The org's model learned the correction; org_b still uses the built-in model.
  EXPECT_EQ(used->first
                ->Predict("Sign shop note. Please print the vinyl decals for the lobby "
                          "windows. Sam will pick them up.")
                .label,
            "drawing_spec");
  EXPECT_EQ(service_->ClassifierFor("org_b")->second, "seed-builtin");
  // Another org cannot give feedback on it.
  EXPECT_EQ(Call("POST", "/v1/documents/" + id + "/feedback",
                 R"({"target": "text", "rating": "down"})", "org_b")
                .status,
            404);
}

TEST_P(DocumentsApiTest, ARegisteredActionModelDecidesTheActionItemsOfItsOrg) {
  std::vector<ActionModel::Labeled> data;
  for (int i = 0; i < 40; ++i) {
    data.push_back({"The banana shipment is item " + std::to_string(i) + ".", true});
    data.push_back({"The apple shipment is item " + std::to_string(i) + ".", false});
  }
  auto v =
      service_->TrainActionModel(ml::Owner::Org("org_a"), data, "test sentences", "test", true);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const std::string text = "The banana shipment is item 99.\n\nThe apple shipment is item 98.\n";
  const std::string a = Upload(text, "fruit.txt");
  const std::string b = Upload(text, "fruit.txt", "org_b");
  ASSERT_EQ(RunJobs(), 2);
  auto ours = Obj(Call("GET", "/v1/documents/" + a + "/analysis"));
  EXPECT_EQ(ours.at("action_model").as_string(), v->version);
  const auto& items = ours.at("action_items").as_array();
  ASSERT_EQ(items.size(), 1u) << json::serialize(items);
  EXPECT_EQ(items[0].at("text").as_string(), "The banana shipment is item 99.");
  // org_b has no model of its own and the platform none: the rules find no request here.
  auto theirs = Obj(Call("GET", "/v1/documents/" + b + "/analysis", "", "org_b"));
  EXPECT_EQ(theirs.at("action_model").as_string(), "rules");
  EXPECT_EQ(theirs.at("action_items").as_array().size(), 0u);
}

TEST_P(DocumentsApiTest, ActionItemThumbsFineTuneTheOrgsActionModel) {
  std::vector<ActionModel::Labeled> data;
  for (int i = 0; i < 40; ++i) {
    data.push_back({"The banana shipment is item " + std::to_string(i) + ".", true});
    data.push_back({"The apple shipment is item " + std::to_string(i) + ".", false});
  }
  ASSERT_TRUE(
      service_->TrainActionModel(ml::Owner::Platform(), data, "test sentences", "test", true).ok());
  const std::string id = Upload("The banana shipment is item 99.\n", "fruit.txt");
  ASSERT_EQ(RunJobs(), 1);
  auto analysis = Obj(Call("GET", "/v1/documents/" + id + "/analysis"));
  ASSERT_EQ(analysis.at("action_items").as_array().size(), 1u);
  const std::string sentence = "The banana shipment is item 99.";
  const double before = service_->ActionModelFor("org_a")->first->Probability(sentence);
  // "That is not an action item."
  ASSERT_EQ(Call("POST", "/v1/documents/" + id + "/feedback",
                 R"({"target": "action_items", "item_index": 0, "rating": "down"})")
                .status,
            201);
  EXPECT_EQ(RunJobs(), 1);
  auto org_model = models_->Production(ml::Owner::Org("org_a"), std::string(kActionModelName));
  ASSERT_TRUE(org_model.ok() && org_model->has_value());
  auto tuned = service_->ActionModelFor("org_a");
  ASSERT_TRUE(tuned.ok());
  EXPECT_EQ(tuned->second, (*org_model)->version);
  EXPECT_LT(tuned->first->Probability(sentence), before);
  EXPECT_FALSE(tuned->first->IsAction(sentence));
  // org_b still gets the platform model.
  EXPECT_NE(service_->ActionModelFor("org_b")->second, (*org_model)->version);
}

TEST_P(DocumentsApiTest, DeleteRemovesEverythingAndReleasesTheBlob) {
  const std::string id = Upload(std::string(kMinutes), "minutes.txt");
  ASSERT_EQ(RunJobs(), 1);
  ASSERT_EQ(
      Call("POST", "/v1/documents/" + id + "/feedback", R"({"target": "text", "rating": "up"})")
          .status,
      201);
  auto doc = Obj(Call("GET", "/v1/documents/" + id));
  const std::string sha = Str(doc, "sha256");
  blobs::BlobRegistry registry(*blobs_, SystemClock::Get());
  auto refs = [&] {
    return *db_->store().WithTxnResult<int64_t>(
        [&](storage::Txn& t) { return registry.RefCount(t, sha); });
  };
  EXPECT_EQ(refs(), 1);
  ASSERT_EQ(Call("DELETE", "/v1/documents/" + id).status, 204);
  EXPECT_EQ(Call("GET", "/v1/documents/" + id).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/documents/" + id).status, 404);
  for (const char* t :
       {"document_pages", "document_chunks", "document_analyses", "document_feedback"}) {
    EXPECT_EQ(Count(t, id), 0) << t;
  }
  EXPECT_EQ(refs(), 0);
  auto deleted = db_->store().Query(
      "SELECT COUNT(*) FROM events WHERE subject_id = $1 AND type = 'documents.document_deleted'",
      {id});
  EXPECT_EQ(deleted->rows[0].Int(0), 1);
  // The GC can now delete the file (nothing references it).
  auto gc = registry.CollectGarbage(db_->store(), std::chrono::seconds(0));
  ASSERT_TRUE(gc.ok());
  EXPECT_FALSE(*blobs_->Exists(sha));
}

TEST_P(DocumentsApiTest, ErrorsThatAreNotTheFilesFaultRetryThenFailOnTheLastAttempt) {
  const std::string id = Upload("A document whose blob goes missing.", "gone.txt");
  const std::string sha = Str(Obj(Call("GET", "/v1/documents/" + id)), "sha256");
  ASSERT_TRUE(blobs_->Remove(sha).ok());
  const Scope scope{"org_a", "test"};
  // Not the last attempt: the error goes back to the queue (retried with backoff).
  Status first = service_->Process(scope, id, 1, 3);
  EXPECT_EQ(first.code(), ErrorCode::kNotFound) << first.ToString();
  EXPECT_EQ(Str(Obj(Call("GET", "/v1/documents/" + id)), "status"), "extracting");
  // The last attempt fails the document with the reason instead.
  ASSERT_TRUE(service_->Process(scope, id, 3, 3).ok());
  auto doc = Obj(Call("GET", "/v1/documents/" + id));
  EXPECT_EQ(Str(doc, "status"), "failed");
  EXPECT_NE(Str(doc, "failure_reason").find("processing failed"), std::string::npos);
  EXPECT_EQ(Count("document_chunks", id), 0);
}

TEST_P(DocumentsApiTest, ADocumentDeletedBeforeItsJobRunsIsSkipped) {
  const std::string id = Upload("Short text to delete.", "t.txt");
  ASSERT_EQ(Call("DELETE", "/v1/documents/" + id).status, 204);
  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(Count("document_chunks", id), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, DocumentsApiTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::documents
