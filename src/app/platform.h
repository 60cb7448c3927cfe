// The stateful platform every signx process opens from its Config — `serve`, `worker` and the
// CLI commands that touch data — so they all agree on where things live:
//   database   config.database (migrated schema required; `migrate` applies it first)
//   blobs      <data_dir>/blobs
#pragma once

#include <memory>

#include "base/status.h"
#include "blobs/blob_store.h"
#include "config/config.h"
#include "storage/store.h"

namespace signx::app {

inline constexpr int64_t kMaxBlobBytes = int64_t{1} << 30;  // 1 GiB per blob

struct Platform {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<blobs::BlobStore> blobs;
};

// Opens the database (and applies pending migrations when `migrate`), then checks that the schema
// is current (kFailedPrecondition telling the user to run `signx migrate up` otherwise), and opens
// the blob store.
Result<Platform> OpenPlatform(const config::Config& config, bool migrate);

}  // namespace signx::app
