// The estimating JSON routes (cost records, specs, imports, quotes) with their OpenAPI schemas;
// the project resource itself is studio's (studio/routes.h). Each aggregate's schema sits beside
// its route so the two are read and changed together; the handlers are short (http::Handle,
// Repository).
#include "estimating/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <functional>
#include <set>

#include "base/strings.h"
#include "estimating/importer.h"
#include "estimating/learning.h"
#include "events/event_types.h"
#include "http/handler.h"
#include "http/idempotency_key.h"
#include "http/json.h"
#include "http/pagination.h"
#include "sign/spec.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::string_view kIdemCostRecords = "cost_records.create";

std::string ETagOf(int64_t version) { return fmt::format("\"v{}\"", version); }


Response WithETag(Response r, int64_t version) {
  r.headers.Set("ETag", ETagOf(version));
  return r;
}

// Runs `fn` with a Repository scoped to the caller's org.
template <typename T>
Result<T> Scoped(EstimatingService& svc, const Request& req,
                 const std::function<Result<T>(Repository&)>& fn, bool read_only = false) {
  SIGNX_ASSIGN_OR_RETURN(Scope scope, identity::OrgScope(req.principal));
  return svc.store().WithTxnResult<T>(
      [&](storage::Txn& txn) -> Result<T> {
        Repository repo(txn, scope, svc.clock());
        return fn(repo);
      },
      {.read_only = read_only});
}


// Driver filters from ?filter=expr (repeatable, comma-separated), ?<driver>=value and
// ?<driver><op>value (which arrives as the parameter name "driver>" with value "140", or as a
// bare name "wind_speed_mph>140").
Result<std::vector<DriverFilter>> FiltersFrom(const Request& req,
                                              const std::set<std::string>& reserved) {
  std::vector<DriverFilter> out;
  std::vector<FieldError> bad;
  auto add = [&](std::string_view expr, std::string_view field) {
    auto f = ParseDriverFilter(expr, field);
    if (f.ok()) {
      out.push_back(std::move(*f));
    } else {
      for (const auto& d : f.status().details()) bad.push_back(d);
    }
  };
  for (const auto& [key, value] : req.query) {
    if (reserved.contains(key)) continue;
    if (key == "filter") {
      for (auto part : Split(value, ',')) {
        if (!Trim(part).empty()) add(Trim(part), "filter");
      }
    } else if (DriverKeyType(key)) {
      add(key + "=" + value, key);
    } else if (key.find_first_of("<>!") != std::string::npos) {
      add(value.empty() ? key : key + "=" + value, "filter");
    } else {
      bad.push_back({key, "unknown query parameter"});
    }
  }
  if (out.size() > 20) bad.push_back({"filter", "at most 20 filters"});
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  return out;
}

constexpr std::string_view kTotalsSchema = R"({"type": "object", "properties": {
  "total_cost_cents": {"type": ["integer", "null"]}, "labor_cost_cents": {"type": ["integer", "null"]},
  "material_cost_cents": {"type": ["integer", "null"]}, "equipment_cost_cents": {"type": ["integer", "null"]},
  "overhead_cost_cents": {"type": ["integer", "null"]}, "tax_cents": {"type": ["integer", "null"]},
  "shipping_cents": {"type": ["integer", "null"]}, "labor_hours": {"type": ["number", "null"]}}})";

constexpr std::string_view kCostLineSchema =
    R"({"type": "object", "description": "One KeyedIn cost-summary line (estimate vs actual by cost type and work code).",
  "properties": {"work_order": {"type": "string"}, "cost_type": {"type": "string", "enum": ["Labor", "Material"]},
  "date": {"type": "string", "format": "date"}, "work_dept": {"type": "string"}, "work_code": {"type": "string"},
  "seq": {"type": "integer"}, "item": {"type": "string"}, "um": {"type": "string"},
  "est_hrs": {"type": "number"}, "act_hrs": {"type": "number"}, "est_qty": {"type": "number"}, "act_qty": {"type": "number"},
  "est_cost_cents": {"type": "integer"}, "act_lab_cents": {"type": "integer"}, "act_bur_cents": {"type": "integer"},
  "act_mat_cents": {"type": "integer"}, "act_out_cents": {"type": "integer"}, "use_tax_cents": {"type": "integer"},
  "job_cost_cents": {"type": "integer"}, "var_cost_cents": {"type": "integer", "readOnly": true},
  "description": {"type": "string"}, "category": {"type": "string"}}})";

constexpr std::string_view kCostRecordInputSchema = R"({"type": "object", "required": ["drivers"],
  "properties": {"external_id": {"type": "string"},
  "drivers": {"$ref": "#/components/schemas/SignSpec"},
  "actual": {"$ref": "#/components/schemas/CostTotals"},
  "estimate": {"$ref": "#/components/schemas/CostTotals"},
  "quoted_price_cents": {"type": "integer"}, "contingency_bp": {"type": "integer"}, "markup_bp": {"type": "integer"},
  "change_order": {"type": "boolean"}, "notes": {"type": "string"},
  "project_date": {"type": "string", "format": "date"}, "cost_date": {"type": "string", "format": "date"},
  "lines": {"type": "array", "items": {"$ref": "#/components/schemas/CostLine"}}}})";

constexpr std::string_view kCostRecordSchema = R"({"type": "object", "properties": {
  "id": {"type": "string", "description": "cr_<ulid>"}, "project_id": {"type": "string"},
  "external_id": {"type": ["string", "null"]}, "import_id": {"type": ["string", "null"]},
  "drivers": {"type": "object"},
  "actual": {"$ref": "#/components/schemas/CostTotals"},
  "estimate": {"$ref": "#/components/schemas/CostTotals"},
  "variance_cents": {"type": ["integer", "null"], "description": "actual - estimate"},
  "quoted_price_cents": {"type": ["integer", "null"]}, "contingency_bp": {"type": ["integer", "null"]},
  "markup_bp": {"type": ["integer", "null"]}, "change_order": {"type": "boolean"},
  "prediction": {"type": ["object", "null"], "description": "filled by the cost model"},
  "notes": {"type": ["string", "null"]}, "project_date": {"type": ["string", "null"]},
  "cost_date": {"type": ["string", "null"]},
  "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
  "lines": {"type": "array", "items": {"$ref": "#/components/schemas/CostLine"}}}})";

constexpr std::string_view kSignSpecSchema =
    R"({"type": "object", "required": ["width_in", "height_in", "wind_speed_mph", "material"],
  "description": "Seed 000 sign specification (sign/spec.h).",
  "properties": {"width_in": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
  "height_in": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
  "wind_speed_mph": {"type": "number", "minimum": 90, "maximum": 200},
  "material": {"type": "string", "enum": ["aluminum", "acm", "steel", "hdpe"]},
  "sign_type": {"type": "string"}, "mounting_type": {"type": "string"}, "foundation_type": {"type": "string"},
  "illumination": {"type": "string"}, "faces": {"type": "integer"}, "quantity": {"type": "integer"},
  "sign_height_ft": {"type": "number"}, "exposure_category": {"type": "string"}}, "additionalProperties": true})";

constexpr std::string_view kImportSchema = R"({"type": "object", "properties": {
  "id": {"type": "string", "description": "imp_<ulid>"}, "filename": {"type": "string"},
  "format": {"type": "string", "enum": ["csv", "ndjson", "keyedin-csv"]},
  "sha256": {"type": "string"}, "size_bytes": {"type": "integer"}, "partial": {"type": "boolean"},
  "status": {"type": "string", "enum": ["completed", "rejected"]},
  "total_rows": {"type": "integer"}, "accepted": {"type": "integer"}, "rejected": {"type": "integer"},
  "replayed": {"type": "boolean"},
  "report": {"type": "object", "properties": {
    "accepted_rows": {"type": "array", "items": {"type": "object"}},
    "rejected_rows": {"type": "array", "items": {"type": "object", "properties": {
      "row": {"type": "integer"}, "external_id": {"type": ["string", "null"]},
      "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}}}}},
  "created_at": {"type": "string", "format": "date-time"}}})";

constexpr std::string_view kQuoteInputSchema = R"({"type": "object",
  "description": "Give request (parts x rates) or from_prediction (a predicted cost as one fixed line).",
  "properties": {"project_id": {"type": "string"},
  "price_list": {"type": "object", "description": "inline estimating/quote.h price list: id, version, method (markup|margin), rate_pct, contingency_pct, materials, labor, machines, quantity_breaks"},
  "price_list_id": {"type": "string", "description": "a stored version (POST /v1/price-lists); without it and without price_list the org's active version prices the quote"},
  "request": {"type": "object", "description": "quantity, contingency_pct, parts [{kind, key, usage, waste_pct, fixed_cents, description}]"},
  "from_prediction": {"type": "object", "properties": {"cost_cents": {"type": "integer"}, "model_version": {"type": "string"}, "description": {"type": "string"}}},
  "quantity": {"type": "integer"}, "contingency_pct": {"type": "number"}}})";

constexpr std::string_view kQuoteSchema = R"({"type": "object", "properties": {
  "id": {"type": "string", "description": "quo_<ulid>"}, "project_id": {"type": ["string", "null"]},
  "price_list_version": {"type": "string"}, "price_list_id": {"type": ["string", "null"]}, "quote": {"type": "object", "description": "lines, cost_subtotal_cents, contingency, total_cost_cents, method, rate_bp, unit_price_cents, price_cents"},
  "request": {"type": "object"}, "quantity": {"type": "integer"}, "total_cost_cents": {"type": "integer"},
  "price_cents": {"type": "integer"},
  "pdf": {"type": "object", "properties": {"status": {"type": "string", "enum": ["pending", "ready"]}, "sha256": {"type": ["string", "null"]}, "job_id": {"type": ["string", "null"]}, "url": {"type": "string"}}},
  "version": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"}}})";

const std::vector<http::ParamDoc> kPageParams = http::PageParams();

Result<Response> CostRecordList(EstimatingService& svc, Request& req,
                                const std::optional<std::string>& project_id) {
  std::vector<FieldError> bad;
  CostRecordQuery q;
  q.project_id = project_id;
  const http::PageQuery pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("cr"));
  q.limit = pq.limit;
  q.cursor = pq.cursor;
  auto filters = FiltersFrom(req, {"limit", "cursor"});
  if (!filters.ok()) {
    for (const auto& d : filters.status().details()) bad.push_back(d);
  } else {
    q.filters = std::move(*filters);
  }
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  auto page = Scoped<Page<StoredCostRecord>>(
      svc, req,
      [&](Repository& repo) -> Result<Page<StoredCostRecord>> {
        if (project_id) SIGNX_RETURN_IF_ERROR(repo.GetProject(*project_id).status());
        return repo.ListCostRecords(q);
      },
      true);
  if (!page.ok()) return page.status();
  json::array items;
  for (const auto& c : page->items) items.push_back(ToJson(c, false));
  return http::ListResponse(std::move(items), page->next_cursor);
}

}  // namespace

void AddEstimatingRoutes(http::Router& router, http::SchemaRegistry& schemas,
                         EstimatingService& svc) {
  schemas.Add("SignSpec", kSignSpecSchema);
  schemas.Add("CostTotals", kTotalsSchema);
  schemas.Add("CostLine", kCostLineSchema);
  schemas.Add("CostRecordInput", kCostRecordInputSchema);
  schemas.Add("CostRecord", kCostRecordSchema);
  schemas.Add("CostRecordList", http::ListSchema("CostRecord"));
  schemas.Add("CostRecordStats", R"({"type": "object", "properties": {
      "group_by": {"type": "string"}, "groups": {"type": "array", "items": {"type": "object", "properties": {
        "group": {"type": "string"}, "count": {"type": "integer"}, "with_actual": {"type": "integer"},
        "mean_actual_cents": {"type": "number"}, "median_actual_cents": {"type": "number"},
        "estimate_mape": {"type": ["number", "null"]}, "mape_count": {"type": "integer"}}}}}})");
  schemas.Add("SpecValidation", R"({"type": "object", "properties": {
      "valid": {"type": "boolean"}, "spec": {"$ref": "#/components/schemas/SignSpec"},
      "area_sqft": {"type": "number"}, "requires_engineering_review": {"type": "boolean"},
      "engineering_review": {"type": ["object", "null"], "properties": {"reason": {"type": "string"}, "route": {"type": "string"}}}}})");
  schemas.Add("Import", kImportSchema);
  schemas.Add("QuoteInput", kQuoteInputSchema);
  schemas.Add("StoredQuote", kQuoteSchema);
  schemas.Add("PdfPending", R"({"type": "object", "properties": {
      "status": {"type": "string", "enum": ["pending"]}, "job_id": {"type": ["string", "null"]},
      "job_url": {"type": ["string", "null"]}}})");

  // ---- cost records ----
  router.Add(
      "POST", "/v1/projects/{id}/cost-records",
      {.summary = "Add a cost record (estimate and/or actual, drivers, lines) to a project",
       .tags = {"estimating"},
       .permission = "projects:write",
       .max_body_bytes = 4 << 20,
       .request_schema = "CostRecordInput",
       .response_schema = "CostRecord",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        const std::string project_id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(auto data, ParseCostRecordJson(body, "", false));
        SIGNX_ASSIGN_OR_RETURN(auto key_or, http::IdempotencyKeyOf(req));
        const std::optional<std::string>& key = key_or;
        bool replayed = false;
        auto c =
            Scoped<StoredCostRecord>(svc, req, [&](Repository& repo) -> Result<StoredCostRecord> {
              replayed = false;
              if (key) {
                SIGNX_ASSIGN_OR_RETURN(auto earlier, repo.FindIdempotent(kIdemCostRecords, *key));
                if (earlier) {
                  replayed = true;
                  return repo.GetCostRecord(*earlier);
                }
              }
              SIGNX_ASSIGN_OR_RETURN(auto created, repo.CreateCostRecord(project_id, data));
              if (created.data.actual.total_cost_cents.value_or(0) > 0) {
                // The learning loop: compare predictions with this actual (learning.h).
                SIGNX_RETURN_IF_ERROR(
                    EnqueueDriftEvaluation(svc.queue(), repo.txn(), created.org_id, svc.clock())
                        .status());
              }
              if (key) {
                SIGNX_RETURN_IF_ERROR(repo.RememberIdempotent(kIdemCostRecords, *key, created.id));
              }
              SIGNX_RETURN_IF_ERROR(
                  svc.outbox()
                      .Append(repo.txn(),
                              {.type = std::string(events::kCostRecordCreated),
                               .org_id = created.org_id,
                               .subject_id = created.id,
                               .payload_json = http::ToJsonText(json::object{
                                   {"cost_record_id", created.id},
                                   {"project_id", created.project_id},
                                   {"total_cost_cents",
                                    created.data.actual.total_cost_cents
                                        ? json::value(*created.data.actual.total_cost_cents)
                                        : json::value(nullptr)}})})
                      .status());
              return created;
            });
        if (!c.ok()) return c.status();
        if (!replayed) svc.outbox().Notify();
        Response r = http::JsonResponse(replayed ? 200 : 201, ToJson(*c, true));
        r.headers.Set("Location", "/v1/cost-records/" + c->id);
        return r;
      }));

  router.Add("GET", "/v1/projects/{id}/cost-records",
             {.summary = "A project's cost records, newest first",
              .tags = {"estimating"},
              .permission = "projects:read",
              .response_schema = "CostRecordList",
              .query_params = kPageParams},
             http::Handle([&svc](Request& req) -> Result<Response> {
               return CostRecordList(svc, req, std::string(req.PathParam("id")));
             }));

  router.Add(
      "GET", "/v1/cost-records",
      {.summary = "Search cost records by driver values",
       .description = "Filters: ?filter=wind_speed_mph>140&filter=foundation_type=drilled_pier "
                      "(comma-separated or repeated), or a driver as the parameter name "
                      "(?foundation_type=drilled_pier). Operators = != > >= < <=; text and "
                      "boolean drivers take = and != only.",
       .tags = {"estimating"},
       .permission = "projects:read",
       .response_schema = "CostRecordList",
       .query_params = {{.name = "filter",
                         .description = "driver expression, e.g. wind_speed_mph>140"},
                        kPageParams[0],
                        kPageParams[1]}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        return CostRecordList(svc, req, std::nullopt);
      }));

  router.Add(
      "GET", "/v1/cost-records/stats",
      {.summary = "Cost statistics grouped by a text driver",
       .description = "Per group: count, mean and median actual cost, and the MAPE of the shop's "
                      "estimate against the actual. Accepts the same filters as /v1/cost-records.",
       .tags = {"estimating"},
       .permission = "projects:read",
       .response_schema = "CostRecordStats",
       .query_params = {{.name = "group_by",
                         .description = "material, sign_type, "
                                        "foundation_type, ... (text drivers)",
                         .required = true},
                        {.name = "filter", .description = "driver expression"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        std::string group_by(req.Query("group_by").value_or(""));
        if (DriverKeyType(group_by) != DriverType::kText) {
          bad.push_back({"group_by",
                         "must be a text driver such as material, sign_type, "
                         "foundation_type, mounting_type, exposure_category"});
        }
        auto filters = FiltersFrom(req, {"group_by"});
        if (!filters.ok()) {
          for (const auto& d : filters.status().details()) bad.push_back(d);
        }
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(
            auto stats,
            Scoped<std::vector<GroupStats>>(
                svc, req, [&](Repository& repo) { return repo.CostStats(group_by, *filters); },
                true));
        json::array groups;
        for (const auto& g : stats) {
          groups.push_back({{"group", g.group},
                            {"count", g.count},
                            {"with_actual", g.with_actual},
                            {"mean_actual_cents", g.mean_actual_cents},
                            {"median_actual_cents", g.median_actual_cents},
                            {"estimate_mape", g.estimate_mape ? json::value(*g.estimate_mape)
                                                              : json::value(nullptr)},
                            {"mape_count", g.mape_count}});
        }
        return http::JsonResponse(
            200, json::object{{"group_by", group_by}, {"groups", std::move(groups)}});
      }));

  router.Add("GET", "/v1/cost-records/{id}",
             {.summary = "One cost record with its estimate-vs-actual lines",
              .tags = {"estimating"},
              .permission = "projects:read",
              .response_schema = "CostRecord"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               const std::string id(req.PathParam("id"));
               SIGNX_ASSIGN_OR_RETURN(
                   auto c,
                   Scoped<StoredCostRecord>(
                       svc, req, [&](Repository& repo) { return repo.GetCostRecord(id); }, true));
               return http::JsonResponse(200, ToJson(c, true));
             }));

  // ---- specs ----
  router.Add(
      "POST", "/v1/specs/validate",
      {.summary = "Validate a sign specification",
       .description = "200 with the normalised spec and requires_engineering_review (area > 500 "
                      "sq ft with wind > 150 mph is not an error), or 422 naming every failing "
                      "field.",
       .tags = {"estimating"},
       .permission = "estimates:predict",
       .request_schema = "SignSpec",
       .response_schema = "SpecValidation",
       .execution = http::Execution::kInline},
      http::Handle([](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(auto spec, sign::ParseSignSpec(body));
        json::object out{{"valid", true},
                         {"spec", sign::ToDrivers(spec)},
                         {"area_sqft", spec.area_sqft},
                         {"requires_engineering_review", spec.requires_engineering_review}};
        out["engineering_review"] =
            spec.requires_engineering_review
                ? json::value(json::object{{"reason", spec.engineering_review_reason},
                                           {"route", std::string(sign::kEngineeringReviewRoute)}})
                : json::value(nullptr);
        return http::JsonResponse(200, out);
      }));

  // ---- imports ----
  router.Add(
      "POST", "/v1/imports",
      {.summary = "Import cost history (CSV, NDJSON or a KeyedIn cost-summary CSV)",
       .description = "The body is the file. Validated row by row in one transaction: "
                      "all-or-nothing (422 with the rejected rows) unless partial=true. "
                      "Re-uploading the same bytes, or with the same Idempotency-Key, returns the "
                      "earlier import (200, replayed=true).",
       .tags = {"estimating"},
       .permission = "projects:write",
       .max_body_bytes = kMaxImportBytes,
       .response_schema = "Import",
       .success_status = 201,
       .query_params = {{.name = "format",
                         .description = "csv, ndjson or keyedin-csv (default: "
                                        "detected)"},
                        {.name = "partial",
                         .type = "boolean",
                         .description = "import the valid rows even when some are rejected"},
                        {.name = "filename", .description = "recorded with the import"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        ImportOptions o;
        o.drift_queue = &svc.queue();
        std::vector<FieldError> bad;
        if (auto f = req.Query("format")) {
          o.format = ParseImportFormat(*f);
          if (!o.format) bad.push_back({"format", "must be csv, ndjson or keyedin-csv"});
        } else if (auto ct = req.Header("Content-Type")) {
          if (ct->find("ndjson") != std::string_view::npos ||
              ct->find("jsonl") != std::string_view::npos) {
            o.format = ImportFormat::kNdjson;
          }
        }
        if (auto p = req.Query("partial")) {
          auto b = ParseBool(*p);
          if (!b) {
            bad.push_back({"partial", "must be true or false"});
          } else {
            o.partial = *b;
          }
        }
        if (auto f = req.Query("filename"); f && !f->empty()) o.filename = std::string(*f);
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
        o.idempotency_key = key;
        SIGNX_ASSIGN_OR_RETURN(
            auto out, RunImport(svc.store(), &svc.outbox(), scope, req.body, o, svc.clock()));
        if (out.record.status == "rejected") {
          return RejectedImportStatus(out.record);
        }
        json::object body = ToJson(out.record);
        body["replayed"] = out.replayed;
        Response r = http::JsonResponse(out.replayed ? 200 : 201, body);
        r.headers.Set("Location", "/v1/imports/" + out.record.id);
        if (out.replayed) r.headers.Set("Idempotent-Replayed", "true");
        return r;
      }));

  router.Add("GET", "/v1/imports/{id}",
             {.summary = "An import with its row report",
              .tags = {"estimating"},
              .permission = "projects:read",
              .response_schema = "Import"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               const std::string id(req.PathParam("id"));
               SIGNX_ASSIGN_OR_RETURN(
                   auto i,
                   Scoped<ImportRecord>(
                       svc, req, [&](Repository& repo) { return repo.GetImport(id); }, true));
               return http::JsonResponse(200, ToJson(i));
             }));

  // ---- quotes ----
  router.Add("POST", "/v1/quotes",
             {.summary = "Price a quote from parts or from a predicted cost",
              .description = "Deterministic (estimating/quote.h): markup and margin kept "
                             "distinct, contingency as its own line, quantity breaks. The PDF is "
                             "rendered in the background (GET /v1/quotes/{id}/pdf).",
              .tags = {"estimating"},
              .permission = "quotes:write",
              .request_schema = "QuoteInput",
              .response_schema = "StoredQuote",
              .success_status = 201},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               bool replayed = false;
               SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
               SIGNX_ASSIGN_OR_RETURN(auto q, svc.CreateQuote(scope, body, key, &replayed));
               Response r =
                   WithETag(http::JsonResponse(replayed ? 200 : 201, ToJson(q)), q.version);
               r.headers.Set("Location", "/v1/quotes/" + q.id);
               return r;
             }));

  router.Add("GET", "/v1/quotes/{id}",
             {.summary = "Get a quote",
              .tags = {"estimating"},
              .permission = "projects:read",
              .response_schema = "StoredQuote"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               const std::string id(req.PathParam("id"));
               SIGNX_ASSIGN_OR_RETURN(
                   auto q,
                   Scoped<StoredQuote>(
                       svc, req, [&](Repository& repo) { return repo.GetQuote(id); }, true));
               return WithETag(http::JsonResponse(200, ToJson(q)), q.version);
             }));

  router.Add(
      "GET", "/v1/quotes/{id}/pdf",
      {.summary = "The quote as PDF (202 with the job id while it is being rendered)",
       .tags = {"estimating"},
       .permission = "projects:read",
       .response_schema = "PdfPending",
       .response_content_type = "application/pdf"},
      http::Handle([&svc](Request& req) -> Result<Response> {
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(
            auto q, Scoped<StoredQuote>(
                        svc, req, [&](Repository& repo) { return repo.GetQuote(id); }, true));
        if (!q.pdf_blob_sha256) {
          Response r = http::JsonResponse(
              202, json::object{
                       {"status", "pending"},
                       {"job_id", q.pdf_job_id ? json::value(*q.pdf_job_id) : json::value(nullptr)},
                       {"job_url", q.pdf_job_id ? json::value("/v1/jobs/" + *q.pdf_job_id)
                                                : json::value(nullptr)}});
          r.headers.Set("Retry-After", "1");
          return r;
        }
        SIGNX_ASSIGN_OR_RETURN(auto bytes, svc.blobs().Read(*q.pdf_blob_sha256));
        Response r;
        r.status = 200;
        r.body = std::move(bytes);
        r.content_type = "application/pdf";
        r.headers.Set("Content-Disposition", fmt::format("inline; filename=\"{}.pdf\"", q.id));
        r.headers.Set("ETag", "\"" + *q.pdf_blob_sha256 + "\"");
        return r;
      }));

  AddLearningAndPriceListRoutes(router, schemas, svc);
}

}  // namespace signx::estimating
