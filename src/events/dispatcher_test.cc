// Dispatcher conformance on SQLite and PostgreSQL, plus Redis fan-out with a real Redis
// (SIGNX_TEST_REDIS_URL; skipped when unset). Waits are bounded by a generous deadline that only
// guards against hangs; nothing asserts on timing.
#include "events/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <map>
#include <thread>

#include "base/id.h"
#include "events/outbox.h"
#include "metrics/metrics.h"
#include "storage/testing/test_stores.h"

namespace signx::events {
namespace {

using namespace std::chrono_literals;
using storage::testing::Backend;

constexpr auto kDeadline = 60s;

// Collects what a subscriber received.
class Collector {
 public:
  EventCallback Callback() {
    return [this](const Event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  // True once at least `n` events arrived (false after the hang guard).
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return events_.size() >= n; });
  }
  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<int64_t> positions() const {
    std::vector<int64_t> out;
    for (const Event& e : events()) out.push_back(e.position);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

// Polls `done` until it holds (false after the hang guard).
bool WaitUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::vector<int64_t> Iota(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t i = from; i <= to; ++i) v.push_back(i);
  return v;
}

class DispatcherTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam(), 8);
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
  }
  storage::Store& store() { return db_->store(); }

  void Append(storage::Store& s, const EventSpec& spec) {
    Status st = s.WithTxn([&](storage::Txn& txn) { return outbox_.Append(txn, spec).status(); });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void Append(const EventSpec& spec) { Append(store(), spec); }

  Outbox outbox_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
};

TEST_P(DispatcherTest, DeliversInSequenceOrderAndMarksDispatched) {
  // Interleaved subjects across several batches.
  for (int i = 0; i < 250; ++i) {
    Append({"item.changed", "org_1", "sub_" + std::to_string(i % 7),
            "{\"i\":" + std::to_string(i) + "}"});
  }
  Dispatcher d(store(), {.replica_id = "rep_a", .batch_size = 100});
  Collector all;
  Subscription sub = d.Subscribe("", all.Callback());
  ASSERT_TRUE(d.RunOnce().ok());

  const std::vector<Event> got = all.events();
  ASSERT_EQ(got.size(), 250u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].position, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(got[i].payload_json.find("\"i\":" + std::to_string(i)), 1u) << got[i].payload_json;
    if (i > 0) {
      EXPECT_GT(got[i].seq, got[i - 1].seq);
    }
  }
  EXPECT_EQ(
      store().Query("SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL")->rows[0].Int(0), 0);
  EXPECT_EQ(
      store().Query("SELECT COUNT(*) FROM events WHERE dispatched_by = 'rep_a'")->rows[0].Int(0),
      250);
  EXPECT_EQ(d.Stats().sequenced, 250);
  EXPECT_EQ(d.Stats().delivered_through, 250);

  // A second round has nothing new: no redelivery.
  ASSERT_TRUE(d.RunOnce().ok());
  EXPECT_EQ(all.events().size(), 250u);
}

TEST_P(DispatcherTest, SubscribersSeeOnlyMatchingTypesUntilUnsubscribed) {
  Dispatcher d(store(), {});
  Collector projects, leads, org2, everything;
  Subscription s1 = d.Subscribe("project.", projects.Callback());
  Subscription s2 = d.Subscribe("lead.", leads.Callback());
  Subscription s3 = d.Subscribe(EventFilter{.org_id = "org_2"}, org2.Callback());
  Subscription s4 = d.Subscribe(EventFilter{}, everything.Callback());

  Append({"project.created", "org_1", "prj_1", "{}"});
  Append({"lead.scored", "org_2", "lead_1", "{}"});
  Append({"project.approved", "org_1", "prj_1", "{}"});
  Append({"estimate.priced", "org_1", "est_1", "{}"});
  ASSERT_TRUE(d.RunOnce().ok());
  EXPECT_EQ(projects.positions(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(leads.positions(), (std::vector<int64_t>{2}));
  EXPECT_EQ(org2.positions(), (std::vector<int64_t>{2}));
  EXPECT_EQ(everything.positions(), Iota(1, 4));

  s1.Reset();
  { Subscription moved = std::move(s2); }  // destroyed here
  EXPECT_FALSE(s2.active());
  Append({"project.created", "org_1", "prj_2", "{}"});
  Append({"lead.scored", "org_1", "lead_2", "{}"});
  ASSERT_TRUE(d.RunOnce().ok());
  EXPECT_EQ(projects.positions().size(), 2u);
  EXPECT_EQ(leads.positions().size(), 1u);
  EXPECT_EQ(everything.positions(), Iota(1, 6));
}

TEST_P(DispatcherTest, SubscriberMayUnsubscribeFromItsCallbackAndThrowingIsContained) {
  Dispatcher d(store(), {});
  Subscription self;
  int calls = 0;
  self = d.Subscribe("", [&](const Event&) {
    ++calls;
    self.Reset();
  });
  Subscription thrower =
      d.Subscribe("", [](const Event&) -> void { throw std::runtime_error("x"); });
  Collector after;
  Subscription s = d.Subscribe("", after.Callback());
  Append({"a.b", "org_1", "s", "{}"});
  Append({"a.b", "org_1", "s", "{}"});
  ASSERT_TRUE(d.RunOnce().ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(after.positions(), Iota(1, 2));
}

TEST_P(DispatcherTest, StartsAfterTheCurrentPositionOrAGivenOne) {
  Append({"a.b", "org_1", "s", "{}"});
  Append({"a.b", "org_1", "s", "{}"});
  {
    Dispatcher first(store(), {});
    ASSERT_TRUE(first.RunOnce().ok());
  }
  Append({"a.b", "org_1", "s", "{}"});
  Dispatcher live(store(), {});
  Collector live_events;
  Subscription s1 = live.Subscribe("", live_events.Callback());
  ASSERT_TRUE(live.RunOnce().ok());
  EXPECT_EQ(live_events.positions(), (std::vector<int64_t>{3}));

  Dispatcher resumed(store(), {.start_after_position = 1});
  Collector resumed_events;
  Subscription s2 = resumed.Subscribe("", resumed_events.Callback());
  ASSERT_TRUE(resumed.RunOnce().ok());
  EXPECT_EQ(resumed_events.positions(), Iota(2, 3));
}

TEST_P(DispatcherTest, BackgroundThreadWakesOnNotify) {
  metrics::Registry registry;
  Dispatcher d(store(), {.poll_interval = 1h}, &registry);
  outbox_.SetNotifier([&d] { d.Notify(); });
  Collector got;
  Subscription s = d.Subscribe("", got.Callback());
  ASSERT_TRUE(d.Start().ok());
  for (int i = 0; i < 30; ++i) {
    Append({i % 2 ? "x.odd" : "x.even", "org_1", "s", "{}"});
    outbox_.Notify();
  }
  ASSERT_TRUE(got.WaitFor(30));
  d.Stop();
  EXPECT_EQ(got.positions(), Iota(1, 30));
  const std::string text = registry.Render();
  EXPECT_NE(text.find("signx_events_dispatched_total{type=\"x.odd\"} 15"), std::string::npos)
      << text;
  EXPECT_NE(text.find("signx_events_dispatch_lag_seconds"), std::string::npos);
}

TEST_P(DispatcherTest, StreamBuffersResumesAndReportsOverflow) {
  Dispatcher d(store(), {});
  for (int i = 0; i < 3; ++i) Append({"project.created", "org_1", "s", "{}"});
  ASSERT_TRUE(d.RunOnce().ok());  // positions 1..3 are history

  // A client reconnects with Last-Event-ID 1: open the stream first, then read the backlog.
  std::unique_ptr<EventStream> stream =
      d.OpenStream({.filter = {.type_prefixes = {"project."}, .org_id = "org_1"}, .capacity = 4});
  int ready_calls = 0;
  stream->SetReadyCallback([&] { ++ready_calls; });
  Append({"project.created", "org_1", "s", "{}"});  // 4
  Append({"lead.scored", "org_1", "s", "{}"});      // 5: filtered out
  Append({"project.created", "org_2", "s", "{}"});  // 6: other org
  ASSERT_TRUE(d.RunOnce().ok());
  std::vector<int64_t> sent;
  auto backlog = ReadSince(store(), {.after_position = 1, .filter = stream->filter()});
  ASSERT_TRUE(backlog.ok());
  for (const Event& e : *backlog) sent.push_back(e.position);
  stream->AdvanceTo(sent.back());
  StreamBatch b = stream->Poll();
  EXPECT_FALSE(b.overflowed);
  EXPECT_TRUE(b.events.empty());  // 4 was in the backlog already
  EXPECT_EQ(sent, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(ready_calls, 1);

  Append({"project.created", "org_1", "s", "{}"});  // 7
  ASSERT_TRUE(d.RunOnce().ok());
  b = stream->Wait(10s);
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].position, 7);
  EXPECT_EQ(stream->last_position(), 7);

  // A slow client: 6 events into a buffer of 4.
  for (int i = 0; i < 6; ++i) Append({"project.created", "org_1", "s", "{}"});  // 8..13
  ASSERT_TRUE(d.RunOnce().ok());
  b = stream->Poll();
  EXPECT_TRUE(b.overflowed);
  ASSERT_FALSE(b.events.empty());
  EXPECT_EQ(b.events.back().position, 13);
  // The handler fills the gap from the database, then carries on.
  auto gap = ReadSince(store(), {.after_position = 7, .filter = stream->filter()});
  EXPECT_EQ(gap->size(), 6u);
  EXPECT_FALSE(stream->Poll().overflowed);

  stream.reset();  // unsubscribes
  Append({"project.created", "org_1", "s", "{}"});
  EXPECT_TRUE(d.RunOnce().ok());
}

// Several replicas on one database: each event is sequenced by exactly one of them, positions
// are gap-free, and every replica's subscribers see every event once, in order.
TEST_P(DispatcherTest, TwoDispatchersSequenceEachEventOnce) {
  auto store_b = db_->OpenAnother();
  constexpr int kEvents = 200;
  Dispatcher a(store(), {.replica_id = "rep_a", .poll_interval = 20ms, .batch_size = 7});
  Dispatcher b(*store_b, {.replica_id = "rep_b", .poll_interval = 20ms, .batch_size = 7});
  Collector got_a, got_b;
  Subscription sa = a.Subscribe("", got_a.Callback());
  Subscription sb = b.Subscribe("", got_b.Callback());
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());

  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      storage::Store& s = w % 2 ? *store_b : store();
      for (int i = 0; i < kEvents / 4; ++i) {
        Append(s, {"w.e", "org_1", "subj_" + std::to_string(w), "{}"});
        a.Notify();
        b.Notify();
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_TRUE(got_a.WaitFor(kEvents));
  ASSERT_TRUE(got_b.WaitFor(kEvents));
  a.Stop();
  b.Stop();

  EXPECT_EQ(a.Stats().sequenced + b.Stats().sequenced, kEvents);
  EXPECT_EQ(got_a.positions(), Iota(1, kEvents));
  EXPECT_EQ(got_b.positions(), Iota(1, kEvents));
  auto rs = store().Query(
      "SELECT COUNT(*), COUNT(DISTINCT position), MIN(position), MAX(position) FROM events "
      "WHERE dispatched_by IN ('rep_a', 'rep_b')");
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->rows[0].Int(0), kEvents);
  EXPECT_EQ(rs->rows[0].Int(1), kEvents);
  EXPECT_EQ(rs->rows[0].Int(2), 1);
  EXPECT_EQ(rs->rows[0].Int(3), kEvents);
  // Per subject, delivery order is append order.
  std::map<std::string, int64_t> last_seq;
  for (const Event& e : got_b.events()) {
    EXPECT_GT(e.seq, last_seq[e.subject_id]) << e.subject_id;
    last_seq[e.subject_id] = e.seq;
  }
}

// Redis fan-out: events are appended and announced on replica A; neither replica polls during the
// test, so what one replica sequences the other learns through Redis. Each replica's subscriber
// sees every event once, in order.
TEST_P(DispatcherTest, RedisFanOutDeliversEachEventOncePerReplica) {
  const char* url = std::getenv("SIGNX_TEST_REDIS_URL");
  if (url == nullptr || *url == '\0') {
    GTEST_SKIP() << "SIGNX_TEST_REDIS_URL is not set; run via scripts/with-test-services.sh";
  }
  const std::string channel = "signx.events.test." + NewId("run");
  auto store_b = db_->OpenAnother();
  Dispatcher a(
      store(),
      {.replica_id = "rep_a", .poll_interval = 1h, .redis_url = url, .redis_channel = channel});
  Dispatcher b(
      *store_b,
      {.replica_id = "rep_b", .poll_interval = 1h, .redis_url = url, .redis_channel = channel});
  Collector got_a, got_b;
  Subscription sa = a.Subscribe("", got_a.Callback());
  Subscription sb = b.Subscribe("", got_b.Callback());
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());

  constexpr int kEvents = 50;
  for (int i = 0; i < kEvents; ++i) {
    Append({"fan.out", "org_1", "s", "{\"i\":" + std::to_string(i) + "}"});
    a.Notify();
  }
  ASSERT_TRUE(got_a.WaitFor(kEvents));
  ASSERT_TRUE(got_b.WaitFor(kEvents));
  // Every message reaches the other replica (some may have been read from the database first).
  ASSERT_TRUE(WaitUntil([&] {
    return a.Stats().redis_received == b.Stats().published &&
           b.Stats().redis_received == a.Stats().published;
  }));
  a.Stop();
  b.Stop();

  EXPECT_EQ(got_a.positions(), Iota(1, kEvents));
  EXPECT_EQ(got_b.positions(), Iota(1, kEvents));
  EXPECT_EQ(got_b.events().back().payload_json, "{\"i\":" + std::to_string(kEvents - 1) + "}");
  // Whichever replica sequenced an event published it, and the other one received it over Redis;
  // nobody receives its own messages.
  const DispatcherStats sa_stats = a.Stats(), sb_stats = b.Stats();
  EXPECT_EQ(sa_stats.sequenced + sb_stats.sequenced, kEvents);
  EXPECT_EQ(sa_stats.published, sa_stats.sequenced);
  EXPECT_EQ(sb_stats.published, sb_stats.sequenced);
  EXPECT_EQ(sb_stats.redis_received, sa_stats.published);
  EXPECT_EQ(sa_stats.redis_received, sb_stats.published);
}

TEST_P(DispatcherTest, UnreachableRedisFailsStart) {
  Dispatcher d(store(), {.redis_url = "redis://127.0.0.1:1/0"});
  Status st = d.Start();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable) << st.ToString();
}

INSTANTIATE_TEST_SUITE_P(Backends, DispatcherTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::events
