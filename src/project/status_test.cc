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
  EXPECT_FALSE(IsStatus("completed"));
  EXPECT_FALSE(IsStatus("in_progress"));
  EXPECT_TRUE(IsStatus("closed"));
}

TEST(ProjectStatusTest, LegacyNamesMapToTheirSuccessors) {
  EXPECT_EQ(FromLegacyStatus("in_progress"), "in_production");
  EXPECT_EQ(FromLegacyStatus("completed"), "closed");
  EXPECT_EQ(FromLegacyStatus("draft"), std::nullopt);
  for (std::string_view s : Statuses()) EXPECT_EQ(FromLegacyStatus(s), std::nullopt) << s;
}

TEST(ProjectStatusTest, MessagesAndSchemaListEveryStatus) {
  EXPECT_EQ(StatusRule(),
            "must be draft, design, engineering, estimating, quoted, approved, in_production, "
            "installed, closed, on_hold or cancelled");
  EXPECT_EQ(StatusList(),
            "draft, design, engineering, estimating, quoted, approved, in_production, installed, "
            "closed, on_hold, cancelled");
  EXPECT_EQ(StatusSchema(),
            R"({"type": "string", "enum": ["draft", "design", "engineering", "estimating", )"
            R"("quoted", "approved", "in_production", "installed", "closed", "on_hold", )"
            R"("cancelled"]})");
}

// The database's CHECK constraint (migration 0016 widened 0006's) must allow exactly these
// statuses (both dialects).
TEST(ProjectStatusTest, MigrationsCheckTheSameList) {
  for (const char* dialect : {"sqlite", "postgres"}) {
    std::ifstream in(std::string(SIGNX_SOURCE_DIR) + "/migrations/" + dialect +
                     "/0016_studio.sql");
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
