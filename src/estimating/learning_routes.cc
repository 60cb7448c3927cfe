// Routes of the learning loop (model evaluations) and of the versioned price lists; declared in
// routes.h and mounted by AddEstimatingRoutes.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "estimating/learning.h"
#include "estimating/price_lists.h"
#include "estimating/routes.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/audit.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::string_view kEvaluationSchema = R"js({"type": "object", "properties": {
  "id": {"type": "string", "description": "mev_<ulid>"}, "model": {"type": "string"},
  "kind": {"type": "string", "enum": ["drift", "retrain"]},
  "model_version": {"type": "string", "description": "the version evaluated: the org's production cost model, else the platform default (detail.model_owner / production_owner)"},
  "pairs": {"type": "integer"}, "window": {"type": "integer"},
  "mape": {"type": ["number", "null"], "description": "drift: rolling MAPE; retrain: production MAPE on the held-out window (fractions)"},
  "baseline_mape": {"type": ["number", "null"]}, "threshold_mape": {"type": ["number", "null"]},
  "drifted": {"type": "boolean"}, "enough_data": {"type": "boolean"},
  "candidate_version": {"type": ["string", "null"]}, "candidate_mape": {"type": ["number", "null"]},
  "promoted": {"type": "boolean"}, "detail": {"type": "object"},
  "job_id": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"}}})js";

constexpr std::string_view kPriceListSchema = R"({"type": "object", "properties": {
  "id": {"type": "string", "description": "pl_<ulid>, one per version"}, "name": {"type": "string"},
  "version": {"type": "integer"}, "version_ref": {"type": "string", "description": "name@version, cited by quotes"},
  "active": {"type": "boolean"},
  "price_list": {"type": "object", "description": "estimating/quote.h price list: id, version, method, rate_pct, contingency_pct, materials, labor, machines, quantity_breaks"},
  "created_by": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"},
  "activated_at": {"type": ["string", "null"], "format": "date-time"}}})";

constexpr std::string_view kPriceListInputSchema = R"({"type": "object", "required": ["name", "method", "rate_pct"],
  "properties": {"name": {"type": "string", "pattern": "^[a-z0-9_-]{1,100}$"},
  "activate": {"type": "boolean"}, "method": {"type": "string", "enum": ["markup", "margin"]},
  "rate_pct": {"type": "number"}, "contingency_pct": {"type": "number"},
  "materials": {"type": "object", "additionalProperties": {"type": "object", "properties": {"name": {"type": "string"}, "unit": {"type": "string"}, "cost_cents_per_unit": {"type": "integer"}, "waste_pct": {"type": "number"}}}},
  "labor": {"type": "object", "additionalProperties": {"type": "object", "properties": {"name": {"type": "string"}, "cost_cents_per_hour": {"type": "integer"}}}},
  "machines": {"type": "object", "additionalProperties": {"type": "object", "properties": {"name": {"type": "string"}, "cost_cents_per_hour": {"type": "integer"}, "setup_cents": {"type": "integer"}}}},
  "quantity_breaks": {"type": "array", "items": {"type": "object", "properties": {"min_quantity": {"type": "integer"}, "rate_pct": {"type": "number"}}}}}})";

const std::vector<http::ParamDoc> kPageParams = http::PageParams();



Status Audit(storage::Txn& txn, const Request& req, const Scope& scope, std::string action,
             const StoredPriceList& p, const Clock& clock) {
  return identity::AppendAudit(txn,
                               {.org_id = scope.org_id,
                                .actor = identity::Actor::Of(*req.principal, req.request_id),
                                .action = std::move(action),
                                .subject_type = "price_list",
                                .subject_id = p.id,
                                .after_json = http::ToJsonText(ToJson(p))},
                               clock)
      .status();
}

}  // namespace

void AddLearningAndPriceListRoutes(http::Router& router, http::SchemaRegistry& schemas,
                                   EstimatingService& svc) {
  schemas.Add("ModelEvaluation", kEvaluationSchema);
  schemas.Add("ModelEvaluationList", http::ListSchema("ModelEvaluation"));
  schemas.Add("PriceList", kPriceListSchema);
  schemas.Add("PriceListInput", kPriceListInputSchema);
  schemas.Add("PriceListList", http::ListSchema("PriceList"));

  // projects:read, not estimates:admin: an evaluation is derived only from the org's own cost
  // records (prediction vs actual), which projects:read already exposes in full through
  // GET /v1/cost-records; estimators and viewers who rely on predictions should see drift.
  router.Add("GET", "/v1/estimates/model-evaluations",
             {.summary = "Cost-model evaluations of your org: drift checks and retrain comparisons",
              .description = "Newest first. kind=drift: rolling MAPE of the model pricing the "
                             "org (its own production cost model, else the platform default) on "
                             "recorded actuals vs 1.2 x the model card's baseline; kind=retrain: "
                             "a candidate trained on the org's records vs that model on the "
                             "latest held-out window (promoted within the org only; "
                             "detail.candidate_owner / production_owner).",
              .tags = {"estimating"},
              .permission = "projects:read",
              .response_schema = "ModelEvaluationList",
              .query_params = kPageParams},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               std::vector<FieldError> bad;
               const http::PageQuery pq =
                   http::ReadPageQuery(req, bad, {}, http::IdCursor("mev"));
               const int limit = pq.limit;
               const std::string& cursor = pq.cursor;
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(auto page,
                                      ListModelEvaluations(svc.store(), scope, limit, cursor));
               json::array items;
               for (const auto& e : page.items) items.push_back(ToJson(e));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("POST", "/v1/price-lists",
             {.summary = "Create a new version of a price list",
              .description = "Versions are immutable: each POST with a name makes version n+1 of "
                             "it. \"activate\": true also makes it the org's active list.",
              .tags = {"estimating"},
              .permission = "quotes:write",
              .request_schema = "PriceListInput",
              .response_schema = "PriceList",
              .success_status = 201},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               auto p = svc.store().WithTxnResult<StoredPriceList>(
                   [&](storage::Txn& txn) -> Result<StoredPriceList> {
                     SIGNX_ASSIGN_OR_RETURN(StoredPriceList created,
                                            CreatePriceList(txn, scope, body, svc.clock()));
                     SIGNX_RETURN_IF_ERROR(
                         Audit(txn, req, scope, "price_list.create", created, svc.clock()));
                     if (created.active) {
                       SIGNX_RETURN_IF_ERROR(
                           Audit(txn, req, scope, "price_list.activate", created, svc.clock()));
                     }
                     return created;
                   });
               if (!p.ok()) return p.status();
               Response r = http::JsonResponse(201, ToJson(*p));
               r.headers.Set("Location", "/v1/price-lists/" + p->id);
               return r;
             }));

  router.Add(
      "GET", "/v1/price-lists",
      {.summary = "Price list versions, newest first",
       .tags = {"estimating"},
       .permission = "projects:read",
       .response_schema = "PriceListList",
       .query_params = {{.name = "name", .description = "only versions of this list"},
                        kPageParams[0],
                        kPageParams[1]}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        std::vector<FieldError> bad;
        const http::PageQuery pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("pl"));
        const int limit = pq.limit;
        const std::string& cursor = pq.cursor;
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        std::optional<std::string> name;
        if (auto n = req.Query("name")) name = std::string(*n);
        auto page = svc.store().WithTxnResult<Page<StoredPriceList>>(
            [&](storage::Txn& txn) { return ListPriceLists(txn, scope, name, limit, cursor); },
            {.read_only = true});
        if (!page.ok()) return page.status();
        json::array items;
        for (const auto& p : page->items) items.push_back(ToJson(p));
        return http::ListResponse(std::move(items), page->next_cursor);
      }));

  router.Add("GET", "/v1/price-lists/{id}",
             {.summary = "One price list version",
              .tags = {"estimating"},
              .permission = "projects:read",
              .response_schema = "PriceList"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               SIGNX_ASSIGN_OR_RETURN(
                   auto p, svc.store().WithTxnResult<StoredPriceList>(
                               [&](storage::Txn& txn) { return GetPriceList(txn, scope, id); },
                               {.read_only = true}));
               return http::JsonResponse(200, ToJson(p));
             }));

  router.Add("POST", "/v1/price-lists/{id}/activate",
             {.summary = "Make this version the org's active price list",
              .description = "Quotes without price_list_id or an inline price_list use it.",
              .tags = {"estimating"},
              .permission = "quotes:write",
              .response_schema = "PriceList"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               auto p = svc.store().WithTxnResult<StoredPriceList>(
                   [&](storage::Txn& txn) -> Result<StoredPriceList> {
                     SIGNX_ASSIGN_OR_RETURN(StoredPriceList before, GetPriceList(txn, scope, id));
                     SIGNX_ASSIGN_OR_RETURN(StoredPriceList p,
                                            ActivatePriceList(txn, scope, id, svc.clock()));
                     if (!before.active) {
                       SIGNX_RETURN_IF_ERROR(
                           Audit(txn, req, scope, "price_list.activate", p, svc.clock()));
                     }
                     return p;
                   });
               if (!p.ok()) return p.status();
               return http::JsonResponse(200, ToJson(*p));
             }));
}

}  // namespace signx::estimating
