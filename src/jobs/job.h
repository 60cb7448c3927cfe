// Job value types shared by the queue, the worker, the HTTP routes and metrics.
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace signx::jobs {

// Lifecycle: queued -> running -> succeeded | failed | dead | cancelled, and running -> queued on
// a retryable error (with backoff), an expired lease, or a graceful worker stop.
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kDead, kCancelled };

inline constexpr std::array<JobState, 6> kAllJobStates = {
    JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
    JobState::kFailed, JobState::kDead,    JobState::kCancelled};

std::string_view JobStateName(JobState s);  // "queued", "running", ...
std::optional<JobState> ParseJobState(std::string_view name);
// succeeded, failed, dead and cancelled never change again.
bool IsTerminal(JobState s);

// What to enqueue.
struct JobSpec {
  std::string type;                       // handler name, e.g. "estimating.retrain"
  std::string payload_json = "{}";        // handler input; must be valid JSON
  std::optional<std::string> org_id;      // tenant the job acts for; empty = system job
  int priority = 0;                       // higher runs first
  int max_attempts = 5;                   // attempts before the job is dead-lettered (>= 1)
  std::optional<Timestamp> run_at;        // not before this instant; default now
  // Idempotency key, unique per type while the job row exists (finished jobs are deleted after
  // jobs.retention_days: Queue::DeleteFinishedBefore).
  std::optional<std::string> dedupe_key;
};

// One row of the jobs table.
struct Job {
  std::string id;  // job_<ulid>
  std::string type;
  std::optional<std::string> org_id;
  std::string payload_json;
  JobState state = JobState::kQueued;
  int priority = 0;
  int attempts = 0;  // attempts started so far (including the running one)
  int max_attempts = 0;
  Timestamp run_at;
  std::optional<std::string> lease_owner;
  std::optional<Timestamp> lease_expires_at;
  int progress = 0;  // 0..100
  std::optional<std::string> result_json;
  std::optional<std::string> last_error;
  std::optional<std::string> dedupe_key;
  bool cancel_requested = false;
  std::optional<std::string> recurring_name;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
};

struct EnqueueResult {
  std::string id;
  bool created = true;  // false when a job with the same (type, dedupe_key) already existed
};

// A recurring schedule (see schedule.h for the accepted forms).
struct RecurringSpec {
  std::string name;      // unique; re-registering a name updates it
  std::string type;
  std::string schedule;  // "@every 5m", "@hourly", "@daily", "m h * * *"
  std::string payload_json = "{}";
  std::optional<std::string> org_id;
  int priority = 0;
  int max_attempts = 3;
  bool enabled = true;
};

struct RecurringJob {
  RecurringSpec spec;
  Timestamp next_run_at;
  std::optional<std::string> last_job_id;
};

}  // namespace signx::jobs
