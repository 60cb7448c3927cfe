// StudioService: the project lifecycle and design payloads as use cases, each in one transaction
// with its timeline row and outbox event (docs/studio.md).
//
//   Transition   checks If-Match, the row's permission and its guards (lifecycle.h) against facts
//                read in the same transaction (PostgreSQL: the project row locked), then moves the
//                status, writes project_events and `project.status_changed`. Moving to closed with
//                data.actual_cost_cents first records the actual cost as an estimating cost record
//                (drivers from the payloads) and enqueues estimating.evaluate_drift: the learning
//                loop sees it.
//   SavePayload  validates the config by the module's schema, canonicalises it (RFC 8785), takes
//                a cost snapshot from estimating's predictor (or says why there is none), runs the
//                structure check for a structure payload, appends the next version (If-Match on
//                the payload's version; If-None-Match: * for the first) with
//                `project.payload_saved`.
//   AttachFile   stores a file in the blob store after checking its SHA-256 against the one the
//                client declared, and appends a payload version that lists it.
//   ReadFile     reads a file back and checks its SHA-256 before handing it out.
//
// Thread-safety: thread-safe (state lives in the database and the blob store).
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "blobs/blob_store.h"
#include "estimating/predict_service.h"
#include "estimating/repository.h"
#include "estimating/service.h"
#include "events/outbox.h"
#include "http/request.h"
#include "jobs/queue.h"
#include "storage/store.h"
#include "studio/dispatch.h"
#include "studio/email.h"
#include "studio/lifecycle.h"
#include "studio/report.h"
#include "studio/store.h"

namespace signx::studio {

// The precondition of a write: the version the caller saw (If-Match), or "must not exist yet"
// (If-None-Match: *, first payload version).
struct Precondition {
  std::optional<int64_t> version;
  bool must_not_exist = false;
};

struct TransitionResult {
  ProjectState project;
  ProjectEvent event;
};

struct PayloadView {
  StoredPayload payload;
  std::optional<StoredCalculation> calculation;  // structure only
};

// What the board and the project page show about the next moves.
struct NextMove {
  std::string to;
  std::string permission;
  std::optional<Refusal> refusal;  // the guard that would refuse it now
};

struct FileContent {
  PayloadFile file;
  std::string bytes;
};

class StudioService {
 public:
  // `cost` may be null (no predictor in this process): snapshots then say so.
  StudioService(storage::Store& store, events::Outbox& outbox, jobs::Queue& queue,
                std::shared_ptr<const blobs::BlobStore> blobs, estimating::CostService* cost,
                estimating::EstimatingService& estimating, const Clock& clock = SystemClock::Get())
      : store_(store),
        outbox_(outbox),
        queue_(queue),
        blobs_(std::move(blobs)),
        cost_(cost),
        estimating_(estimating),
        clock_(clock) {}

  storage::Store& store() { return store_; }
  const Clock& clock() const { return clock_; }

  Result<TransitionResult> Transition(const Scope& scope, const http::Principal& principal,
                                      std::string_view project_id, std::string_view to,
                                      int64_t expected_version, const boost::json::object& data);
  Status DeleteProject(const Scope& scope, std::string_view project_id, int64_t expected_version);

  // The project resource (POST/GET/PATCH /v1/projects). Its row is the `projects` table shared
  // with estimating (imports, cost records and quotes hang off it), so its SQL stays in
  // estimating::Repository; studio owns the API and the use cases. Each runs in one transaction
  // with its outbox event (project.created / project.updated).
  //   CreateProject  with an Idempotency-Key seen before returns the earlier project and sets
  //                  *replayed (nothing written); the status is always draft.
  //   UpdateProject  the fields of ParseProjectFields(create = false) when the row is still at
  //                  `expected_version` (else kPreconditionFailed); the status never changes here.
  Result<estimating::Project> CreateProject(const Scope& scope,
                                            const estimating::ProjectFields& fields,
                                            const std::optional<std::string>& idempotency_key,
                                            bool* replayed);
  Result<estimating::Project> ProjectRecord(const Scope& scope, std::string_view project_id);
  Result<Page<estimating::Project>> ListProjects(const Scope& scope,
                                                 const estimating::ProjectListOptions& options);
  Result<estimating::Project> UpdateProject(const Scope& scope, std::string_view project_id,
                                            int64_t expected_version,
                                            const estimating::ProjectFields& fields);

  Result<ProjectState> GetProject(const Scope& scope, std::string_view project_id);
  Result<Page<ProjectState>> ListByStatus(const Scope& scope, std::string_view status,
                                          std::string_view cursor, int limit);
  // The moves out of the project's status with the guard that would refuse each now.
  Result<std::vector<NextMove>> NextMoves(const Scope& scope, const http::Principal& principal,
                                          std::string_view project_id);
  Result<Page<ProjectEvent>> ListEvents(const Scope& scope, std::string_view project_id,
                                        std::string_view cursor, int limit);

  Result<PayloadView> SavePayload(const Scope& scope, std::string_view project_id,
                                  std::string_view module, const Precondition& pre,
                                  const boost::json::value& config);
  Result<PayloadView> GetPayload(const Scope& scope, std::string_view project_id,
                                 std::string_view module, std::optional<int64_t> version);
  Result<std::vector<StoredPayload>> PayloadVersions(const Scope& scope,
                                                     std::string_view project_id,
                                                     std::string_view module);
  Result<std::map<std::string, StoredPayload>> CurrentPayloads(const Scope& scope,
                                                               std::string_view project_id);
  // RFC 6902 patch from version `from` to version `to` of the module's config (and files).
  Result<boost::json::array> DiffPayload(const Scope& scope, std::string_view project_id,
                                         std::string_view module, int64_t from, int64_t to);
  Result<PayloadView> AttachFile(const Scope& scope, std::string_view project_id,
                                 std::string_view module, const Precondition& pre,
                                 std::string_view name, std::string_view content_type,
                                 std::string_view declared_sha256, std::string_view bytes);
  Result<FileContent> ReadFile(const Scope& scope, std::string_view project_id,
                               std::string_view module, std::string_view name);

  // A quote (estimating's POST /v1/quotes body without project_id) linked to the project's
  // current payloads hash in the same transaction.
  Result<estimating::StoredQuote> CreateQuote(const Scope& scope, std::string_view project_id,
                                              boost::json::object body,
                                              const std::optional<std::string>& idempotency_key,
                                              bool* replayed);

  // Reports (report.h): request one of the current payloads (the existing row for the same
  // inputs, else a new one with its job), read its state, and its PDF with the SHA-256 checked.
  Result<StoredReport> RequestReport(const Scope& scope, std::string_view project_id,
                                     bool* created);
  Result<StoredReport> GetReport(const Scope& scope, std::string_view project_id,
                                 std::string_view report_id);
  Result<std::string> ReportPdf(const Scope& scope, std::string_view project_id,
                                std::string_view report_id);
  // The report of the project's current inputs, if one was requested.
  Result<std::optional<StoredReport>> CurrentReport(const Scope& scope,
                                                    std::string_view project_id);

  // Dispatch to the PM system (dispatch.h); off until SetDispatch gives a URL.
  void SetDispatch(DispatchSettings settings) { dispatch_ = std::move(settings); }
  Result<StoredDispatch> RequestDispatch(const Scope& scope, std::string_view project_id,
                                         std::optional<std::string> idempotency_key, bool* created);
  Result<StoredDispatch> GetDispatch(const Scope& scope, std::string_view project_id,
                                     std::string_view dispatch_id,
                                     std::vector<DispatchAttempt>* attempts);

  // E-mailing a ready report (email.h); off until SetEmailEnabled(true) (smtp.url set).
  void SetEmailEnabled(bool enabled) { email_enabled_ = enabled; }
  Result<QueuedEmail> EmailReport(const Scope& scope, std::string_view project_id,
                                  std::string_view report_id, const EmailRequest& request) {
    return RequestReportEmail(store_, queue_, email_enabled_, scope, project_id, report_id, request,
                              clock_);
  }

  // The project's payloads hash over the current versions ("" when it has none).
  static Result<std::string> CurrentPayloadsSha(StudioRepository& repo,
                                                std::string_view project_id);

 private:
  Result<GuardFacts> Facts(StudioRepository& repo, const ProjectState& p, const TransitionRule& t);
  boost::json::object CostSnapshot(std::string_view org_id,
                                   const std::map<std::string, boost::json::object>& configs);
  Result<PayloadView> AppendVersion(const Scope& scope, std::string_view project_id,
                                    std::string_view module, const Precondition& pre,
                                    const std::optional<boost::json::value>& config,
                                    const std::optional<PayloadFile>& new_file,
                                    const std::optional<blobs::BlobInfo>& blob);

  storage::Store& store_;
  events::Outbox& outbox_;
  jobs::Queue& queue_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  estimating::CostService* cost_;
  estimating::EstimatingService& estimating_;
  const Clock& clock_;
  DispatchSettings dispatch_;
  bool email_enabled_ = false;
};

}  // namespace signx::studio
