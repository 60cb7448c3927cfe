// Lead outcomes: the real result (converted or not) of a lead that was scored, recorded by the
// sales team or their CRM so the model can be judged on live data (monitoring.h).
//
//   POST /v1/leads/{lead_id}/outcome   {converted: bool, occurred_at?: RFC 3339, note?: string}
//                                      permission leads:score
//
// Tenant-scoped: the lead must have been scored for the caller's org (a `lead_scores` row, written
// by ScoreLog); another org's lead is indistinguishable from an unknown one (404). Idempotent per
// lead: posting again replaces the outcome. Every change is audited (action
// "lead_outcome.record") in the same transaction.
//
// Thread-safety: free functions; the Store rules of storage/store.h apply.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "http/openapi.h"
#include "http/router.h"
#include "identity/audit.h"
#include "leads/score_log.h"
#include "storage/store.h"

namespace signx::leads {

struct OutcomeInput {
  bool converted = false;
  std::optional<Timestamp> occurred_at;  // default: now
  std::optional<std::string> note;       // at most kMaxOutcomeNote bytes
};

inline constexpr std::size_t kMaxOutcomeNote = 2000;

struct LeadOutcome {
  std::string lead_id;
  bool converted = false;
  Timestamp occurred_at{};
  std::optional<std::string> note;
  std::string recorded_by;
  Timestamp created_at{};
  Timestamp updated_at{};
  // The score the outcome is judged on (leads.monitor): the lead's newest score at or before the
  // outcome was first recorded (lead_score_history), else its lead_scores row.
  std::string model_version;
  double score = 0;
  int bucket = 1;
  std::string tier;
  bool created = true;  // false when an existing outcome was replaced
};

// The org a request acts in: kUnauthenticated without credentials, kPermissionDenied when they
// are not bound to an org. The tenant scope of the outcome and worklist routes.
Result<std::string> OrgOf(const http::Request& req);

// Validates a request body: 422 naming each bad field.
Result<OutcomeInput> ParseOutcome(const boost::json::object& body);

// Records (or replaces) the outcome of `lead_id` in `org_id` and audits it. kNotFound when the
// org has no score for the lead; kValidationFailed for a bad lead id.
Result<LeadOutcome> RecordOutcome(storage::Store& store, const std::string& org_id,
                                  const std::string& lead_id, const OutcomeInput& input,
                                  const identity::Actor& actor, const Clock& clock);

// The outcome of `lead_id` in `org_id`, or kNotFound.
Result<LeadOutcome> GetOutcome(storage::Txn& txn, const std::string& org_id,
                               const std::string& lead_id);

boost::json::object ToJson(const LeadOutcome& outcome);

// `score_log` (may be null): this process's writer of lead_scores. When a lead is not found, its
// queued scores are written first and the lookup is retried once, so an outcome posted right
// after the score (before the writer's next batch) is accepted on the replica that scored it.
void AddOutcomeRoutes(http::Router& router, http::SchemaRegistry& schemas, storage::Store& store,
                      const Clock& clock = SystemClock::Get(), ScoreLog* score_log = nullptr);

}  // namespace signx::leads
