// estimating::Repository: idempotency keys (storage/idempotency.h, scoped to the tenant).
#include "estimating/repository.h"
#include "storage/idempotency.h"

namespace signx::estimating {

Result<std::optional<std::string>> Repository::FindIdempotent(std::string_view scope,
                                                              std::string_view key) {
  return storage::FindIdempotent(txn_, scope_.org_id, scope, key);
}

Status Repository::RememberIdempotent(std::string_view scope, std::string_view key,
                                      std::string_view resource_id) {
  return storage::RememberIdempotent(txn_, scope_.org_id, scope, key, resource_id, clock_.Now());
}

}  // namespace signx::estimating
