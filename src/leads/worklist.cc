#include "leads/worklist.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "leads/outcome.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

// A cursor is the hex of "<score>|<lead id>" of the last row of a page: opaque to clients, safe in
// a query string, and exact (the score in its shortest round-trip form).
std::string MakeCursor(const WorklistItem& last) {
  return HexEncode(fmt::format("{}|{}", last.score, last.lead_id));
}

std::optional<std::pair<double, std::string>> ReadCursor(std::string_view text) {
  const auto raw = HexDecode(text);
  if (!raw) return std::nullopt;
  const auto bar = raw->find('|');
  if (bar == std::string::npos || bar + 1 == raw->size()) return std::nullopt;
  const auto score = ParseDouble(std::string_view(*raw).substr(0, bar));
  if (!score) return std::nullopt;
  return std::pair{*score, raw->substr(bar + 1)};
}

}  // namespace

Result<WorklistQuery> ParseWorklistQuery(const Request& req) {
  WorklistQuery q;
  std::vector<FieldError> bad;
  if (auto tiers = req.Query("tier"); tiers && !tiers->empty()) {
    bool wanted[5] = {false, false, false, false, false};
    for (std::string_view t : Split(*tiers, ',')) {
      t = Trim(t);
      if (t.size() != 1 || t[0] < 'A' || t[0] > 'E') {
        bad.push_back({"tier", "must be one or more of A, B, C, D, E, comma-separated"});
        break;
      }
      wanted[t[0] - 'A'] = true;
    }
    // Each tier once, in order: at most 31 distinct statements whatever the query says.
    for (int i = 0; i < 5; ++i) {
      if (wanted[i]) q.tiers.push_back(static_cast<char>('A' + i));
    }
  }
  if (auto outcome = req.Query("outcome"); outcome && !outcome->empty()) {
    if (*outcome != "any" && *outcome != "none" && *outcome != "converted" && *outcome != "lost") {
      bad.push_back({"outcome", "must be any, none (not recorded yet), converted or lost"});
    } else {
      q.outcome = std::string(*outcome);
    }
  }
  if (auto since = req.Query("scored_since"); since && !since->empty()) {
    if (auto t = ParseRfc3339(*since); t.ok()) {
      q.scored_since = *t;
    } else {
      bad.push_back({"scored_since", "must be an RFC 3339 timestamp (2026-11-25T10:00:00Z)"});
    }
  }
  const http::PageQuery page = http::ReadPageQuery(
      req, bad, {.default_limit = kDefaultWorklistPage, .max_limit = kMaxWorklistPage},
      [](std::string_view c) { return ReadCursor(c).has_value(); });
  q.limit = page.limit;
  if (!page.cursor.empty()) q.after = ReadCursor(page.cursor);
  if (!bad.empty()) return ValidationFailed(std::move(bad), "invalid worklist query");
  return q;
}

namespace {

constexpr std::string_view kLeadColumns =
    "SELECT s.lead_id, s.score, s.bucket, s.tier, s.model_version, s.scored_at, o.converted, "
    "o.occurred_at, s.display_json, s.reasons_json FROM lead_scores s LEFT JOIN lead_outcomes o "
    "ON o.org_id = s.org_id AND o.lead_id = s.lead_id";

// Stored JSON text of `kind` (an object or an array), or the empty value when NULL or unreadable.
// Read exactly (http::ParseJsonExact): a reason's contribution is the double the score answer
// gave, bit for bit, not Boost.JSON 1.81's parse of it (which can be 1 ULP off).
json::value StoredJson(const storage::Row& r, int column, json::kind kind) {
  if (!r.IsNull(column)) {
    auto v = http::ParseJsonExact(r.Text(column));
    if (v.ok() && v->kind() == kind) return std::move(v).value();
  }
  return kind == json::kind::object ? json::value(json::object()) : json::value(json::array());
}

WorklistItem ItemOf(const storage::Row& r) {
  WorklistItem it;
  it.lead_id = r.Text(0);
  it.score = r.Double(1);
  it.bucket = static_cast<int>(r.Int(2));
  it.tier = r.Text(3);
  it.model_version = r.Text(4);
  it.scored_at = r.Time(5);
  if (!r.IsNull(6)) it.converted = r.Bool(6);
  it.outcome_at = r.OptTime(7);
  it.display = StoredJson(r, 8, json::kind::object).as_object();
  it.reasons = StoredJson(r, 9, json::kind::array).as_array();
  return it;
}

}  // namespace

Result<LeadDetail> GetLead(storage::Store& store, const std::string& org_id,
                           const std::string& lead_id) {
  LeadDetail d;
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(auto rs, txn.Query(std::string(kLeadColumns) +
                                                      " WHERE s.org_id = $1 AND s.lead_id = $2",
                                                  {org_id, lead_id}));
        if (rs.rows.empty()) return NotFound(fmt::format("lead '{}' was never scored", lead_id));
        d.lead = ItemOf(rs.rows[0]);
        SIGNX_ASSIGN_OR_RETURN(auto hs,
                               txn.Query("SELECT scored_at, model_version, score, tier FROM "
                                         "lead_score_history WHERE org_id = $1 AND lead_id = $2 "
                                         "ORDER BY scored_at DESC LIMIT $3",
                                         {org_id, lead_id, int64_t{kLeadHistory}}));
        for (const storage::Row& r : hs.rows) {
          d.history.push_back({r.Time(0), r.Text(1), r.Double(2), r.Text(3)});
        }
        return Status::Ok();
      },
      {.read_only = true}));
  return d;
}

json::object ToJson(const WorklistItem& it) {
  json::value outcome = nullptr;
  if (it.converted) {
    outcome =
        json::object{{"converted", *it.converted},
                     {"occurred_at", it.outcome_at ? json::value(FormatRfc3339(*it.outcome_at))
                                                   : json::value(nullptr)}};
  }
  return json::object{{"lead_id", it.lead_id},
                      {"score", it.score},
                      {"bucket", it.bucket},
                      {"tier", it.tier},
                      {"model_version", it.model_version},
                      {"scored_at", FormatRfc3339(it.scored_at)},
                      {"display", it.display},
                      {"reasons", it.reasons},
                      {"outcome", std::move(outcome)}};
}

Result<WorklistPage> ListWorklist(storage::Store& store, const std::string& org_id,
                                  const WorklistQuery& q) {
  std::string sql = std::string(kLeadColumns) + " WHERE s.org_id = $1";
  std::vector<storage::Param> params{org_id};
  auto next = [&params](storage::Param p) {
    params.push_back(std::move(p));
    return fmt::format("${}", params.size());
  };
  if (!q.tiers.empty()) {
    std::vector<std::string> placeholders;
    for (char t : q.tiers) placeholders.push_back(next(std::string(1, t)));
    sql += fmt::format(" AND s.tier IN ({})", Join(placeholders, ", "));
  }
  if (q.outcome == "none") sql += " AND o.lead_id IS NULL";
  if (q.outcome == "converted") sql += " AND o.converted = " + next(true);
  if (q.outcome == "lost") sql += " AND o.converted = " + next(false);
  if (q.scored_since) sql += " AND s.scored_at >= " + next(*q.scored_since);
  if (q.after) {
    const std::string score = next(q.after->first);
    const std::string lead = next(q.after->second);
    sql += fmt::format(" AND (s.score < {0} OR (s.score = {0} AND s.lead_id > {1}))", score, lead);
  }
  sql += " ORDER BY s.score DESC, s.lead_id ASC LIMIT " + next(int64_t{q.limit} + 1);

  WorklistPage page;
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(auto rs, txn.Query(sql, params));
        for (const storage::Row& r : rs.rows) page.items.push_back(ItemOf(r));
        return Status::Ok();
      },
      {.read_only = true}));
  if (page.items.size() > static_cast<std::size_t>(q.limit)) {
    page.items.pop_back();
    page.next_cursor = MakeCursor(page.items.back());
  }
  return page;
}

void AddWorklistRoutes(http::Router& router, http::SchemaRegistry& schemas, storage::Store& store) {
  schemas.Add("LeadWorklistPage", R"({"type": "object", "properties": {
      "items": {"type": "array", "items": {"type": "object", "properties": {
        "lead_id": {"type": "string"}, "score": {"type": "number"},
        "bucket": {"type": "integer", "minimum": 1, "maximum": 5},
        "tier": {"type": "string", "enum": ["A", "B", "C", "D", "E"]},
        "model_version": {"type": "string", "description": "model of the lead's latest score"},
        "scored_at": {"type": "string", "format": "date-time"},
        "display": {"type": "object", "description": "the schema's display fields as text: name, company, owner, ...",
          "additionalProperties": {"type": "string"}},
        "reasons": {"type": "array", "description": "what moved the latest score most; empty when it was not explained",
          "items": {"type": "object", "properties": {"field": {"type": "string"}, "text": {"type": "string"},
            "contribution": {"type": "number", "description": "log-odds"}}}},
        "outcome": {"type": ["object", "null"], "description": "null until one is recorded",
          "properties": {"converted": {"type": "boolean"},
                         "occurred_at": {"type": "string", "format": "date-time"}}}}}},
      "next_cursor": {"type": ["string", "null"], "description": "null on the last page"}}})");
  schemas.Add("LeadDetail",
              R"({"type": "object", "description": "a worklist item with its score history",
      "properties": {"lead_id": {"type": "string"}, "score": {"type": "number"}, "tier": {"type": "string"},
        "display": {"type": "object"}, "reasons": {"type": "array"}, "outcome": {"type": ["object", "null"]},
        "history": {"type": "array", "items": {"type": "object", "properties": {
          "scored_at": {"type": "string", "format": "date-time"}, "model_version": {"type": "string"},
          "score": {"type": "number"}, "tier": {"type": "string"}}}}}})");
  static const std::vector<http::ParamDoc> kPageParams =
      http::PageParams({.default_limit = kDefaultWorklistPage, .max_limit = kMaxWorklistPage});
  router.Add(
      "GET", "/v1/leads",
      {.summary = "The sales worklist: scored leads, best first",
       .description = "Each lead once, with its latest score and its outcome if recorded; "
                      "ordered by score (highest first), then lead id. `outcome=none` lists the "
                      "leads nobody has closed yet.",
       .tags = {"leads"},
       .permission = "leads:read",
       .response_schema = "LeadWorklistPage",
       .query_params = {{.name = "tier", .description = "one or more of A-E, comma-separated"},
                        {.name = "outcome", .description = "any (default), none, converted, lost"},
                        {.name = "scored_since", .description = "RFC 3339; scored at or after"},
                        kPageParams[0],
                        kPageParams[1]}},
      http::Handle([&store](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto org, OrgOf(req));
        SIGNX_ASSIGN_OR_RETURN(auto q, ParseWorklistQuery(req));
        SIGNX_ASSIGN_OR_RETURN(auto page, ListWorklist(store, org, q));
        json::array items;
        for (const WorklistItem& it : page.items) items.push_back(ToJson(it));
        return http::ListResponse(std::move(items), page.next_cursor);
      }));

  router.Add("GET", "/v1/leads/{lead_id}",
             {.summary = "One scored lead: latest score, display fields, reasons, outcome, history",
              .description = "404 when the caller's org never scored the lead. `history` lists the "
                             "lead's last 50 score changes, newest first: a row each time its "
                             "model, score or tier changed (a re-score with the same result keeps "
                             "the earlier row; every scoring call is in the lake's lead_scores "
                             "dataset). Kept leads.score_history_days.",
              .tags = {"leads"},
              .permission = "leads:read",
              .response_schema = "LeadDetail"},
             http::Handle([&store](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto org, OrgOf(req));
               SIGNX_ASSIGN_OR_RETURN(auto d,
                                      GetLead(store, org, std::string(req.PathParam("lead_id"))));
               json::object o = ToJson(d.lead);
               json::array history;
               for (const LeadHistoryPoint& h : d.history) {
                 history.push_back(json::object{{"scored_at", FormatRfc3339(h.scored_at)},
                                                {"model_version", h.model_version},
                                                {"score", h.score},
                                                {"tier", h.tier}});
               }
               o["history"] = std::move(history);
               return http::Response::Json(200, http::ToJsonText(o));
             }));
}

}  // namespace signx::leads
