// The SQL of the LLM tables (migration 0022_llm): llm_cache (answers per org, document SHA-256,
// task, tier, model and prompt version) and llm_usage (one row per routed task). Every query is
// scoped by org_id: one org's cache is never read for another.
//
// Thread-safety: functions on a caller-owned Txn.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "storage/store.h"

namespace signx::llm {

struct CacheKey {
  std::string org_id;
  std::string document_sha256;
  std::string task;
  std::string tier;
  std::string model;
  std::string prompt_version;
};

struct CachedAnswer {
  std::string answer;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
};

Result<std::optional<CachedAnswer>> LookupCache(storage::Txn& txn, const CacheKey& key);
// Keeps the first answer stored for a key (a concurrent second one is dropped).
Status StoreCache(storage::Txn& txn, const CacheKey& key, const CachedAnswer& answer,
                  Timestamp now);
// Forgets every cached answer of one document of one org (the document was deleted).
Status ForgetDocument(storage::Txn& txn, const std::string& org_id,
                      const std::string& document_sha256);

struct UsageRow {
  std::string org_id;
  std::string task;
  std::optional<std::string> tier;
  std::optional<std::string> model;
  std::string document_sha256;
  std::string source;   // "llm" or "offline"
  std::string outcome;  // ok, cache_hit, timeout, server_error, ...
  bool cached = false;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  int64_t cost_micro_usd = 0;
  int64_t latency_ms = 0;
  std::optional<std::string> error;
  Timestamp created_at;
};
Status InsertUsage(storage::Txn& txn, const UsageRow& row, const Clock& clock);

// Tokens (in + out) `org_id` was billed since `since`.
Result<int64_t> TokensSince(storage::Txn& txn, const std::string& org_id, Timestamp since);

struct DayUsage {
  std::string day;          // YYYY-MM-DD (UTC)
  int64_t calls = 0;        // tasks routed (every row)
  int64_t llm_answers = 0;  // answered by the server
  int64_t cache_hits = 0;
  int64_t fallbacks = 0;  // answered offline
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  int64_t cost_micro_usd = 0;
};
// One entry per UTC day in [from, to) with any usage, oldest first.
Result<std::vector<DayUsage>> UsageByDay(storage::Txn& txn, const std::string& org_id,
                                         Timestamp from, Timestamp to);
// Offline fallbacks in [from, to) by outcome.
Result<std::vector<std::pair<std::string, int64_t>>> FallbacksByOutcome(storage::Txn& txn,
                                                                        const std::string& org_id,
                                                                        Timestamp from,
                                                                        Timestamp to);

// The first instant of the UTC calendar month of `t`.
Timestamp MonthStart(Timestamp t);

}  // namespace signx::llm
