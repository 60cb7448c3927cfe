// ModelRegistry on SQLite and PostgreSQL.
#include "ml/registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <tuple>
#include <vector>

#include "storage/migrations.h"
#include "storage/testing/test_stores.h"

namespace signx::ml {
namespace {

using storage::testing::Backend;

const Owner kP = Owner::Platform();

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    root_ =
        std::filesystem::temp_directory_path() / ("signx_models_" + std::to_string(::getpid()) +
                                                  "_" + storage::testing::BackendName(GetParam()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ModelRegistry>(db_->store(), *blobs_, clock_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  ModelVersion Reg(const std::string& version, const std::string& bytes,
                   const Owner& owner = Owner::Platform()) {
    clock_.Advance(std::chrono::seconds(1));
    auto v = registry_->Register(owner, "leads", version, bytes, R"({"auc": 0.9})", "test");
    EXPECT_TRUE(v.ok()) << v.status().message();
    return *v;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  FakeClock clock_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_P(RegistryTest, RegisterIsIdempotentAndStoresBytes) {
  auto a = Reg("v1", "model-one");
  EXPECT_EQ(a.state, "staging");
  auto again = Reg("v1", "model-one");
  EXPECT_EQ(again.created_at, a.created_at);
  EXPECT_EQ(*registry_->ReadBytes(a), "model-one");
  auto bad = registry_->Register(Owner::Platform(), "", "v", "x", "[]", "t");
  EXPECT_EQ(bad.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(bad.status().details().size(), 2u);
}

TEST_P(RegistryTest, PromoteArchivesThePreviousAndRollbackRestoresIt) {
  EXPECT_FALSE(registry_->Production(kP, "leads")->has_value());
  Reg("v1", "one");
  Reg("v2", "two");
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Promote(kP, "leads", "v1").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Promote(kP, "leads", "v2").ok());
  EXPECT_EQ((*registry_->Production(kP, "leads"))->version, "v2");
  EXPECT_EQ(registry_->Get(kP, "leads", "v1")->state, "archived");

  clock_.Advance(std::chrono::seconds(1));
  auto back = registry_->Rollback(kP, "leads");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->version, "v1");
  EXPECT_EQ((*registry_->Production(kP, "leads"))->version, "v1");
  EXPECT_EQ(registry_->Get(kP, "leads", "v2")->state, "archived");

  EXPECT_EQ(registry_->Promote(kP, "leads", "nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Rollback(kP, "other").status().code(), ErrorCode::kFailedPrecondition);
  auto list = registry_->List(kP, "leads");
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].version, "v2");
}

// Issue 19 item 1: each org has its own lifecycle; nothing an org does reaches another org or the
// platform default, and another owner's version ids are "not found".
TEST_P(RegistryTest, OwnersHaveSeparateLifecycles) {
  const Owner a = Owner::Org("org_a"), b = Owner::Org("org_b");
  Reg("p1", "platform-one");
  ASSERT_TRUE(registry_->Promote(kP, "leads", "p1").ok());
  Reg("a1", "a-one", a);
  Reg("a2", "a-two", a);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Promote(a, "leads", "a1").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Promote(a, "leads", "a2").ok());

  // A's promotions leave the platform default and B alone.
  EXPECT_EQ((*registry_->Production(kP, "leads"))->version, "p1");
  EXPECT_FALSE(registry_->Production(b, "leads")->has_value());
  EXPECT_EQ((*registry_->Effective("org_a", "leads"))->version, "a2");
  EXPECT_EQ((*registry_->Effective("org_a", "leads"))->org_id, "org_a");
  EXPECT_EQ((*registry_->Effective("org_b", "leads"))->version, "p1");
  EXPECT_EQ((*registry_->Effective("org_b", "leads"))->org_id, "");
  EXPECT_EQ((*registry_->Effective("", "leads"))->version, "p1");
  EXPECT_EQ(*registry_->ProductionByOwner("leads"),
            (std::map<std::string, std::string>{{"", "p1"}, {"org_a", "a2"}}));

  // B (and the platform) cannot see, promote or read A's versions: not found, like a typo.
  EXPECT_EQ(registry_->Get(b, "leads", "a1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Get(kP, "leads", "a1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Promote(b, "leads", "a1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Promote(a, "leads", "p1").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(registry_->List(b, "leads")->empty());
  ASSERT_EQ(registry_->List(a, "leads")->size(), 2u);
  ASSERT_EQ(registry_->List(kP, "leads")->size(), 1u);
  EXPECT_EQ(registry_->Rollback(b, "leads").status().code(), ErrorCode::kFailedPrecondition);

  // A's rollback stays in A.
  clock_.Advance(std::chrono::seconds(1));
  auto back = registry_->Rollback(a, "leads");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->version, "a1");
  EXPECT_EQ((*registry_->Production(kP, "leads"))->version, "p1");

  // The same content-derived version may exist under two owners, each with its own state.
  auto same = Reg("a1", "a-one", b);
  EXPECT_EQ(same.org_id, "org_b");
  EXPECT_EQ(same.state, "staging");
  ASSERT_TRUE(registry_->Promote(b, "leads", "a1").ok());
  EXPECT_EQ(registry_->Get(a, "leads", "a1")->state, "production");
  EXPECT_EQ(registry_->Get(a, "leads", "a2")->state, "archived");
  EXPECT_EQ((*registry_->Effective("org_b", "leads"))->org_id, "org_b");

  // B's rollback of its only version returns B to the platform default.
  auto b_back = registry_->Rollback(b, "leads");
  ASSERT_TRUE(b_back.ok()) << b_back.status().message();
  EXPECT_EQ(b_back->state, "archived");
  EXPECT_FALSE(registry_->Production(b, "leads")->has_value());
  EXPECT_EQ((*registry_->Effective("org_b", "leads"))->version, "p1");
  EXPECT_EQ((*registry_->Effective("org_a", "leads"))->version, "a1");
}

// Migration 0014 on a database that has versions: they become the platform's, except a version
// the automatic cost retrain trained on one org's records, which goes back to that org.
TEST_P(RegistryTest, Migration0014MovesVersionsToTheirOwners) {
  storage::testing::TestDatabase db(GetParam());
  if (!db.skip_reason().empty()) GTEST_SKIP() << db.skip_reason();
  const auto all = storage::MigrationsFor(db.store().dialect());
  std::vector<storage::Migration> before;
  for (const auto& m : all) {
    if (m.version < 14) before.push_back(m);
  }
  ASSERT_TRUE(storage::MigrateUp(db.store(), before).ok());
  const std::string sha(64, 'a');
  ASSERT_TRUE(db.store()
                  .WithTxn([&](storage::Txn& txn) -> Status {
                    SIGNX_RETURN_IF_ERROR(
                        txn.Exec("INSERT INTO blobs (sha256, size_bytes, content_type, ref_count, "
                                 "created_at) VALUES ($1, 1, 'application/json', 3, 0)",
                                 {sha})
                            .status());
                    SIGNX_RETURN_IF_ERROR(
                        txn.Exec("INSERT INTO jobs (id, type, payload, state, max_attempts, "
                                 "run_at, created_at, updated_at, org_id) VALUES ('job_1', "
                                 "'estimating.retrain', '{}', 'succeeded', 3, 0, 0, 0, 'org_a')")
                            .status());
                    for (const auto& [version, state, by] :
                         std::vector<std::tuple<std::string, std::string, std::string>>{
                             {"cost-1", "archived", "cli"},
                             {"cost-2", "production", "job:job_1"},
                             {"cost-3", "staging", "job:job_gone"}}) {
                      SIGNX_RETURN_IF_ERROR(
                          txn.Exec("INSERT INTO model_versions (name, version, state, "
                                   "blob_sha256, size_bytes, card, created_by, created_at) "
                                   "VALUES ('cost', $1, $2, $3, 1, $4, $5, 0)",
                                   {version, state, sha, storage::Json{"{}"}, by})
                              .status());
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto applied = storage::MigrateUp(db.store(), all);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ModelRegistry registry(db.store(), *blobs_, clock_);
  EXPECT_EQ(registry.Get(Owner::Platform(), "cost", "cost-1")->state, "archived");
  EXPECT_EQ(registry.Get(Owner::Org("org_a"), "cost", "cost-2")->state, "production");
  EXPECT_EQ(registry.Get(Owner::Platform(), "cost", "cost-3")->state, "staging");
  EXPECT_EQ(registry.Get(Owner::Platform(), "cost", "cost-2").status().code(),
            ErrorCode::kNotFound);
  EXPECT_FALSE(registry.Production(Owner::Platform(), "cost")->has_value());
  EXPECT_EQ((*registry.Effective("org_a", "cost"))->version, "cost-2");
  EXPECT_FALSE(registry.Effective("org_b", "cost")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::ml
