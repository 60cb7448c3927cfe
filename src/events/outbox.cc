#include "events/outbox.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/id.h"

namespace signx::events {

Outbox::Outbox(metrics::Registry* metrics, const Clock& clock) : clock_(clock) {
  if (metrics != nullptr) {
    appended_ = &metrics->AddCounter("signx_events_appended_total",
                                     "Events appended to the outbox (by type).", {"type"});
  }
}

Result<std::string> Outbox::Append(storage::Txn& txn, const EventSpec& spec) {
  SIGNX_RETURN_IF_ERROR(ValidateSpec(spec));
  std::string id = NewId("evt", clock_);
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("INSERT INTO events (id, type, org_id, subject_id, payload, created_at) "
               "VALUES ($1, $2, $3, $4, $5, $6)",
               {id, spec.type, spec.org_id, spec.subject_id, storage::Json{spec.payload_json},
                clock_.Now()})
          .status());
  if (appended_ != nullptr) appended_->WithLabels({spec.type}).Inc();
  return id;
}

void Outbox::Notify() {
  std::function<void()> n;
  {
    std::lock_guard lock(mu_);
    n = notifier_;
  }
  if (n) n();
}

void Outbox::SetNotifier(std::function<void()> notifier) {
  std::lock_guard lock(mu_);
  notifier_ = std::move(notifier);
}

namespace internal {
Event EventFromRow(const storage::Row& row) {
  Event e;
  e.position = row.OptInt(0).value_or(0);
  e.seq = row.Int(1);
  e.id = row.Text(2);
  e.type = row.Text(3);
  e.org_id = row.Text(4);
  e.subject_id = row.Text(5);
  // PostgreSQL's JSONB prints its own spacing; one canonical text on every backend and path.
  e.payload_json = row.Text(6);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(e.payload_json, ec);
  if (!ec) e.payload_json = boost::json::serialize(v);
  e.created_at = row.Time(7);
  return e;
}
}  // namespace internal

Result<std::vector<Event>> ReadSince(storage::Store& store, const ReadOptions& options) {
  const int limit = std::clamp(options.limit, 1, 1000);
  std::string sql =
      fmt::format("SELECT {} FROM events WHERE position > $1", internal::kEventColumns);
  storage::Params params{options.after_position};
  if (options.filter.org_id) {
    params.emplace_back(*options.filter.org_id);
    sql += fmt::format(" AND org_id = ${}", params.size());
  }
  if (!options.filter.type_prefixes.empty()) {
    sql += " AND (";
    for (std::size_t i = 0; i < options.filter.type_prefixes.size(); ++i) {
      const std::string& p = options.filter.type_prefixes[i];
      params.emplace_back(p);
      params.emplace_back(static_cast<int64_t>(p.size()));
      sql += fmt::format("{}substr(type, 1, ${}) = ${}", i ? " OR " : "", params.size(),
                         params.size() - 1);
    }
    sql += ")";
  }
  params.emplace_back(static_cast<int64_t>(limit));
  sql += fmt::format(" ORDER BY position LIMIT ${}", params.size());
  SIGNX_ASSIGN_OR_RETURN(storage::ResultSet rs, store.Query(sql, params));
  std::vector<Event> out;
  out.reserve(rs.rows.size());
  for (const storage::Row& r : rs.rows) out.push_back(internal::EventFromRow(r));
  return out;
}

Result<int64_t> LastPosition(storage::Store& store) {
  SIGNX_ASSIGN_OR_RETURN(
      storage::ResultSet rs,
      store.Query("SELECT last_position FROM event_dispatch_state WHERE id = 1"));
  if (rs.rows.empty()) return Internal("event_dispatch_state has no row (migration 0004?)");
  return rs.rows[0].Int(0);
}

Result<std::chrono::microseconds> OldestUndispatchedAge(storage::Store& store, const Clock& clock) {
  SIGNX_ASSIGN_OR_RETURN(
      storage::ResultSet rs,
      store.Query(
          "SELECT created_at FROM events WHERE dispatched_at IS NULL ORDER BY seq LIMIT 1"));
  if (rs.rows.empty()) return std::chrono::microseconds(0);
  return std::max(std::chrono::microseconds(0), clock.Now() - rs.rows[0].Time(0));
}

Result<int64_t> DeleteDispatchedOlderThan(storage::Store& store, std::chrono::hours older_than,
                                          const Clock& clock, int batch_size) {
  const Timestamp cutoff = clock.Now() - older_than;
  batch_size = std::max(batch_size, 1);
  int64_t total = 0;
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(int64_t n, store.WithTxnResult<int64_t>([&](storage::Txn& txn) {
      return txn.Exec(
          "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE dispatched_at IS NOT "
          "NULL AND dispatched_at < $1 ORDER BY dispatched_at LIMIT $2)",
          {cutoff, int64_t{batch_size}});
    }));
    total += n;
    if (n < batch_size) return total;
  }
}

}  // namespace signx::events
