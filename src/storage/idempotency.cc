#include "storage/idempotency.h"

namespace signx::storage {

Result<std::optional<std::string>> FindIdempotent(Txn& txn, std::string_view org_id,
                                                  std::string_view operation,
                                                  std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne("SELECT resource_id FROM idempotency_keys WHERE org_id = $1 AND "
                             "operation = $2 AND idempotency_key = $3",
                             {org_id, operation, key}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->Text(0));
}

Status RememberIdempotent(Txn& txn, std::string_view org_id, std::string_view operation,
                          std::string_view key, std::string_view resource_id, Timestamp now) {
  return txn
      .Exec("INSERT INTO idempotency_keys (org_id, operation, idempotency_key, resource_id, "
            "created_at) VALUES ($1, $2, $3, $4, $5)",
            {org_id, operation, key, resource_id, now})
      .status();
}

Result<int64_t> DeleteIdempotencyKeysBefore(Store& store, Timestamp cutoff) {
  return store.WithTxnResult<int64_t>([&](Txn& txn) -> Result<int64_t> {
    return txn.Exec("DELETE FROM idempotency_keys WHERE created_at < $1", {cutoff});
  });
}

}  // namespace signx::storage
