#include "llm/usage_store.h"

#include <fmt/format.h>

#include <chrono>

#include "base/id.h"

namespace signx::llm {
namespace {

std::string DayText(int64_t day_number) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day_number))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

}  // namespace

Result<std::optional<CachedAnswer>> LookupCache(storage::Txn& txn, const CacheKey& key) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne("SELECT answer, tokens_in, tokens_out FROM llm_cache WHERE org_id = "
                             "$1 AND document_sha256 = $2 AND task = $3 AND tier = $4 AND model = "
                             "$5 AND prompt_version = $6",
                             {key.org_id, key.document_sha256, key.task, key.tier, key.model,
                              key.prompt_version}));
  if (!row) return std::optional<CachedAnswer>();
  return std::optional<CachedAnswer>(CachedAnswer{row->Text(0), row->Int(1), row->Int(2)});
}

Status StoreCache(storage::Txn& txn, const CacheKey& key, const CachedAnswer& answer,
                  Timestamp now) {
  return txn
      .Exec(
          "INSERT INTO llm_cache (org_id, document_sha256, task, tier, model, prompt_version, "
          "answer, tokens_in, tokens_out, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
          "$9, $10) ON CONFLICT (org_id, document_sha256, task, tier, model, prompt_version) "
          "DO NOTHING",
          {key.org_id, key.document_sha256, key.task, key.tier, key.model, key.prompt_version,
           answer.answer, answer.tokens_in, answer.tokens_out, now})
      .status();
}

Status ForgetDocument(storage::Txn& txn, const std::string& org_id,
                      const std::string& document_sha256) {
  return txn
      .Exec("DELETE FROM llm_cache WHERE org_id = $1 AND document_sha256 = $2",
            {org_id, document_sha256})
      .status();
}

Status InsertUsage(storage::Txn& txn, const UsageRow& r, const Clock& clock) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? storage::Param(*s) : storage::Param();
  };
  return txn
      .Exec(
          "INSERT INTO llm_usage (id, org_id, task, tier, model, document_sha256, source, "
          "outcome, cached, tokens_in, tokens_out, cost_micro_usd, latency_ms, error, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
          {NewId("llu", clock), r.org_id, r.task, opt(r.tier), opt(r.model), r.document_sha256,
           r.source, r.outcome, r.cached, r.tokens_in, r.tokens_out, r.cost_micro_usd, r.latency_ms,
           opt(r.error), r.created_at})
      .status();
}

Result<int64_t> TokensSince(storage::Txn& txn, const std::string& org_id, Timestamp since) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne("SELECT CAST(COALESCE(SUM(tokens_in + tokens_out), 0) AS BIGINT) "
                             "FROM llm_usage WHERE org_id = $1 AND created_at >= $2",
                             {org_id, since}));
  return row ? row->Int(0) : 0;
}

Result<std::vector<DayUsage>> UsageByDay(storage::Txn& txn, const std::string& org_id,
                                         Timestamp from, Timestamp to) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs,
      txn.Query("SELECT created_at / 86400000000 AS day, COUNT(*), "
                "CAST(SUM(CASE WHEN outcome = 'ok' THEN 1 ELSE 0 END) AS BIGINT), "
                "CAST(SUM(CASE WHEN outcome = 'cache_hit' THEN 1 ELSE 0 END) AS BIGINT), "
                "CAST(SUM(CASE WHEN source = 'offline' THEN 1 ELSE 0 END) AS BIGINT), "
                "CAST(SUM(tokens_in) AS BIGINT), CAST(SUM(tokens_out) AS BIGINT), "
                "CAST(SUM(cost_micro_usd) AS BIGINT) FROM llm_usage WHERE org_id = $1 AND "
                "created_at >= $2 AND created_at < $3 GROUP BY created_at / 86400000000 ORDER BY 1 "
                "LIMIT 1000",
                {org_id, from, to}));
  std::vector<DayUsage> out;
  for (const auto& r : rs.rows) {
    out.push_back({.day = DayText(r.Int(0)),
                   .calls = r.Int(1),
                   .llm_answers = r.Int(2),
                   .cache_hits = r.Int(3),
                   .fallbacks = r.Int(4),
                   .tokens_in = r.Int(5),
                   .tokens_out = r.Int(6),
                   .cost_micro_usd = r.Int(7)});
  }
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> FallbacksByOutcome(storage::Txn& txn,
                                                                        const std::string& org_id,
                                                                        Timestamp from,
                                                                        Timestamp to) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn.Query("SELECT outcome, COUNT(*) FROM llm_usage WHERE org_id = $1 AND "
                         "created_at >= $2 AND created_at < $3 AND source = 'offline' GROUP BY "
                         "outcome ORDER BY outcome LIMIT 100",
                         {org_id, from, to}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& r : rs.rows) out.emplace_back(r.Text(0), r.Int(1));
  return out;
}

Timestamp MonthStart(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::sys_days first{ymd.year() / ymd.month() / std::chrono::day{1}};
  return std::chrono::time_point_cast<std::chrono::microseconds>(first);
}

}  // namespace signx::llm
