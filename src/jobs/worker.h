// Worker: a pool of threads that claim jobs from a Queue and run their handlers.
//
// Each worker thread polls: claim one due job (any registered type, or WorkerOptions::types),
// run its handler, then Complete / Fail / Release it. After an empty poll a thread sleeps,
// doubling the sleep from poll_min up to poll_max; any claimed job resets it. One housekeeping
// thread extends the leases of running jobs every heartbeat interval (and passes cancellation
// requests to their JobContext), and every maintenance interval recovers expired leases of
// crashed workers, enqueues due recurring jobs and refreshes the queue metrics.
//
// Stop() is graceful: no new claims; running handlers get stop_grace to finish, then their
// context reports stopping()/cancelled(); a handler that then returns kCancelled has its job
// released back to the queue without using up an attempt (another worker takes it). Stop() waits
// for every handler to return: handlers must poll cancelled() in long loops.
//
// The same class runs in-process inside `signx serve` and as `signx worker`. Size the Store's
// connection pool for threads + 1 (housekeeping) plus whatever else shares it.
// Thread-safety: Start/Stop from one owner thread; stats() from any thread. The Queue (and the
// JobMetrics, if given) must outlive the Worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "jobs/job_metrics.h"
#include "jobs/queue.h"

namespace signx::jobs {

struct WorkerOptions {
  int threads = 2;                        // handler threads
  std::string id;                         // lease owner prefix; default "<host>:<pid>:<random>"
  std::vector<std::string> types;         // job types to run; empty = every registered handler
  std::chrono::milliseconds poll_min{20};      // first idle sleep after an empty poll
  std::chrono::milliseconds poll_max{1000};    // idle sleep cap
  std::chrono::milliseconds heartbeat{0};      // lease extension period; 0 = lease / 3
  std::chrono::milliseconds maintenance{1000}; // lease recovery, recurring jobs, metrics refresh
  std::chrono::milliseconds stop_grace{10000}; // on Stop(), time handlers get before stopping()
  bool run_maintenance = true;                 // false: heartbeats only (tests, extra replicas)
};

class Worker {
 public:
  Worker(Queue& queue, WorkerOptions options = {}, JobMetrics* metrics = nullptr);
  ~Worker();  // Stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start();
  // Graceful stop (see above). Idempotent.
  void Stop();

  // Claims and runs at most one job on the calling thread (no heartbeats); true if one ran.
  // For tests and tools; do not mix with Start().
  Result<bool> RunOnce();

  struct Stats {
    int64_t claimed = 0;
    int64_t succeeded = 0;
    int64_t failed = 0;    // attempts that ended in an error (retried, failed, dead, cancelled)
    int64_t released = 0;  // given back on stop
    int64_t lease_lost = 0;
  };
  Stats stats() const;
  const std::string& id() const { return id_; }

 private:
  void WorkerLoop(int index);
  void HousekeepingLoop();
  void Maintenance();
  // Runs one claimed job to completion and records the outcome.
  void Execute(Job job);
  bool Sleep(std::chrono::milliseconds d);  // false when stopping

  Queue& queue_;
  const WorkerOptions options_;
  JobMetrics* const metrics_;
  std::string id_;
  std::vector<std::string> types_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;       // guarded by mu_: no new claims
  bool grace_over_ = false;     // guarded by mu_: new jobs start with stopping() set
  bool halt_housekeeping_ = false;  // guarded by mu_
  std::map<std::string, std::shared_ptr<JobContext>> running_;  // job id -> context; mu_
  std::vector<std::thread> threads_;
  std::thread housekeeping_;
  bool started_ = false;

  std::atomic<int64_t> claimed_{0}, succeeded_{0}, failed_{0}, released_{0}, lease_lost_{0};
};

}  // namespace signx::jobs
