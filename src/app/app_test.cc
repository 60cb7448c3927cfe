// The whole composition root on a temporary SQLite database: starts, migrates, answers, and its
// OpenAPI document lists every route it serves.
#include "app/app.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <thread>

#include "http/testing/raw_client.h"

namespace signx::app {
namespace {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("signx_app_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.server.port = 0;
    config_.log.access_log = false;
    config_.data_dir = dir_.string();
    config_.database.url = "sqlite:///" + (dir_ / "signx.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  config::Config config_;
};

TEST_F(AppTest, RefusesADatabaseThatIsBehind) {
  App app(config_, {.version = "test"});
  Status st = app.Start();
  EXPECT_EQ(st.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("signx migrate up"), std::string::npos);
}

TEST_F(AppTest, MigratesServesAndDocumentsEveryRoute) {
  App app(config_, {.version = "test"}, {.migrate = true});
  ASSERT_TRUE(app.Start().ok());
  http::testing::RawClient c(app.port());
  auto ready = c.Request("GET", "/health/ready");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_NE(ready->body.find("\"database\""), std::string::npos);
  EXPECT_NE(ready->body.find("\"migrations\""), std::string::npos);

  auto doc = c.Request("GET", "/v1/openapi.json");
  ASSERT_TRUE(doc.has_value());
  const auto paths = boost::json::parse(doc->body).as_object().at("paths").as_object();
  for (const auto& route : app.router().routes()) {
    std::string path = route.pattern;
    if (auto p = path.find("..."); p != std::string::npos) path.erase(p, 3);
    EXPECT_TRUE(paths.contains(path)) << route.method << " " << route.pattern;
    EXPECT_FALSE(route.meta.permission.empty()) << route.method << " " << route.pattern
                                                << " declares no permission";
  }
  app.Shutdown();
  app.Wait();
}

}  // namespace
}  // namespace signx::app
