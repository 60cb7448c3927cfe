// ModelRegistry: versions of trained models stored as blobs with their model cards, and the
// lifecycle staging → production → archived. Shared by every model kind ("leads", "cost", ...).
//
// Tenancy (ADR 0008, docs/adr/0008-tenant-models.md): every version has an owner, an org or the
// platform (stored as org_id '' in model_versions). Each owner has its own lifecycle per model
// name: at most one production version per (owner, name), and Promote, Rollback, Get and List see
// only the owner's versions — a version id of another owner is kNotFound, exactly like one that
// does not exist. Scoring for an org uses the org's production version when it has one, else the
// platform's (Effective). The same content-derived version id may exist under several owners
// (two orgs uploading the same bundle); each is a separate row sharing one blob.
//
// Register stores the bytes in the BlobStore and records the version (state staging) in one
// transaction with the blob reference. Promote makes a version production and archives the
// owner's one before it, atomically (a unique index allows one production version per owner and
// name). Rollback re-promotes the owner's most recently archived version that was production
// before the current one. Servers poll ProductionByOwner and hot-swap their in-memory models when
// it changes (live_model.h).
//
// Thread-safety: thread-safe; all state is in the database and the blob store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "blobs/blob_registry.h"
#include "blobs/blob_store.h"
#include "storage/store.h"

namespace signx::ml {

// Who a model version belongs to: one org, or the platform (the default every org without a
// production version of its own uses). A distinct type so no call can pass an org id where a
// model name is meant, or forget the owner.
class Owner {
 public:
  static Owner Platform() { return Owner(""); }
  // `org_id` must not be empty (SIGNX_CHECK): an empty org is a caller bug, never the platform.
  static Owner Org(std::string org_id);
  // "" → platform; anything else → that org (for values read back from the database).
  static Owner FromColumn(std::string org_id) { return Owner(std::move(org_id)); }

  bool is_platform() const { return org_id_.empty(); }
  // "" for the platform.
  const std::string& org_id() const { return org_id_; }
  // "platform" or the org id, for messages and JSON.
  std::string Label() const { return is_platform() ? "platform" : org_id_; }
  friend bool operator==(const Owner&, const Owner&) = default;

 private:
  explicit Owner(std::string org_id) : org_id_(std::move(org_id)) {}
  std::string org_id_;
};

struct ModelVersion {
  std::string org_id;  // owner; "" = platform
  std::string name;
  std::string version;
  std::string state;  // staging, production, archived
  std::string blob_sha256;
  int64_t size_bytes = 0;
  std::string card_json;
  std::string created_by;
  Timestamp created_at;
  std::optional<Timestamp> promoted_at;

  Owner owner() const { return Owner::FromColumn(org_id); }
};

class ModelRegistry {
 public:
  ModelRegistry(storage::Store& store, const blobs::BlobStore& blobs, const Clock& clock);

  // Stores a version for `owner` (idempotent: registering the same owner+name+version again
  // returns the existing record). kInvalidArgument for an empty name/version or a card that is
  // not a JSON object.
  Result<ModelVersion> Register(const Owner& owner, const std::string& name,
                                const std::string& version, std::string_view bytes,
                                const std::string& card_json, const std::string& created_by);

  // Makes the owner's `version` production; the owner's previous production version becomes
  // archived. kNotFound for a version the owner does not have (another owner's included).
  Result<ModelVersion> Promote(const Owner& owner, const std::string& name,
                               const std::string& version);

  // Re-promotes the owner's version that was production before the current one. An org with no
  // earlier version of its own goes back to the platform default: its production version is
  // archived and returned (state "archived"). kFailedPrecondition when there is nothing to roll
  // back (no production version; the platform without an earlier one).
  Result<ModelVersion> Rollback(const Owner& owner, const std::string& name);

  // kNotFound for a version the owner does not have.
  Result<ModelVersion> Get(const Owner& owner, const std::string& name, const std::string& version);
  // The owner's production version; nullopt when it has none.
  Result<std::optional<ModelVersion>> Production(const Owner& owner, const std::string& name);
  // What scoring for `org_id` uses: the org's production version, else the platform's; nullopt
  // when neither exists. An empty `org_id` asks for the platform's only.
  Result<std::optional<ModelVersion>> Effective(const std::string& org_id, const std::string& name);
  // Every owner's production version id of `name` (org id → version; "" = the platform), for the
  // pollers of live_model.h: one small query however many orgs there are.
  Result<std::map<std::string, std::string>> ProductionByOwner(const std::string& name);
  // The owner's versions, newest first.
  Result<std::vector<ModelVersion>> List(const Owner& owner, const std::string& name,
                                         int limit = 100);

  // The stored model bytes of a version.
  Result<std::string> ReadBytes(const ModelVersion& version) const;

 private:
  storage::Store& store_;
  const blobs::BlobStore& blobs_;
  const Clock& clock_;
  blobs::BlobRegistry blob_refs_;
};

}  // namespace signx::ml
