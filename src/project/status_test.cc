#include "project/status.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace signx::project {
namespace {

TEST(ProjectStatusTest, KnowsEveryStatusAndNothingElse) {
  for (std::string_view s : Statuses()) EXPECT_TRUE(IsStatus(s)) << s;
  EXPECT_FALSE(IsStatus(""));
  EXPECT_FALSE(IsStatus("Draft"));
  EXPECT_FALSE(IsStatus("closed"));
}

TEST(ProjectStatusTest, MessagesAndSchemaListEveryStatus) {
  EXPECT_EQ(StatusRule(), "must be draft, quoted, approved, in_progress, completed or cancelled");
  EXPECT_EQ(StatusList(), "draft, quoted, approved, in_progress, completed, cancelled");
  EXPECT_EQ(StatusSchema(),
            R"({"type": "string", "enum": ["draft", "quoted", "approved", "in_progress", )"
            R"("completed", "cancelled"]})");
}

// The database's CHECK constraint must allow exactly these statuses (both dialects).
TEST(ProjectStatusTest, MigrationsCheckTheSameList) {
  for (const char* dialect : {"sqlite", "postgres"}) {
    std::ifstream in(std::string(SIGNX_SOURCE_DIR) + "/migrations/" + dialect +
                     "/0006_estimating.sql");
    ASSERT_TRUE(in) << dialect;
    std::stringstream text;
    text << in.rdbuf();
    std::string expected = "status IN (";
    bool first = true;
    for (std::string_view s : Statuses()) {
      expected += first ? "'" : ", '";
      expected += s;
      expected += "'";
      first = false;
    }
    expected += ")";
    EXPECT_NE(text.str().find(expected), std::string::npos) << dialect << ": " << expected;
  }
}

}  // namespace
}  // namespace signx::project
