#include "leads/score_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

namespace signx::leads {
namespace {

constexpr std::size_t kRowsPerStatement = 500;  // 8 parameters a row: well under both limits
constexpr int kColumns = 8;

}  // namespace

ScoreLog::ScoreLog(storage::Store& store, metrics::Registry* metrics, ScoreLogOptions options)
    : store_(store), options_(options) {
  if (metrics) {
    written_ = &metrics
                    ->AddCounter("leads_score_log_rows_written_total",
                                 "Scored leads written to the lead_scores table")
                    .WithLabels({});
    auto& dropped = metrics->AddCounter(
        "leads_score_log_dropped_total",
        "Scored leads not written to lead_scores (queue full, write error)", {"reason"});
    dropped_full_ = &dropped.WithLabels({"queue_full"});
    dropped_error_ = &dropped.WithLabels({"write_error"});
    queue_gauge_ = &metrics
                        ->AddGauge("leads_score_log_queue_rows",
                                   "Scored leads accepted but not yet written to lead_scores")
                        .WithLabels({});
  }
  thread_ = std::thread([this] { Run(); });
}

ScoreLog::~ScoreLog() { Shutdown(); }

bool ScoreLog::Add(ScoreLogEntry entry) {
  if (entry.org_id.empty() || entry.lead_id.empty()) return false;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && pending_.size() + in_flight_ < options_.capacity) {
      pending_.push_back(std::move(entry));
      ++accepted_seq_;
      if (queue_gauge_) queue_gauge_->Inc();
      if (pending_.size() >= options_.batch_rows) wake_.notify_one();
      return true;
    }
    ++dropped_rows_;
  }
  if (dropped_full_) dropped_full_->Inc();
  return false;
}

Status ScoreLog::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = accepted_seq_;
  if (done_seq_ >= target) return Status::Ok();
  flush_wanted_ = std::max(flush_wanted_, target);
  wake_.notify_one();
  flushed_.wait(lock, [&] { return done_seq_ >= target; });
  return last_error_;
}

void ScoreLog::Shutdown() {
  std::lock_guard serial(shutdown_mu_);
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

ScoreLog::Stats ScoreLog::stats() const {
  std::lock_guard lock(mu_);
  return {.accepted = accepted_seq_,
          .written = written_rows_,
          .dropped = dropped_rows_,
          .queued = pending_.size() + in_flight_};
}

void ScoreLog::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || pending_.size() >= options_.batch_rows ||
             (flush_wanted_ > done_seq_ && !pending_.empty());
    });
    if (pending_.empty()) {
      if (stopping_) break;
      continue;
    }
    std::vector<ScoreLogEntry> batch;
    batch.swap(pending_);
    in_flight_ = batch.size();
    lock.unlock();
    const std::size_t n = batch.size();
    Status st = Write(batch);
    if (!st.ok()) spdlog::error("lead_scores: {} scored leads not written: {}", n, st.message());
    lock.lock();
    in_flight_ = 0;
    done_seq_ += n;
    last_error_ = st;
    if (st.ok()) {
      written_rows_ += n;
      if (written_) written_->Inc(static_cast<double>(n));
    } else {
      dropped_rows_ += n;
      if (dropped_error_) dropped_error_->Inc(static_cast<double>(n));
    }
    if (queue_gauge_) queue_gauge_->Dec(static_cast<double>(n));
    flushed_.notify_all();
  }
  flushed_.notify_all();
}

Status ScoreLog::Write(std::vector<ScoreLogEntry>& batch) {
  return store_.WithTxn([&](storage::Txn& txn) { return WriteLeadScores(txn, batch); });
}

ScoreLogEntry ScoreLogEntryOf(std::string org_id, const LeadScore& score, std::string request_id,
                              Timestamp at) {
  return {.org_id = std::move(org_id),
          .lead_id = score.lead_id,
          .model_version = score.model_version,
          .score = score.score,
          .bucket = score.bucket,
          .tier = score.tier,
          .request_id = std::move(request_id),
          .scored_at = at};
}

Status WriteLeadScores(storage::Txn& txn, std::span<const ScoreLogEntry> entries) {
  // The last score of a lead wins (one statement cannot update a row twice).
  std::unordered_map<std::string, std::size_t> last;
  last.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].org_id.empty() || entries[i].lead_id.empty()) continue;
    last[entries[i].org_id + '\n' + entries[i].lead_id] = i;
  }
  std::vector<std::size_t> keep;
  keep.reserve(last.size());
  for (const auto& [key, i] : last) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  for (std::size_t start = 0; start < keep.size(); start += kRowsPerStatement) {
    const std::size_t end = std::min(keep.size(), start + kRowsPerStatement);
    std::string sql =
        "INSERT INTO lead_scores (org_id, lead_id, model_version, score, bucket, tier, "
        "request_id, scored_at) VALUES ";
    storage::Params params;
    params.reserve((end - start) * kColumns);
    for (std::size_t k = start; k < end; ++k) {
      const auto& e = entries[keep[k]];
      const std::size_t p = params.size();
      if (k > start) sql += ", ";
      sql += fmt::format("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4,
                         p + 5, p + 6, p + 7, p + 8);
      params.emplace_back(e.org_id);
      params.emplace_back(e.lead_id);
      params.emplace_back(e.model_version);
      params.emplace_back(e.score);
      params.emplace_back(e.bucket);
      params.emplace_back(std::string(1, e.tier));
      params.emplace_back(e.request_id);
      params.emplace_back(e.scored_at);
    }
    sql +=
        " ON CONFLICT (org_id, lead_id) DO UPDATE SET model_version = excluded.model_version, "
        "score = excluded.score, bucket = excluded.bucket, tier = excluded.tier, "
        "request_id = excluded.request_id, scored_at = excluded.scored_at "
        "WHERE lead_scores.scored_at <= excluded.scored_at";
    SIGNX_RETURN_IF_ERROR(txn.Exec(sql, params).status());
  }
  return Status::Ok();
}

}  // namespace signx::leads
