#include "jobs/worker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <exception>
#include <random>

namespace signx::jobs {
namespace {

std::string DefaultId() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return fmt::format("{}:{}:{:06x}", host[0] ? host : "worker", getpid(), rd() & 0xffffff);
}

}  // namespace

Worker::Worker(Queue& queue, WorkerOptions options, JobMetrics* metrics)
    : queue_(queue),
      options_(std::move(options)),
      metrics_(metrics),
      id_(options_.id.empty() ? DefaultId() : options_.id),
      types_(options_.types) {
  SIGNX_CHECK(options_.threads >= 1, "a worker needs at least one thread");
}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  SIGNX_CHECK(!started_, "Worker::Start called twice");
  started_ = true;
  if (types_.empty()) types_ = queue_.HandlerTypes();
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { WorkerLoop(i); });
  housekeeping_ = std::thread([this] { HousekeepingLoop(); });
  spdlog::info("jobs worker {} started: {} threads, types [{}]", id_, options_.threads,
               fmt::join(types_, ", "));
}

void Worker::Stop() {
  if (!started_) return;
  {
    std::unique_lock lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    cv_.notify_all();
    // Let running handlers finish within the grace period, then ask them to stop.
    cv_.wait_for(lock, options_.stop_grace, [&] { return running_.empty(); });
    grace_over_ = true;
    for (auto& [id, ctx] : running_) ctx->MarkStopping();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  {
    std::lock_guard lock(mu_);
    halt_housekeeping_ = true;
    cv_.notify_all();
  }
  if (housekeeping_.joinable()) housekeeping_.join();
  const Stats s = stats();
  spdlog::info("jobs worker {} stopped: {} claimed, {} succeeded, {} failed, {} released", id_,
               s.claimed, s.succeeded, s.failed, s.released);
}

Worker::Stats Worker::stats() const {
  return {claimed_.load(), succeeded_.load(), failed_.load(), released_.load(),
          lease_lost_.load()};
}

bool Worker::Sleep(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

Result<bool> Worker::RunOnce() {
  const std::vector<std::string> types = types_.empty() ? queue_.HandlerTypes() : types_;
  const std::string owner = id_ + "/once";
  SIGNX_ASSIGN_OR_RETURN(auto job, queue_.Claim(owner, types));
  if (!job) return false;
  Execute(std::move(*job));
  return true;
}

void Worker::WorkerLoop(int index) {
  const std::string owner = fmt::format("{}/{}", id_, index);
  auto idle = options_.poll_min;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto job = queue_.Claim(owner, types_);
    if (!job.ok()) {
      spdlog::warn("jobs worker {}: claim failed: {}", owner, job.status().ToString());
      if (!Sleep(options_.poll_max)) return;
      continue;
    }
    if (!job->has_value()) {
      if (!Sleep(idle)) return;
      idle = std::min(idle * 2, options_.poll_max);
      continue;
    }
    idle = options_.poll_min;
    Execute(std::move(**job));
  }
}

void Worker::Execute(Job job) {
  claimed_.fetch_add(1, std::memory_order_relaxed);
  auto ctx = std::make_shared<JobContext>(queue_, job);
  if (job.cancel_requested) ctx->MarkCancelRequested();
  {
    std::lock_guard lock(mu_);
    if (grace_over_) ctx->MarkStopping();  // claimed while Stop() was already past the grace
    running_[job.id] = ctx;
  }
  const auto start = std::chrono::steady_clock::now();
  Status st;
  if (auto handler = queue_.FindHandler(job.type)) {
    try {
      st = (*handler)(*ctx);
    } catch (const std::exception& e) {
      st = Internal(fmt::format("handler threw: {}", e.what()));
    } catch (...) {
      st = Internal("handler threw a non-standard exception");
    }
  } else {
    st = Status(ErrorCode::kUnimplemented, fmt::format("no handler for job type {}", job.type));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string outcome;
  Status record;
  if (st.ok()) {
    record = queue_.Complete(job, ctx->result());
    if (record.ok()) {
      outcome = "succeeded";
      succeeded_.fetch_add(1, std::memory_order_relaxed);
    }
  } else if (ctx->stopping() && st.code() == ErrorCode::kCancelled) {
    record = queue_.Release(job);
    if (record.ok()) {
      outcome = "released";
      released_.fetch_add(1, std::memory_order_relaxed);
    }
  } else {
    auto next = queue_.Fail(job, st);
    record = next.status();
    if (next.ok()) {
      failed_.fetch_add(1, std::memory_order_relaxed);
      outcome = *next == JobState::kQueued ? "retried" : std::string(JobStateName(*next));
      spdlog::log(*next == JobState::kCancelled ? spdlog::level::info : spdlog::level::warn,
                  "job {} ({}) attempt {}/{} failed -> {}: {}", job.id, job.type, job.attempts,
                  job.max_attempts, outcome, st.ToString());
    }
  }
  if (!record.ok()) {
    if (record.code() == ErrorCode::kFailedPrecondition) {
      outcome = "lease_lost";
      lease_lost_.fetch_add(1, std::memory_order_relaxed);
    } else {
      // The database refused the outcome (unreachable?): the lease will expire and the job run
      // again, which idempotent handlers tolerate.
      outcome = "record_failed";
    }
    spdlog::warn("job {} ({}): could not record outcome: {}", job.id, job.type,
                 record.ToString());
  }
  if (metrics_) metrics_->ObserveRun(job.type, outcome, seconds);
  {
    std::lock_guard lock(mu_);
    running_.erase(job.id);
    cv_.notify_all();
  }
}

void Worker::HousekeepingLoop() {
  const auto lease_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(queue_.options().lease);
  const auto heartbeat = options_.heartbeat.count() > 0
                             ? options_.heartbeat
                             : std::max(std::chrono::milliseconds(10), lease_ms / 3);
  auto next_maintenance = std::chrono::steady_clock::now();
  while (true) {
    bool draining = false;
    {
      std::lock_guard lock(mu_);
      draining = stopping_;  // no new work while draining; heartbeats continue
    }
    if (options_.run_maintenance && !draining &&
        std::chrono::steady_clock::now() >= next_maintenance) {
      Maintenance();
      next_maintenance = std::chrono::steady_clock::now() + options_.maintenance;
    }
    std::vector<std::shared_ptr<JobContext>> running;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, ctx] : running_) running.push_back(ctx);
    }
    for (const auto& ctx : running) {
      auto cancel = queue_.Heartbeat(ctx->job());
      if (cancel.ok()) {
        if (*cancel) ctx->MarkCancelRequested();
      } else if (cancel.status().code() == ErrorCode::kFailedPrecondition) {
        ctx->MarkLeaseLost();
      } else {
        spdlog::warn("job {}: heartbeat failed: {}", ctx->id(), cancel.status().ToString());
      }
    }
    std::unique_lock lock(mu_);
    const auto wait = std::min(heartbeat, options_.maintenance);
    if (cv_.wait_for(lock, wait, [&] { return halt_housekeeping_; })) return;
  }
}

void Worker::Maintenance() {
  if (auto n = queue_.RecoverExpiredLeases(); !n.ok()) {
    spdlog::warn("jobs: lease recovery failed: {}", n.status().ToString());
  } else if (*n > 0) {
    spdlog::warn("jobs: recovered {} job(s) whose worker lease expired", *n);
  }
  if (auto n = queue_.EnqueueDueRecurring(); !n.ok()) {
    spdlog::warn("jobs: recurring enqueue failed: {}", n.status().ToString());
  }
  if (metrics_) {
    if (auto st = metrics_->Refresh(); !st.ok()) {
      spdlog::warn("jobs: metrics refresh failed: {}", st.ToString());
    }
  }
}

}  // namespace signx::jobs
