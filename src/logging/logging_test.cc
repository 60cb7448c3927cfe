#include "logging/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace signx::logging {
namespace {

TEST(InitLogging, RejectsUnknownLevelAndFormatNamingTheField) {
  config::LogConfig c;
  c.level = "loud";
  Status st = InitLogging(c);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("log.level"), std::string::npos);
  c.level = "info";
  c.format = "xml";
  st = InitLogging(c);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("log.format"), std::string::npos);
}

TEST(InitLogging, JsonLinesAreParseableObjects) {
  config::LogConfig c;
  c.level = "debug";
  c.format = "json";
  ASSERT_TRUE(InitLogging(c).ok());
  testing::internal::CaptureStderr();
  spdlog::info("hello \"world\"\n");
  spdlog::default_logger()->flush();
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.rfind("{\"ts\":\"", 0), 0u) << out;
  EXPECT_NE(out.find(R"("level":"info")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("msg":"hello \"world\"\n"})"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

}  // namespace
}  // namespace signx::logging
