// ModelRegistry on SQLite and PostgreSQL.
#include "ml/registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/testing/test_stores.h"

namespace signx::ml {
namespace {

using storage::testing::Backend;

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    root_ = std::filesystem::temp_directory_path() /
            ("signx_models_" + std::to_string(::getpid()) + "_" +
             storage::testing::BackendName(GetParam()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ModelRegistry>(db_->store(), *blobs_, clock_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  ModelVersion Reg(const std::string& version, const std::string& bytes) {
    clock_.Advance(std::chrono::seconds(1));
    auto v = registry_->Register("leads", version, bytes, R"({"auc": 0.9})", "test");
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
  auto bad = registry_->Register("", "v", "x", "[]", "t");
  EXPECT_EQ(bad.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(bad.status().details().size(), 2u);
}

TEST_P(RegistryTest, PromoteArchivesThePreviousAndRollbackRestoresIt) {
  EXPECT_FALSE(registry_->Production("leads")->has_value());
  Reg("v1", "one");
  Reg("v2", "two");
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Promote("leads", "v1").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Promote("leads", "v2").ok());
  EXPECT_EQ((*registry_->Production("leads"))->version, "v2");
  EXPECT_EQ(registry_->Get("leads", "v1")->state, "archived");

  clock_.Advance(std::chrono::seconds(1));
  auto back = registry_->Rollback("leads");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->version, "v1");
  EXPECT_EQ((*registry_->Production("leads"))->version, "v1");
  EXPECT_EQ(registry_->Get("leads", "v2")->state, "archived");

  EXPECT_EQ(registry_->Promote("leads", "nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Rollback("other").status().code(), ErrorCode::kFailedPrecondition);
  auto list = registry_->List("leads");
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].version, "v2");
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::ml
