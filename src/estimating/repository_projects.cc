// estimating::Repository: projects (SQL on the tenant's Txn).
#include <fmt/format.h>

#include "base/id.h"
#include "estimating/internal/repository_sql.h"
#include "estimating/repository.h"

namespace signx::estimating {
namespace json = boost::json;
using internal::JsonText;
using internal::NextPlaceholder;
using storage::Json;
using storage::Params;
using storage::Row;

namespace {

constexpr const char* kProjectColumns =
    "id, org_id, name, customer, location, source, status, external_ref, project_date, metadata, "
    "version, created_at, updated_at";

Project ProjectFromRow(const Row& r) {
  Project p;
  p.id = r.Text(0);
  p.org_id = r.Text(1);
  p.name = r.Text(2);
  p.customer = r.OptText(3);
  p.location = r.OptText(4);
  p.source = r.Text(5);
  p.status = r.Text(6);
  p.external_ref = r.OptText(7);
  p.project_date = r.OptText(8);
  p.metadata_json = r.Text(9);
  p.version = r.Int(10);
  p.created_at = r.Time(11);
  p.updated_at = r.Time(12);
  return p;
}

}  // namespace

Result<Project> Repository::CreateProject(const ProjectFields& f, std::string_view source,
                                          const std::optional<std::string>& external_ref) {
  const Timestamp now = clock_.Now();
  Project p;
  p.id = NewId("prj", clock_);
  p.org_id = scope_.org_id;
  p.name = f.name.value_or("");
  p.customer = f.customer;
  p.location = f.location;
  p.source = std::string(source);
  p.status = f.status.value_or("draft");
  p.external_ref = external_ref;
  p.project_date = f.project_date;
  p.metadata_json = JsonText(f.metadata.value_or(json::object{}));
  p.version = 1;
  p.created_at = now;
  p.updated_at = now;
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("INSERT INTO projects (id, org_id, name, customer, location, source, status, "
                "external_ref, project_date, metadata, version, created_at, updated_at) VALUES "
                "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
                {p.id, p.org_id, p.name, p.customer, p.location, p.source, p.status, p.external_ref,
                 p.project_date, Json{p.metadata_json}, now})
          .status());
  return p;
}

Result<Project> Repository::GetProject(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND id = $2",
                                          kProjectColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("project {} does not exist", id));
  return ProjectFromRow(*row);
}

Result<std::optional<Project>> Repository::FindProjectByExternalRef(std::string_view ref) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND external_ref = $2",
                                kProjectColumns),
                    {scope_.org_id, ref}));
  if (!row) return std::optional<Project>();
  return std::optional<Project>(ProjectFromRow(*row));
}

Result<Page<Project>> Repository::ListProjects(const ProjectListOptions& o) {
  std::string sql = fmt::format("SELECT {} FROM projects WHERE org_id = $1", kProjectColumns);
  Params params{scope_.org_id};
  if (o.status) sql += " AND status = " + NextPlaceholder(params, *o.status);
  if (!o.cursor.empty()) sql += " AND id < " + NextPlaceholder(params, o.cursor);
  sql += " ORDER BY id DESC LIMIT " + NextPlaceholder(params, int64_t{o.limit + 1});
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Project> rows;
  for (const auto& r : rs.rows) rows.push_back(ProjectFromRow(r));
  return TrimPage(std::move(rows), o.limit, [](const Project& p) { return p.id; });
}

Result<Project> Repository::UpdateProject(std::string_view id, int64_t expected_version,
                                          const ProjectFields& f) {
  SIGNX_ASSIGN_OR_RETURN(Project p, GetProject(id));
  if (p.version != expected_version) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("project {} is at version {}, not {}: reload it and retry", id,
                              p.version, expected_version));
  }
  if (f.name) p.name = *f.name;
  if (f.customer) p.customer = f.customer;
  if (f.clear_customer) p.customer.reset();
  if (f.location) p.location = f.location;
  if (f.clear_location) p.location.reset();
  if (f.status) p.status = *f.status;
  if (f.project_date) p.project_date = f.project_date;
  if (f.clear_project_date) p.project_date.reset();
  if (f.metadata) p.metadata_json = JsonText(*f.metadata);
  p.updated_at = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec("UPDATE projects SET name = $1, customer = $2, location = $3, status = $4, "
                "project_date = $5, metadata = $6, version = version + 1, updated_at = $7 "
                "WHERE org_id = $8 AND id = $9 AND version = $10",
                {p.name, p.customer, p.location, p.status, p.project_date, Json{p.metadata_json},
                 p.updated_at, scope_.org_id, id, expected_version}));
  if (n != 1) {
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("project {} changed concurrently: reload it and retry", id));
  }
  p.version = expected_version + 1;
  return p;
}

}  // namespace signx::estimating
