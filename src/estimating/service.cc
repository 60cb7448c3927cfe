#include "estimating/service.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "base/id.h"
#include "blobs/blob_registry.h"
#include "estimating/connector.h"
#include "estimating/learning.h"
#include "estimating/price_lists.h"
#include "estimating/quote.h"
#include "events/event_types.h"
#include "http/json.h"
#include "pdf/document.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;

constexpr std::string_view kIdemQuotes = "quotes.create";

std::string Dollars(int64_t cents) {
  const int64_t a = std::llabs(cents);
  std::string whole = std::to_string(a / 100);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return fmt::format("{}${}.{:02d}", cents < 0 ? "-" : "", grouped, a % 100);
}

int64_t IntOr(const json::object& o, std::string_view key, int64_t fallback = 0) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return fallback;
  return v->to_number<int64_t>();
}

std::string StrOr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

Result<StoredQuote> EstimatingService::CreateQuote(const Scope& scope, const json::object& body,
                                                   const std::optional<std::string>& idem_key,
                                                   bool* replayed,
                                                   const std::function<Status(
                                                       storage::Txn&, const StoredQuote&)>& in_txn) {
  *replayed = false;
  std::vector<FieldError> errors;
  for (const auto& kv : body) {
    static constexpr std::string_view kKeys[] = {
        "project_id", "price_list",      "price_list_id",
        "request",    "from_prediction", "quantity",      "contingency_pct"};
    if (std::find(std::begin(kKeys), std::end(kKeys), kv.key()) == std::end(kKeys)) {
      errors.push_back({std::string(kv.key()), "unknown field"});
    }
  }
  std::optional<std::string> project_id;
  if (const json::value* p = body.if_contains("project_id"); p && !p->is_null()) {
    if (!p->is_string()) {
      errors.push_back({"project_id", "must be a string"});
    } else {
      project_id = std::string(p->as_string());
    }
  }
  std::optional<PriceList> list;
  json::object list_json;
  std::optional<std::string> price_list_id;
  const json::value* pl = body.if_contains("price_list");
  const json::value* pl_id = body.if_contains("price_list_id");
  if (pl_id && !pl_id->is_null() && pl) {
    errors.push_back({"price_list_id", "give price_list_id or an inline price_list, not both"});
  } else if (!pl) {
    // A stored version: the one named, else the org's active one.
    if (pl_id && !pl_id->is_null() && !pl_id->is_string()) {
      errors.push_back({"price_list_id", "must be a string (pl_...)"});
    } else {
      const std::optional<std::string> wanted =
          pl_id && pl_id->is_string() ? std::optional<std::string>(pl_id->get_string())
                                      : std::nullopt;
      auto stored = store_.WithTxnResult<std::optional<StoredPriceList>>(
          [&](storage::Txn& txn) -> Result<std::optional<StoredPriceList>> {
            if (!wanted) return ActivePriceList(txn, scope);
            auto got = GetPriceList(txn, scope, *wanted);
            if (!got.ok() && got.status().code() == ErrorCode::kNotFound) {
              return std::optional<StoredPriceList>();
            }
            if (!got.ok()) return got.status();
            return std::optional<StoredPriceList>(std::move(*got));
          },
          {.read_only = true});
      if (!stored.ok()) return stored.status();
      if (!*stored) {
        errors.push_back(
            {"price_list_id",
             wanted ? "no price list with this id in your organization"
                    : "no active price list: create one with POST /v1/price-lists (activate: "
                      "true) or give price_list_id or an inline price_list"});
      } else {
        auto parsed = ParseStoredPriceList(**stored);
        if (!parsed.ok()) return parsed.status();
        list = std::move(*parsed);
        price_list_id = (*stored)->id;
        boost::system::error_code ec;
        json::value v = json::parse((*stored)->body_json, ec);
        if (!ec && v.is_object()) list_json = std::move(v.as_object());
      }
    }
  } else if (!pl->is_object()) {
    errors.push_back({"price_list",
                      "must be an object (id, version, method, rate_pct, "
                      "materials, labor, machines, quantity_breaks)"});
  } else {
    list_json = pl->as_object();
    auto parsed = ParsePriceList(list_json);
    if (!parsed.ok()) {
      for (const auto& e : parsed.status().details()) {
        errors.push_back({"price_list." + e.field, e.message});
      }
    } else {
      list = std::move(*parsed);
    }
  }
  const json::value* req = body.if_contains("request");
  const json::value* pred = body.if_contains("from_prediction");
  json::object request_json;
  if ((req != nullptr) == (pred != nullptr)) {
    errors.push_back({"request", "give exactly one of request (parts) or from_prediction"});
  } else if (req) {
    if (!req->is_object()) {
      errors.push_back({"request", "must be an object"});
    } else {
      request_json = req->as_object();
    }
    for (std::string_view k : {"quantity", "contingency_pct"}) {
      if (body.contains(k)) {
        errors.push_back({std::string(k), "goes inside request when pricing from parts"});
      }
    }
  } else if (!pred->is_object()) {
    errors.push_back({"from_prediction", "must be an object"});
  } else {
    const auto& p = pred->as_object();
    const json::value* cost = p.if_contains("cost_cents");
    if (!cost || !(cost->is_int64() || cost->is_uint64()) || cost->to_number<int64_t>() <= 0) {
      errors.push_back({"from_prediction.cost_cents", "is required: a positive integer"});
    } else {
      std::string description = StrOr(p, "description");
      if (description.empty()) {
        const std::string mv = StrOr(p, "model_version");
        description = mv.empty() ? "Predicted cost" : "Predicted cost (model " + mv + ")";
      }
      request_json["parts"] =
          json::array{json::object{{"kind", "fixed"},
                                   {"description", description},
                                   {"fixed_cents", cost->to_number<int64_t>()}}};
      if (const json::value* q = body.if_contains("quantity")) request_json["quantity"] = *q;
      if (const json::value* c = body.if_contains("contingency_pct")) {
        request_json["contingency_pct"] = *c;
      }
    }
  }
  std::optional<QuoteRequest> request;
  if (!request_json.empty()) {
    auto parsed = ParseQuoteRequest(request_json);
    if (!parsed.ok()) {
      const std::string prefix = req ? "request." : "";
      for (const auto& e : parsed.status().details())
        errors.push_back({prefix + e.field, e.message});
    } else {
      request = std::move(*parsed);
    }
  }
  std::optional<Quote> quote;
  if (errors.empty() && list && request) {
    auto priced = PriceQuote(*list, *request);
    if (!priced.ok()) {
      for (const auto& e : priced.status().details()) errors.push_back(e);
      if (priced.status().details().empty()) return priced.status();
    } else {
      quote = std::move(*priced);
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));

  bool was_replayed = false;
  auto result = store_.WithTxnResult<StoredQuote>([&](storage::Txn& txn) -> Result<StoredQuote> {
    was_replayed = false;
    Repository repo(txn, scope, clock_);
    if (idem_key) {
      SIGNX_ASSIGN_OR_RETURN(auto earlier, repo.FindIdempotent(kIdemQuotes, *idem_key));
      if (earlier) {
        was_replayed = true;
        return repo.GetQuote(*earlier);
      }
    }
    StoredQuote q;
    q.id = NewId("quo", clock_);
    q.org_id = scope.org_id;
    q.project_id = project_id;
    q.price_list_version = quote->price_list_version;
    q.price_list_id = price_list_id;
    q.price_list_json = http::ToJsonText(list_json);
    q.request_json = http::ToJsonText(request_json);
    q.quote_json = http::ToJsonText(ToJson(*quote));
    q.quantity = quote->quantity;
    q.total_cost_cents = quote->total_cost_cents;
    q.price_cents = quote->price_cents;
    q.created_by = scope.actor;
    q.created_at = clock_.Now();
    q.updated_at = q.created_at;
    SIGNX_ASSIGN_OR_RETURN(
        auto job,
        queue_.Enqueue(txn, {.type = std::string(kRenderQuotePdfJob),
                             .payload_json = http::ToJsonText(json::object{{"quote_id", q.id}}),
                             .org_id = scope.org_id,
                             .max_attempts = 5,
                             .dedupe_key = q.id}));
    q.pdf_job_id = job.id;
    SIGNX_RETURN_IF_ERROR(repo.InsertQuote(q));
    if (in_txn) SIGNX_RETURN_IF_ERROR(in_txn(txn, q));
    if (idem_key) SIGNX_RETURN_IF_ERROR(repo.RememberIdempotent(kIdemQuotes, *idem_key, q.id));
    // A quote for an order imported from the ERP goes back to it (connector.h).
    SIGNX_RETURN_IF_ERROR(OnQuoteCreated(txn, queue_, outbox_, scope, q, clock_).status());
    SIGNX_RETURN_IF_ERROR(outbox_
                              .Append(txn, {.type = std::string(events::kQuoteCreated),
                                            .org_id = scope.org_id,
                                            .subject_id = q.id,
                                            .payload_json = http::ToJsonText(json::object{
                                                {"quote_id", q.id},
                                                {"project_id", project_id ? json::value(*project_id)
                                                                          : json::value(nullptr)},
                                                {"price_list_version", q.price_list_version},
                                                {"price_list_id", price_list_id
                                                                      ? json::value(*price_list_id)
                                                                      : json::value(nullptr)},
                                                {"total_cost_cents", q.total_cost_cents},
                                                {"price_cents", q.price_cents}})})
                              .status());
    return q;
  });
  if (!result.ok()) return result.status();
  if (!was_replayed) outbox_.Notify();
  *replayed = was_replayed;
  return result;
}

Result<std::string> RenderQuotePdf(const StoredQuote& q) {
  boost::system::error_code ec;
  auto parsed = json::parse(q.quote_json, ec);
  if (ec || !parsed.is_object()) return Status(ErrorCode::kDataLoss, "stored quote is not JSON");
  const json::object& quote = parsed.as_object();
  using pdf::Align;
  using pdf::Font;

  // Letter; the text spans x 50-545 pt as before, lines break at 72 pt from the bottom.
  SIGNX_ASSIGN_OR_RETURN(
      pdf::Document doc,
      pdf::Document::Create({.margins = {.top = 42, .right = 67, .bottom = 72, .left = 50},
                             .title = "Quote " + q.id,
                             .creation_time = q.created_at}));
  const pdf::Box head = doc.ReserveBox(28);
  doc.TextAt({head.x, head.y + 8}, "QUOTE", {.font = Font::kBold, .size = 20});
  doc.TextAt({head.x + head.width, head.y + 8}, q.id, {.align = Align::kRight});
  const pdf::Column meta_columns[] = {{}, {.width = 120, .align = Align::kRight}};
  std::vector<pdf::TableRow> meta{
      {.cells = {"Price list " + q.price_list_version, FormatRfc3339(q.created_at).substr(0, 10)}}};
  if (q.project_id) meta.push_back({.cells = {"Project " + *q.project_id}});
  doc.Table(meta_columns, meta, {.padding = 1});
  doc.Spacer(12);

  const pdf::Column line_columns[] = {{.header = "Description", .width = 280},
                                      {.header = "Unit", .width = 100},
                                      {.header = "Cost", .align = Align::kRight}};
  std::vector<pdf::TableRow> lines;
  if (const json::value* lv = quote.if_contains("lines"); lv && lv->is_array()) {
    for (const auto& v : lv->as_array()) {
      if (!v.is_object()) continue;
      const auto& l = v.as_object();
      lines.push_back(
          {.cells = {StrOr(l, "description"), StrOr(l, "unit"), Dollars(IntOr(l, "cost_cents"))}});
    }
  }
  doc.Table(line_columns, lines);

  int64_t contingency = 0, contingency_bp = 0;
  if (const json::value* c = quote.if_contains("contingency"); c && c->is_object()) {
    contingency = IntOr(c->as_object(), "cost_cents");
    contingency_bp = IntOr(c->as_object(), "rate_bp");
  }
  const int64_t qty = IntOr(quote, "quantity", 1);
  const pdf::TableRow totals[] = {
      {.cells = {"", "Cost subtotal", Dollars(IntOr(quote, "cost_subtotal_cents"))}},
      {.cells = {"",
                 fmt::format("Contingency {}.{:02d} %", contingency_bp / 100, contingency_bp % 100),
                 Dollars(contingency)}},
      {.cells = {"", "Total cost", Dollars(IntOr(quote, "total_cost_cents"))}},
      {.cells = {"", fmt::format("Unit price (x{})", qty),
                 Dollars(IntOr(quote, "unit_price_cents"))}},
      {.cells = {"", "PRICE", Dollars(IntOr(quote, "price_cents"))}, .font = Font::kBold}};
  // The totals (five rows of 10 pt text, 1 pt padding) and the note stay together on one page.
  constexpr double kTotalsHeight = 5 * (12.5 + 2) + 5 + 8 * 1.25;
  if (doc.cursor_y() - kTotalsHeight < doc.content_box().y) doc.NewPage();
  const pdf::Column total_columns[] = {{.width = 280}, {.width = 130}, {.align = Align::kRight}};
  doc.Table(total_columns, totals, {.padding = 1});
  doc.Spacer(5);
  const int64_t rate = IntOr(quote, "rate_bp");
  doc.Paragraph(fmt::format("Pricing: {} {}.{:02d} % on cost; amounts rounded half up to the cent.",
                            StrOr(quote, "method"), rate / 100, rate % 100),
                {.size = 8});
  return doc.Save();
}

Result<std::string> RenderAndStoreQuotePdf(storage::Store& store, const blobs::BlobStore& blobs,
                                           const Scope& scope, std::string_view quote_id,
                                           const Clock& clock) {
  SIGNX_ASSIGN_OR_RETURN(
      StoredQuote q,
      store.WithTxnResult<StoredQuote>(
          [&](storage::Txn& txn) { return Repository(txn, scope, clock).GetQuote(quote_id); },
          {.read_only = true}));
  if (q.pdf_blob_sha256) return *q.pdf_blob_sha256;
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, RenderQuotePdf(q));
  SIGNX_ASSIGN_OR_RETURN(blobs::PutResult put, blobs.Put(bytes));
  blobs::BlobRegistry registry(blobs, clock);
  std::string sha = put.info.sha256;
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    Repository repo(txn, scope, clock);
    SIGNX_RETURN_IF_ERROR(registry.Register(txn, put.info, "application/pdf"));
    SIGNX_ASSIGN_OR_RETURN(bool set, repo.SetQuotePdf(quote_id, put.info.sha256));
    if (set) return registry.AddRef(txn, put.info.sha256);
    // Another run stored it first: keep its blob.
    SIGNX_ASSIGN_OR_RETURN(StoredQuote now, repo.GetQuote(quote_id));
    sha = now.pdf_blob_sha256.value_or(put.info.sha256);
    return Status::Ok();
  }));
  return sha;
}

Status RegisterEstimatingJobs(jobs::Queue& queue, storage::Store& store,
                              std::shared_ptr<const blobs::BlobStore> blobs) {
  queue.RegisterHandler(
      std::string(kRenderQuotePdfJob), [&store, blobs](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        auto payload = json::parse(ctx.payload(), ec);
        if (ec || !payload.is_object() || !payload.as_object().contains("quote_id") ||
            !payload.as_object().at("quote_id").is_string()) {
          return InvalidArgument("estimating.render_quote_pdf payload needs {\"quote_id\": \"quo_...\"}");
        }
        if (!ctx.org_id()) return InvalidArgument("estimating.render_quote_pdf needs the job's org_id");
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        const std::string quote_id(payload.as_object().at("quote_id").as_string());
        SIGNX_ASSIGN_OR_RETURN(std::string sha,
                               RenderAndStoreQuotePdf(store, *blobs, scope, quote_id));
        ctx.SetResult(http::ToJsonText(json::object{{"quote_id", quote_id}, {"sha256", sha}}));
        return Status::Ok();
      });
  return RegisterLearningJobs(queue, MakeLearningLoop(queue, std::move(blobs)));
}

Result<Page<Project>> EstimatingService::ListProjects(const Scope& scope,
                                                     const ProjectListOptions& options) {
  return Read<Page<Project>>(scope, [&](Repository& repo) { return repo.ListProjects(options); });
}

Result<StoredQuote> EstimatingService::GetQuote(const Scope& scope, std::string_view id) {
  return Read<StoredQuote>(scope, [&](Repository& repo) { return repo.GetQuote(id); });
}

Result<ImportRecord> EstimatingService::GetImport(const Scope& scope, std::string_view id) {
  return Read<ImportRecord>(scope, [&](Repository& repo) { return repo.GetImport(id); });
}

Result<Page<ImportRecord>> EstimatingService::ListImports(const Scope& scope,
                                                          std::string_view cursor, int limit) {
  return Read<Page<ImportRecord>>(scope,
                                  [&](Repository& repo) { return repo.ListImports(cursor, limit); });
}

}  // namespace signx::estimating
