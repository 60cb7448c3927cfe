// StudioService: the project resource's use cases (service.h). The row's SQL is
// estimating::Repository's (the shared `projects` table); the event and the idempotency record are
// written in the same transaction.
#include <boost/json.hpp>

#include "events/event_types.h"
#include "http/json.h"
#include "studio/service.h"

namespace signx::studio {
namespace {

// The idempotency scope of POST /v1/projects; keys stored before the route moved from estimating
// to studio still replay.
constexpr std::string_view kIdemProjects = "projects.create";

}  // namespace

Result<estimating::Project> StudioService::CreateProject(
    const Scope& scope, const estimating::ProjectFields& fields,
    const std::optional<std::string>& idempotency_key, bool* replayed) {
  bool again = false;
  auto p = store_.WithTxnResult<estimating::Project>([&](storage::Txn& txn)
                                                         -> Result<estimating::Project> {
    again = false;
    estimating::Repository repo(txn, scope, clock_);
    if (idempotency_key) {
      SIGNX_ASSIGN_OR_RETURN(auto earlier, repo.FindIdempotent(kIdemProjects, *idempotency_key));
      if (earlier) {
        again = true;
        return repo.GetProject(*earlier);
      }
    }
    SIGNX_ASSIGN_OR_RETURN(estimating::Project created, repo.CreateProject(fields));
    if (idempotency_key) {
      SIGNX_RETURN_IF_ERROR(repo.RememberIdempotent(kIdemProjects, *idempotency_key, created.id));
    }
    SIGNX_RETURN_IF_ERROR(
        outbox_
            .Append(txn, {.type = std::string(events::kProjectCreated),
                          .org_id = created.org_id,
                          .subject_id = created.id,
                          .payload_json = http::ToJsonText(estimating::ToJson(created))})
            .status());
    return created;
  });
  if (p.ok() && !again) outbox_.Notify();
  if (replayed != nullptr) *replayed = again;
  return p;
}

Result<estimating::Project> StudioService::ProjectRecord(const Scope& scope,
                                                         std::string_view project_id) {
  return store_.WithTxnResult<estimating::Project>(
      [&](storage::Txn& txn) {
        return estimating::Repository(txn, scope, clock_).GetProject(project_id);
      },
      {.read_only = true});
}

Result<Page<estimating::Project>> StudioService::ListProjects(
    const Scope& scope, const estimating::ProjectListOptions& options) {
  return store_.WithTxnResult<Page<estimating::Project>>(
      [&](storage::Txn& txn) {
        return estimating::Repository(txn, scope, clock_).ListProjects(options);
      },
      {.read_only = true});
}

Result<estimating::Project> StudioService::UpdateProject(const Scope& scope,
                                                         std::string_view project_id,
                                                         int64_t expected_version,
                                                         const estimating::ProjectFields& fields) {
  auto p = store_.WithTxnResult<estimating::Project>(
      [&](storage::Txn& txn) -> Result<estimating::Project> {
        estimating::Repository repo(txn, scope, clock_);
        SIGNX_ASSIGN_OR_RETURN(estimating::Project updated,
                               repo.UpdateProject(project_id, expected_version, fields));
        SIGNX_RETURN_IF_ERROR(
            outbox_
                .Append(txn, {.type = std::string(events::kProjectUpdated),
                              .org_id = updated.org_id,
                              .subject_id = updated.id,
                              .payload_json = http::ToJsonText(estimating::ToJson(updated))})
                .status());
        return updated;
      });
  if (p.ok()) outbox_.Notify();
  return p;
}

}  // namespace signx::studio
