// Idempotency keys for any create operation (`Idempotency-Key` on a POST): the first request with
// a key creates the resource and records its id; a repeat with the same key in the same org and
// operation finds that id and answers with the earlier resource instead of creating another.
//
// Use inside the transaction that creates the resource:
//   if (key) { if (auto earlier = FindIdempotent(txn, org, "projects.create", *key) ...) }
//   ... create ...
//   if (key) RememberIdempotent(txn, org, "projects.create", *key, created.id, now);
// Two concurrent first requests: one commits; the other's insert hits the primary key, its
// transaction fails with a conflict and WithTxn's retry (or the client's) finds the earlier one.
// Keys are kept kIdempotencyRetention and then deleted by DeleteIdempotencyKeysBefore (the
// jobs.retention job).
//
// Thread-safety: functions over a Txn, which is used on one thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "storage/store.h"

namespace signx::storage {

inline constexpr std::size_t kMaxIdempotencyKeyBytes = 200;
inline constexpr auto kIdempotencyRetention = std::chrono::hours(24 * 30);

// The id of the resource an earlier request with `key` created for (org_id, operation).
Result<std::optional<std::string>> FindIdempotent(Txn& txn, std::string_view org_id,
                                                  std::string_view operation,
                                                  std::string_view key);

// Records that `key` created `resource_id` for (org_id, operation).
Status RememberIdempotent(Txn& txn, std::string_view org_id, std::string_view operation,
                          std::string_view key, std::string_view resource_id, Timestamp now);

// Deletes keys recorded before `cutoff`; returns how many.
Result<int64_t> DeleteIdempotencyKeysBefore(Store& store, Timestamp cutoff);

}  // namespace signx::storage
