#include "jobs/schedule.h"

#include <gtest/gtest.h>

namespace signx::jobs {
namespace {

Timestamp At(std::string_view rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(ScheduleTest, Every) {
  auto s = Schedule::Parse("@every 5m");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Next(At("2026-01-01T00:00:00Z")), At("2026-01-01T00:05:00Z"));
  EXPECT_EQ(s->Next(At("2026-01-01T00:04:59.999Z")), At("2026-01-01T00:05:00Z"));
  EXPECT_EQ(s->Next(At("2026-01-01T00:05:00Z")), At("2026-01-01T00:10:00Z"));
  EXPECT_EQ(Schedule::Parse("@every 30s")->Next(At("2026-01-01T00:00:10Z")),
            At("2026-01-01T00:00:30Z"));
  EXPECT_EQ(Schedule::Parse("@every 1d")->Next(At("2026-01-01T13:00:00Z")),
            At("2026-01-02T00:00:00Z"));
}

TEST(ScheduleTest, HourlyDailyAndCron) {
  EXPECT_EQ(Schedule::Parse("@hourly")->Next(At("2026-01-01T10:00:00Z")),
            At("2026-01-01T11:00:00Z"));
  EXPECT_EQ(Schedule::Parse("@daily")->Next(At("2026-01-01T10:00:00Z")),
            At("2026-01-02T00:00:00Z"));
  EXPECT_EQ(Schedule::Parse("30 2 * * *")->Next(At("2026-01-01T02:30:00Z")),
            At("2026-01-02T02:30:00Z"));
  EXPECT_EQ(Schedule::Parse("30 2 * * *")->Next(At("2026-01-01T02:29:59Z")),
            At("2026-01-01T02:30:00Z"));
  EXPECT_EQ(Schedule::Parse("*/15 * * * *")->Next(At("2026-01-01T02:31:00Z")),
            At("2026-01-01T02:45:00Z"));
  EXPECT_EQ(Schedule::Parse("0,30 8 * * *")->Next(At("2026-01-01T08:10:00Z")),
            At("2026-01-01T08:30:00Z"));
  EXPECT_EQ(Schedule::Parse("0,30 8 * * *")->Next(At("2026-01-01T08:30:00Z")),
            At("2026-01-02T08:00:00Z"));
  EXPECT_EQ(Schedule::Parse("* * * * *")->Next(At("2026-01-01T08:30:10Z")),
            At("2026-01-01T08:31:00Z"));
}

TEST(ScheduleTest, RejectsWhatItDoesNotSupport) {
  for (const char* bad : {"", "@weekly", "@every", "@every 5", "@every 0m", "@every 5w",
                          "@every -1m", "60 * * * *", "0 24 * * *", "0 8 * * 1", "0 8 1 * *",
                          "0 8-17 * * *", "*/0 * * * *", "0 8 * *", "a b c d e"}) {
    EXPECT_EQ(Schedule::Parse(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace signx::jobs
