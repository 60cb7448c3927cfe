// Outbox conformance: every test runs on SQLite and on a real PostgreSQL server.
#include "events/outbox.h"

#include <gtest/gtest.h>

#include "base/id.h"
#include "events/dispatcher.h"
#include "storage/testing/test_stores.h"

namespace signx::events {
namespace {

using storage::testing::Backend;

class OutboxTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
  }
  storage::Store& store() { return db_->store(); }

  std::string AppendOne(const EventSpec& spec) {
    Result<std::string> id = store().WithTxnResult<std::string>(
        [&](storage::Txn& txn) { return outbox_.Append(txn, spec); });
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  int64_t Count(const std::string& where = "1 = 1") {
    return store().Query("SELECT COUNT(*) FROM events WHERE " + where)->rows[0].Int(0);
  }
  // Sequences everything pending.
  void Dispatch() {
    Dispatcher d(store(), {.start_after_position = 0});
    ASSERT_TRUE(d.RunOnce().ok());
  }

  FakeClock clock_;
  Outbox outbox_{nullptr, clock_};
  std::unique_ptr<storage::testing::TestDatabase> db_;
};

TEST_P(OutboxTest, AppendCommitsAndRollsBackWithTheCallersTransaction) {
  Status st = store().WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_RETURN_IF_ERROR(
        outbox_.Append(txn, {"project.created", "org_1", "prj_1", R"({"a":1})"}).status());
    return FailedPrecondition("business rule failed after the append");
  });
  EXPECT_EQ(st.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count(), 0);

  const std::string id = AppendOne({"project.created", "org_1", "prj_1", R"({"a":1})"});
  EXPECT_TRUE(IsValidId(id, "evt"));
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(Count("dispatched_at IS NULL AND position IS NULL"), 1);
  auto row = store().Query("SELECT type, org_id, subject_id, payload, created_at FROM events");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->rows[0].Text(0), "project.created");
  EXPECT_EQ(row->rows[0].Text(1), "org_1");
  EXPECT_EQ(row->rows[0].Text(2), "prj_1");
  EXPECT_NE(row->rows[0].Text(3).find("\"a\""), std::string::npos);
  EXPECT_EQ(row->rows[0].Time(4), clock_.Now());
}

TEST_P(OutboxTest, AppendRejectsInvalidSpecs) {
  Status st = store().WithTxn([&](storage::Txn& txn) {
    return outbox_.Append(txn, {"Bad Type!", "", "", "{not json"}).status();
  });
  EXPECT_EQ(st.code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(st.details().size(), 4u);
  EXPECT_EQ(Count(), 0);
}

TEST_P(OutboxTest, ReadSincePagesAndFilters) {
  const char* types[] = {"project.created", "lead.scored", "project.approved"};
  for (int i = 0; i < 9; ++i) {
    AppendOne({types[i % 3], i < 6 ? "org_a" : "org_b", "s" + std::to_string(i),
               "{\"i\":" + std::to_string(i) + "}"});
  }
  // Undispatched events have no position yet: nothing to read.
  EXPECT_TRUE(ReadSince(store(), {})->empty());
  EXPECT_EQ(*LastPosition(store()), 0);
  Dispatch();
  EXPECT_EQ(*LastPosition(store()), 9);

  // Paging by position, the way an SSE backlog does it.
  std::vector<int64_t> seen;
  int64_t after = 0;
  while (true) {
    auto page = ReadSince(store(), {.after_position = after, .limit = 4});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Event& e : *page) seen.push_back(e.position);
    if (page->size() < 4) break;
    after = page->back().position;
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));

  // Resume after Last-Event-ID 7.
  auto tail = ReadSince(store(), {.after_position = 7});
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].position, 8);
  EXPECT_EQ((*tail)[0].payload_json.find("\"i\""), 1u);
  EXPECT_EQ((*tail)[0].subject_id, "s7");

  auto projects = ReadSince(store(), {.filter = {.type_prefixes = {"project."}}});
  ASSERT_EQ(projects->size(), 6u);
  for (const Event& e : *projects) EXPECT_TRUE(e.type.starts_with("project."));

  auto org_b_leads = ReadSince(
      store(), {.filter = {.type_prefixes = {"lead.", "project.approved"}, .org_id = "org_b"}});
  ASSERT_EQ(org_b_leads->size(), 2u);
  EXPECT_EQ((*org_b_leads)[0].position, 8);  // lead.scored, s7
  EXPECT_EQ((*org_b_leads)[1].position, 9);  // project.approved, s8
  EXPECT_TRUE(ReadSince(store(), {.filter = {.org_id = "org_none"}})->empty());
}

TEST_P(OutboxTest, RetentionDeletesOnlyOldDispatchedEvents) {
  for (int i = 0; i < 5; ++i) AppendOne({"a.b", "org_1", "s", "{}"});
  {
    Dispatcher d(store(), {.start_after_position = 0}, nullptr, clock_);
    ASSERT_TRUE(d.RunOnce().ok());
  }
  clock_.Advance(std::chrono::hours(24 * 8));
  AppendOne({"a.b", "org_1", "s", "{}"});  // old enough by no measure, and undispatched
  auto age = OldestUndispatchedAge(store(), clock_);
  ASSERT_TRUE(age.ok());
  EXPECT_EQ(*age, std::chrono::microseconds(0));
  clock_.Advance(std::chrono::seconds(90));
  EXPECT_EQ(*OldestUndispatchedAge(store(), clock_), std::chrono::seconds(90));

  auto deleted = DeleteDispatchedOlderThan(store(), std::chrono::hours(24 * 7), clock_, 2);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 5);
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(*DeleteDispatchedOlderThan(store(), std::chrono::hours(24 * 7), clock_), 0);

  // Positions keep counting after the log was emptied.
  {
    Dispatcher d(store(), {}, nullptr, clock_);
    ASSERT_TRUE(d.RunOnce().ok());
  }
  auto rest = ReadSince(store(), {});
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].position, 6);
}

TEST(EventJsonTest, RoundTrip) {
  Event e{.position = 7,
          .seq = 9,
          .id = "evt_1",
          .type = "t.x",
          .org_id = "org_1",
          .subject_id = "prj_1",
          .payload_json = R"({"a":[1,"b"]})",
          .created_at = FromUnixMicros(1'767'225'600'123'456)};
  const std::string j = EventToJson(e);
  EXPECT_NE(j.find(R"("payload":{"a":[1,"b"]})"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("created_at":"2026-01-01T00:00:00.123Z")"), std::string::npos) << j;
  Result<Event> back = EventFromJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->position, 7);
  EXPECT_EQ(back->seq, 9);
  EXPECT_EQ(back->id, "evt_1");
  EXPECT_EQ(back->payload_json, e.payload_json);
  EXPECT_EQ(back->created_at, e.created_at);
  EXPECT_FALSE(EventFromJson("[1]").ok());
  EXPECT_FALSE(EventFromJson(R"({"id":"x"})").ok());
}

TEST(EventFilterTest, PrefixesAndOrg) {
  Event e{.type = "project.approved", .org_id = "org_1"};
  EXPECT_TRUE(EventFilter{}.Matches(e));
  EXPECT_TRUE((EventFilter{.type_prefixes = {"lead.", "project."}}.Matches(e)));
  EXPECT_FALSE((EventFilter{.type_prefixes = {"lead."}}.Matches(e)));
  EXPECT_FALSE((EventFilter{.org_id = "org_2"}.Matches(e)));
  EXPECT_TRUE((EventFilter{.type_prefixes = {"project.approved"}, .org_id = "org_1"}.Matches(e)));
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::events
