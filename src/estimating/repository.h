// Repository: the estimating tables (migration 0006) behind one tenant-scoped API.
//
// A Repository is made for one transaction and one Scope (the caller's org, taken from the
// request's Principal by identity::OrgScope). Every statement filters by scope.org_id, so a row of
// another org is indistinguishable from a missing one (kNotFound → 404). This class is the one
// place where tenant scoping happens; routes, imports and jobs all go through it.
//
// Versioned rows (projects) carry `version`, bumped by every update; UpdateProject takes the
// version the caller saw (If-Match) and fails with kPreconditionFailed when it moved.
// Lists page newest first by id (ids are time-ordered ULIDs): `cursor` is the last id of the
// previous page.
//
// Thread-safety: a Repository lives inside one WithTxn callback on one thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "estimating/driver_filter.h"
#include "estimating/generator.h"
#include "http/request.h"
#include "identity/scope.h"
#include "storage/store.h"

namespace signx::estimating {

// Who acts, and in which org.
// The org every statement is scoped to, and the actor for created_by columns.
using Scope = identity::TenantScope;

inline constexpr int kMaxPageSize = 200;
inline constexpr int kDefaultPageSize = 50;

// ---- projects ----

// Project statuses: project/status.h.

struct ProjectFields {
  std::optional<std::string> name;
  std::optional<std::string> customer;
  std::optional<std::string> location;
  std::optional<std::string> status;
  std::optional<std::string> project_date;  // YYYY-MM-DD
  std::optional<boost::json::object> metadata;
  // Clearing optional text fields through PATCH: the JSON null.
  bool clear_customer = false, clear_location = false, clear_project_date = false;
};

struct Project {
  std::string id;
  std::string org_id;
  std::string name;
  std::optional<std::string> customer;
  std::optional<std::string> location;
  std::string source;
  std::string status;
  std::optional<std::string> external_ref;
  std::optional<std::string> project_date;
  std::string metadata_json;
  int64_t version = 1;
  Timestamp created_at;
  Timestamp updated_at;
};

// Parses a project body. `create` requires name; unknown keys are rejected.
Result<ProjectFields> ParseProjectFields(const boost::json::object& body, bool create);
boost::json::object ToJson(const Project& p);

struct ProjectListOptions {
  std::optional<std::string> status;
  int limit = kDefaultPageSize;
  std::string cursor;
};

// ---- cost records ----

struct CostTotals {
  std::optional<int64_t> total_cost_cents;
  std::optional<int64_t> labor_cost_cents;
  std::optional<int64_t> material_cost_cents;
  std::optional<int64_t> equipment_cost_cents;
  std::optional<int64_t> overhead_cost_cents;
  std::optional<int64_t> tax_cents;
  std::optional<int64_t> shipping_cents;
  std::optional<double> labor_hours;
};

// What a caller supplies for one cost record (API body, import row).
struct CostRecordData {
  std::optional<std::string> external_id;
  boost::json::object drivers;  // validated (ParseSignSpec) and normalised (ToDrivers + extras)
  CostTotals actual;
  CostTotals estimate;
  std::optional<int64_t> quoted_price_cents;
  std::optional<int64_t> contingency_bp;
  std::optional<int64_t> markup_bp;
  bool change_order = false;
  std::optional<std::string> notes;
  std::optional<std::string> project_date;
  std::optional<std::string> cost_date;
  std::vector<CostLine> lines;  // KeyedIn cost-summary lines (sign-domain.md §1.4)
};

struct StoredCostRecord {
  std::string id;
  std::string org_id;
  std::string project_id;
  std::optional<std::string> import_id;
  CostRecordData data;
  std::optional<int64_t> predicted_cost_cents;
  std::optional<double> confidence;
  std::optional<std::string> cost_drivers_importance_json;
  std::optional<double> anomaly_score;
  std::optional<std::string> model_version;
  Timestamp created_at;
  Timestamp updated_at;
};

// Parses a cost record object (the NDJSON import shape of generator.h: actual totals at the top
// level or under "actual", "estimate", "drivers", "lines", ...). Field errors are prefixed with
// `prefix` ("" or "rows[3]."). Unknown keys are ignored only when `lenient`.
Result<CostRecordData> ParseCostRecordJson(const boost::json::object& body, std::string_view prefix,
                                           bool lenient);
// Parses one cost line (the generator's NDJSON line shape); field errors are prefixed.
Result<CostLine> ParseCostLineJson(const boost::json::object& line, const std::string& prefix);
// `with_lines`: include the cost lines (GET one); lists omit them.
boost::json::object ToJson(const StoredCostRecord& r, bool with_lines);

struct CostRecordQuery {
  std::optional<std::string> project_id;
  std::vector<DriverFilter> filters;
  int limit = kDefaultPageSize;
  std::string cursor;
};

struct GroupStats {
  std::string group;  // the driver's value ("aluminum"), "(none)" when absent
  int64_t count = 0;  // records in the group
  int64_t with_actual = 0;
  double mean_actual_cents = 0;
  double median_actual_cents = 0;
  std::optional<double> estimate_mape;  // over records with both estimate and actual > 0
  int64_t mape_count = 0;
};

// ---- imports ----

struct ImportRecord {
  std::string id;
  std::string org_id;
  std::string filename;
  std::string format;  // csv, ndjson, keyedin-csv
  std::string sha256;
  int64_t size_bytes = 0;
  bool partial = false;
  std::optional<std::string> idempotency_key;
  std::string status;  // completed, rejected
  int64_t total_rows = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  std::string report_json;
  std::optional<std::string> created_by;
  Timestamp created_at;
};
boost::json::object ToJson(const ImportRecord& r);

// ---- quotes ----

struct StoredQuote {
  std::string id;
  std::string org_id;
  std::optional<std::string> project_id;
  std::string price_list_version;
  std::optional<std::string> price_list_id;  // the stored version used (price_lists.id), if any
  std::string price_list_json;
  std::string request_json;
  std::string quote_json;
  int64_t quantity = 1;
  int64_t total_cost_cents = 0;
  int64_t price_cents = 0;
  std::optional<std::string> pdf_blob_sha256;
  std::optional<std::string> pdf_job_id;
  int64_t version = 1;
  std::optional<std::string> created_by;
  Timestamp created_at;
  Timestamp updated_at;
};
boost::json::object ToJson(const StoredQuote& q);


class Repository {
 public:
  Repository(storage::Txn& txn, const Scope& scope, const Clock& clock = SystemClock::Get())
      : txn_(txn), scope_(scope), clock_(clock) {}

  const Scope& scope() const { return scope_; }
  storage::Txn& txn() { return txn_; }

  // Projects.
  Result<Project> CreateProject(const ProjectFields& fields, std::string_view source = "manual",
                                const std::optional<std::string>& external_ref = std::nullopt);
  Result<Project> GetProject(std::string_view id);
  Result<std::optional<Project>> FindProjectByExternalRef(std::string_view external_ref);
  Result<Page<Project>> ListProjects(const ProjectListOptions& options);
  // kPreconditionFailed when the stored version is not `expected_version`.
  Result<Project> UpdateProject(std::string_view id, int64_t expected_version,
                                const ProjectFields& patch);

  // Cost records.
  Result<StoredCostRecord> CreateCostRecord(
      std::string_view project_id, const CostRecordData& data,
      const std::optional<std::string>& import_id = std::nullopt);
  Result<StoredCostRecord> GetCostRecord(std::string_view id);
  Result<bool> CostRecordExternalIdExists(std::string_view external_id);
  Result<Page<StoredCostRecord>> ListCostRecords(const CostRecordQuery& query);
  // Aggregates by a text driver (`group_by`), optionally filtered. At most 1,000,000 records.
  Result<std::vector<GroupStats>> CostStats(std::string_view group_by,
                                            const std::vector<DriverFilter>& filters);

  // Imports.
  Status InsertImport(const ImportRecord& record);
  Result<ImportRecord> GetImport(std::string_view id);
  // Newest first; `cursor` is the last id of the previous page ("" = first page).
  Result<Page<ImportRecord>> ListImports(std::string_view cursor, int limit);
  Result<std::optional<ImportRecord>> FindImportByIdempotencyKey(std::string_view key);
  // The earlier import of the same bytes that a re-upload should return: a completed one, or a
  // rejected one made in the same mode (partial or not).
  Result<std::optional<ImportRecord>> FindReplayableImport(std::string_view sha256, bool partial);

  // Quotes.
  Status InsertQuote(const StoredQuote& quote);
  Result<StoredQuote> GetQuote(std::string_view id);
  // Sets the PDF blob once (idempotent); returns whether this call set it.
  Result<bool> SetQuotePdf(std::string_view id, std::string_view sha256);
  Status SetQuotePdfJob(std::string_view id, std::string_view job_id);

  // Idempotency-Key bookkeeping (storage/idempotency.h) in this org: the resource id an earlier
  // request with the same key created, and recording one.
  Result<std::optional<std::string>> FindIdempotent(std::string_view scope, std::string_view key);
  Status RememberIdempotent(std::string_view scope, std::string_view key,
                            std::string_view resource_id);

 private:
  Status InsertLines(std::string_view record_id, const std::vector<CostLine>& lines);
  Result<std::vector<CostLine>> LoadLines(std::string_view record_id);

  storage::Txn& txn_;
  const Scope scope_;
  const Clock& clock_;
};


}  // namespace signx::estimating
