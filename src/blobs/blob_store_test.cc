#include "blobs/blob_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace signx::blobs {
namespace {

namespace fs = std::filesystem;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// SHA-256 test vectors (FIPS 180-2).
constexpr std::string_view kAbcSha =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (fs::temp_directory_path() / "signx-blobs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    Result<std::unique_ptr<BlobStore>> store = BlobStore::Open(dir_ / "blobs", 1024);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  size_t TempFileCount() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(store_->root() / "tmp")) {
      (void)e;
      ++n;
    }
    return n;
  }

  // Sets a blob's modification time to `t`.
  void SetMTime(std::string_view sha, Timestamp t) {
    const fs::path path = *store_->PathOf(sha);
    const int64_t us = UnixMicros(t);
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = us / 1'000'000;
    times[0].tv_nsec = times[1].tv_nsec = (us % 1'000'000) * 1000;
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  fs::path dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, PutThenReadBack) {
  Result<PutResult> put = store_->Put("abc");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(put->created);
  EXPECT_EQ(put->info.sha256, kAbcSha);
  EXPECT_EQ(put->info.size_bytes, 3);
  EXPECT_TRUE(fs::is_regular_file(store_->root() / "ba" / "78" / std::string(kAbcSha)));
  Result<std::string> read = store_->Read(kAbcSha);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, "abc");
  EXPECT_EQ(store_->Exists(kAbcSha).value_or(false), true);
  EXPECT_EQ(TempFileCount(), 0u);
}

TEST_F(BlobStoreTest, EmptyBlob) {
  Result<PutResult> put = store_->Put("");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->info.sha256, kEmptySha);
  EXPECT_EQ(store_->Read(kEmptySha).value_or("x"), "");
}

TEST_F(BlobStoreTest, StreamingWriteAndRead) {
  Result<std::unique_ptr<BlobWriter>> writer = store_->NewWriter();
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Write("a").ok());
  ASSERT_TRUE((*writer)->Write("").ok());
  ASSERT_TRUE((*writer)->Write("bc").ok());
  EXPECT_EQ((*writer)->bytes_written(), 3);
  Result<PutResult> put = (*writer)->Commit();
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->info.sha256, kAbcSha);
  EXPECT_EQ((*writer)->Commit().status().code(), ErrorCode::kFailedPrecondition);

  Result<std::unique_ptr<BlobReader>> reader = store_->OpenReader(kAbcSha);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size_bytes(), 3);
  std::string got;
  char buf[2];
  while (true) {
    Result<size_t> n = (*reader)->Read(buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, "abc");
}

TEST_F(BlobStoreTest, DuplicateContentIsStoredOnce) {
  ASSERT_TRUE(store_->Put("same bytes").ok());
  Result<PutResult> again = store_->Put("same bytes");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->created);
  Result<std::vector<BlobInfo>> all = store_->ListOlderThan(Timestamp::max(), 100);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, SizeIs(1));
  EXPECT_EQ(TempFileCount(), 0u);
}

TEST_F(BlobStoreTest, DedupeRefreshesModificationTime) {
  Result<PutResult> put = store_->Put("keep me");
  ASSERT_TRUE(put.ok());
  const Timestamp long_ago = FromUnixMicros(1'000'000'000'000'000);  // 2001
  SetMTime(put->info.sha256, long_ago);
  ASSERT_TRUE(store_->Put("keep me").ok());
  Result<BlobInfo> info = store_->Stat(put->info.sha256);
  ASSERT_TRUE(info.ok());
  EXPECT_GT(info->modified, long_ago + std::chrono::hours(24));
}

TEST_F(BlobStoreTest, OverSizeLimitFailsAndRemovesTempFile) {
  Result<std::unique_ptr<BlobWriter>> writer = store_->NewWriter();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(std::string(1000, 'x')).ok());
  EXPECT_EQ(TempFileCount(), 1u);
  Status s = (*writer)->Write(std::string(25, 'x'));
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(TempFileCount(), 0u);
  EXPECT_EQ((*writer)->Write("x").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->Put(std::string(1025, 'y')).status().code(), ErrorCode::kPayloadTooLarge);
  EXPECT_TRUE(store_->Put(std::string(1024, 'y')).ok());  // exactly the limit is fine
  EXPECT_EQ(TempFileCount(), 0u);
}

TEST_F(BlobStoreTest, AbandonedWriterRemovesTempFile) {
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->NewWriter();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("half an upload").ok());
    EXPECT_EQ(TempFileCount(), 1u);
  }
  EXPECT_EQ(TempFileCount(), 0u);
  Result<std::vector<BlobInfo>> all = store_->ListOlderThan(Timestamp::max(), 100);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, IsEmpty());
}

TEST_F(BlobStoreTest, BadHashesAreRejected) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("abc"),
        std::string_view("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
        std::string_view("../../../../etc/passwd"),
        std::string_view("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a/"),
        std::string_view("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adz"),
        std::string_view("ba/816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")}) {
    EXPECT_FALSE(IsValidSha256(bad)) << bad;
    EXPECT_EQ(store_->Read(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Exists(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Remove(bad).code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Verify(bad).code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(IsValidSha256(kAbcSha));
}

TEST_F(BlobStoreTest, MissingBlobIsNotFound) {
  EXPECT_EQ(store_->Read(kAbcSha).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Exists(kAbcSha).value_or(true), false);
  EXPECT_EQ(store_->Remove(kAbcSha).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Verify(kAbcSha).code(), ErrorCode::kNotFound);
}

TEST_F(BlobStoreTest, VerifyDetectsCorruption) {
  ASSERT_TRUE(store_->Put("abc").ok());
  EXPECT_TRUE(store_->Verify(kAbcSha).ok());
  const fs::path path = *store_->PathOf(kAbcSha);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "abd";
  }
  Status s = store_->Verify(kAbcSha);
  EXPECT_EQ(s.code(), ErrorCode::kDataLoss) << s.ToString();
}

TEST_F(BlobStoreTest, CorruptCopyOfWrongSizeIsReplacedOnPut) {
  ASSERT_TRUE(store_->Put("abc").ok());
  {
    std::ofstream out(*store_->PathOf(kAbcSha), std::ios::binary | std::ios::trunc);
    out << "ab";
  }
  Result<PutResult> put = store_->Put("abc");
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(put->created);
  EXPECT_TRUE(store_->Verify(kAbcSha).ok());
}

TEST_F(BlobStoreTest, ListOlderThanAndRemoveForGc) {
  Result<PutResult> old_blob = store_->Put("old");
  Result<PutResult> new_blob = store_->Put("new");
  ASSERT_TRUE(old_blob.ok() && new_blob.ok());
  const Timestamp now = FromUnixMicros(1'800'000'000'000'000);
  SetMTime(old_blob->info.sha256, now - std::chrono::hours(48));
  SetMTime(new_blob->info.sha256, now - std::chrono::minutes(5));
  const Timestamp cutoff = now - std::chrono::hours(24);

  Result<std::vector<BlobInfo>> old = store_->ListOlderThan(cutoff, 100);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_THAT(*old, SizeIs(1));
  EXPECT_EQ((*old)[0].sha256, old_blob->info.sha256);
  EXPECT_EQ((*old)[0].size_bytes, 3);

  EXPECT_EQ(store_->RemoveIfOlderThan(new_blob->info.sha256, cutoff).value_or(true), false);
  EXPECT_EQ(store_->RemoveIfOlderThan(old_blob->info.sha256, cutoff).value_or(false), true);
  EXPECT_EQ(store_->Exists(old_blob->info.sha256).value_or(true), false);
  EXPECT_EQ(store_->Exists(new_blob->info.sha256).value_or(false), true);
  ASSERT_TRUE(store_->Remove(new_blob->info.sha256).ok());
  EXPECT_THAT(store_->ListOlderThan(Timestamp::max(), 100).value_or({BlobInfo{}}), IsEmpty());
}

TEST_F(BlobStoreTest, ListOlderThanHonoursLimit) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->Put("blob " + std::to_string(i)).ok());
  Result<std::vector<BlobInfo>> some = store_->ListOlderThan(Timestamp::max(), 2);
  ASSERT_TRUE(some.ok());
  EXPECT_THAT(*some, SizeIs(2));
  EXPECT_THAT(store_->ListOlderThan(Timestamp::max(), 0).value_or({BlobInfo{}}), IsEmpty());
}

TEST_F(BlobStoreTest, RemoveStaleTempFiles) {
  std::ofstream(store_->root() / "tmp" / "blob-crashed") << "partial";
  Result<size_t> none = store_->RemoveStaleTemp(FromUnixMicros(0));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  Result<size_t> removed = store_->RemoveStaleTemp(Timestamp::max());
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  EXPECT_EQ(TempFileCount(), 0u);
}

TEST_F(BlobStoreTest, ConcurrentWritersOfSameContent) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 20; ++i) {
        Result<PutResult> put = store_->Put("shared content");
        EXPECT_TRUE(put.ok()) << put.status().ToString();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  Result<std::vector<BlobInfo>> all = store_->ListOlderThan(Timestamp::max(), 100);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, SizeIs(1));
  EXPECT_TRUE(store_->Verify((*all)[0].sha256).ok());
  EXPECT_EQ(TempFileCount(), 0u);
}

TEST(BlobStoreOpenTest, RejectsNonPositiveLimit) {
  EXPECT_EQ(BlobStore::Open(fs::temp_directory_path() / "unused", 0).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signx::blobs
