#include "leads/score_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <unordered_map>

#include "base/strings.h"
#include "http/json.h"

namespace signx::leads {
namespace {

// 64 rows a statement (10 parameters a row: well under both databases' limits). A prepared
// multi-row INSERT costs SQLite ~1.2 KB per row, and every connection of the pool caches the shapes
// it has run: at 500 rows a statement that was ~2.5 MB per connection, ~20 MB over a pool of 8
// (issue 20: RSS under load); at 64 it is ~0.3 MB. The extra statements per batch cost little
// next to the rows' own inserts.
constexpr std::size_t kRowsPerStatement = 64;
constexpr int kColumns = 10;

// The rows of the next multi-row statement when `remaining` rows are left: kRowsPerStatement, else
// the largest power of two not above `remaining`. So the statements come in 7 shapes (64, 32, ...,
// 1) whatever the batch sizes, and each connection prepares each shape once: a new text per batch
// size (1..2,000 rows a batch) made every connection prepare and cache hundreds of large
// statements (~0.6 MB each at 500 rows) — the RSS growth of issue 19's soak.
std::size_t StatementRows(std::size_t remaining) {
  if (remaining >= kRowsPerStatement) return kRowsPerStatement;
  return std::bit_floor(remaining);
}

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
  Status st = store_.WithTxn([&](storage::Txn& txn) { return WriteLeadScores(txn, batch); });
  Timestamp newest{};
  for (const ScoreLogEntry& e : batch) newest = std::max(newest, e.scored_at);
  PruneHistory(newest);
  return st;
}

void ScoreLog::PruneHistory(Timestamp newest) {
  const auto now = std::chrono::steady_clock::now();
  if (last_prune_ != std::chrono::steady_clock::time_point{} &&
      now - last_prune_ < std::chrono::hours(1)) {
    return;
  }
  last_prune_ = now;
  const Timestamp cutoff = newest - options_.history_retention;
  Status st = store_.WithTxn([&](storage::Txn& txn) {
    return txn.Exec("DELETE FROM lead_score_history WHERE scored_at < $1", {cutoff}).status();
  });
  if (!st.ok()) spdlog::warn("lead_score_history: pruning failed: {}", st.message());
}

ScoreLogEntry ScoreLogEntryOf(std::string org_id, const LeadScore& score, std::string request_id,
                              Timestamp at, const boost::json::object& display) {
  // Written straight to text (no JSON DOM per scored lead): the same JSON values as serialising
  // [{"field", "text", "contribution"}] and the display object.
  std::string reasons;
  if (!score.reasons.empty()) {
    reasons.reserve(score.reasons.size() * 96);
    reasons += '[';
    for (const Reason& r : score.reasons) {
      if (reasons.size() > 1) reasons += ',';
      reasons += "{\"field\":";
      AppendJsonString(reasons, r.field);
      reasons += ",\"text\":";
      AppendJsonString(reasons, r.text);
      reasons += ",\"contribution\":";
      http::AppendJsonNumber(reasons, r.contribution);
      reasons += '}';
    }
    reasons += ']';
  }
  return {.org_id = std::move(org_id),
          .lead_id = score.lead_id,
          .model_version = score.model_version,
          .score = score.score,
          .bucket = score.bucket,
          .tier = score.tier,
          .request_id = std::move(request_id),
          .scored_at = at,
          .display_json = display.empty() ? std::string() : boost::json::serialize(display),
          .reasons_json = std::move(reasons)};
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
  for (std::size_t start = 0, end = 0; start < keep.size(); start = end) {
    end = start + StatementRows(keep.size() - start);
    std::string sql =
        "INSERT INTO lead_scores (org_id, lead_id, model_version, score, bucket, tier, "
        "request_id, scored_at, display_json, reasons_json) VALUES ";
    storage::Params params;
    params.reserve((end - start) * kColumns);
    for (std::size_t k = start; k < end; ++k) {
      const auto& e = entries[keep[k]];
      const std::size_t p = params.size();
      if (k > start) sql += ", ";
      sql += fmt::format("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3,
                         p + 4, p + 5, p + 6, p + 7, p + 8, p + 9, p + 10);
      params.emplace_back(e.org_id);
      params.emplace_back(e.lead_id);
      params.emplace_back(e.model_version);
      params.emplace_back(e.score);
      params.emplace_back(e.bucket);
      params.emplace_back(std::string(1, e.tier));
      params.emplace_back(e.request_id);
      params.emplace_back(e.scored_at);
      // NULL or the text, each built in place (a Param temporary moved into the vector trips
      // GCC 12's -Wmaybe-uninitialized inside std::variant's move).
      for (const std::string* text : {&e.display_json, &e.reasons_json}) {
        if (text->empty()) {
          params.emplace_back();
        } else {
          params.emplace_back(*text);
        }
      }
    }
    sql +=
        " ON CONFLICT (org_id, lead_id) DO UPDATE SET model_version = excluded.model_version, "
        "score = excluded.score, bucket = excluded.bucket, tier = excluded.tier, "
        "request_id = excluded.request_id, scored_at = excluded.scored_at, "
        "display_json = excluded.display_json, reasons_json = excluded.reasons_json "
        "WHERE lead_scores.scored_at <= excluded.scored_at AND NOT EXISTS (SELECT 1 FROM "
        "lead_outcomes o WHERE o.org_id = lead_scores.org_id AND o.lead_id = lead_scores.lead_id)";
    SIGNX_RETURN_IF_ERROR(txn.Exec(sql, params).status());
  }
  // Every score, for the lead page's history.
  constexpr std::size_t kHistoryColumns = 7;
  std::vector<std::size_t> rows;
  rows.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].org_id.empty() && !entries[i].lead_id.empty()) rows.push_back(i);
  }
  for (std::size_t start = 0, end = 0; start < rows.size(); start = end) {
    end = start + StatementRows(rows.size() - start);
    std::string sql =
        "INSERT INTO lead_score_history (org_id, lead_id, scored_at, model_version, score, tier, "
        "request_id) VALUES ";
    storage::Params params;
    params.reserve((end - start) * kHistoryColumns);
    for (std::size_t k = start; k < end; ++k) {
      const auto& e = entries[rows[k]];
      const std::size_t p = params.size();
      if (k > start) sql += ", ";
      sql += fmt::format("(${}, ${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5,
                         p + 6, p + 7);
      params.emplace_back(e.org_id);
      params.emplace_back(e.lead_id);
      params.emplace_back(e.scored_at);
      params.emplace_back(e.model_version);
      params.emplace_back(e.score);
      params.emplace_back(std::string(1, e.tier));
      params.emplace_back(e.request_id);
    }
    SIGNX_RETURN_IF_ERROR(txn.Exec(sql, params).status());
  }
  return Status::Ok();
}

}  // namespace signx::leads
