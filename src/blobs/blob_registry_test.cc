// BlobRegistry on SQLite and PostgreSQL: reference counting in transactions and the GC.
#include "blobs/blob_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "storage/testing/test_stores.h"

namespace signx::blobs {
namespace {

using storage::testing::Backend;

class BlobRegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    // Parameterised test names hold a '/' ("Name/Sqlite"): one flat directory per test.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    root_ = std::filesystem::temp_directory_path() /
            ("signx_blobreg_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(root_);
    store_ = std::move(BlobStore::Open(root_, 1 << 20)).value();
    clock_.Set(SystemClock::Get().Now());
    registry_ = std::make_unique<BlobRegistry>(*store_, clock_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Stores `bytes` and registers it with `refs` references in one transaction.
  std::string PutAndRef(const std::string& bytes, int refs) {
    auto put = store_->Put(bytes);
    EXPECT_TRUE(put.ok());
    EXPECT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& t) -> Status {
                      SIGNX_RETURN_IF_ERROR(registry_->Register(t, put->info, "text/plain"));
                      for (int i = 0; i < refs; ++i) {
                        SIGNX_RETURN_IF_ERROR(registry_->AddRef(t, put->info.sha256));
                      }
                      return Status::Ok();
                    })
                    .ok());
    return put->info.sha256;
  }
  Status Release(const std::string& h) {
    return db_->store().WithTxn([&](storage::Txn& t) { return registry_->Release(t, h); });
  }
  bool FileExists(const std::string& h) { return *store_->Exists(h); }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<BlobStore> store_;
  FakeClock clock_;
  std::unique_ptr<BlobRegistry> registry_;
};

TEST_P(BlobRegistryTest, CountsReferencesTransactionally) {
  const std::string h = PutAndRef("hello", 2);
  auto count = [&] {
    return *db_->store().WithTxnResult<int64_t>(
        [&](storage::Txn& t) { return registry_->RefCount(t, h); });
  };
  EXPECT_EQ(count(), 2);
  // A rolled-back release changes nothing.
  (void)db_->store().WithTxn([&](storage::Txn& t) -> Status {
    SIGNX_RETURN_IF_ERROR(registry_->Release(t, h));
    return Internal("roll back");
  });
  EXPECT_EQ(count(), 2);
  EXPECT_TRUE(Release(h).ok());
  EXPECT_TRUE(Release(h).ok());
  EXPECT_EQ(Release(h).code(), ErrorCode::kFailedPrecondition);
  Status missing = db_->store().WithTxn(
      [&](storage::Txn& t) { return registry_->AddRef(t, std::string(64, 'a')); });
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
}

TEST_P(BlobRegistryTest, GcDeletesOnlyUnreferencedBlobsPastTheGracePeriod) {
  const std::string kept = PutAndRef("still used", 1);
  const std::string released = PutAndRef("released long ago", 1);
  ASSERT_TRUE(Release(released).ok());
  auto orphan = store_->Put("stored but never registered");
  ASSERT_TRUE(orphan.ok());

  // Within the grace period nothing goes.
  auto early = registry_->CollectGarbage(db_->store(), std::chrono::hours(24));
  ASSERT_TRUE(early.ok()) << early.status().message();
  EXPECT_EQ(early->rows_deleted, 0);
  EXPECT_TRUE(FileExists(released));

  clock_.Advance(std::chrono::hours(48));
  const std::string recent = PutAndRef("released just now", 1);
  ASSERT_TRUE(Release(recent).ok());

  auto stats = registry_->CollectGarbage(db_->store(), std::chrono::hours(24));
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->rows_deleted, 1);
  EXPECT_EQ(stats->files_deleted, 1);
  EXPECT_EQ(stats->orphan_files_deleted, 1);
  EXPECT_TRUE(FileExists(kept));
  EXPECT_FALSE(FileExists(released));
  EXPECT_FALSE(FileExists(orphan->info.sha256));
  // Released inside the grace period (by the fake clock); its file is newer than the cutoff too.
  EXPECT_TRUE(FileExists(recent));
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobRegistryTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::blobs
