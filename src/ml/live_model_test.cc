// LiveModel over a real ModelRegistry (SQLite and PostgreSQL), with strings as models.
#include "ml/live_model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/testing/test_stores.h"

namespace signx::ml {
namespace {

using storage::testing::Backend;

class LiveModelTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    root_ =
        std::filesystem::temp_directory_path() / ("signx_live_model_" + std::to_string(::getpid()) +
                                                  "_" + storage::testing::BackendName(GetParam()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ModelRegistry>(db_->store(), *blobs_, clock_);
    live_ = std::make_unique<LiveModel<std::string>>(
        *registry_, "leads", "test model", reloads_,
        [this](const std::string& bytes) -> Result<std::shared_ptr<const std::string>> {
          ++loads_;
          if (bytes == "broken") return InvalidArgument("not a model");
          return std::make_shared<const std::string>("loaded:" + bytes);
        });
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Promote(const std::string& version, const std::string& bytes) {
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(registry_->Register("leads", version, bytes, "{}", "test").ok());
    ASSERT_TRUE(registry_->Promote("leads", version).ok());
  }
  double Reloads(const std::string& outcome) { return reloads_.WithLabels({outcome}).Value(); }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  FakeClock clock_;
  std::unique_ptr<ModelRegistry> registry_;
  metrics::Registry metrics_;
  metrics::Family<metrics::Counter>& reloads_ =
      metrics_.AddCounter("test_reloads_total", "reloads", {"outcome"});
  int loads_ = 0;
  std::unique_ptr<LiveModel<std::string>> live_;
};

TEST_P(LiveModelTest, NothingInProductionIsNoModelAndNoError) {
  EXPECT_TRUE(live_->Reload().ok());
  EXPECT_EQ(live_->Current(), nullptr);
  EXPECT_EQ(live_->version(), "");
  EXPECT_EQ(loads_, 0);
}

TEST_P(LiveModelTest, LoadsTheProductionVersionOnceAndSwapsOnPromotion) {
  Promote("v1", "one");
  ASSERT_TRUE(live_->Reload().ok());
  const std::shared_ptr<const std::string> held = live_->Current();
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(*held, "loaded:one");
  EXPECT_EQ(live_->version(), "v1");
  ASSERT_TRUE(live_->Reload().ok());
  EXPECT_EQ(loads_, 1) << "the version in use is not loaded again";

  Promote("v2", "two");
  ASSERT_TRUE(live_->Reload().ok());
  EXPECT_EQ(*live_->Current(), "loaded:two");
  EXPECT_EQ(*held, "loaded:one") << "a request's model outlives the swap";
  EXPECT_EQ(Reloads("ok"), 2);
}

TEST_P(LiveModelTest, AFailedLoadKeepsTheModelInUseAndNamesTheVersion) {
  Promote("v1", "one");
  ASSERT_TRUE(live_->Reload().ok());
  Promote("v2", "broken");
  const Status st = live_->Reload();
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(st.message().find("cannot load test model v2: not a model"), std::string::npos)
      << st.message();
  EXPECT_EQ(*live_->Current(), "loaded:one");
  EXPECT_EQ(live_->version(), "v1");
  EXPECT_EQ(Reloads("error"), 1);
}

TEST_P(LiveModelTest, SetInstallsAModelUntilTheRegistryNamesAnother) {
  live_->Set(std::make_shared<const std::string>("direct"), "v1");
  Promote("v1", "one");
  ASSERT_TRUE(live_->Reload().ok());
  EXPECT_EQ(*live_->Current(), "direct") << "same version: kept";
  Promote("v2", "two");
  ASSERT_TRUE(live_->Reload().ok());
  EXPECT_EQ(*live_->Current(), "loaded:two");
}

INSTANTIATE_TEST_SUITE_P(Backends, LiveModelTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::ml
