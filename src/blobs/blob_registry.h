// BlobRegistry: the `blobs` table that counts references to the files of a BlobStore, and the
// garbage collector that deletes blobs nobody references any more.
//
// Usage: BlobStore::Put (or a BlobWriter) stores the bytes, then in the transaction that writes
// the owning row (a document, a model version, a quote PDF) call Register + AddRef; when the owner
// row is deleted, Release in the same transaction. Reference changes therefore commit or roll back
// with the business write.
//
// GC (CollectGarbage, run as a recurring job): rows with ref_count = 0 whose last release is older
// than the grace period are deleted, then their files — each file only if it was not refreshed by
// a new Put since the cutoff (BlobStore::RemoveIfOlderThan), so an upload racing with the GC keeps
// its file. Files with no row at all (a crash between Put and Register) older than the grace
// period are deleted too, as are stale temp files.
//
// Thread-safety: thread-safe; all state is in the database and the file system.
#pragma once

#include <chrono>
#include <string_view>

#include "base/clock.h"
#include "blobs/blob_store.h"
#include "storage/store.h"

namespace signx::blobs {

struct GcStats {
  int64_t rows_deleted = 0;
  int64_t files_deleted = 0;
  int64_t orphan_files_deleted = 0;
  int64_t temp_files_deleted = 0;
};

class BlobRegistry {
 public:
  BlobRegistry(const BlobStore& blobs, const Clock& clock) : blobs_(blobs), clock_(clock) {}

  // Records a stored blob (idempotent). kInvalidArgument for a malformed hash or empty type.
  Status Register(storage::Txn& txn, const BlobInfo& info, std::string_view content_type) const;
  // Adds one reference; kNotFound when the blob was never registered.
  Status AddRef(storage::Txn& txn, std::string_view sha256) const;
  // Drops one reference; kFailedPrecondition when it has none.
  Status Release(storage::Txn& txn, std::string_view sha256) const;
  // Current references, or kNotFound.
  Result<int64_t> RefCount(storage::Txn& txn, std::string_view sha256) const;

  Result<GcStats> CollectGarbage(storage::Store& store, std::chrono::seconds grace,
                                 int batch = 500) const;

 private:
  const BlobStore& blobs_;
  const Clock& clock_;
};

}  // namespace signx::blobs
