#include "leads/score_log.h"

#include <fmt/format.h>
#include <pthread.h>
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
// The key of an entry's lead: one lead_scores row per (org, lead).
std::string LeadKey(const ScoreLogEntry& e) { return e.org_id + '\n' + e.lead_id; }

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

ScoreHistoryRow ScoreLog::QueuedScore::Row() const {
  const std::string_view t = text;
  return {.org_id = t.substr(0, org_len),
          .lead_id = t.substr(org_len, lead_len),
          .model_version = t.substr(org_len + lead_len, model_len),
          .request_id = t.substr(std::size_t{org_len} + lead_len + model_len),
          .scored_at = scored_at,
          .score = score,
          .tier = tier};
}

bool ScoreLog::Add(ScoreLogEntry entry) {
  if (entry.org_id.empty() || entry.lead_id.empty()) return false;
  constexpr std::size_t kMaxId = 0xffff;
  if (entry.org_id.size() > kMaxId || entry.lead_id.size() > kMaxId ||
      entry.model_version.size() > kMaxId) {
    return false;  // not an id any caller makes (lead ids are validated far shorter)
  }
  std::string key = LeadKey(entry);
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && pending_.accepted + in_flight_ < options_.capacity) {
      // A score equal to the lead's queued latest one (same model, score and tier) adds no
      // history row (AppendScoreHistory keeps changes only): it only replaces the latest entry.
      auto it = pending_.latest.find(key);
      const bool repeat = it != pending_.latest.end() &&
                          it->second.model_version == entry.model_version &&
                          it->second.score == entry.score && it->second.tier == entry.tier;
      if (!repeat) {
        pending_.scores.push_back(
            {.text = entry.org_id + entry.lead_id + entry.model_version + entry.request_id,
             .org_len = static_cast<std::uint16_t>(entry.org_id.size()),
             .lead_len = static_cast<std::uint16_t>(entry.lead_id.size()),
             .model_len = static_cast<std::uint16_t>(entry.model_version.size()),
             .scored_at = entry.scored_at,
             .score = entry.score,
             .tier = entry.tier});
      }
      if (it != pending_.latest.end()) {
        it->second = std::move(entry);  // the last one wins
      } else {
        pending_.latest.emplace(std::move(key), std::move(entry));
      }
      ++pending_.accepted;
      ++accepted_seq_;
      if (queue_gauge_) queue_gauge_->Inc();
      if (pending_.accepted >= options_.batch_rows) wake_.notify_one();
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
          .queued = pending_.accepted + in_flight_,
          .queued_leads = pending_.latest.size()};
}

void ScoreLog::Run() {
  // Named, but not lowered in priority like the lake's converter: what it has not written is
  // only in memory, and a full queue drops scores (a stream of new leads needs a history row each).
  pthread_setname_np(pthread_self(), "signx-score-log");
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || pending_.accepted >= options_.batch_rows ||
             (flush_wanted_ > done_seq_ && pending_.accepted > 0);
    });
    if (pending_.accepted == 0) {
      if (stopping_) break;
      continue;
    }
    Queue batch;
    std::swap(batch, pending_);
    in_flight_ = batch.accepted;
    lock.unlock();
    const std::size_t n = batch.accepted;
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

Status ScoreLog::Write(const Queue& batch) {
  std::vector<const ScoreLogEntry*> latest;
  latest.reserve(batch.latest.size());
  for (const auto& [key, entry] : batch.latest) latest.push_back(&entry);
  std::vector<ScoreHistoryRow> rows;
  rows.reserve(batch.scores.size());
  Timestamp newest{};
  for (const QueuedScore& q : batch.scores) {
    rows.push_back(q.Row());
    newest = std::max(newest, q.scored_at);
  }
  Status st = store_.WithTxn(
      [&](storage::Txn& txn) {
        SIGNX_RETURN_IF_ERROR(UpsertLatestScores(txn, latest));
        return AppendScoreHistory(txn, rows);
      },
      {.page_cache_kib = options_.page_cache_kib});
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
                              Timestamp at, const boost::json::object& display,
                              std::string_view reasons_json) {
  // Written straight to text (no JSON DOM per scored lead). No reasons: "" (NULL in the table).
  std::string reasons;
  if (!score.reasons.empty()) {
    if (!reasons_json.empty()) {
      reasons.assign(reasons_json);
    } else {
      reasons.reserve(score.reasons.size() * 96);
      AppendReasonsJson(reasons, score.reasons);
    }
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
  std::vector<ScoreHistoryRow> rows;
  rows.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ScoreLogEntry& e = entries[i];
    if (e.org_id.empty() || e.lead_id.empty()) continue;
    last[LeadKey(e)] = i;
    rows.push_back({.org_id = e.org_id,
                    .lead_id = e.lead_id,
                    .model_version = e.model_version,
                    .request_id = e.request_id,
                    .scored_at = e.scored_at,
                    .score = e.score,
                    .tier = e.tier});
  }
  std::vector<std::size_t> keep;
  keep.reserve(last.size());
  for (const auto& [key, i] : last) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  std::vector<const ScoreLogEntry*> latest;
  latest.reserve(keep.size());
  for (const std::size_t i : keep) latest.push_back(&entries[i]);
  SIGNX_RETURN_IF_ERROR(UpsertLatestScores(txn, latest));
  return AppendScoreHistory(txn, rows);  // the changes of each lead's score
}

Status UpsertLatestScores(storage::Txn& txn, std::span<const ScoreLogEntry* const> latest) {
  for (std::size_t start = 0, end = 0; start < latest.size(); start = end) {
    end = start + StatementRows(latest.size() - start);
    std::string sql =
        "INSERT INTO lead_scores (org_id, lead_id, model_version, score, bucket, tier, "
        "request_id, scored_at, display_json, reasons_json) VALUES ";
    storage::Params params;
    params.reserve((end - start) * kColumns);
    for (std::size_t k = start; k < end; ++k) {
      const ScoreLogEntry& e = *latest[k];
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
  return Status::Ok();
}

namespace {

// What a lead's previous history row says about its score (known: there is one); a row that says
// the same adds nothing to the history and is not written.
struct ScoreState {
  bool known = false;
  std::string model_version;
  double score = 0;
  char tier = 'E';
  bool Same(const ScoreHistoryRow& r) const {
    return known && model_version == r.model_version && score == r.score && tier == r.tier;
  }
};

using LeadRef = std::pair<std::string_view, std::string_view>;  // org_id, lead_id
struct LeadRefHash {
  std::size_t operator()(const LeadRef& k) const {
    const std::size_t h = std::hash<std::string_view>()(k.first);
    return h ^
           (std::hash<std::string_view>()(k.second) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};

// The newest stored history row of each of `leads` (its model, score and tier), into the lead's
// entry of `state` (one for each of `leads`). One statement per 64 leads (shapes 64, 32, ..., 1,
// like the writes): the lookups cost a few index seeks per batch, not a round trip per lead on
// PostgreSQL.
Status LoadNewestHistory(storage::Txn& txn, std::span<const LeadRef> leads,
                         std::unordered_map<LeadRef, ScoreState, LeadRefHash>& state) {
  for (std::size_t start = 0, end = 0; start < leads.size(); start = end) {
    end = start + StatementRows(leads.size() - start);
    std::string sql = "WITH k (org_id, lead_id) AS (VALUES ";
    storage::Params params;
    params.reserve((end - start) * 2);
    for (std::size_t i = start; i < end; ++i) {
      if (i > start) sql += ", ";
      sql += fmt::format("(${}, ${})", params.size() + 1, params.size() + 2);
      params.emplace_back(std::string(leads[i].first));
      params.emplace_back(std::string(leads[i].second));
    }
    sql +=
        ") SELECT k.org_id, k.lead_id, h.model_version, h.score, h.tier FROM k JOIN "
        "lead_score_history h ON h.org_id = k.org_id AND h.lead_id = k.lead_id WHERE h.scored_at "
        "= (SELECT MAX(x.scored_at) FROM lead_score_history x WHERE x.org_id = k.org_id AND "
        "x.lead_id = k.lead_id)";
    SIGNX_ASSIGN_OR_RETURN(auto rs, txn.Query(sql, params));
    for (const storage::Row& r : rs.rows) {
      const std::string org = r.Text(0), lead = r.Text(1), tier = r.Text(4);
      auto it = state.find(LeadRef{org, lead});
      if (it == state.end()) continue;
      it->second = {true, r.Text(2), r.Double(3), tier.empty() ? 'E' : tier[0]};
    }
  }
  return Status::Ok();
}

}  // namespace

Status AppendScoreHistory(storage::Txn& txn, std::span<const ScoreHistoryRow> rows) {
  // The history is the lead's score changes: a row is written when the model, score or tier
  // differs from the lead's previous row (in this batch, else its newest stored row). A lead
  // re-scored with the same result keeps its earlier row, so "the score at time t" (the newest row
  // at or before t: monitoring, outcomes) reads the same as if every score had a row, and the
  // lead page lists changes instead of repeats. Every scoring call stays in the lake.
  // One entry per lead (its key's views point into `rows`, which outlive the map).
  std::unordered_map<LeadRef, ScoreState, LeadRefHash> state;
  state.reserve(rows.size());
  std::vector<LeadRef> leads;
  for (const ScoreHistoryRow& r : rows) {
    if (state.try_emplace(LeadRef{r.org_id, r.lead_id}).second) {
      leads.emplace_back(r.org_id, r.lead_id);
    }
  }
  SIGNX_RETURN_IF_ERROR(LoadNewestHistory(txn, leads, state));
  std::vector<const ScoreHistoryRow*> changes;
  changes.reserve(rows.size());
  for (const ScoreHistoryRow& r : rows) {
    ScoreState& previous = state.find(LeadRef{r.org_id, r.lead_id})->second;
    if (previous.Same(r)) continue;
    previous = {true, std::string(r.model_version), r.score, r.tier};
    changes.push_back(&r);
  }

  constexpr std::size_t kHistoryColumns = 7;
  for (std::size_t start = 0, end = 0; start < changes.size(); start = end) {
    end = start + StatementRows(changes.size() - start);
    std::string sql =
        "INSERT INTO lead_score_history (org_id, lead_id, scored_at, model_version, score, tier, "
        "request_id) VALUES ";
    storage::Params params;
    params.reserve((end - start) * kHistoryColumns);
    for (std::size_t k = start; k < end; ++k) {
      const ScoreHistoryRow& e = *changes[k];
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
