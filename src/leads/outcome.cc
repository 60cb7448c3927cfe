#include "leads/outcome.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/handler.h"
#include "http/json.h"
#include "identity/scope.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::size_t kMaxLeadId = 200;

Status CheckLeadId(const std::string& lead_id) {
  if (lead_id.empty() || lead_id.size() > kMaxLeadId) {
    return ValidationFailed({{"lead_id", fmt::format("must be 1 to {} characters", kMaxLeadId)}});
  }
  return Status::Ok();
}

std::string Canonical(const LeadOutcome& o) { return json::serialize(ToJson(o)); }

}  // namespace

Result<std::string> OrgOf(const Request& req) {
  SIGNX_ASSIGN_OR_RETURN(identity::TenantScope scope, identity::OrgScope(req.principal));
  return std::move(scope.org_id);
}

Result<OutcomeInput> ParseOutcome(const json::object& body) {
  OutcomeInput in;
  std::vector<FieldError> errors;
  const json::value* converted = body.if_contains("converted");
  if (!converted) {
    errors.push_back({"converted", "is required"});
  } else if (!converted->is_bool()) {
    errors.push_back({"converted", "must be a boolean"});
  } else {
    in.converted = converted->get_bool();
  }
  if (const json::value* at = body.if_contains("occurred_at"); at && !at->is_null()) {
    if (!at->is_string()) {
      errors.push_back({"occurred_at", "must be an RFC 3339 timestamp string"});
    } else if (auto t = ParseRfc3339(at->get_string()); !t.ok()) {
      errors.push_back({"occurred_at", "must be an RFC 3339 timestamp (2026-11-25T10:00:00Z)"});
    } else {
      in.occurred_at = *t;
    }
  }
  if (const json::value* note = body.if_contains("note"); note && !note->is_null()) {
    if (!note->is_string()) {
      errors.push_back({"note", "must be a string"});
    } else if (note->get_string().size() > kMaxOutcomeNote) {
      errors.push_back({"note", fmt::format("must be at most {} bytes", kMaxOutcomeNote)});
    } else {
      in.note = std::string(note->get_string());
    }
  }
  for (const auto& [key, v] : body) {
    if (key != "converted" && key != "occurred_at" && key != "note") {
      errors.push_back({std::string(key), "unknown field"});
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid outcome");
  return in;
}

Result<LeadOutcome> GetOutcome(storage::Txn& txn, const std::string& org_id,
                               const std::string& lead_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn.QueryOne("SELECT o.converted, o.occurred_at, o.note, o.recorded_by, o.created_at, "
                   "o.updated_at, s.model_version, s.score, s.bucket, s.tier "
                   "FROM lead_outcomes o JOIN lead_scores s "
                   "ON s.org_id = o.org_id AND s.lead_id = o.lead_id "
                   "WHERE o.org_id = $1 AND o.lead_id = $2",
                   {org_id, lead_id}));
  if (!row) return NotFound(fmt::format("lead {} has no recorded outcome", lead_id));
  LeadOutcome o;
  o.lead_id = lead_id;
  o.converted = row->Bool(0);
  o.occurred_at = row->Time(1);
  o.note = row->OptText(2);
  o.recorded_by = row->Text(3);
  o.created_at = row->Time(4);
  o.updated_at = row->Time(5);
  o.model_version = row->Text(6);
  o.score = row->Double(7);
  o.bucket = static_cast<int>(row->Int(8));
  o.tier = row->Text(9);
  o.created = false;
  // The score the outcome is judged on (as leads.monitor does): the lead's newest score at or
  // before the outcome was recorded, when its history has it.
  SIGNX_ASSIGN_OR_RETURN(
      auto at, txn.QueryOne("SELECT model_version, score, tier FROM lead_score_history "
                            "WHERE org_id = $1 AND lead_id = $2 AND scored_at <= $3 "
                            "ORDER BY scored_at DESC, model_version DESC, score DESC LIMIT 1",
                            {org_id, lead_id, o.created_at}));
  if (at) {
    const std::string tier = at->Text(2);
    const auto pos = std::string_view("EDCBA").find(tier.empty() ? 'E' : tier[0]);
    if (pos != std::string_view::npos) {
      o.model_version = at->Text(0);
      o.score = at->Double(1);
      o.bucket = static_cast<int>(pos) + 1;
      o.tier = tier;
    }
  }
  return o;
}

Result<LeadOutcome> RecordOutcome(storage::Store& store, const std::string& org_id,
                                  const std::string& lead_id, const OutcomeInput& input,
                                  const identity::Actor& actor, const Clock& clock) {
  SIGNX_RETURN_IF_ERROR(CheckLeadId(lead_id));
  return store.WithTxnResult<LeadOutcome>([&](storage::Txn& txn) -> Result<LeadOutcome> {
    SIGNX_ASSIGN_OR_RETURN(auto scored,
                           txn.QueryOne("SELECT 1 FROM lead_scores WHERE org_id = $1 AND "
                                        "lead_id = $2",
                                        {org_id, lead_id}));
    if (!scored) {
      return NotFound(fmt::format("lead {} has not been scored in this organisation", lead_id));
    }
    std::optional<LeadOutcome> before;
    if (auto prev = GetOutcome(txn, org_id, lead_id); prev.ok()) {
      before = std::move(prev).value();
    } else if (prev.status().code() != ErrorCode::kNotFound) {
      return prev.status();
    }
    const Timestamp now = clock.Now();
    const Timestamp occurred = input.occurred_at.value_or(now);
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO lead_outcomes (org_id, lead_id, converted, occurred_at, note, "
                 "recorded_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
                 "ON CONFLICT (org_id, lead_id) DO UPDATE SET converted = excluded.converted, "
                 "occurred_at = excluded.occurred_at, note = excluded.note, "
                 "recorded_by = excluded.recorded_by, updated_at = excluded.updated_at",
                 {org_id, lead_id, input.converted, occurred, input.note, actor.id, now})
            .status());
    SIGNX_ASSIGN_OR_RETURN(LeadOutcome after, GetOutcome(txn, org_id, lead_id));
    after.created = !before.has_value();
    identity::AuditRecord audit{
        .org_id = org_id,
        .actor = actor,
        .action = "lead_outcome.record",
        .subject_type = "lead_outcome",
        .subject_id = lead_id,
        .before_json = before ? std::optional(Canonical(*before)) : std::nullopt,
        .after_json = Canonical(after)};
    SIGNX_RETURN_IF_ERROR(identity::AppendAudit(txn, audit, clock).status());
    return after;
  });
}

json::object ToJson(const LeadOutcome& o) {
  json::object out{{"lead_id", o.lead_id},
                   {"converted", o.converted},
                   {"occurred_at", FormatRfc3339(o.occurred_at)},
                   {"note", o.note ? json::value(*o.note) : json::value(nullptr)},
                   {"recorded_by", o.recorded_by},
                   {"model_version", o.model_version},
                   {"score", o.score},
                   {"bucket", o.bucket},
                   {"tier", o.tier},
                   {"created_at", FormatRfc3339(o.created_at)},
                   {"updated_at", FormatRfc3339(o.updated_at)}};
  return out;
}

void AddOutcomeRoutes(http::Router& router, http::SchemaRegistry& schemas, storage::Store& store,
                      const Clock& clock, ScoreLog* score_log) {
  schemas.Add("LeadOutcomeInput", R"({"type": "object", "required": ["converted"],
      "additionalProperties": false, "properties": {
      "converted": {"type": "boolean", "description": "true when the lead became a customer"},
      "occurred_at": {"type": "string", "format": "date-time", "description": "when it converted or was lost; default now"},
      "note": {"type": "string", "maxLength": 2000}}})");
  schemas.Add("LeadOutcome", R"({"type": "object", "properties": {
      "lead_id": {"type": "string"}, "converted": {"type": "boolean"},
      "occurred_at": {"type": "string", "format": "date-time"},
      "note": {"type": ["string", "null"]}, "recorded_by": {"type": "string"},
      "model_version": {"type": "string", "description": "model of the score the outcome is judged on: the lead's newest score when the outcome was recorded"},
      "score": {"type": "number"}, "bucket": {"type": "integer"}, "tier": {"type": "string"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"},
      "created": {"type": "boolean", "description": "false when an earlier outcome was replaced"}}})");

  router.Add("POST", "/v1/leads/{lead_id}/outcome",
             {.summary = "Record the real outcome of a scored lead",
              .description = "Idempotent per lead: posting again replaces the outcome (audited). "
                             "The lead must have been scored for your organisation (404 "
                             "otherwise). Outcomes feed the leads.monitor job (live AUC, "
                             "calibration).",
              .tags = {"leads"},
              .permission = "leads:score",
              .request_schema = "LeadOutcomeInput",
              .response_schema = "LeadOutcome"},
             http::Handle([&store, &clock, score_log](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto org, OrgOf(req));
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               SIGNX_ASSIGN_OR_RETURN(auto input, ParseOutcome(body));
               const std::string lead_id(req.PathParam("lead_id"));
               const auto actor = identity::Actor::Of(*req.principal, req.request_id);
               auto out = RecordOutcome(store, org, lead_id, input, actor, clock);
               if (!out.ok() && out.status().code() == ErrorCode::kNotFound && score_log) {
                 (void)score_log->Flush();  // the score may still be queued
                 out = RecordOutcome(store, org, lead_id, input, actor, clock);
               }
               if (!out.ok()) return out.status();
               json::object o = ToJson(*out);
               o["created"] = out->created;
               return http::JsonResponse(200, o);
             }));
  router.Add("GET", "/v1/leads/{lead_id}/outcome",
             {.summary = "The recorded outcome of a lead",
              .tags = {"leads"},
              .permission = "leads:read",
              .response_schema = "LeadOutcome"},
             http::Handle([&store](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto org, OrgOf(req));
               const std::string lead_id(req.PathParam("lead_id"));
               SIGNX_RETURN_IF_ERROR(CheckLeadId(lead_id));
               SIGNX_ASSIGN_OR_RETURN(
                   auto out, store.WithTxnResult<LeadOutcome>(
                                 [&](storage::Txn& txn) { return GetOutcome(txn, org, lead_id); },
                                 {.read_only = true}));
               return http::JsonResponse(200, ToJson(out));
             }));
}

}  // namespace signx::leads
