// The sales worklist: an organisation's scored leads, best first, with their outcome if one was
// recorded — "whom do we call next".
//
//   GET /v1/leads?tier=A,B&outcome=none&scored_since=2026-11-01T00:00:00Z&limit=50&cursor=…
//       permission leads:read
//   GET /v1/leads/{lead_id}   one lead: its latest score, display fields, reasons, outcome and
//       score history (newest first, the last kLeadHistory changes of its score)   permission
//       leads:read
//
// Each lead appears once, with its latest score (the `lead_scores` row ScoreLog keeps). Ordered by
// score, highest first, then lead id; pages are keyset-paginated (`next_cursor`, null on the last
// page): new leads scored while someone pages through do not shift the pages, but a lead scored
// again meanwhile may be seen twice or not at all (its position moved). Filters: `tier` (one or
// more of A–E, comma-separated), `outcome` (none = not yet recorded, converted, lost, any — the
// default), `scored_since` (RFC 3339). Bad parameters: 422 naming each one.
//
// Thread-safety: free functions; the Store rules of storage/store.h apply.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/openapi.h"
#include "http/request.h"
#include "http/router.h"
#include "storage/store.h"

namespace signx::leads {

inline constexpr int kDefaultWorklistPage = 50;
inline constexpr int kMaxWorklistPage = 200;

struct WorklistQuery {
  std::vector<char> tiers;      // empty: every tier
  std::string outcome = "any";  // any, none, converted, lost
  std::optional<Timestamp> scored_since;
  int limit = kDefaultWorklistPage;
  std::optional<std::pair<double, std::string>> after;  // (score, lead id) of the last row seen
};

struct WorklistItem {
  std::string lead_id;
  double score = 0;
  int bucket = 1;
  std::string tier;
  std::string model_version;
  Timestamp scored_at{};
  std::optional<bool> converted;  // the recorded outcome, if any
  std::optional<Timestamp> outcome_at;
  boost::json::object display;  // the schema's display fields (name, company, …) of the lead
  boost::json::array reasons;   // of the latest score: [{field, text, contribution}]
};

inline constexpr int kLeadHistory = 50;

struct LeadHistoryPoint {
  Timestamp scored_at{};
  std::string model_version;
  double score = 0;
  std::string tier;
};

struct LeadDetail {
  WorklistItem lead;
  std::vector<LeadHistoryPoint> history;  // newest first
};

struct WorklistPage {
  std::vector<WorklistItem> items;
  std::string next_cursor;  // "" on the last page
};

// Reads the query parameters; kValidationFailed naming each bad one.
Result<WorklistQuery> ParseWorklistQuery(const http::Request& req);

Result<WorklistPage> ListWorklist(storage::Store& store, const std::string& org_id,
                                  const WorklistQuery& query);

// One lead of `org_id`; kNotFound when the org never scored it (another org's lead looks the
// same).
Result<LeadDetail> GetLead(storage::Store& store, const std::string& org_id,
                           const std::string& lead_id);

boost::json::object ToJson(const WorklistItem& item);

void AddWorklistRoutes(http::Router& router, http::SchemaRegistry& schemas, storage::Store& store);

}  // namespace signx::leads
