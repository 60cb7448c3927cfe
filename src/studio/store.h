// StudioRepository: studio's SQL (migration 0016) on one transaction, scoped to one org like
// estimating::Repository — every statement filters by org_id, so another org's row is a 404.
//
//   projects              the lifecycle columns (status, held_from, version); the rest of the
//                         project row is estimating::Repository's
//   project_events        append-only timeline
//   project_payloads      append-only versions per (project, module)
//   project_calculations  structure checks by payload sha256
//   project_quotes        quotes made from a payloads hash
//
// Thread-safety: lives inside one WithTxn callback on one thread.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "identity/scope.h"
#include "storage/store.h"
#include "studio/payload.h"

namespace signx::studio {

using Scope = identity::TenantScope;

struct ProjectState {
  std::string id;
  std::string org_id;
  std::string name;
  std::optional<std::string> customer;
  std::optional<std::string> location;
  std::string status;
  std::optional<std::string> held_from;
  int64_t version = 1;
  Timestamp updated_at;
};

struct ProjectEvent {
  std::string id;
  std::string project_id;
  std::string actor;
  std::optional<std::string> from_status;
  std::string to_status;
  std::string data_json;
  Timestamp at;
};
boost::json::object ToJson(const ProjectEvent& e);

struct StoredPayload {
  std::string id;
  std::string project_id;
  std::string module;
  int64_t version = 0;
  std::string config_json;  // canonical (RFC 8785)
  std::vector<PayloadFile> files;
  std::string cost_snapshot_json;
  std::string sha256;
  std::optional<std::string> created_by;
  Timestamp created_at;
};
// `with_config`: the config, files and cost snapshot too (lists omit them).
boost::json::object ToJson(const StoredPayload& p, bool with_config = true);

struct StoredCalculation {
  std::string id;
  std::string payload_sha256;
  bool passed = false;
  std::string constants_version;
  std::string result_json;
  Timestamp created_at;
};

class StudioRepository {
 public:
  StudioRepository(storage::Txn& txn, const Scope& scope, const Clock& clock = SystemClock::Get())
      : txn_(txn), scope_(scope), clock_(clock) {}

  storage::Txn& txn() { return txn_; }
  const Scope& scope() const { return scope_; }

  // The project's lifecycle columns. `for_update`: PostgreSQL locks the row (SELECT ... FOR
  // UPDATE) so the guards see what the move commits against.
  Result<ProjectState> GetProject(std::string_view id, bool for_update = false);
  Result<Page<ProjectState>> ListByStatus(std::string_view status, std::string_view cursor,
                                          int limit);
  // Moves the status when the row is still at `expected_version` (else kPreconditionFailed) and
  // bumps the version; returns the new state.
  Result<ProjectState> SetStatus(const ProjectState& current, int64_t expected_version,
                                 std::string_view to, const std::optional<std::string>& held_from);
  // Deletes the project (and by cascade its rows) at `expected_version`.
  Status DeleteProject(std::string_view id, int64_t expected_version);

  Result<ProjectEvent> InsertEvent(std::string_view project_id,
                                   const std::optional<std::string>& from, std::string_view to,
                                   const boost::json::object& data);
  // Oldest first; cursor = the last id of the previous page.
  Result<Page<ProjectEvent>> ListEvents(std::string_view project_id, std::string_view cursor,
                                        int limit);
  Result<bool> ApprovalRecorded(std::string_view project_id);
  Result<bool> ActualCostRecorded(std::string_view project_id);

  // Payloads.
  Result<std::optional<StoredPayload>> LatestPayload(std::string_view project_id,
                                                     std::string_view module);
  Result<StoredPayload> PayloadVersion(std::string_view project_id, std::string_view module,
                                       int64_t version);
  Result<std::vector<StoredPayload>> PayloadVersions(std::string_view project_id,
                                                     std::string_view module);
  // The latest version of every module that has one, by module.
  Result<std::map<std::string, StoredPayload>> CurrentPayloads(std::string_view project_id);
  // Appends version `p.version`; kPreconditionFailed when another writer appended it first.
  Status InsertPayload(const StoredPayload& p);

  // Calculations and quotes.
  Result<std::optional<StoredCalculation>> FindCalculation(std::string_view project_id,
                                                           std::string_view payload_sha256);
  Status InsertCalculation(std::string_view project_id, const StoredCalculation& c);
  Status LinkQuote(std::string_view project_id, std::string_view quote_id,
                   std::string_view payloads_sha256);
  Result<bool> HasQuoteFor(std::string_view project_id, std::string_view payloads_sha256);

 private:
  storage::Txn& txn_;
  const Scope scope_;
  const Clock& clock_;
};

}  // namespace signx::studio
