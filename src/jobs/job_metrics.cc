#include "jobs/job_metrics.h"

#include <algorithm>

namespace signx::jobs {

namespace {
std::vector<double> DurationBuckets() {
  return {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}
}  // namespace

JobMetrics::JobMetrics(metrics::Registry& registry, Queue& queue)
    : queue_(queue),
      duration_(registry.AddHistogram("signx_jobs_duration_seconds",
                                      "Job handler run time per attempt", {"type"},
                                      DurationBuckets())),
      outcomes_(registry.AddCounter("signx_jobs_outcomes_total",
                                    "Finished job attempts by outcome (succeeded, retried, failed, "
                                    "dead, cancelled, released, lease_lost)",
                                    {"type", "outcome"})) {
  registry.AddCollector([this](metrics::Writer& w) { Collect(w); });
}

void JobMetrics::ObserveRun(std::string_view type, std::string_view outcome, double seconds) {
  duration_.WithLabels({type}).Observe(seconds);
  outcomes_.WithLabels({type, outcome}).Inc();
}

Status JobMetrics::Refresh() {
  const Timestamp now = queue_.clock().Now();
  SIGNX_ASSIGN_OR_RETURN(
      auto depth,
      queue_.store().Query("SELECT state, type, COUNT(*) FROM jobs "
                           "WHERE state IN ('queued', 'running', 'failed', 'dead') "
                           "GROUP BY state, type"));
  SIGNX_ASSIGN_OR_RETURN(
      auto oldest, queue_.store().Query("SELECT type, MIN(run_at) FROM jobs WHERE state = 'queued' "
                                        "AND run_at <= $1 GROUP BY type",
                                        {now}));
  std::map<std::pair<std::string, std::string>, int64_t> d;
  for (const auto& r : depth.rows) d[{r.Text(0), r.Text(1)}] = r.Int(2);
  std::map<std::string, double> age;
  for (const auto& r : oldest.rows) {
    age[r.Text(0)] =
        std::max(0.0, static_cast<double>(UnixMicros(now) - r.Int(1)) / 1e6);
  }
  std::lock_guard lock(mu_);
  // Keep reporting 0 for series seen before, so a drained queue shows 0 rather than vanishing.
  for (auto& [k, v] : depth_) v = 0;
  for (auto& [k, v] : oldest_age_s_) v = 0;
  for (auto& [k, v] : d) depth_[k] = v;
  for (auto& [k, v] : age) oldest_age_s_[k] = v;
  have_snapshot_ = true;
  return Status::Ok();
}

void JobMetrics::Collect(metrics::Writer& w) const {
  std::lock_guard lock(mu_);
  if (!have_snapshot_) return;
  w.Header("signx_jobs_queue_depth", "Jobs by state and type (queued, running, failed, dead)",
           metrics::Type::kGauge);
  for (const auto& [k, v] : depth_) {
    w.Sample("signx_jobs_queue_depth", {{"state", k.first}, {"type", k.second}},
             static_cast<double>(v));
  }
  w.Header("signx_jobs_oldest_queued_age_seconds",
           "Seconds the oldest due queued job of each type has been waiting",
           metrics::Type::kGauge);
  for (const auto& [type, age] : oldest_age_s_) {
    w.Sample("signx_jobs_oldest_queued_age_seconds", {{"type", type}}, age);
  }
}

}  // namespace signx::jobs
