// Project search on SQLite and PostgreSQL: name, customer, site and payload text are found with
// snippets, status filters, each org sees only its projects, the after-commit hook keeps the index
// in step, and when the index is removed the answer comes from the database while
// projects.reindex rebuilds it.
#include "studio/project_search.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "estimating/service.h"
#include "jobs/worker.h"
#include "storage/testing/test_stores.h"
#include "studio/service.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

class ProjectSearchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-studio-search-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_ / "blobs", int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    estimating_ =
        std::make_unique<estimating::EstimatingService>(db_->store(), outbox_, *queue_, blobs_);
    studio_ = std::make_unique<StudioService>(db_->store(), outbox_, *queue_, blobs_, nullptr,
                                              *estimating_);
    auto s = ProjectSearch::Open(db_->store(), *queue_, dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    search_ = std::move(*s);
    struct P {
      const char *id, *org, *name, *customer, *location, *status, *metadata;
    };
    for (const P& p :
         {P{"prj_1", "org_s", "Main Street pylon", "Acme Bank", "Springfield", "draft",
            R"({"notes": "double-sided, LED retrofit"})"},
          P{"prj_2", "org_s", "Harbor monument", "Blue Fish Co", "Portland", "design", "{}"},
          P{"prj_3", "org_t", "Main Street letters", "Acme Bank", "Shelbyville", "draft", "{}"}}) {
      ASSERT_TRUE(
          Exec("INSERT INTO projects (id, org_id, name, customer, location, status, "
               "metadata, version, created_at, updated_at) VALUES ($1, $2, $3, $4, "
               "$5, $6, $7, 1, 1, 1)",
               {std::string(p.id), std::string(p.org), std::string(p.name), std::string(p.customer),
                std::string(p.location), std::string(p.status), std::string(p.metadata)})
              .ok());
    }
    auto saved =
        studio_->SavePayload({"org_s", "usr_s"}, "prj_2", "cabinet", {.must_not_exist = true},
                             json::parse(R"({"material": "aluminum", "faces": 2, "depth_in": 5.5})"));
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
    ASSERT_TRUE(search_->Reindex("org_s").ok());
    ASSERT_TRUE(search_->Reindex("org_t").ok());
  }
  void TearDown() override {
    search_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  ProjectSearchResponse Find(const std::string& org, const std::string& q,
                             std::optional<std::string> status = std::nullopt) {
    auto r = search_->Search({org, "usr"}, {.q = q, .status = std::move(status)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ProjectSearchResponse{};
  }
  static std::vector<std::string> Ids(const ProjectSearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.project_id);
    return out;
  }
  Status Exec(std::string sql, storage::Params params = {}) {
    return db_->store().WithTxn([&](storage::Txn& txn) { return txn.Exec(sql, params).status(); });
  }
  int64_t QueuedReindexJobs() {
    auto rs = db_->store().Query(
        "SELECT COUNT(*) FROM jobs WHERE type = 'projects.reindex' AND state = 'queued'");
    EXPECT_TRUE(rs.ok());
    return rs.ok() ? rs->rows[0].Int(0) : -1;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<estimating::EstimatingService> estimating_;
  std::unique_ptr<StudioService> studio_;
  std::unique_ptr<ProjectSearch> search_;
};

using IdList = std::vector<std::string>;

TEST_P(ProjectSearchTest, FieldsSnippetsStatusAndTenants) {
  auto acme = Find("org_s", "acme");
  EXPECT_EQ(acme.source, "index");
  EXPECT_EQ(Ids(acme), (IdList{"prj_1"}));
  EXPECT_NE(acme.hits[0].snippet.find("<mark>Acme</mark>"), std::string::npos)
      << acme.hits[0].snippet;
  EXPECT_EQ(acme.hits[0].site, "Springfield");
  EXPECT_EQ(Ids(Find("org_s", "portland")), (IdList{"prj_2"}));  // site
  const auto aluminum = Find("org_s", "aluminum");
  EXPECT_EQ(Ids(aluminum), (IdList{"prj_2"}));  // payload text
  ASSERT_EQ(aluminum.hits.size(), 1u);
  EXPECT_NE(aluminum.hits[0].snippet.find("depth_in 5.5"), std::string::npos)
      << aluminum.hits[0].snippet;
  EXPECT_EQ(aluminum.hits[0].snippet.find("5.5E0"), std::string::npos)  // numbers as written
      << aluminum.hits[0].snippet;
  EXPECT_EQ(Ids(Find("org_s", "retrofit")), (IdList{"prj_1"}));  // notes
  EXPECT_EQ(Ids(Find("org_s", "main street", "design")), IdList{});
  EXPECT_EQ(Ids(Find("org_s", "main street", "draft")), (IdList{"prj_1"}));
  // Each org sees only its own projects.
  EXPECT_EQ(Ids(Find("org_t", "acme")), (IdList{"prj_3"}));
  EXPECT_EQ(Ids(Find("org_t", "aluminum")), IdList{});

  // The projects.index job body: a committed change is searchable, a deleted project is gone.
  ASSERT_TRUE(Exec("UPDATE projects SET customer = 'Zebra Corp' WHERE id = 'prj_1'").ok());
  ASSERT_TRUE(
      search_->OnProjectEvent({.type = "project.updated", .org_id = "org_s", .subject_id = "prj_1"})
          .ok());
  EXPECT_EQ(Ids(Find("org_s", "zebra")), (IdList{"prj_1"}));
  EXPECT_EQ(Ids(Find("org_s", "acme")), IdList{});
  ASSERT_TRUE(Exec("DELETE FROM projects WHERE id = 'prj_2'").ok());
  ASSERT_TRUE(
      search_->OnProjectEvent({.type = "project.deleted", .org_id = "org_s", .subject_id = "prj_2"})
          .ok());
  EXPECT_EQ(Ids(Find("org_s", "harbor")), IdList{});
  EXPECT_EQ(search_->index().Check("org_s").doc_count, 1u);
}

TEST_P(ProjectSearchTest, RemovedIndexFallsBackToTheDatabaseAndIsRebuilt) {
  ASSERT_TRUE(search_->index().DropOrg("org_s").ok());
  EXPECT_EQ(QueuedReindexJobs(), 0);
  auto fallback = Find("org_s", "main");
  EXPECT_EQ(fallback.source, "database");
  EXPECT_EQ(Ids(fallback), (IdList{"prj_1"}));  // not org_t's prj_3
  EXPECT_EQ(Ids(Find("org_s", "fish")), (IdList{"prj_2"}));
  EXPECT_EQ(QueuedReindexJobs(), 1);  // one at a time per org
  // A write while the index is gone queues nothing more and does not create a partial index.
  search_->Indexed("org_s", "prj_1");
  EXPECT_EQ(QueuedReindexJobs(), 1);
  EXPECT_EQ(search_->index().Check("org_s").state, search::IndexState::kMissing);
  // Another org's index is untouched.
  EXPECT_EQ(Find("org_t", "acme").source, "index");

  jobs::Queue queue(db_->store());
  RegisterProjectSearchJobs(queue, *search_);
  jobs::Worker worker(queue, {.types = {std::string(kProjectReindexJob)}});
  ASSERT_TRUE(*worker.RunOnce());
  EXPECT_EQ(QueuedReindexJobs(), 0);
  auto rebuilt = Find("org_s", "main");
  EXPECT_EQ(rebuilt.source, "index");
  EXPECT_EQ(Ids(rebuilt), (IdList{"prj_1"}));
  EXPECT_EQ(Ids(Find("org_s", "aluminum")), (IdList{"prj_2"}));
}

TEST_P(ProjectSearchTest, ImportedProjectsAreIndexedThoughTheyComeWithoutProjectEvents) {
  auto queued = [&](std::string_view type) {
    auto rs = db_->store().Query("SELECT COUNT(*) FROM jobs WHERE type = $1 AND state = 'queued'",
                                 {std::string(type)});
    EXPECT_TRUE(rs.ok());
    return rs.ok() ? rs->rows[0].Int(0) : -1;
  };
  // The KeyedIn connector's order.imported names the project it created: one projects.index job,
  // however many replicas see the event.
  events::Event order{.id = "evt_order_1",
                      .type = "order.imported",
                      .org_id = "org_s",
                      .subject_id = "ord_1",
                      .payload_json = R"({"connector": "keyedin", "order_id": "7", )"
                                      R"("project_id": "prj_1"})"};
  ASSERT_TRUE(search_->QueueIndex(order).ok());
  ASSERT_TRUE(search_->QueueIndex(order).ok());
  EXPECT_EQ(queued(kProjectIndexJob), 1);
  // A cost-history import that accepted rows queues one projects.index job for the import (not
  // a rebuild of the org's index); a rejected one queues nothing.
  events::Event rejected{.id = "evt_imp_1",
                         .type = "import.completed",
                         .org_id = "org_s",
                         .subject_id = "imp_1",
                         .payload_json = R"({"status": "rejected", "accepted": 0})"};
  ASSERT_TRUE(search_->QueueIndex(rejected).ok());
  EXPECT_EQ(queued(kProjectIndexJob), 1);
  events::Event completed = rejected;
  completed.id = "evt_imp_2";
  completed.payload_json = R"({"status": "completed", "accepted": 120})";
  ASSERT_TRUE(search_->QueueIndex(completed).ok());
  ASSERT_TRUE(search_->QueueIndex(completed).ok());  // another replica saw the event too
  EXPECT_EQ(queued(kProjectIndexJob), 2);
  EXPECT_EQ(queued(kProjectReindexJob), 0);
}

// Issue 19's soak: an import every 2 s rebuilt the org's whole index each time (376 rebuilds of
// up to 10,800 projects in 15 minutes; each slower and bigger in memory than the last). An
// import's job indexes the projects its report lists, and only those.
TEST_P(ProjectSearchTest, AnImportIndexesItsOwnProjectsOnly) {
  auto queued = [&](std::string_view type) {
    auto rs = db_->store().Query("SELECT COUNT(*) FROM jobs WHERE type = $1 AND state = 'queued'",
                                 {std::string(type)});
    EXPECT_TRUE(rs.ok());
    return rs.ok() ? rs->rows[0].Int(0) : -1;
  };
  auto add_project = [&](const std::string& id, const std::string& name) {
    ASSERT_TRUE(Exec("INSERT INTO projects (id, org_id, name, status, metadata, version, "
                     "created_at, updated_at) VALUES ($1, 'org_s', $2, 'closed', '{}', 1, 1, 1)",
                     {id, name})
                    .ok());
  };
  auto add_import = [&](const std::string& id, const std::string& org, const std::string& report) {
    ASSERT_TRUE(Exec("INSERT INTO imports (id, org_id, filename, format, sha256, size_bytes, "
                     "partial, status, total_rows, accepted, rejected, report, created_at) "
                     "VALUES ($1, $2, 'h.csv', 'csv', $3, 1, $5, 'completed', 2, 2, 0, $4, 1)",
                     {id, org, id, report, false})
                    .ok());
  };
  add_project("prj_imp_a", "Quarry pylon");
  add_project("prj_imp_b", "Lighthouse cabinet");
  add_project("prj_other", "Orchard monument");  // made some other way, not yet indexed
  add_import("imp_1", "org_s",
             R"({"truncated": false, "accepted_rows": [{"row": 2, "project_id": "prj_imp_a"},)"
             R"( {"row": 3, "project_id": "prj_imp_b"}, {"row": 4, "project_id": "prj_imp_a"}]})");
  add_import("imp_t", "org_t",
             R"({"truncated": false, "accepted_rows": [{"row": 2, "project_id": "prj_3"}]})");

  events::Event completed{.id = "evt_imp_1",
                          .type = "import.completed",
                          .org_id = "org_s",
                          .subject_id = "imp_1",
                          .payload_json = R"({"status": "completed", "accepted": 3})"};
  ASSERT_TRUE(search_->QueueIndex(completed).ok());
  RegisterProjectSearchJobs(*queue_, *search_);
  jobs::Worker worker(*queue_,
                      {.types = {std::string(kProjectIndexJob), std::string(kProjectReindexJob)}});
  auto ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok() && *ran) << ran.status().ToString();
  EXPECT_EQ(queued(kProjectIndexJob), 0);
  EXPECT_EQ(Ids(Find("org_s", "quarry")), (IdList{"prj_imp_a"}));
  EXPECT_EQ(Ids(Find("org_s", "lighthouse")), (IdList{"prj_imp_b"}));
  EXPECT_EQ(Ids(Find("org_s", "orchard")), IdList{}) << "the org's index was rebuilt";
  EXPECT_EQ(QueuedReindexJobs(), 0);

  // Another org's import id indexes nothing; a truncated report falls back to a rebuild.
  ASSERT_TRUE(search_->IndexImport("org_s", "imp_t").ok());
  EXPECT_EQ(QueuedReindexJobs(), 0);
  add_import("imp_2", "org_s", R"({"truncated": true, "accepted_rows": []})");
  ASSERT_TRUE(search_->IndexImport("org_s", "imp_2").ok());
  EXPECT_EQ(QueuedReindexJobs(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectSearchTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::studio
