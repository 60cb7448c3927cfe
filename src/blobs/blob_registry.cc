#include "blobs/blob_registry.h"

#include <fmt/format.h>

namespace signx::blobs {

Status BlobRegistry::Register(storage::Txn& txn, const BlobInfo& info,
                              std::string_view content_type) const {
  if (!IsValidSha256(info.sha256)) return InvalidArgument("sha256: not a SHA-256 hex digest");
  if (content_type.empty()) return InvalidArgument("content_type: must not be empty");
  return txn
      .Exec("INSERT INTO blobs (sha256, size_bytes, content_type, ref_count, created_at, "
            "unreferenced_at) VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (sha256) DO NOTHING",
            {info.sha256, info.size_bytes, content_type, clock_.Now()})
      .status();
}

Status BlobRegistry::AddRef(storage::Txn& txn, std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n, txn.Exec("UPDATE blobs SET ref_count = ref_count + 1, unreferenced_at = NULL "
                          "WHERE sha256 = $1",
                          {sha256}));
  if (n == 0) return NotFound(fmt::format("blob {} is not registered", sha256));
  return Status::Ok();
}

Status BlobRegistry::Release(storage::Txn& txn, std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn.Exec("UPDATE blobs SET ref_count = ref_count - 1, unreferenced_at = CASE WHEN "
               "ref_count = 1 THEN $2 ELSE unreferenced_at END WHERE sha256 = $1 AND ref_count > 0",
               {sha256, clock_.Now()}));
  if (n == 0) {
    return Status(ErrorCode::kFailedPrecondition,
                  fmt::format("blob {} has no reference to release", sha256));
  }
  return Status::Ok();
}

Result<int64_t> BlobRegistry::RefCount(storage::Txn& txn, std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(auto row, txn.QueryOne("SELECT ref_count FROM blobs WHERE sha256 = $1",
                                                {sha256}));
  if (!row) return NotFound(fmt::format("blob {} is not registered", sha256));
  return row->Int(0);
}

Result<GcStats> BlobRegistry::CollectGarbage(storage::Store& store, std::chrono::seconds grace,
                                             int batch) const {
  GcStats stats;
  const Timestamp cutoff = clock_.Now() - grace;
  // 1. Unreferenced rows past the grace period: delete the rows, then their files.
  for (;;) {
    std::vector<std::string> hashes;
    SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
      hashes.clear();
      SIGNX_ASSIGN_OR_RETURN(
          auto rs, txn.Query("SELECT sha256 FROM blobs WHERE ref_count = 0 AND unreferenced_at < $1 "
                             "ORDER BY unreferenced_at LIMIT $2",
                             {cutoff, batch}));
      for (const auto& r : rs.rows) {
        SIGNX_ASSIGN_OR_RETURN(
            int64_t n, txn.Exec("DELETE FROM blobs WHERE sha256 = $1 AND ref_count = 0", {r.Text(0)}));
        if (n == 1) hashes.push_back(r.Text(0));
      }
      return Status::Ok();
    }));
    stats.rows_deleted += static_cast<int64_t>(hashes.size());
    for (const auto& h : hashes) {
      auto removed = blobs_.RemoveIfOlderThan(h, cutoff);
      if (removed.ok() && *removed) ++stats.files_deleted;
    }
    if (static_cast<int>(hashes.size()) < batch) break;
  }
  // 2. Files without a row (crash between Put and Register), older than the grace period.
  SIGNX_ASSIGN_OR_RETURN(auto old_files, blobs_.ListOlderThan(cutoff, 100000));
  for (const auto& f : old_files) {
    SIGNX_ASSIGN_OR_RETURN(auto rs, store.Query("SELECT 1 FROM blobs WHERE sha256 = $1", {f.sha256}));
    if (!rs.rows.empty()) continue;
    auto removed = blobs_.RemoveIfOlderThan(f.sha256, cutoff);
    if (removed.ok() && *removed) ++stats.orphan_files_deleted;
  }
  // 3. Temp files of crashed writers.
  SIGNX_ASSIGN_OR_RETURN(auto temps, blobs_.RemoveStaleTemp(cutoff));
  stats.temp_files_deleted = static_cast<int64_t>(temps);
  return stats;
}

}  // namespace signx::blobs
