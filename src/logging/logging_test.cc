#include "logging/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

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

TEST(AccessLog, LinesAreBufferedAndWrittenWholeInOrder) {
  config::LogConfig c;
  ASSERT_TRUE(InitLogging(c).ok());
  FlushAccessLog();
  testing::internal::CaptureStderr();
  // More than one 64 KiB chunk, so the size-triggered writes run as well as the final flush.
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string line = R"({"msg":"http_request","n":)" + std::to_string(i) + "," +
                             R"("pad":")" + std::string(40, 'x') + R"("})";
    LogJsonLine(line);
    expected += line + "\n";
  }
  FlushAccessLog();
  EXPECT_EQ(testing::internal::GetCapturedStderr(), expected);
}

TEST(AccessLog, ABufferedLineReachesStderrWithoutAnExplicitFlush) {
  config::LogConfig c;
  ASSERT_TRUE(InitLogging(c).ok());
  FlushAccessLog();
  // stderr into a file of our own, read while the flusher runs (no explicit flush here).
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int saved = ::dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_GE(::dup2(::fileno(file), STDERR_FILENO), 0);
  LogJsonLine(R"({"msg":"http_request","alone":true})");
  std::string out;
  for (int i = 0; i < 200 && out.empty(); ++i) {  // the flusher writes every 100 ms; wait ≤ 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    char buf[256];
    const ssize_t n = ::pread(::fileno(file), buf, sizeof buf, 0);
    if (n > 0) out.assign(buf, static_cast<std::size_t>(n));
  }
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::fclose(file);
  EXPECT_EQ(out, "{\"msg\":\"http_request\",\"alone\":true}\n");
}

}  // namespace
}  // namespace signx::logging
