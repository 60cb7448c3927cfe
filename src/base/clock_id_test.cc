#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "base/clock.h"
#include "base/id.h"
#include "base/strings.h"

namespace signx {
namespace {

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock;
  const Timestamp t0 = clock.Now();
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(clock.Now() - t0, std::chrono::seconds(5));
}

TEST(ClockTest, Rfc3339RoundTrip) {
  const Timestamp t = FromUnixMicros(1'795'000'000'123'000);
  const std::string s = FormatRfc3339(t);
  EXPECT_EQ(s, "2026-11-18T11:06:40.123Z");
  auto parsed = ParseRfc3339(s);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, t);
}

TEST(ClockTest, Rfc3339Offsets) {
  auto a = ParseRfc3339("2026-11-24T10:00:00+02:00");
  auto b = ParseRfc3339("2026-11-24T08:00:00Z");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(ClockTest, Rfc3339RejectsGarbage) {
  for (const char* bad : {"", "2026-11-24", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-24T25:00:00Z", "2026-11-24T10:00:00", "2026-11-24T10:00:00Zx",
                          "2026-11-24T10:00:00.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(IdTest, PrefixedSortableAndValid) {
  FakeClock clock;
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("prj", clock);
    EXPECT_TRUE(IsValidId(id, "prj")) << id;
    EXPECT_GT(id, prev);  // monotonic within one millisecond
    prev = id;
    if (i % 100 == 0) clock.Advance(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(IsValidId(prev, "lead"));
  EXPECT_FALSE(IsValidId("prj_short", "prj"));
  EXPECT_FALSE(IsValidId("prj_01JD4Y3S8Q6W2V0N5F7K9M1B3I", "prj"));  // I is not Crockford
}

TEST(IdTest, UniqueAcrossThreads) {
  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) ids[t].push_back(NewId("job"));
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 20000u);
}

TEST(StringsTest, Parsing) {
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-7"), -7);
  EXPECT_FALSE(ParseInt("4 2").has_value());
  EXPECT_FALSE(ParseInt("").has_value());
  EXPECT_EQ(ParseDouble("2.5"), 2.5);
  EXPECT_FALSE(ParseDouble("nan").has_value());
  EXPECT_EQ(ParseBool("Yes"), true);
  EXPECT_EQ(ParseBool("off"), false);
  EXPECT_FALSE(ParseBool("maybe").has_value());
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_EQ(Split("a,,b", ',').size(), 3u);
  EXPECT_EQ(HexEncode("\x01\xff"), "01ff");
  EXPECT_EQ(HexDecode("01fF"), std::string("\x01\xff"));
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("0g").has_value());
}

}  // namespace
}  // namespace signx
