// The operations JSON routes (ingest batches, items, processes, stock) with their OpenAPI
// schemas; each schema sits beside its route. Handlers are short: parse, call the service, answer.
#include "operations/routes.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/strings.h"
#include "http/handler.h"
#include "http/idempotency_key.h"
#include "http/json.h"
#include "http/pagination.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;
using identity::TenantScope;

std::string ETagOf(int64_t version) { return fmt::format("\"v{}\"", version); }

Response WithETag(Response r, int64_t version) {
  r.headers.Set("ETag", ETagOf(version));
  return r;
}

// The version an If-Match names: kPreconditionRequired without one, kPreconditionFailed when it
// is not one of our tags.
Result<int64_t> IfMatchVersion(const Request& req, std::string_view what) {
  auto if_match = req.Header("If-Match");
  if (!if_match) {
    return Status(ErrorCode::kPreconditionRequired,
                  fmt::format("PATCH needs If-Match: send the ETag from GET {}", what));
  }
  std::string_view tag = Trim(*if_match);
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() > 3 && tag.starts_with("\"v") && tag.ends_with("\"")) {
    if (auto n = ParseInt(tag.substr(2, tag.size() - 3))) return static_cast<int64_t>(*n);
  }
  return Status(ErrorCode::kPreconditionFailed,
                fmt::format("If-Match {} does not match the current ETag", *if_match));
}

std::function<bool(std::string_view)> SkuCursor() {
  return [](std::string_view c) { return !c.empty() && c.size() <= 64; };
}

std::function<bool(std::string_view)> SeqCursor() {
  return [](std::string_view c) {
    auto n = ParseInt(c);
    return n && *n >= 0;
  };
}

json::object AuditJson(const Audit& a) {
  auto parse = [](const std::optional<std::string>& t) -> json::value {
    if (!t) return nullptr;
    std::error_code ec;
    json::value v = json::parse(*t, ec);
    return ec ? json::value(nullptr) : v;
  };
  return {{"id", a.id},
          {"entity", a.entity},
          {"entity_id", a.entity_id},
          {"action", a.action},
          {"before", parse(a.before_json)},
          {"after", parse(a.after_json)},
          {"batch_id", a.batch_id ? json::value(*a.batch_id) : json::value(nullptr)},
          {"actor", a.actor},
          {"at", FormatRfc3339(a.at)}};
}

json::object DetailJson(const ItemDetail& d) {
  json::object o = ToJson(d.item);
  json::object stock{
      {"on_hand", d.stock.on_hand},
      {"on_order", d.stock.on_order},
      {"allocated", d.stock.allocated},
      {"available", d.stock.on_hand - d.stock.allocated},
      {"received_since_count", d.stock.received_since},
      {"consumed_since_count", d.stock.consumed_since},
      {"counted_at",
       d.stock.snapshot ? json::value(FormatRfc3339(d.stock.snapshot->at)) : json::value(nullptr)}};
  o["stock"] = std::move(stock);
  json::array ext;
  for (const auto& [source, id] : d.external_ids) {
    ext.push_back({{"source", source}, {"external_id", id}});
  }
  o["external_ids"] = std::move(ext);
  return o;
}

// What a POST /v1/ingest/batches says about its batch: query parameters, the Content-Type, and
// for a JSON push the body's own entity/source/partial/filename.
Result<Submission> SubmissionOf(const Request& req) {
  std::vector<FieldError> bad;
  Submission s;
  std::optional<Entity> entity;
  std::optional<Format> format;
  if (auto f = req.Query("format")) {
    format = ParseFormat(*f);
    if (!format) bad.push_back({"format", "must be csv, ndjson or json"});
  } else if (auto ct = req.Header("Content-Type")) {
    const std::string t = ToLower(*ct);
    if (t.find("ndjson") != std::string::npos || t.find("jsonl") != std::string::npos) {
      format = Format::kNdjson;
    } else if (t.find("json") != std::string::npos) {
      format = Format::kJson;
    } else {
      format = Format::kCsv;
    }
  } else {
    format = Format::kCsv;
  }
  std::optional<std::string> source, filename;
  std::optional<bool> partial;
  if (format == Format::kJson) {
    std::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (!ec && v.is_object()) {
      const auto& o = v.get_object();
      if (auto* e = o.if_contains("entity"); e && e->is_string()) {
        entity = ParseEntity(e->get_string());
        if (!entity) bad.push_back({"entity", fmt::format("one of {}", kEntityList)});
      }
      if (auto* e = o.if_contains("source"); e && e->is_string())
        source = std::string(e->get_string());
      if (auto* e = o.if_contains("filename"); e && e->is_string())
        filename = std::string(e->get_string());
      if (auto* e = o.if_contains("partial"); e && e->is_bool()) partial = e->get_bool();
    } else if (ec) {
      bad.push_back({"body", "not valid JSON"});
    }
  }
  if (auto e = req.Query("entity")) {
    entity = ParseEntity(*e);
    if (!entity) bad.push_back({"entity", fmt::format("one of {}", kEntityList)});
  }
  if (!entity && bad.empty())
    bad.push_back({"entity", fmt::format("required: one of {}", kEntityList)});
  if (auto v = req.Query("source")) source = std::string(*v);
  if (auto v = req.Query("filename")) filename = std::string(*v);
  if (auto v = req.Query("partial")) {
    partial = ParseBool(*v);
    if (!partial) bad.push_back({"partial", "must be true or false"});
  }
  if (source && (source->empty() || source->size() > 64 || !IsValidUtf8(*source))) {
    bad.push_back({"source", "1 to 64 bytes of UTF-8"});
  }
  if (filename && (filename->size() > 255 || !IsValidUtf8(*filename))) {
    bad.push_back({"filename", "at most 255 bytes of UTF-8"});
  }
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  s.entity = *entity;
  s.format = *format;
  if (source) s.source = *source;
  s.partial = partial.value_or(false);
  if (filename && !filename->empty()) s.filename = *filename;
  return s;
}

constexpr std::string_view kBatchSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "bat_<ulid>"},
  "source": {"type": "string", "description": "the sending system; external ids are per source"},
  "entity": {"type": "string", "enum": ["items", "processes", "inventory", "receipts", "consumption"]},
  "format": {"type": "string", "enum": ["csv", "ndjson", "json"]},
  "filename": {"type": ["string", "null"]},
  "checksum": {"type": "string", "description": "SHA-256 of the bytes as received; a batch with the same checksum is not applied twice"},
  "size_bytes": {"type": "integer"}, "partial": {"type": "boolean"},
  "status": {"type": "string", "enum": ["received", "validated", "normalized", "rejected"]},
  "row_count": {"type": "integer"}, "applied_rows": {"type": "integer"},
  "rejected_rows": {"type": "integer"}, "error_count": {"type": "integer"},
  "changes": {"type": "integer", "description": "audit rows the last application wrote"},
  "message": {"type": ["string", "null"]}, "job_id": {"type": ["string", "null"]},
  "replays": {"type": "integer"}, "created_by": {"type": ["string", "null"]},
  "duplicate": {"type": "boolean", "description": "POST only: the same bytes were sent before"},
  "created_at": {"type": "string", "format": "date-time"},
  "updated_at": {"type": "string", "format": "date-time"},
  "completed_at": {"type": ["string", "null"], "format": "date-time"}}})j";

constexpr std::string_view kRowErrorSchema = R"j({"type": "object", "properties": {
  "row": {"type": "integer", "description": "1-based data row; 0 for the file as a whole"},
  "field": {"type": "string"}, "rule": {"type": "string"}}})j";

constexpr std::string_view kAuditSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string"}, "entity": {"type": "string", "enum": ["item", "process", "inventory_snapshot", "movement", "external_id"]},
  "entity_id": {"type": "string"}, "action": {"type": "string", "enum": ["create", "update", "delete"]},
  "before": {"type": ["object", "null"]}, "after": {"type": ["object", "null"]},
  "batch_id": {"type": ["string", "null"]}, "actor": {"type": "string"},
  "at": {"type": "string", "format": "date-time"}}})j";

constexpr std::string_view kItemSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "itm_<ulid>"}, "sku": {"type": "string"},
  "name": {"type": "string"}, "unit": {"type": "string"}, "category": {"type": ["string", "null"]},
  "lead_time_days": {"type": "integer"}, "reorder_point": {"type": "number"},
  "safety_stock": {"type": "number"}, "cost_cents": {"type": "integer"}, "version": {"type": "integer"},
  "stock": {"type": "object", "description": "GET /v1/items/{id} only: the latest count moved by later receipts and consumption",
    "properties": {"on_hand": {"type": "number"}, "on_order": {"type": "number"}, "allocated": {"type": "number"},
      "available": {"type": "number"}, "received_since_count": {"type": "number"}, "consumed_since_count": {"type": "number"},
      "counted_at": {"type": ["string", "null"], "format": "date-time"}}},
  "external_ids": {"type": "array", "items": {"type": "object", "properties": {"source": {"type": "string"}, "external_id": {"type": "string"}}}},
  "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}})j";

constexpr std::string_view kItemInputSchema = R"j({"type": "object", "additionalProperties": false,
  "properties": {"sku": {"type": "string", "maxLength": 64}, "name": {"type": "string", "maxLength": 500},
  "unit": {"type": "string", "maxLength": 64}, "category": {"type": ["string", "null"]},
  "lead_time_days": {"type": "integer", "minimum": 0, "maximum": 3650},
  "reorder_point": {"type": "number", "minimum": 0}, "safety_stock": {"type": "number", "minimum": 0},
  "cost_cents": {"type": "integer", "minimum": 0}}})j";

constexpr std::string_view kStepSchema =
    R"j({"type": "object", "required": ["seq", "work_centre", "standard_hours"],
  "properties": {"seq": {"type": "integer", "minimum": 1, "maximum": 1000}, "work_centre": {"type": "string"},
  "standard_hours": {"type": "number", "minimum": 0}, "description": {"type": ["string", "null"]}}})j";

constexpr std::string_view kProcessSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "prc_<ulid>"}, "code": {"type": "string"}, "name": {"type": "string"},
  "item_id": {"type": ["string", "null"]},
  "steps": {"type": "array", "items": {"$ref": "#/components/schemas/ProcessStep"}},
  "standard_hours": {"type": "number", "description": "sum over the steps"}, "version": {"type": "integer"},
  "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}})j";

constexpr std::string_view kProcessInputSchema =
    R"j({"type": "object", "additionalProperties": false,
  "properties": {"code": {"type": "string", "maxLength": 64}, "name": {"type": "string"},
  "item_id": {"type": ["string", "null"]},
  "steps": {"type": "array", "items": {"$ref": "#/components/schemas/ProcessStep"}}}})j";

constexpr std::string_view kSnapshotSchema = R"j({"type": "object", "properties": {
  "id": {"type": "string", "description": "inv_<ulid>"}, "item_id": {"type": "string"},
  "on_hand": {"type": "number"}, "on_order": {"type": "number"}, "allocated": {"type": "number"},
  "at": {"type": "string", "format": "date-time"}, "source": {"type": "string"},
  "batch_id": {"type": ["string", "null"]}}})j";

constexpr std::string_view kSnapshotInputSchema = R"j({"type": "object", "required": ["on_hand"],
  "properties": {"on_hand": {"type": "number", "minimum": 0}, "on_order": {"type": "number", "minimum": 0},
  "allocated": {"type": "number", "minimum": 0}, "at": {"type": "string", "description": "RFC 3339 or YYYY-MM-DD; default now"},
  "source": {"type": "string"}}})j";

constexpr std::string_view kDemandSchema = R"j({"type": "object", "properties": {
  "item_id": {"type": "string"}, "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
  "days": {"type": "array", "items": {"type": "object", "properties": {"day": {"type": "string", "format": "date"}, "quantity": {"type": "number"}}}}}})j";

const std::vector<http::ParamDoc> kPageParams = http::PageParams();

}  // namespace

void AddOperationsRoutes(http::Router& router, http::SchemaRegistry& schemas,
                         OperationsService& svc) {
  schemas.Add("IngestBatch", kBatchSchema);
  schemas.Add("IngestBatchList", http::ListSchema("IngestBatch"));
  schemas.Add("IngestRowError", kRowErrorSchema);
  schemas.Add("IngestRowErrorList", http::ListSchema("IngestRowError"));
  schemas.Add("MasterAudit", kAuditSchema);
  schemas.Add("MasterAuditList", http::ListSchema("MasterAudit"));
  schemas.Add("ManufacturingItem", kItemSchema);
  schemas.Add("ManufacturingItemInput", kItemInputSchema);
  schemas.Add("ManufacturingItemList", http::ListSchema("ManufacturingItem"));
  schemas.Add("ProcessStep", kStepSchema);
  schemas.Add("ManufacturingProcess", kProcessSchema);
  schemas.Add("ManufacturingProcessInput", kProcessInputSchema);
  schemas.Add("ManufacturingProcessList", http::ListSchema("ManufacturingProcess"));
  schemas.Add("InventorySnapshot", kSnapshotSchema);
  schemas.Add("InventorySnapshotInput", kSnapshotInputSchema);
  schemas.Add("InventorySnapshotList", http::ListSchema("InventorySnapshot"));
  schemas.Add("DemandHistory", kDemandSchema);

  // ---- ingest ----
  router.Add(
      "POST", "/v1/ingest/batches",
      {.summary = "Send a batch of items, processes, inventory counts, receipts or consumption",
       .description =
           "The body is the file as the source system wrote it: CSV (header row; delimiter "
           "detected), NDJSON (one object a line) or a JSON push ({\"entity\", \"source\", "
           "\"partial\", \"rows\": [...]}). It is stored as received and processed by the "
           "operations.ingest job (GET the batch or /v1/jobs/{job_id} for progress): validated row "
           "by row, then applied in one transaction — all or nothing unless partial=true. The "
           "same bytes again answer 200 with the earlier batch (duplicate=true) and apply nothing.",
       .tags = {"operations"},
       .permission = "operations:write",
       .max_body_bytes = kMaxBatchBytes,
       .response_schema = "IngestBatch",
       .success_status = 202,
       .query_params = {{.name = "entity",
                         .description = "items, processes, inventory, receipts or consumption "
                                        "(required unless a JSON push names it)"},
                        {.name = "format",
                         .description = "csv, ndjson or json (default: from Content-Type)"},
                        {.name = "source", .description = "the sending system (default api)"},
                        {.name = "partial",
                         .type = "boolean",
                         .description = "apply the valid rows even when some are rejected"},
                        {.name = "filename", .description = "recorded with the batch"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(Submission s, SubmissionOf(req));
        SIGNX_ASSIGN_OR_RETURN(Submitted out, svc.SubmitBatch(scope, s, req.body));
        json::object body = ToJson(out.batch);
        body["duplicate"] = out.duplicate;
        Response r = http::JsonResponse(out.duplicate ? 200 : 202, body);
        r.headers.Set("Location", "/v1/ingest/batches/" + out.batch.id);
        return r;
      }));

  router.Add("GET", "/v1/ingest/batches",
             {.summary = "Ingest batches, newest first",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "IngestBatchList",
              .query_params = {{.name = "status",
                                .description = "received, validated, normalized or rejected"},
                               {.name = "entity", .description = std::string(kEntityList)},
                               kPageParams[0],
                               kPageParams[1]}},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               BatchQuery q;
               const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("bat"));
               q.limit = pq.limit;
               q.cursor = pq.cursor;
               if (auto s = req.Query("status")) {
                 if (*s != kReceived && *s != kValidated && *s != kNormalized && *s != kRejected) {
                   bad.push_back({"status", "received, validated, normalized or rejected"});
                 } else {
                   q.status = std::string(*s);
                 }
               }
               if (auto e = req.Query("entity")) {
                 q.entity = ParseEntity(*e);
                 if (!q.entity) bad.push_back({"entity", fmt::format("one of {}", kEntityList)});
               }
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListBatches(scope, q));
               json::array items;
               for (const auto& b : page.items) items.push_back(ToJson(b));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add("GET", "/v1/ingest/batches/{id}",
             {.summary = "One ingest batch: status, counts, the job that processes it",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "IngestBatch"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(Batch b, svc.GetBatch(scope, req.PathParam("id")));
               return http::JsonResponse(200, ToJson(b));
             }));

  router.Add("GET", "/v1/ingest/batches/{id}/errors",
             {.summary = "A batch's row errors (row, field, rule), in the order found",
              .description = "The first 1000 errors are kept; error_count on the batch counts all.",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "IngestRowErrorList",
              .query_params = kPageParams},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               const auto pq = http::ReadPageQuery(
                   req, bad, {.default_limit = 100, .max_limit = 1000}, SeqCursor());
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               const int64_t after = pq.cursor.empty() ? 0 : *ParseInt(pq.cursor);
               SIGNX_ASSIGN_OR_RETURN(auto page,
                                      svc.ListErrors(scope, req.PathParam("id"), pq.limit, after));
               json::array items;
               for (const auto& e : page.items) items.push_back(ToJson(e));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add(
      "GET", "/v1/ingest/batches/{id}/changes",
      {.summary = "The changes a batch made (audit rows with before and after), newest first",
       .tags = {"operations"},
       .permission = "operations:read",
       .response_schema = "MasterAuditList",
       .query_params = kPageParams},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("pma"));
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        const std::string id(req.PathParam("id"));
        SIGNX_RETURN_IF_ERROR(svc.GetBatch(scope, id).status());
        SIGNX_ASSIGN_OR_RETURN(auto page,
                               svc.ListAudits(scope, std::nullopt, id, {pq.limit, pq.cursor}));
        json::array items;
        for (const auto& a : page.items) items.push_back(AuditJson(a));
        return http::ListResponse(std::move(items), page.next_cursor);
      }));

  router.Add("POST", "/v1/ingest/batches/{id}/replay",
             {.summary = "Re-apply a stored batch",
              .description =
                  "Validates and applies the stored bytes again (e.g. a consumption batch "
                  "rejected for unknown SKUs, after the items arrived). Rows already applied stay "
                  "as they are: stock rows are keyed by (batch, row) and item changes are audited "
                  "only when something differs. 409 while the batch is being processed.",
              .tags = {"operations"},
              .permission = "operations:write",
              .response_schema = "IngestBatch",
              .success_status = 202},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(Batch b, svc.Replay(scope, req.PathParam("id")));
               return http::JsonResponse(202, ToJson(b));
             }));

  // ---- items ----
  router.Add(
      "POST", "/v1/items",
      {.summary = "Create a manufacturing item (SKU unique per org)",
       .description = "Idempotency-Key: a repeat returns the item the first call created (200).",
       .tags = {"operations"},
       .permission = "operations:write",
       .request_schema = "ManufacturingItemInput",
       .response_schema = "ManufacturingItem",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(ItemFields f, ItemFieldsFromJson(body, true));
        SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
        bool replayed = false;
        SIGNX_ASSIGN_OR_RETURN(Item item, svc.CreateItem(scope, f, key, &replayed));
        Response r = WithETag(http::JsonResponse(replayed ? 200 : 201, ToJson(item)), item.version);
        r.headers.Set("Location", "/v1/items/" + item.id);
        return r;
      }));

  router.Add(
      "GET", "/v1/items",
      {.summary = "Items by SKU",
       .tags = {"operations"},
       .permission = "operations:read",
       .response_schema = "ManufacturingItemList",
       .query_params = {{.name = "q", .description = "SKU or name starts with"},
                        {.name = "category", .description = "equal to"},
                        {.name = "limit", .type = "integer", .description = "1..200 (default 50)"},
                        {.name = "cursor", .description = "next_cursor of the previous page"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        ItemQuery q;
        const auto pq = http::ReadPageQuery(req, bad, {}, SkuCursor());
        q.limit = pq.limit;
        q.cursor = pq.cursor;
        if (auto v = req.Query("q"); v && !v->empty()) {
          if (v->size() > 64) bad.push_back({"q", "at most 64 bytes"});
          q.q = std::string(*v);
        }
        if (auto v = req.Query("category"); v && !v->empty()) q.category = std::string(*v);
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListItems(scope, q));
        json::array items;
        for (const auto& i : page.items) items.push_back(ToJson(i));
        return http::ListResponse(std::move(items), page.next_cursor);
      }));

  router.Add("GET", "/v1/items/{id}",
             {.summary = "An item with its stock now and its external ids (ETag = version)",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ManufacturingItem"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(ItemDetail d, svc.GetItemDetail(scope, req.PathParam("id")));
               return WithETag(http::JsonResponse(200, DetailJson(d)), d.item.version);
             }));

  router.Add("PATCH", "/v1/items/{id}",
             {.summary = "Change an item",
              .description = "Requires If-Match with the ETag from GET (428 without, 412 stale). "
                             "Fields given replace; category null clears it.",
              .tags = {"operations"},
              .permission = "operations:write",
              .request_schema = "ManufacturingItemInput",
              .response_schema = "ManufacturingItem"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               auto version = IfMatchVersion(req, "/v1/items/" + id);
               if (!version.ok()) {
                 // A missing item is still a 404.
                 SIGNX_RETURN_IF_ERROR(svc.GetItem(scope, id).status());
                 return version.status();
               }
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               SIGNX_ASSIGN_OR_RETURN(ItemFields f, ItemFieldsFromJson(body, false));
               SIGNX_ASSIGN_OR_RETURN(Item item, svc.UpdateItem(scope, id, *version, f));
               return WithETag(http::JsonResponse(200, ToJson(item)), item.version);
             }));

  router.Add("GET", "/v1/items/{id}/history",
             {.summary = "An item's changes (audit rows with before and after), newest first",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "MasterAuditList",
              .query_params = kPageParams},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("pma"));
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               SIGNX_RETURN_IF_ERROR(svc.GetItem(scope, id).status());
               SIGNX_ASSIGN_OR_RETURN(
                   auto page, svc.ListAudits(scope, std::pair<std::string, std::string>{"item", id},
                                             std::nullopt, {pq.limit, pq.cursor}));
               json::array items;
               for (const auto& a : page.items) items.push_back(AuditJson(a));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  router.Add(
      "GET", "/v1/items/{id}/demand",
      {.summary = "An item's daily demand (consumption), zeros included",
       .tags = {"operations"},
       .permission = "operations:read",
       .response_schema = "DemandHistory",
       .query_params = {{.name = "days", .type = "integer", .description = "1..3660 (default 90)"},
                        {.name = "to",
                         .description = "last day, YYYY-MM-DD (default today, UTC)"}}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        int days = 90;
        if (auto v = req.Query("days")) {
          auto n = ParseInt(*v);
          if (!n || *n < 1 || *n > 3660) {
            bad.push_back({"days", "an integer from 1 to 3660"});
          } else {
            days = static_cast<int>(*n);
          }
        }
        std::optional<std::string> to;
        if (auto v = req.Query("to")) {
          auto t = ParseInstant(*v);
          if (!t.ok() || v->size() != 10) {
            bad.push_back({"to", "a date YYYY-MM-DD"});
          } else {
            to = std::string(*v);
          }
        }
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        const std::string id(req.PathParam("id"));
        SIGNX_ASSIGN_OR_RETURN(auto series, svc.DemandHistory(scope, id, days, to));
        json::array out;
        for (const auto& d : series) out.push_back({{"day", d.day}, {"quantity", d.quantity}});
        return http::JsonResponse(200, json::object{{"item_id", id},
                                                    {"from", series.front().day},
                                                    {"to", series.back().day},
                                                    {"days", std::move(out)}});
      }));

  router.Add(
      "POST", "/v1/items/{id}/inventory-snapshots",
      {.summary = "Record a stock count of an item",
       .tags = {"operations"},
       .permission = "operations:write",
       .request_schema = "InventorySnapshotInput",
       .response_schema = "InventorySnapshot",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        RawRow row;
        std::vector<FieldError> bad;
        for (const auto& [k, v] : body) {
          if (k != "on_hand" && k != "on_order" && k != "allocated" && k != "at" && k != "source") {
            bad.push_back({std::string(k), "unknown field"});
          } else if ((k == "at" || k == "source") ? !v.is_string() : !v.is_number()) {
            bad.push_back({std::string(k),
                           (k == "at" || k == "source") ? "must be a string" : "must be a number"});
          } else {
            row.emplace_back(std::string(k),
                             v.is_string() ? std::string(v.get_string()) : json::serialize(v));
          }
        }
        if (!FieldOf(row, "at")) row.emplace_back("at", FormatRfc3339(svc.clock().Now()));
        row.emplace_back("sku", "-");
        std::vector<RowError> errors;
        auto sr = SnapshotRowFrom(row, 0, errors);
        for (const auto& e : errors) bad.push_back({e.field, e.rule});
        std::string source(FieldOf(row, "source").value_or("api"));
        if (source.size() > 64) bad.push_back({"source", "at most 64 bytes"});
        if (!bad.empty()) return ValidationFailed(std::move(bad));
        Snapshot s{.on_hand = sr->on_hand,
                   .on_order = sr->on_order,
                   .allocated = sr->allocated,
                   .at = sr->at,
                   .source = source};
        SIGNX_ASSIGN_OR_RETURN(Snapshot saved,
                               svc.AddSnapshot(scope, req.PathParam("id"), std::move(s)));
        return http::JsonResponse(201, ToJson(saved));
      }));

  router.Add("GET", "/v1/items/{id}/inventory-snapshots",
             {.summary = "An item's stock counts, newest first",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "InventorySnapshotList",
              .query_params = kPageParams},
             http::Handle([&svc](Request& req) -> Result<Response> {
               std::vector<FieldError> bad;
               const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("inv"));
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(
                   auto page, svc.ListSnapshots(scope, req.PathParam("id"), {pq.limit, pq.cursor}));
               json::array items;
               for (const auto& s : page.items) items.push_back(ToJson(s));
               return http::ListResponse(std::move(items), page.next_cursor);
             }));

  // ---- processes ----
  router.Add(
      "POST", "/v1/processes",
      {.summary = "Create a process (routing: steps with work centres and standard hours)",
       .description = "Idempotency-Key: a repeat returns the process the first call created (200).",
       .tags = {"operations"},
       .permission = "operations:write",
       .request_schema = "ManufacturingProcessInput",
       .response_schema = "ManufacturingProcess",
       .success_status = 201},
      http::Handle([&svc](Request& req) -> Result<Response> {
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
        SIGNX_ASSIGN_OR_RETURN(ProcessInput in, ProcessInputFromJson(body, true));
        SIGNX_ASSIGN_OR_RETURN(auto key, http::IdempotencyKeyOf(req));
        bool replayed = false;
        SIGNX_ASSIGN_OR_RETURN(Process p, svc.CreateProcess(scope, in, key, &replayed));
        Response r = WithETag(http::JsonResponse(replayed ? 200 : 201, ToJson(p)), p.version);
        r.headers.Set("Location", "/v1/processes/" + p.id);
        return r;
      }));

  router.Add(
      "GET", "/v1/processes",
      {.summary = "Processes, newest first",
       .tags = {"operations"},
       .permission = "operations:read",
       .response_schema = "ManufacturingProcessList",
       .query_params = {{.name = "item_id", .description = "only this item's routings"},
                        kPageParams[0],
                        kPageParams[1]}},
      http::Handle([&svc](Request& req) -> Result<Response> {
        std::vector<FieldError> bad;
        const auto pq = http::ReadPageQuery(req, bad, {}, http::IdCursor("prc"));
        if (!bad.empty()) return http::BadQuery(std::move(bad));
        std::optional<std::string> item_id;
        if (auto v = req.Query("item_id"); v && !v->empty()) item_id = std::string(*v);
        SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListProcesses(scope, {pq.limit, pq.cursor}, item_id));
        json::array items;
        for (const auto& p : page.items) items.push_back(ToJson(p));
        return http::ListResponse(std::move(items), page.next_cursor);
      }));

  router.Add("GET", "/v1/processes/{id}",
             {.summary = "A process (ETag = version)",
              .tags = {"operations"},
              .permission = "operations:read",
              .response_schema = "ManufacturingProcess"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               SIGNX_ASSIGN_OR_RETURN(Process p, svc.GetProcess(scope, req.PathParam("id")));
               return WithETag(http::JsonResponse(200, ToJson(p)), p.version);
             }));

  router.Add("PATCH", "/v1/processes/{id}",
             {.summary = "Change a process",
              .description = "Requires If-Match (428 without, 412 stale). steps, when given, "
                             "replace every step.",
              .tags = {"operations"},
              .permission = "operations:write",
              .request_schema = "ManufacturingProcessInput",
              .response_schema = "ManufacturingProcess"},
             http::Handle([&svc](Request& req) -> Result<Response> {
               SIGNX_ASSIGN_OR_RETURN(TenantScope scope, identity::OrgScope(req.principal));
               const std::string id(req.PathParam("id"));
               auto version = IfMatchVersion(req, "/v1/processes/" + id);
               if (!version.ok()) {
                 SIGNX_RETURN_IF_ERROR(svc.GetProcess(scope, id).status());
                 return version.status();
               }
               SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
               SIGNX_ASSIGN_OR_RETURN(ProcessInput in, ProcessInputFromJson(body, false));
               SIGNX_ASSIGN_OR_RETURN(Process p, svc.UpdateProcess(scope, id, *version, in));
               return WithETag(http::JsonResponse(200, ToJson(p)), p.version);
             }));

  AddPlanningRoutes(router, schemas, svc);
}

}  // namespace signx::operations
