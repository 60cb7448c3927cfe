// ModelRegistry: versions of trained models stored as blobs with their model cards, and the
// lifecycle staging → production → archived. Shared by every model kind ("leads", "cost", ...).
//
// Register stores the bytes in the BlobStore and records the version (state staging) in one
// transaction with the blob reference. Promote makes a version production and archives the one
// before it, atomically (a unique index allows one production version per name). Rollback
// re-promotes the most recently archived version that was production before the current one.
// Servers poll ProductionVersion and hot-swap their in-memory model when it changes.
//
// Thread-safety: thread-safe; all state is in the database and the blob store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "blobs/blob_registry.h"
#include "blobs/blob_store.h"
#include "storage/store.h"

namespace signx::ml {

struct ModelVersion {
  std::string name;
  std::string version;
  std::string state;  // staging, production, archived
  std::string blob_sha256;
  int64_t size_bytes = 0;
  std::string card_json;
  std::string created_by;
  Timestamp created_at;
  std::optional<Timestamp> promoted_at;
};

class ModelRegistry {
 public:
  ModelRegistry(storage::Store& store, const blobs::BlobStore& blobs, const Clock& clock);

  // Stores a version (idempotent: registering the same name+version again returns the existing
  // record). kInvalidArgument for an empty name/version or a card that is not a JSON object.
  Result<ModelVersion> Register(const std::string& name, const std::string& version,
                                std::string_view bytes, const std::string& card_json,
                                const std::string& created_by);

  // Makes `version` production; the previous production version becomes archived.
  // kNotFound for an unknown version.
  Result<ModelVersion> Promote(const std::string& name, const std::string& version);

  // Re-promotes the version that was production before the current one; kFailedPrecondition when
  // there is none.
  Result<ModelVersion> Rollback(const std::string& name);

  Result<ModelVersion> Get(const std::string& name, const std::string& version);
  // nullopt when no version is production.
  Result<std::optional<ModelVersion>> Production(const std::string& name);
  // Newest first.
  Result<std::vector<ModelVersion>> List(const std::string& name, int limit = 100);

  // The stored model bytes of a version.
  Result<std::string> ReadBytes(const ModelVersion& version) const;

 private:
  storage::Store& store_;
  const blobs::BlobStore& blobs_;
  const Clock& clock_;
  blobs::BlobRegistry blob_refs_;
};

}  // namespace signx::ml
