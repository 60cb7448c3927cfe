// SseFeed on SQLite and PostgreSQL: backlog + live without gaps or duplicates, bounded backlog,
// overflow ends the feed.
#include "events/sse.h"

#include <gtest/gtest.h>

#include "events/outbox.h"
#include "storage/testing/test_stores.h"

namespace signx::events {
namespace {

using storage::testing::Backend;

// The ids in a chunk of text/event-stream.
std::vector<int64_t> Ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::size_t at = 0;
  while ((at = text.find("id: ", at)) != std::string::npos) {
    ids.push_back(std::stoll(text.substr(at + 4)));
    at += 4;
  }
  return ids;
}

class SseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dispatcher_ = std::make_unique<Dispatcher>(db_->store(), DispatcherOptions{});
  }
  void Append(int n, const std::string& type = "project.created") {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(db_->store()
                      .WithTxn([&](storage::Txn& t) {
                        return outbox_.Append(t, {type, "org_1", "prj_1", "{}"}).status();
                      })
                      .ok());
    }
  }
  void Dispatch() { ASSERT_TRUE(dispatcher_->RunOnce().ok()); }
  std::unique_ptr<SseFeed> Open(std::optional<int64_t> last, SseOptions options = {}) {
    auto feed =
        SseFeed::Open(db_->store(), *dispatcher_, {.type_prefixes = {"project."}}, last, options);
    EXPECT_TRUE(feed.ok()) << feed.status().ToString();
    return feed.ok() ? std::move(*feed) : nullptr;
  }

  Outbox outbox_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_P(SseTest, LiveOnlyWithoutLastEventId) {
  Append(3);
  Dispatch();
  auto feed = Open(std::nullopt);
  std::string first = *feed->Poll();
  EXPECT_EQ(first, "retry: 3000\n\n");
  EXPECT_EQ(*feed->Poll(), "");
  Append(1);
  Append(1, "lead.scored");  // filtered out
  Append(1);
  Dispatch();
  std::string text = *feed->Poll();
  EXPECT_EQ(Ids(text), (std::vector<int64_t>{4, 6}));
  EXPECT_NE(text.find("event: project.created\ndata: {\"position\":4,"), std::string::npos) << text;
}

TEST_P(SseTest, ResumesAfterLastEventIdWithoutGapsOrDuplicates) {
  Append(5);
  Dispatch();
  auto feed = Open(2);
  Append(2);
  Dispatch();
  std::string all;
  for (int i = 0; i < 3; ++i) all += *feed->Poll();
  EXPECT_EQ(Ids(all), (std::vector<int64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(feed->last_position(), 7);
}

TEST_P(SseTest, LongBacklogEndsTheFeedSoTheClientResumes) {
  Append(5);
  Dispatch();
  auto feed = Open(0, {.max_backlog = 2});
  std::string text = *feed->Poll();
  EXPECT_EQ(Ids(text), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(feed->Poll(), std::nullopt);
  auto next = Open(2, {.max_backlog = 2});
  EXPECT_EQ(Ids(*next->Poll()), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(next->Poll(), std::nullopt);
  auto last = Open(4, {.max_backlog = 2});
  EXPECT_EQ(Ids(*last->Poll()), (std::vector<int64_t>{5}));
  EXPECT_TRUE(last->Poll().has_value());  // caught up: stays live
}

TEST_P(SseTest, OverflowEndsTheFeed) {
  auto feed = Open(std::nullopt, {.buffer_capacity = 2});
  EXPECT_EQ(Ids(*feed->Poll()), std::vector<int64_t>{});
  Append(5);
  Dispatch();
  auto text = feed->Poll();
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(Ids(*text).empty());
  EXPECT_EQ(feed->Poll(), std::nullopt);
}

TEST(SseFormatTest, LastEventIdParsing) {
  EXPECT_EQ(ParseLastEventId(std::nullopt), std::nullopt);
  EXPECT_EQ(ParseLastEventId(""), std::nullopt);
  EXPECT_EQ(ParseLastEventId("42"), 42);
  EXPECT_EQ(ParseLastEventId("0"), 0);
  EXPECT_EQ(ParseLastEventId("-1"), std::nullopt);
  EXPECT_EQ(ParseLastEventId("4x"), std::nullopt);
  EXPECT_EQ(ParseLastEventId("evt_01"), std::nullopt);
}

// Issue 19 item 8: one principal cannot hold unbounded streams; the cap frees as feeds close.
TEST_P(SseTest, StreamsPerPrincipalAreCappedAndCounted) {
  SseStreamLimits limits(2);
  const SseOptions alice{.limits = &limits, .owner = "user:usr_alice"};
  auto a1 = Open(std::nullopt, alice);
  auto a2 = Open(std::nullopt, alice);
  ASSERT_NE(a1, nullptr);
  ASSERT_NE(a2, nullptr);
  auto third = SseFeed::Open(db_->store(), *dispatcher_, {}, std::nullopt, alice);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), ErrorCode::kRateLimited);
  EXPECT_NE(third.status().message().find("2 per user or API key"), std::string::npos);
  // Another principal is not affected.
  auto b1 = Open(std::nullopt, {.limits = &limits, .owner = "api_key:key_bob"});
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(limits.open("user:usr_alice"), 2);
  EXPECT_EQ(limits.total(), 3);
  a1.reset();  // a closed stream frees its slot
  EXPECT_EQ(limits.open("user:usr_alice"), 1);
  EXPECT_NE(Open(std::nullopt, alice), nullptr);  // opened and closed again at once
  EXPECT_EQ(limits.total(), 2);
  b1.reset();
  a2.reset();
  EXPECT_EQ(limits.total(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, SseTest, ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::events
