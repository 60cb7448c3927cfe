#include "events/dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/id.h"
#include "events/internal/redis_subscriber.h"
#include "events/outbox.h"

namespace signx::events {
namespace json = boost::json;

// How soon a replica that found another one sequencing tries again (its own events may have
// committed after the other replica's read).
constexpr std::chrono::milliseconds kContendedRetry{50};

Dispatcher::Dispatcher(storage::Store& store, DispatcherOptions options, metrics::Registry* metrics,
                       const Clock& clock)
    : store_(store),
      options_(std::move(options)),
      clock_(clock),
      hub_(std::make_shared<internal::Hub>()) {
  if (options_.replica_id.empty()) options_.replica_id = NewId("rep", clock_);
  options_.batch_size = std::clamp(options_.batch_size, 1, 1000);
  if (options_.poll_interval <= std::chrono::milliseconds(0)) {
    options_.poll_interval = std::chrono::milliseconds(1000);
  }
  if (metrics != nullptr) {
    dispatched_ =
        &metrics->AddCounter("signx_events_dispatched_total",
                             "Outbox events dispatched by this replica (by type).", {"type"});
    lag_ = &metrics
                ->AddGauge("signx_events_dispatch_lag_seconds",
                           "Age of the oldest undispatched outbox event (0 when none).")
                .WithLabels({});
    publish_errors_metric_ = &metrics
                                  ->AddCounter("signx_events_redis_publish_errors_total",
                                               "Events that could not be published to Redis.")
                                  .WithLabels({});
  }
}

Dispatcher::~Dispatcher() { Stop(); }

Status Dispatcher::Init() {
  {
    std::lock_guard lock(mu_);
    if (initialized_) return Status::Ok();
  }
  if (!options_.redis_url.empty()) {
    SIGNX_ASSIGN_OR_RETURN(cache::RedisOptions ro, cache::ParseRedisUrl(options_.redis_url));
    ro.pool_size = 2;
    SIGNX_ASSIGN_OR_RETURN(redis_, cache::RedisClient::Open(ro));
    // Subscribe before reading the start position: a message that races the read is either at
    // or before it (dropped) or after it (delivered).
    subscriber_ = std::make_unique<internal::RedisSubscriber>(
        ro, options_.redis_channel, [this](std::string_view m) { OnRedisMessage(m); },
        [this] { OnRedisSubscribed(); });
    SIGNX_RETURN_IF_ERROR(subscriber_->Start());
  }
  if (options_.start_after_position) {
    delivered_ = *options_.start_after_position;
  } else {
    Result<int64_t> last = LastPosition(store_);
    if (!last.ok()) {
      if (subscriber_) subscriber_->Stop();
      return last.status();
    }
    delivered_ = *last;
  }
  delivered_through_ = delivered_;
  std::lock_guard lock(mu_);
  initialized_ = true;
  return Status::Ok();
}

Status Dispatcher::Start() {
  SIGNX_CHECK(!thread_.joinable(), "Dispatcher started twice");
  {
    std::lock_guard lock(mu_);
    if (stop_) return FailedPrecondition("a stopped Dispatcher cannot be restarted");
  }
  SIGNX_RETURN_IF_ERROR(Init());
  {
    std::lock_guard lock(mu_);
    notified_ = true;  // sequence whatever is pending right away
  }
  thread_ = std::thread([this] { Loop(); });
  spdlog::info("events: dispatcher {} started after position {}{}", options_.replica_id,
               delivered_through_.load(), redis_ ? " (redis fan-out)" : "");
  return Status::Ok();
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (subscriber_) subscriber_->Stop();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_one();
}

Subscription Dispatcher::Subscribe(EventFilter filter, EventCallback callback) {
  return hub_->Add(std::move(filter), std::move(callback));
}

Subscription Dispatcher::Subscribe(std::string type_prefix, EventCallback callback) {
  EventFilter f;
  if (!type_prefix.empty()) f.type_prefixes.push_back(std::move(type_prefix));
  return Subscribe(std::move(f), std::move(callback));
}

std::unique_ptr<EventStream> Dispatcher::OpenStream(StreamOptions options) {
  std::unique_ptr<EventStream> stream(new EventStream(std::move(options)));
  EventStream* raw = stream.get();
  stream->subscription_ = Subscribe(raw->filter(), [raw](const Event& e) { raw->Push(e); });
  return stream;
}

DispatcherStats Dispatcher::Stats() const {
  return {.sequenced = sequenced_.load(),
          .delivered_through = delivered_through_.load(),
          .published = published_.load(),
          .publish_errors = publish_errors_.load(),
          .redis_received = redis_received_.load(),
          .db_catch_up_reads = db_reads_.load()};
}

Status Dispatcher::RunOnce() {
  SIGNX_CHECK(!thread_.joinable(), "RunOnce while the dispatcher thread runs");
  SIGNX_RETURN_IF_ERROR(Init());
  SIGNX_RETURN_IF_ERROR(SequencePending());
  std::vector<Event> inbox;
  {
    std::lock_guard lock(mu_);
    inbox.assign(std::make_move_iterator(inbox_.begin()), std::make_move_iterator(inbox_.end()));
    inbox_.clear();
    catch_up_requested_ = false;
  }
  SIGNX_RETURN_IF_ERROR(DeliverInOrder(inbox));
  SIGNX_RETURN_IF_ERROR(CatchUp());
  UpdateLag();
  return Status::Ok();
}

void Dispatcher::Loop() {
  auto next_poll = std::chrono::steady_clock::now();  // first round polls too
  Timestamp last_error_log{};
  auto report = [&](const Status& st, const char* what) {
    if (st.ok()) return;
    // A database outage fails every round: log at most every 10 s.
    const Timestamp now = clock_.Now();
    if (now - last_error_log >= std::chrono::seconds(10)) {
      spdlog::warn("events: {} failed: {}", what, st.ToString());
      last_error_log = now;
    }
  };
  while (true) {
    bool poked = false, catch_up = false, contended = false;
    std::vector<Event> inbox;
    {
      std::unique_lock lock(mu_);
      contended = std::exchange(contended_, false);
      const auto deadline =
          contended ? std::min(next_poll, std::chrono::steady_clock::now() + kContendedRetry)
                    : next_poll;
      cv_.wait_until(lock, deadline,
                     [&] { return stop_ || notified_ || catch_up_requested_ || !inbox_.empty(); });
      if (stop_) return;
      poked = std::exchange(notified_, false);
      catch_up = std::exchange(catch_up_requested_, false);
      inbox.assign(std::make_move_iterator(inbox_.begin()), std::make_move_iterator(inbox_.end()));
      inbox_.clear();
    }
    const auto now = std::chrono::steady_clock::now();
    const bool tick = now >= next_poll;
    if (tick) next_poll = now + options_.poll_interval;
    // After contention, try again whatever woke us: our own events may still be pending.
    if (poked || tick || contended) report(SequencePending(), "sequencing");
    if (!inbox.empty()) report(DeliverInOrder(inbox), "delivery");
    if (tick || catch_up) report(CatchUp(), "catch-up");
    if (tick) UpdateLag();
  }
}

Status Dispatcher::SequencePending() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return Status::Ok();
    }
    SIGNX_ASSIGN_OR_RETURN(std::vector<Event> batch, SequenceBatch());
    if (batch.empty()) return Status::Ok();
    sequenced_ += static_cast<int64_t>(batch.size());
    if (dispatched_ != nullptr) {
      for (const Event& e : batch) dispatched_->WithLabels({e.type}).Inc();
    }
    Publish(batch);
    SIGNX_RETURN_IF_ERROR(DeliverInOrder(batch));
    if (static_cast<int>(batch.size()) < options_.batch_size) return Status::Ok();
  }
}

Result<std::vector<Event>> Dispatcher::SequenceBatch() {
  std::vector<Event> batch;
  bool contended = false;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    batch.clear();
    contended = false;
    const bool pg = txn.dialect() == storage::Dialect::kPostgres;
    SIGNX_ASSIGN_OR_RETURN(
        std::optional<storage::Row> state,
        txn.QueryOne(pg ? "SELECT last_position FROM event_dispatch_state WHERE id = 1 "
                          "FOR UPDATE SKIP LOCKED"
                        : "SELECT last_position FROM event_dispatch_state WHERE id = 1"));
    if (!state) {  // another replica is sequencing: try again shortly
      contended = true;
      return Status::Ok();
    }
    int64_t last = state->Int(0);
    SIGNX_ASSIGN_OR_RETURN(
        storage::ResultSet rs,
        txn.Query(fmt::format("SELECT {} FROM events WHERE dispatched_at IS NULL ORDER BY seq "
                              "LIMIT $1",
                              internal::kEventColumns),
                  {int64_t{options_.batch_size}}));
    if (rs.rows.empty()) return Status::Ok();
    const Timestamp now = clock_.Now();
    for (const storage::Row& row : rs.rows) {
      Event e = internal::EventFromRow(row);
      e.position = ++last;
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("UPDATE events SET position = $1, dispatched_at = $2, dispatched_by = $3 "
                   "WHERE seq = $4",
                   {e.position, now, options_.replica_id, e.seq})
              .status());
      batch.push_back(std::move(e));
    }
    return txn.Exec("UPDATE event_dispatch_state SET last_position = $1 WHERE id = 1", {last})
        .status();
  }));
  if (contended) {
    std::lock_guard lock(mu_);
    contended_ = true;
  }
  return batch;
}

void Dispatcher::Publish(const std::vector<Event>& events) {
  if (!redis_) return;
  const std::string origin = json::serialize(json::string(options_.replica_id));
  for (const Event& e : events) {
    const std::string message =
        fmt::format(R"({{"origin":{},"event":{}}})", origin, EventToJson(e));
    Result<cache::RedisReply> r = redis_->Command({"PUBLISH", options_.redis_channel, message});
    if (r.ok() && !r->is_error()) {
      ++published_;
      continue;
    }
    // Other replicas read the event from the database at their next poll.
    ++publish_errors_;
    if (publish_errors_metric_ != nullptr) publish_errors_metric_->Inc();
    spdlog::warn("events: redis PUBLISH of {} failed: {}", e.id,
                 r.ok() ? r->str : r.status().ToString());
  }
}

Status Dispatcher::DeliverInOrder(const std::vector<Event>& events) {
  std::vector<Event> run;
  auto flush = [&] {
    hub_->Deliver(run);
    run.clear();
  };
  for (const Event& e : events) {
    if (e.position <= delivered_) continue;
    if (e.position != delivered_ + 1) {
      // A gap (a missed message, or another replica's batch not seen yet): the database has it.
      flush();
      SIGNX_RETURN_IF_ERROR(CatchUp());
      if (e.position <= delivered_) continue;
    }
    run.push_back(e);
    delivered_ = e.position;
  }
  flush();
  delivered_through_ = delivered_;
  return Status::Ok();
}

Status Dispatcher::CatchUp() {
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(
        std::vector<Event> page,
        ReadSince(store_, {.after_position = delivered_, .limit = options_.batch_size}));
    if (page.empty()) return Status::Ok();
    db_reads_ += static_cast<int64_t>(page.size());
    // Retention may have deleted old positions: deliver what exists, in order.
    delivered_ = page.back().position;
    delivered_through_ = delivered_;
    hub_->Deliver(page);
    if (static_cast<int>(page.size()) < options_.batch_size) return Status::Ok();
  }
}

void Dispatcher::UpdateLag() {
  if (lag_ == nullptr) return;
  Result<std::chrono::microseconds> age = OldestUndispatchedAge(store_, clock_);
  if (age.ok()) lag_->Set(static_cast<double>(age->count()) / 1e6);
}

void Dispatcher::OnRedisMessage(std::string_view message) {
  boost::system::error_code ec;
  json::value v = json::parse(message, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* origin = o ? o->if_contains("origin") : nullptr;
  const json::value* event = o ? o->if_contains("event") : nullptr;
  if (!origin || !origin->is_string() || !event) {
    spdlog::warn("events: ignoring a malformed message on {}", options_.redis_channel);
    return;
  }
  if (origin->as_string() == options_.replica_id) return;  // delivered locally already
  Result<Event> e = EventFromJson(json::serialize(*event));
  if (!e.ok()) {
    spdlog::warn("events: ignoring a malformed event on {}: {}", options_.redis_channel,
                 e.status().message());
    return;
  }
  ++redis_received_;
  {
    std::lock_guard lock(mu_);
    if (inbox_.size() >= options_.redis_inbox_capacity) {
      catch_up_requested_ = true;  // read it from the database instead
    } else {
      inbox_.push_back(std::move(*e));
    }
  }
  cv_.notify_one();
}

void Dispatcher::OnRedisSubscribed() {
  {
    std::lock_guard lock(mu_);
    catch_up_requested_ = true;
  }
  cv_.notify_one();
}

}  // namespace signx::events
