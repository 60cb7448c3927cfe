#include "ml/registry.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include "base/check.h"

namespace signx::ml {
namespace {

constexpr std::string_view kColumns =
    "org_id, name, version, state, blob_sha256, size_bytes, card, created_by, created_at, "
    "promoted_at";

ModelVersion FromRow(const storage::Row& r) {
  ModelVersion v;
  v.org_id = r.Text(0);
  v.name = r.Text(1);
  v.version = r.Text(2);
  v.state = r.Text(3);
  v.blob_sha256 = r.Text(4);
  v.size_bytes = r.Int(5);
  v.card_json = r.Text(6);
  v.created_by = r.OptText(7).value_or("");
  v.created_at = r.Time(8);
  v.promoted_at = r.OptTime(9);
  return v;
}

// The same words whether the version belongs to another owner or does not exist at all.
Status VersionNotFound(const std::string& name, const std::string& version) {
  return NotFound(fmt::format("model {} has no version {}", name, version));
}

Result<std::optional<ModelVersion>> Find(storage::Txn& txn, const Owner& owner,
                                         const std::string& name, const std::string& version) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM model_versions WHERE org_id = $1 AND "
                                         "name = $2 AND version = $3",
                                         kColumns),
                             {owner.org_id(), name, version}));
  if (!row) return std::optional<ModelVersion>();
  return std::optional<ModelVersion>(FromRow(*row));
}

Result<ModelVersion> MakeProduction(storage::Txn& txn, const Owner& owner, const std::string& name,
                                    const std::string& version, Timestamp now) {
  SIGNX_ASSIGN_OR_RETURN(auto target, Find(txn, owner, name, version));
  if (!target) return VersionNotFound(name, version);
  if (target->state == "production") return *target;
  SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE model_versions SET state = 'archived' WHERE org_id = $1 "
                                 "AND name = $2 AND state = 'production'",
                                 {owner.org_id(), name})
                            .status());
  SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE model_versions SET state = 'production', promoted_at = $4 "
                                 "WHERE org_id = $1 AND name = $2 AND version = $3",
                                 {owner.org_id(), name, version, now})
                            .status());
  target->state = "production";
  target->promoted_at = now;
  return *target;
}

}  // namespace

Owner Owner::Org(std::string org_id) {
  SIGNX_CHECK(!org_id.empty(), "ml::Owner::Org needs an org id (use Owner::Platform())");
  return Owner(std::move(org_id));
}

ModelRegistry::ModelRegistry(storage::Store& store, const blobs::BlobStore& blobs,
                             const Clock& clock)
    : store_(store), blobs_(blobs), clock_(clock), blob_refs_(blobs, clock) {}

Result<ModelVersion> ModelRegistry::Register(const Owner& owner, const std::string& name,
                                             const std::string& version, std::string_view bytes,
                                             const std::string& card_json,
                                             const std::string& created_by) {
  std::vector<FieldError> errors;
  if (name.empty()) errors.push_back({"name", "must not be empty"});
  if (version.empty()) errors.push_back({"version", "must not be empty"});
  boost::system::error_code ec;
  auto card = boost::json::parse(card_json, ec);
  if (ec || !card.is_object()) errors.push_back({"card", "must be a JSON object"});
  if (!errors.empty()) return ValidationFailed(std::move(errors));

  SIGNX_ASSIGN_OR_RETURN(auto put, blobs_.Put(bytes));
  return store_.WithTxnResult<ModelVersion>([&](storage::Txn& txn) -> Result<ModelVersion> {
    SIGNX_ASSIGN_OR_RETURN(auto existing, Find(txn, owner, name, version));
    if (existing) return *existing;
    SIGNX_RETURN_IF_ERROR(blob_refs_.Register(txn, put.info, "application/json"));
    SIGNX_RETURN_IF_ERROR(blob_refs_.AddRef(txn, put.info.sha256));
    ModelVersion v{.org_id = owner.org_id(),
                   .name = name,
                   .version = version,
                   .state = "staging",
                   .blob_sha256 = put.info.sha256,
                   .size_bytes = put.info.size_bytes,
                   .card_json = card_json,
                   .created_by = created_by,
                   .created_at = clock_.Now()};
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO model_versions (org_id, name, version, state, blob_sha256, "
                 "size_bytes, card, created_by, created_at) VALUES ($1, $2, $3, 'staging', $4, "
                 "$5, $6, $7, $8)",
                 {v.org_id, v.name, v.version, v.blob_sha256, v.size_bytes,
                  storage::Json{card_json}, v.created_by, v.created_at})
            .status());
    return v;
  });
}

Result<ModelVersion> ModelRegistry::Promote(const Owner& owner, const std::string& name,
                                            const std::string& version) {
  return store_.WithTxnResult<ModelVersion>(
      [&](storage::Txn& txn) { return MakeProduction(txn, owner, name, version, clock_.Now()); });
}

Result<ModelVersion> ModelRegistry::Rollback(const Owner& owner, const std::string& name) {
  return store_.WithTxnResult<ModelVersion>([&](storage::Txn& txn) -> Result<ModelVersion> {
    auto nothing = [&] {
      return Status(
          ErrorCode::kFailedPrecondition,
          fmt::format("model {} has no earlier production version to roll back to", name));
    };
    SIGNX_ASSIGN_OR_RETURN(auto cur, txn.QueryOne(fmt::format("SELECT {} FROM model_versions "
                                                              "WHERE org_id = $1 AND name = $2 "
                                                              "AND state = 'production'",
                                                              kColumns),
                                                  {owner.org_id(), name}));
    if (!cur) return nothing();
    SIGNX_ASSIGN_OR_RETURN(
        auto prev, txn.QueryOne("SELECT version FROM model_versions WHERE org_id = $1 AND name = "
                                "$2 AND state = 'archived' AND promoted_at IS NOT NULL ORDER BY "
                                "promoted_at DESC LIMIT 1",
                                {owner.org_id(), name}));
    if (prev) return MakeProduction(txn, owner, name, prev->Text(0), clock_.Now());
    if (owner.is_platform()) return nothing();
    // An org's first own version: rolling it back returns the org to the platform default.
    SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE model_versions SET state = 'archived' WHERE org_id = "
                                   "$1 AND name = $2 AND state = 'production'",
                                   {owner.org_id(), name})
                              .status());
    ModelVersion v = FromRow(*cur);
    v.state = "archived";
    return v;
  });
}

Result<ModelVersion> ModelRegistry::Get(const Owner& owner, const std::string& name,
                                        const std::string& version) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE "
                                                           "org_id = $1 AND name = $2 AND "
                                                           "version = $3",
                                                           kColumns),
                                               {owner.org_id(), name, version}));
  if (rs.rows.empty()) return VersionNotFound(name, version);
  return FromRow(rs.rows[0]);
}

Result<std::optional<ModelVersion>> ModelRegistry::Production(const Owner& owner,
                                                              const std::string& name) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE "
                                                           "org_id = $1 AND name = $2 AND "
                                                           "state = 'production'",
                                                           kColumns),
                                               {owner.org_id(), name}));
  if (rs.rows.empty()) return std::optional<ModelVersion>();
  return std::optional<ModelVersion>(FromRow(rs.rows[0]));
}

Result<std::optional<ModelVersion>> ModelRegistry::Effective(const std::string& org_id,
                                                             const std::string& name) {
  // The org's row sorts before the platform's ('' is the smallest text).
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE org_id IN ($1, '') "
                                        "AND name = $2 AND state = 'production' ORDER BY org_id "
                                        "DESC LIMIT 1",
                                        kColumns),
                            {org_id, name}));
  if (rs.rows.empty()) return std::optional<ModelVersion>();
  return std::optional<ModelVersion>(FromRow(rs.rows[0]));
}

Result<std::map<std::string, std::string>> ModelRegistry::ProductionByOwner(
    const std::string& name) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query("SELECT org_id, version FROM model_versions WHERE "
                                               "name = $1 AND state = 'production'",
                                               {name}));
  std::map<std::string, std::string> out;
  for (const auto& r : rs.rows) out.emplace(r.Text(0), r.Text(1));
  return out;
}

Result<std::vector<ModelVersion>> ModelRegistry::List(const Owner& owner, const std::string& name,
                                                      int limit) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE "
                                                           "org_id = $1 AND name = $2 ORDER BY "
                                                           "created_at DESC, version LIMIT $3",
                                                           kColumns),
                                               {owner.org_id(), name, limit}));
  std::vector<ModelVersion> out;
  for (const auto& r : rs.rows) out.push_back(FromRow(r));
  return out;
}

Result<std::string> ModelRegistry::ReadBytes(const ModelVersion& version) const {
  return blobs_.Read(version.blob_sha256);
}

}  // namespace signx::ml
