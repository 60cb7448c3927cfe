#include "jobs/queue.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>

#include "base/id.h"
#include "jobs/schedule.h"

namespace signx::jobs {
namespace {

using storage::Dialect;
using storage::Json;
using storage::Param;
using storage::Params;
using storage::Row;
using storage::Txn;

constexpr std::string_view kColumns =
    "id, type, org_id, payload, state, priority, attempts, max_attempts, run_at, lease_owner, "
    "lease_expires_at, progress, result, last_error, dedupe_key, cancel_requested, "
    "recurring_name, created_at, updated_at, started_at, finished_at";
constexpr std::size_t kMaxErrorChars = 4000;
constexpr int kMaxListLimit = 200;

Job JobFromRow(const Row& r) {
  Job j;
  j.id = r.Text(0);
  j.type = r.Text(1);
  j.org_id = r.OptText(2);
  j.payload_json = r.Text(3);
  auto state = ParseJobState(r.Text(4));
  SIGNX_CHECK(state.has_value(), "jobs.state holds an unknown state");
  j.state = *state;
  j.priority = static_cast<int>(r.Int(5));
  j.attempts = static_cast<int>(r.Int(6));
  j.max_attempts = static_cast<int>(r.Int(7));
  j.run_at = r.Time(8);
  j.lease_owner = r.OptText(9);
  j.lease_expires_at = r.OptTime(10);
  j.progress = static_cast<int>(r.Int(11));
  j.result_json = r.OptText(12);
  j.last_error = r.OptText(13);
  j.dedupe_key = r.OptText(14);
  j.cancel_requested = r.Bool(15);
  j.recurring_name = r.OptText(16);
  j.created_at = r.Time(17);
  j.updated_at = r.Time(18);
  j.started_at = r.OptTime(19);
  j.finished_at = r.OptTime(20);
  return j;
}

// "$first, $first+1, ..." for `n` parameters.
std::string Placeholders(int first, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ", ";
    out += fmt::format("${}", first + static_cast<int>(i));
  }
  return out;
}

bool ValidType(std::string_view type) {
  if (type.empty() || type.size() > 100) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
           c == ':';
  });
}

bool ValidJson(std::string_view text) {
  boost::system::error_code ec;
  (void)boost::json::parse(text, ec);
  return !ec;
}

std::string Truncate(std::string s, std::size_t n) {
  if (s.size() > n) {
    s.resize(n);
    s += "...";
  }
  return s;
}

Status LeaseLost(const Job& j) {
  return FailedPrecondition(fmt::format("job {} attempt {}: lease lost (recovered by another worker)",
                                        j.id, j.attempts));
}

// The fencing predicate for a claimed job: $k = id, $k+1 = owner, $k+2 = attempts.
std::string Fence(int k) {
  return fmt::format("id = ${} AND lease_owner = ${} AND attempts = ${} AND state = 'running'", k,
                     k + 1, k + 2);
}

}  // namespace

std::string_view JobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
    case JobState::kDead: return "dead";
    case JobState::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s : kAllJobStates) {
    if (JobStateName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsTerminal(JobState s) { return s != JobState::kQueued && s != JobState::kRunning; }

Status JobContext::SetProgress(int percent) {
  auto cancel = queue_.UpdateProgress(job_, percent);
  if (!cancel.ok()) {
    if (cancel.status().code() == ErrorCode::kFailedPrecondition) MarkLeaseLost();
    return cancel.status();
  }
  if (*cancel) MarkCancelRequested();
  return Status::Ok();
}

Queue::Queue(storage::Store& store, const Clock& clock, QueueOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      rng_(options.seed ? options.seed : std::random_device{}()) {}

void Queue::RegisterHandler(std::string type, Handler handler, HandlerOptions options) {
  SIGNX_CHECK(ValidType(type), "job type must be [a-z0-9_.:-]{1,100}");
  SIGNX_CHECK(handler != nullptr, "job handler is empty");
  std::lock_guard lock(mu_);
  const bool inserted =
      handlers_.emplace(std::move(type), Registered{std::move(handler), options}).second;
  SIGNX_CHECK(inserted, "duplicate job handler");
}

std::vector<std::string> Queue::HandlerTypes() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [type, r] : handlers_) out.push_back(type);
  return out;
}

std::optional<Handler> Queue::FindHandler(std::string_view type) const {
  std::lock_guard lock(mu_);
  auto it = handlers_.find(type);
  if (it == handlers_.end()) return std::nullopt;
  return it->second.handler;
}

int Queue::LimitFor(std::string_view type) const {
  std::lock_guard lock(mu_);
  auto it = handlers_.find(type);
  return it == handlers_.end() ? 0 : it->second.options.max_concurrency;
}

std::chrono::microseconds Queue::Backoff(int failed_attempt) {
  const int64_t base = std::max<int64_t>(1, options_.backoff_base.count());
  const int64_t cap = std::max(base, static_cast<int64_t>(options_.backoff_max.count()));
  int64_t d = base;
  for (int i = 1; i < failed_attempt && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  std::lock_guard lock(mu_);
  std::uniform_int_distribution<int64_t> dist(d / 2, d);
  return std::chrono::microseconds(dist(rng_));
}

bool Queue::IsPermanent(const Status& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformedJson:
    case ErrorCode::kValidationFailed:
    case ErrorCode::kNotFound:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

Result<EnqueueResult> Queue::Enqueue(Txn& txn, const JobSpec& spec) {
  return EnqueueImpl(txn, spec, std::nullopt);
}

Result<EnqueueResult> Queue::EnqueueImpl(Txn& txn, const JobSpec& spec,
                                         const std::optional<std::string>& recurring) {
  std::vector<FieldError> bad;
  if (!ValidType(spec.type)) bad.push_back({"type", "must be 1-100 characters of [a-z0-9_.:-]"});
  if (static_cast<int64_t>(spec.payload_json.size()) > options_.max_payload_bytes) {
    bad.push_back({"payload", fmt::format("larger than {} bytes", options_.max_payload_bytes)});
  } else if (!ValidJson(spec.payload_json)) {
    bad.push_back({"payload", "is not valid JSON"});
  }
  if (spec.max_attempts < 1 || spec.max_attempts > 100) {
    bad.push_back({"max_attempts", "must be 1..100"});
  }
  if (spec.dedupe_key && (spec.dedupe_key->empty() || spec.dedupe_key->size() > 200)) {
    bad.push_back({"dedupe_key", "must be 1-200 characters"});
  }
  if (!bad.empty()) return ValidationFailed(std::move(bad), "invalid job spec");

  const Timestamp now = clock_.Now();
  const std::string id = NewId("job", clock_);
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn.QueryOne(
          "INSERT INTO jobs (id, type, org_id, payload, state, priority, attempts, max_attempts, "
          "run_at, progress, dedupe_key, cancel_requested, recurring_name, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, 'queued', $5, 0, $6, $7, 0, $8, $9, $10, $11, $11) "
          "ON CONFLICT (type, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id",
          {id, spec.type, spec.org_id, Json{spec.payload_json}, spec.priority, spec.max_attempts,
           spec.run_at.value_or(now), spec.dedupe_key, false, recurring, now}));
  if (row) return EnqueueResult{id, true};
  SIGNX_ASSIGN_OR_RETURN(auto existing,
                         txn.QueryOne("SELECT id FROM jobs WHERE type = $1 AND dedupe_key = $2",
                                      {spec.type, spec.dedupe_key}));
  if (!existing) return Internal("dedupe conflict but no existing job");
  return EnqueueResult{existing->Text(0), false};
}

Result<EnqueueResult> Queue::Enqueue(const JobSpec& spec) {
  return store_.WithTxnResult<EnqueueResult>([&](Txn& t) { return Enqueue(t, spec); });
}

Result<Job> Queue::Get(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, store_.Query(fmt::format("SELECT {} FROM jobs WHERE id = $1", kColumns), {id}));
  if (rs.rows.empty()) return NotFound(fmt::format("job {} does not exist", id));
  return JobFromRow(rs.rows[0]);
}

Result<JobPage> Queue::List(const ListOptions& o) {
  if (o.limit < 1 || o.limit > kMaxListLimit) {
    return InvalidArgument(fmt::format("limit must be 1..{}", kMaxListLimit));
  }
  if (!o.cursor.empty() && !IsValidId(o.cursor, "job")) return InvalidArgument("invalid cursor");
  std::string sql = fmt::format("SELECT {} FROM jobs WHERE 1 = 1", kColumns);
  Params params;
  auto add = [&](std::string_view clause, Param p) {
    params.push_back(std::move(p));
    sql += fmt::format(" AND {} ${}", clause, params.size());
  };
  if (o.state) add("state =", std::string(JobStateName(*o.state)));
  if (o.type) add("type =", *o.type);
  if (o.org_id) add("org_id =", *o.org_id);
  if (!o.cursor.empty()) add("id <", o.cursor);
  params.push_back(o.limit + 1);
  sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(sql, params));
  JobPage page;
  for (const Row& r : rs.rows) {
    if (static_cast<int>(page.jobs.size()) == o.limit) {
      page.next_cursor = page.jobs.back().id;
      break;
    }
    page.jobs.push_back(JobFromRow(r));
  }
  return page;
}

Result<JobState> Queue::Cancel(std::string_view id) {
  return store_.WithTxnResult<JobState>([&](Txn& t) -> Result<JobState> {
    const Timestamp now = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(
        auto row,
        t.QueryOne("UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1 "
                   "WHERE id = $2 AND state = 'queued' RETURNING state",
                   {now, id}));
    if (row) return JobState::kCancelled;
    SIGNX_ASSIGN_OR_RETURN(
        row, t.QueryOne("UPDATE jobs SET cancel_requested = $1, updated_at = $2 "
                        "WHERE id = $3 AND state = 'running' RETURNING state",
                        {true, now, id}));
    if (row) return JobState::kRunning;
    SIGNX_ASSIGN_OR_RETURN(row, t.QueryOne("SELECT state FROM jobs WHERE id = $1", {id}));
    if (!row) return NotFound(fmt::format("job {} does not exist", id));
    return FailedPrecondition(fmt::format("job {} already {}", id, row->Text(0)));
  });
}

Status Queue::Requeue(std::string_view id) {
  return store_.WithTxn([&](Txn& t) -> Status {
    const Timestamp now = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(
        int64_t n,
        t.Exec("UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1, "
               "finished_at = NULL, cancel_requested = $2, progress = 0 "
               "WHERE id = $3 AND state IN ('failed', 'dead', 'cancelled')",
               {now, false, id}));
    if (n == 1) return Status::Ok();
    SIGNX_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT state FROM jobs WHERE id = $1", {id}));
    if (!row) return NotFound(fmt::format("job {} does not exist", id));
    return FailedPrecondition(fmt::format("job {} is {}; only failed, dead or cancelled jobs can be "
                                          "requeued",
                                          id, row->Text(0)));
  });
}

Result<bool> Queue::UpdateProgress(const Job& claimed, int percent) {
  percent = std::clamp(percent, 0, 100);
  return store_.WithTxnResult<bool>([&](Txn& t) -> Result<bool> {
    SIGNX_ASSIGN_OR_RETURN(
        auto row, t.QueryOne(fmt::format("UPDATE jobs SET progress = $1, updated_at = $2 WHERE {} "
                                          "RETURNING cancel_requested",
                                          Fence(3)),
                             {percent, clock_.Now(), claimed.id, claimed.lease_owner,
                              claimed.attempts}));
    if (!row) return LeaseLost(claimed);
    return row->Bool(0);
  });
}

Result<std::optional<Job>> Queue::Claim(std::string_view owner,
                                        const std::vector<std::string>& types) {
  std::vector<std::string> eligible = types.empty() ? HandlerTypes() : types;
  std::sort(eligible.begin(), eligible.end());
  eligible.erase(std::unique(eligible.begin(), eligible.end()), eligible.end());
  // A limited type found at capacity after locking is dropped and the claim retried without it.
  while (!eligible.empty()) {
    std::string at_capacity;
    auto r = ClaimOnce(owner, eligible, &at_capacity);
    if (at_capacity.empty()) return r;
    std::erase(eligible, at_capacity);
  }
  return std::optional<Job>();
}

Result<std::optional<Job>> Queue::ClaimOnce(std::string_view owner,
                                            const std::vector<std::string>& types,
                                            std::string* at_capacity) {
  std::vector<std::pair<std::string, int>> limited;
  for (const auto& t : types) {
    if (int l = LimitFor(t); l > 0) limited.emplace_back(t, l);
  }
  std::optional<Job> claimed;
  Status st = store_.WithTxn([&](Txn& t) -> Status {
    claimed.reset();
    const Timestamp now = clock_.Now();
    std::vector<std::string> eligible = types;
    if (!limited.empty()) {
      Params p;
      for (const auto& [type, l] : limited) p.emplace_back(type);
      SIGNX_ASSIGN_OR_RETURN(
          auto rs, t.Query(fmt::format("SELECT type, COUNT(*) FROM jobs WHERE state = 'running' "
                                       "AND type IN ({}) GROUP BY type",
                                       Placeholders(1, p.size())),
                           p));
      for (const Row& r : rs.rows) {
        const std::string type = r.Text(0);
        for (const auto& [lt, l] : limited) {
          if (lt == type && r.Int(1) >= l) std::erase(eligible, type);
        }
      }
      if (eligible.empty()) return Status::Ok();
    }
    const bool pg = t.dialect() == Dialect::kPostgres;
    Params p = {std::string(owner), now + options_.lease, now};
    for (const auto& type : eligible) p.emplace_back(type);
    SIGNX_ASSIGN_OR_RETURN(
        auto row,
        t.QueryOne(fmt::format(
                       "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                       "lease_owner = $1, lease_expires_at = $2, started_at = $3, "
                       "updated_at = $3, progress = 0 "
                       "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $3 "
                       "AND type IN ({}) ORDER BY priority DESC, run_at, id LIMIT 1{}) "
                       "RETURNING {}",
                       Placeholders(4, eligible.size()), pg ? " FOR UPDATE SKIP LOCKED" : "",
                       kColumns),
                   p));
    if (!row) return Status::Ok();
    Job job = JobFromRow(*row);
    if (pg) {
      const int limit = LimitFor(job.type);
      if (limit > 0) {
        // Serialise claims of this type, then count with a fresh snapshot (READ COMMITTED): the
        // count includes every committed claim and ours.
        SIGNX_RETURN_IF_ERROR(
            t.Query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    {"signx.jobs.type:" + job.type})
                .status());
        SIGNX_ASSIGN_OR_RETURN(
            auto count, t.QueryOne("SELECT COUNT(*) FROM jobs WHERE state = 'running' AND type = $1",
                                   {job.type}));
        if (count->Int(0) > limit) {
          *at_capacity = job.type;
          return FailedPrecondition("type at capacity");  // rolls the claim back
        }
      }
    }
    claimed = std::move(job);
    return Status::Ok();
  });
  if (!at_capacity->empty()) return std::optional<Job>();
  if (!st.ok()) return st;
  return claimed;
}

Result<bool> Queue::Heartbeat(const Job& claimed) {
  return store_.WithTxnResult<bool>([&](Txn& t) -> Result<bool> {
    const Timestamp now = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(
        auto row, t.QueryOne(fmt::format("UPDATE jobs SET lease_expires_at = $1, updated_at = $2 "
                                          "WHERE {} RETURNING cancel_requested",
                                          Fence(3)),
                             {now + options_.lease, now, claimed.id, claimed.lease_owner,
                              claimed.attempts}));
    if (!row) return LeaseLost(claimed);
    return row->Bool(0);
  });
}

Status Queue::Complete(const Job& claimed, const std::optional<std::string>& result_json) {
  if (result_json && (static_cast<int64_t>(result_json->size()) > options_.max_payload_bytes ||
                      !ValidJson(*result_json))) {
    return InvalidArgument("job result must be valid JSON within the payload size limit");
  }
  return store_.WithTxn([&](Txn& t) -> Status {
    const Timestamp now = clock_.Now();
    std::optional<Json> result;
    if (result_json) result = Json{*result_json};
    SIGNX_ASSIGN_OR_RETURN(
        int64_t n,
        t.Exec(fmt::format("UPDATE jobs SET state = 'succeeded', progress = 100, result = $1, "
                           "lease_owner = NULL, lease_expires_at = NULL, finished_at = $2, "
                           "updated_at = $2 WHERE {}",
                           Fence(3)),
               {result, now, claimed.id, claimed.lease_owner, claimed.attempts}));
    return n == 1 ? Status::Ok() : LeaseLost(claimed);
  });
}

Result<JobState> Queue::Fail(const Job& claimed, const Status& error) {
  const std::string message = Truncate(error.ToString(), kMaxErrorChars);
  const bool permanent = IsPermanent(error);
  return store_.WithTxnResult<JobState>([&](Txn& t) -> Result<JobState> {
    const Timestamp now = clock_.Now();
    const bool pg = t.dialect() == Dialect::kPostgres;
    SIGNX_ASSIGN_OR_RETURN(
        auto row, t.QueryOne(fmt::format("SELECT attempts, max_attempts, cancel_requested FROM jobs "
                                          "WHERE {}{}",
                                          Fence(1), pg ? " FOR UPDATE" : ""),
                             {claimed.id, claimed.lease_owner, claimed.attempts}));
    if (!row) return LeaseLost(claimed);
    JobState next = JobState::kQueued;
    if (row->Bool(2)) {
      next = JobState::kCancelled;
    } else if (permanent) {
      next = JobState::kFailed;
    } else if (row->Int(0) >= row->Int(1)) {
      next = JobState::kDead;
    }
    const std::optional<Timestamp> finished =
        IsTerminal(next) ? std::optional<Timestamp>(now) : std::nullopt;
    const Timestamp run_at = next == JobState::kQueued ? now + Backoff(claimed.attempts) : claimed.run_at;
    SIGNX_RETURN_IF_ERROR(
        t.Exec(fmt::format("UPDATE jobs SET state = $1, last_error = $2, run_at = $3, "
                           "finished_at = $4, updated_at = $5, lease_owner = NULL, "
                           "lease_expires_at = NULL WHERE {}",
                           Fence(6)),
               {std::string(JobStateName(next)), message, run_at, finished, now, claimed.id,
                claimed.lease_owner, claimed.attempts})
            .status());
    return next;
  });
}

Status Queue::Release(const Job& claimed) {
  return store_.WithTxn([&](Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(
        int64_t n,
        t.Exec(fmt::format("UPDATE jobs SET state = 'queued', attempts = attempts - 1, "
                           "lease_owner = NULL, lease_expires_at = NULL, updated_at = $1 WHERE {}",
                           Fence(2)),
               {clock_.Now(), claimed.id, claimed.lease_owner, claimed.attempts}));
    return n == 1 ? Status::Ok() : LeaseLost(claimed);
  });
}

Result<int> Queue::RecoverExpiredLeases() {
  return store_.WithTxnResult<int>([&](Txn& t) -> Result<int> {
    const Timestamp now = clock_.Now();
    SIGNX_ASSIGN_OR_RETURN(
        int64_t n,
        t.Exec("UPDATE jobs SET "
               "state = CASE WHEN cancel_requested THEN 'cancelled' "
               "WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, "
               "finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts "
               "THEN CAST($1 AS BIGINT) ELSE NULL END, "
               "last_error = 'lease expired: worker ' || lease_owner || "
               "' stopped renewing it (crashed or hung)', "
               "lease_owner = NULL, lease_expires_at = NULL, updated_at = $2 "
               "WHERE state = 'running' AND lease_expires_at < $3",
               {now, now, now}));
    return static_cast<int>(n);
  });
}

Result<int64_t> Queue::DeleteFinishedBefore(Timestamp cutoff, int batch) {
  if (batch < 1) return InvalidArgument("retention batch must be at least 1");
  int64_t total = 0;
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(
        const int64_t n,
        store_.WithTxnResult<int64_t>([&](Txn& t) {
          return t.Exec(
              "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('succeeded', "
              "'failed', 'dead', 'cancelled') AND finished_at < $1 ORDER BY finished_at LIMIT $2)",
              {cutoff, int64_t{batch}});
        }));
    total += n;
    if (n < batch) return total;
  }
}

Status Queue::ScheduleRecurring(const RecurringSpec& spec) {
  std::vector<FieldError> bad;
  if (spec.name.empty() || spec.name.size() > 200) bad.push_back({"name", "must be 1-200 characters"});
  if (!ValidType(spec.type)) bad.push_back({"type", "must be 1-100 characters of [a-z0-9_.:-]"});
  auto schedule = Schedule::Parse(spec.schedule);
  if (!schedule.ok()) bad.push_back({"schedule", std::string(schedule.status().message())});
  if (!ValidJson(spec.payload_json)) bad.push_back({"payload", "is not valid JSON"});
  if (spec.max_attempts < 1 || spec.max_attempts > 100) {
    bad.push_back({"max_attempts", "must be 1..100"});
  }
  if (!bad.empty()) return ValidationFailed(std::move(bad), "invalid recurring job");
  return store_.WithTxn([&](Txn& t) -> Status {
    const Timestamp now = clock_.Now();
    return t
        .Exec("INSERT INTO recurring_jobs (name, type, schedule, payload, org_id, priority, "
              "max_attempts, enabled, next_run_at, created_at, updated_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
              "ON CONFLICT (name) DO UPDATE SET type = excluded.type, "
              "payload = excluded.payload, org_id = excluded.org_id, "
              "priority = excluded.priority, max_attempts = excluded.max_attempts, "
              "enabled = excluded.enabled, updated_at = excluded.updated_at, "
              "next_run_at = CASE WHEN recurring_jobs.schedule = excluded.schedule "
              "THEN recurring_jobs.next_run_at ELSE excluded.next_run_at END, "
              "schedule = excluded.schedule",
              {spec.name, spec.type, spec.schedule, Json{spec.payload_json}, spec.org_id,
               spec.priority, spec.max_attempts, spec.enabled, schedule->Next(now), now})
        .status();
  });
}

Status Queue::RemoveRecurring(std::string_view name) {
  return store_.WithTxn([&](Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(int64_t n, t.Exec("DELETE FROM recurring_jobs WHERE name = $1", {name}));
    return n == 1 ? Status::Ok() : NotFound(fmt::format("recurring job {} does not exist", name));
  });
}

namespace {
constexpr std::string_view kRecurringColumns =
    "name, type, schedule, payload, org_id, priority, max_attempts, enabled, next_run_at, "
    "last_job_id";

RecurringJob RecurringFromRow(const Row& r) {
  RecurringJob j;
  j.spec.name = r.Text(0);
  j.spec.type = r.Text(1);
  j.spec.schedule = r.Text(2);
  j.spec.payload_json = r.Text(3);
  j.spec.org_id = r.OptText(4);
  j.spec.priority = static_cast<int>(r.Int(5));
  j.spec.max_attempts = static_cast<int>(r.Int(6));
  j.spec.enabled = r.Bool(7);
  j.next_run_at = r.Time(8);
  j.last_job_id = r.OptText(9);
  return j;
}
}  // namespace

Result<std::vector<RecurringJob>> Queue::ListRecurring() {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs,
      store_.Query(fmt::format("SELECT {} FROM recurring_jobs ORDER BY name", kRecurringColumns)));
  std::vector<RecurringJob> out;
  for (const Row& r : rs.rows) out.push_back(RecurringFromRow(r));
  return out;
}

Result<int> Queue::EnqueueDueRecurring() {
  return store_.WithTxnResult<int>([&](Txn& t) -> Result<int> {
    const Timestamp now = clock_.Now();
    const bool pg = t.dialect() == Dialect::kPostgres;
    SIGNX_ASSIGN_OR_RETURN(
        auto rs, t.Query(fmt::format("SELECT {} FROM recurring_jobs WHERE enabled = $1 AND "
                                     "next_run_at <= $2 ORDER BY next_run_at LIMIT 100{}",
                                     kRecurringColumns, pg ? " FOR UPDATE SKIP LOCKED" : ""),
                         {true, now}));
    int created = 0;
    for (const Row& r : rs.rows) {
      const RecurringJob rj = RecurringFromRow(r);
      auto schedule = Schedule::Parse(rj.spec.schedule);
      if (!schedule.ok()) continue;  // validated on insert; an edited row is skipped, not fatal
      JobSpec spec{.type = rj.spec.type,
                   .payload_json = rj.spec.payload_json,
                   .org_id = rj.spec.org_id,
                   .priority = rj.spec.priority,
                   .max_attempts = rj.spec.max_attempts,
                   .run_at = rj.next_run_at,
                   .dedupe_key = fmt::format("recurring:{}:{}", rj.spec.name,
                                             UnixMicros(rj.next_run_at))};
      SIGNX_ASSIGN_OR_RETURN(EnqueueResult e, EnqueueImpl(t, spec, rj.spec.name));
      if (e.created) ++created;
      SIGNX_RETURN_IF_ERROR(
          t.Exec("UPDATE recurring_jobs SET next_run_at = $1, last_job_id = $2, updated_at = $3 "
                 "WHERE name = $4",
                 {schedule->Next(std::max(now, rj.next_run_at)), e.id, now, rj.spec.name})
              .status());
    }
    return created;
  });
}

Status CheckQueue(storage::Store& store) {
  Status st = store.WithTxn(
      [](Txn& t) -> Status {
        SIGNX_RETURN_IF_ERROR(t.Query("SELECT id FROM jobs LIMIT 1").status());
        return t.Query("SELECT name FROM recurring_jobs LIMIT 1").status();
      },
      {.read_only = true, .max_attempts = 1});
  if (st.ok()) return st;
  return Unavailable(fmt::format("job queue: {}", st.message()));
}

}  // namespace signx::jobs
