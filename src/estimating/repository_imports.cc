// estimating::Repository: cost history imports.
#include <fmt/format.h>

#include "estimating/repository.h"

namespace signx::estimating {
using storage::Json;
using storage::Row;

namespace {

constexpr const char* kImportColumns =
    "id, org_id, filename, format, sha256, size_bytes, partial, idempotency_key, status, "
    "total_rows, accepted, rejected, report, created_by, created_at";

ImportRecord ImportFromRow(const Row& r) {
  ImportRecord i;
  i.id = r.Text(0);
  i.org_id = r.Text(1);
  i.filename = r.Text(2);
  i.format = r.Text(3);
  i.sha256 = r.Text(4);
  i.size_bytes = r.Int(5);
  i.partial = r.Bool(6);
  i.idempotency_key = r.OptText(7);
  i.status = r.Text(8);
  i.total_rows = r.Int(9);
  i.accepted = r.Int(10);
  i.rejected = r.Int(11);
  i.report_json = r.Text(12);
  i.created_by = r.OptText(13);
  i.created_at = r.Time(14);
  return i;
}

}  // namespace

Status Repository::InsertImport(const ImportRecord& i) {
  return txn_
      .Exec(
          "INSERT INTO imports (id, org_id, filename, format, sha256, size_bytes, partial, "
          "idempotency_key, status, total_rows, accepted, rejected, report, created_by, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
          {i.id, scope_.org_id, i.filename, i.format, i.sha256, i.size_bytes, i.partial,
           i.idempotency_key, i.status, i.total_rows, i.accepted, i.rejected, Json{i.report_json},
           i.created_by, i.created_at})
      .status();
}

Result<ImportRecord> Repository::GetImport(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND id = $2",
                                          kImportColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("import {} does not exist", id));
  return ImportFromRow(*row);
}

Result<Page<ImportRecord>> Repository::ListImports(std::string_view cursor, int limit) {
  // Ids are ULIDs: id order is creation order, and the id is the cursor.
  SIGNX_ASSIGN_OR_RETURN(auto rows,
                         txn_.Query(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND "
                                                "($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3",
                                                kImportColumns),
                                    {scope_.org_id, cursor, int64_t{limit} + 1}));
  std::vector<ImportRecord> records;
  for (const auto& row : rows.rows) records.push_back(ImportFromRow(row));
  return TrimPage(std::move(records), limit, [](const ImportRecord& r) { return r.id; });
}

Result<std::optional<ImportRecord>> Repository::FindImportByIdempotencyKey(std::string_view key) {
  SIGNX_ASSIGN_OR_RETURN(auto row,
                         txn_.QueryOne(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND "
                                                   "idempotency_key = $2",
                                                   kImportColumns),
                                       {scope_.org_id, key}));
  if (!row) return std::optional<ImportRecord>();
  return std::optional<ImportRecord>(ImportFromRow(*row));
}

Result<std::optional<ImportRecord>> Repository::FindReplayableImport(std::string_view sha256,
                                                                     bool partial) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM imports WHERE org_id = $1 AND sha256 = $2 AND "
                                "(status = 'completed' OR partial = $3) ORDER BY "
                                "(CASE WHEN status = 'completed' THEN 0 ELSE 1 END), id LIMIT 1",
                                kImportColumns),
                    {scope_.org_id, sha256, partial}));
  if (!row) return std::optional<ImportRecord>();
  return std::optional<ImportRecord>(ImportFromRow(*row));
}

}  // namespace signx::estimating
