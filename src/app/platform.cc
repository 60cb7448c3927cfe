#include "app/platform.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "storage/migrations.h"

namespace signx::app {

Result<Platform> OpenPlatform(const config::Config& config, bool migrate) {
  Platform p;
  SIGNX_ASSIGN_OR_RETURN(p.store, storage::Store::Open(config.database));
  const auto migrations = storage::MigrationsFor(p.store->dialect());
  if (migrate) {
    SIGNX_ASSIGN_OR_RETURN(auto applied, storage::MigrateUp(*p.store, migrations));
    for (const auto& name : applied) spdlog::info("applied migration {}", name);
  }
  SIGNX_RETURN_IF_ERROR(storage::CheckSchemaCurrent(*p.store, migrations));
  SIGNX_ASSIGN_OR_RETURN(
      p.blobs, blobs::BlobStore::Open(std::filesystem::path(config.data_dir) / "blobs",
                                      kMaxBlobBytes));
  return p;
}

}  // namespace signx::app
