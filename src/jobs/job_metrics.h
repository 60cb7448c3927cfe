// Prometheus metrics of the job queue:
//   signx_jobs_queue_depth{state,type}            gauge: jobs queued/running/failed/dead
//   signx_jobs_oldest_queued_age_seconds{type}    gauge: how long the oldest due job has waited
//   signx_jobs_duration_seconds{type}             histogram: handler run time per attempt
//   signx_jobs_outcomes_total{type,outcome}       counter: succeeded, retried, failed, dead,
//                                                 cancelled, released, lease_lost
// The two gauges come from a collector that renders the last snapshot taken by Refresh(): the
// /metrics route runs on the event loop and must not wait on the database, so the worker's
// housekeeping thread (worker.h) refreshes the snapshot every maintenance interval. The depth of
// succeeded/cancelled jobs is not reported (it only grows); the outcomes counter covers them.
// Thread-safety: all methods are thread-safe. The Registry and Queue must outlive this object.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "jobs/queue.h"
#include "metrics/metrics.h"

namespace signx::jobs {

class JobMetrics {
 public:
  JobMetrics(metrics::Registry& registry, Queue& queue);
  JobMetrics(const JobMetrics&) = delete;
  JobMetrics& operator=(const JobMetrics&) = delete;

  // Records one finished attempt.
  void ObserveRun(std::string_view type, std::string_view outcome, double seconds);
  // Re-reads depth and oldest age from the database.
  Status Refresh();

 private:
  void Collect(metrics::Writer& w) const;

  Queue& queue_;
  metrics::Family<metrics::Histogram>& duration_;
  metrics::Family<metrics::Counter>& outcomes_;
  mutable std::mutex mu_;
  bool have_snapshot_ = false;                                    // guarded by mu_
  std::map<std::pair<std::string, std::string>, int64_t> depth_;  // (state, type); guarded by mu_
  std::map<std::string, double> oldest_age_s_;                    // type; guarded by mu_
};

}  // namespace signx::jobs
