#include "ml/registry.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

namespace signx::ml {
namespace {

constexpr std::string_view kColumns =
    "name, version, state, blob_sha256, size_bytes, card, created_by, created_at, promoted_at";

ModelVersion FromRow(const storage::Row& r) {
  ModelVersion v;
  v.name = r.Text(0);
  v.version = r.Text(1);
  v.state = r.Text(2);
  v.blob_sha256 = r.Text(3);
  v.size_bytes = r.Int(4);
  v.card_json = r.Text(5);
  v.created_by = r.OptText(6).value_or("");
  v.created_at = r.Time(7);
  v.promoted_at = r.OptTime(8);
  return v;
}

Result<std::optional<ModelVersion>> Find(storage::Txn& txn, const std::string& name,
                                         const std::string& version) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM model_versions WHERE name = $1 AND "
                                         "version = $2",
                                         kColumns),
                             {name, version}));
  if (!row) return std::optional<ModelVersion>();
  return std::optional<ModelVersion>(FromRow(*row));
}

Result<ModelVersion> MakeProduction(storage::Txn& txn, const std::string& name,
                                    const std::string& version, Timestamp now) {
  SIGNX_ASSIGN_OR_RETURN(auto target, Find(txn, name, version));
  if (!target) return NotFound(fmt::format("model {} has no version {}", name, version));
  if (target->state == "production") return *target;
  SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE model_versions SET state = 'archived' WHERE name = $1 AND "
                                 "state = 'production'",
                                 {name})
                            .status());
  SIGNX_RETURN_IF_ERROR(txn.Exec("UPDATE model_versions SET state = 'production', promoted_at = $3 "
                                 "WHERE name = $1 AND version = $2",
                                 {name, version, now})
                            .status());
  target->state = "production";
  target->promoted_at = now;
  return *target;
}

}  // namespace

ModelRegistry::ModelRegistry(storage::Store& store, const blobs::BlobStore& blobs,
                             const Clock& clock)
    : store_(store), blobs_(blobs), clock_(clock), blob_refs_(blobs, clock) {}

Result<ModelVersion> ModelRegistry::Register(const std::string& name, const std::string& version,
                                             std::string_view bytes, const std::string& card_json,
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
    SIGNX_ASSIGN_OR_RETURN(auto existing, Find(txn, name, version));
    if (existing) return *existing;
    SIGNX_RETURN_IF_ERROR(blob_refs_.Register(txn, put.info, "application/json"));
    SIGNX_RETURN_IF_ERROR(blob_refs_.AddRef(txn, put.info.sha256));
    ModelVersion v{.name = name,
                   .version = version,
                   .state = "staging",
                   .blob_sha256 = put.info.sha256,
                   .size_bytes = put.info.size_bytes,
                   .card_json = card_json,
                   .created_by = created_by,
                   .created_at = clock_.Now()};
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO model_versions (name, version, state, blob_sha256, size_bytes, card, "
                 "created_by, created_at) VALUES ($1, $2, 'staging', $3, $4, $5, $6, $7)",
                 {v.name, v.version, v.blob_sha256, v.size_bytes, storage::Json{card_json},
                  v.created_by, v.created_at})
            .status());
    return v;
  });
}

Result<ModelVersion> ModelRegistry::Promote(const std::string& name, const std::string& version) {
  return store_.WithTxnResult<ModelVersion>([&](storage::Txn& txn) {
    return MakeProduction(txn, name, version, clock_.Now());
  });
}

Result<ModelVersion> ModelRegistry::Rollback(const std::string& name) {
  return store_.WithTxnResult<ModelVersion>([&](storage::Txn& txn) -> Result<ModelVersion> {
    SIGNX_ASSIGN_OR_RETURN(
        auto prev,
        txn.QueryOne("SELECT version FROM model_versions WHERE name = $1 AND state = 'archived' "
                     "AND promoted_at IS NOT NULL ORDER BY promoted_at DESC LIMIT 1",
                     {name}));
    if (!prev) {
      return Status(ErrorCode::kFailedPrecondition,
                    fmt::format("model {} has no earlier production version to roll back to", name));
    }
    return MakeProduction(txn, name, prev->Text(0), clock_.Now());
  });
}

Result<ModelVersion> ModelRegistry::Get(const std::string& name, const std::string& version) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE "
                                                           "name = $1 AND version = $2",
                                                           kColumns),
                                               {name, version}));
  if (rs.rows.empty()) return NotFound(fmt::format("model {} has no version {}", name, version));
  return FromRow(rs.rows[0]);
}

Result<std::optional<ModelVersion>> ModelRegistry::Production(const std::string& name) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE "
                                                           "name = $1 AND state = 'production'",
                                                           kColumns),
                                               {name}));
  if (rs.rows.empty()) return std::optional<ModelVersion>();
  return std::optional<ModelVersion>(FromRow(rs.rows[0]));
}

Result<std::vector<ModelVersion>> ModelRegistry::List(const std::string& name, int limit) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(fmt::format("SELECT {} FROM model_versions WHERE "
                                                           "name = $1 ORDER BY created_at DESC, "
                                                           "version LIMIT $2",
                                                           kColumns),
                                               {name, limit}));
  std::vector<ModelVersion> out;
  for (const auto& r : rs.rows) out.push_back(FromRow(r));
  return out;
}

Result<std::string> ModelRegistry::ReadBytes(const ModelVersion& version) const {
  return blobs_.Read(version.blob_sha256);
}

}  // namespace signx::ml
