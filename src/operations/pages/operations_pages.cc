#include "operations/pages/operations_pages.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/strings.h"
#include "http/pagination.h"
#include "identity/scope.h"
#include "operations/ingest.h"
#include "web/views.h"

namespace signx::operations {
namespace {

using web::FormatDecimal;
using web::FormatWhen;
using web::Humanize;
using web::PageContext;
using web::ServiceErrorPage;
using web::SetOptionalText;
using web::UrlEncode;
using web::View;
using web::ViewList;

constexpr int kPageSize = 25;
constexpr int kChartDays = 90;

// "12", "12.5", "0.25": at most two decimals, no trailing zeros.
std::string Qty(double v) {
  std::string s = FormatDecimal(v, 2);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s == "-0" ? "0" : s;
}

web::Page BadLink(std::string_view where) {
  return web::Page::Error(
      400, "Bad link",
      fmt::format("That page link is not valid. Open {} from the navigation.", where));
}

View ItemRow(const Item& i) {
  View o(View::type::object);
  o.set("id", i.id);
  o.set("sku", i.sku);
  o.set("name", i.name);
  o.set("unit", i.unit);
  o.set("category", i.category.value_or(""));
  o.set("lead_time_days", std::to_string(i.lead_time_days));
  o.set("safety_stock", Qty(i.safety_stock));
  o.set("reorder_point", Qty(i.reorder_point));
  o.set("cost", web::FormatDollars(i.cost_cents));
  return o;
}

View AlertRow(const Alert& a, bool can_write) {
  View o(View::type::object);
  o.set("id", a.id);
  o.set("item_id", a.item_id);
  o.set("sku", a.sku);
  o.set("rule", Humanize(a.rule));
  o.set("severity", a.severity);
  o.set("critical", a.severity == "critical");
  o.set("status", Humanize(a.status));
  o.set("message", a.message);
  o.set("opened_at", FormatWhen(a.opened_at));
  o.set("acknowledged", a.acknowledged_at ? fmt::format("{} by {}", FormatWhen(*a.acknowledged_at),
                                                        a.acknowledged_by.value_or("?"))
                                          : std::string());
  o.set("resolved", a.resolved_at ? fmt::format("{} by {}", FormatWhen(*a.resolved_at),
                                                a.resolved_by.value_or("?"))
                                  : std::string());
  o.set("has_acknowledged", a.acknowledged_at.has_value());
  o.set("has_resolved", a.resolved_at.has_value());
  o.set("can_acknowledge", can_write && a.status == kAlertOpen);
  o.set("can_resolve", can_write && a.status != kAlertResolved);
  return o;
}

// ---- items ----

web::Page ItemsPage(PageContext& ctx, OperationsService& svc) {
  std::vector<FieldError> bad;
  ItemQuery q;
  q.limit = kPageSize;
  q.cursor = http::ReadPageQuery(ctx.request, bad, {}, [](std::string_view c) {
               return !c.empty() && c.size() <= 64;
             }).cursor;
  std::string filter(ctx.request.Query("q").value_or(""));
  if (filter.size() > 64) bad.push_back({"q", "too long"});
  if (!bad.empty()) return BadLink("the item list");
  if (!filter.empty()) q.q = filter;
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Listing items", ctx.request.request_id);
  auto page = svc.ListItems(*scope, q);
  if (!page.ok()) return ServiceErrorPage(page.status(), "Listing items", ctx.request.request_id);
  View v(View::type::object);
  ViewList rows;
  std::vector<std::string> ids;
  for (const auto& i : page->items) ids.push_back(i.id);
  auto stock = svc.StockOfItems(*scope, ids);
  for (std::size_t k = 0; k < page->items.size(); ++k) {
    const Item& i = page->items[k];
    View row = ItemRow(i);
    if (stock.ok()) {
      const Stock& st = (*stock)[k];
      row.set("on_hand", st.snapshot || st.received_since > 0 || st.consumed_since > 0
                             ? Qty(st.on_hand)
                             : std::string("–"));
      row.set("low", (st.snapshot.has_value() && st.on_hand - st.allocated < i.safety_stock));
    }
    rows.push_back(row);
  }
  v.set("items", rows);
  v.set("has_items", !page->items.empty());
  v.set("q", filter);
  v.set("filtered", !filter.empty());
  const std::string q_param = filter.empty() ? "" : "&q=" + UrlEncode(filter);
  v.set("has_next", !page->next_cursor.empty());
  v.set("next_url", "/operations?cursor=" + UrlEncode(page->next_cursor) + q_param);
  v.set("is_later_page", !q.cursor.empty());
  v.set("has_pager", !page->next_cursor.empty() || !q.cursor.empty());
  auto counts = svc.ListAlerts(*scope, {.limit = 1});
  v.set("has_alerts", counts.ok() && !counts->items.empty());
  v.set("can_forecast", ctx.Can("operations:write"));
  auto runs = svc.ListRuns(*scope, {.limit = 1});
  if (runs.ok() && !runs->items.empty()) {
    const ForecastRun& r = runs->items.front();
    v.set("has_run", true);
    v.set("run_status", Humanize(r.status));
    v.set("run_when", FormatWhen(r.completed_at.value_or(r.created_at)));
    v.set("run_items", std::to_string(r.items));
    v.set("run_skipped", std::to_string(r.skipped));
  }
  return web::Page::Render("Items", "operations_items", std::move(v));
}

web::Page ItemPage(PageContext& ctx, OperationsService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Loading the item", ctx.request.request_id);
  auto detail = svc.GetItemDetail(*scope, id);
  if (!detail.ok()) {
    return ServiceErrorPage(detail.status(), "Loading the item", ctx.request.request_id);
  }
  auto forecast = svc.LatestForecast(*scope, id);
  if (!forecast.ok()) {
    return ServiceErrorPage(forecast.status(), "Loading the forecast", ctx.request.request_id);
  }
  // History up to the day before the forecast starts (or yesterday).
  std::optional<std::string> to;
  if (*forecast && !(*forecast)->points.empty()) {
    auto first = ParseInstant((*forecast)->points.front().day);
    if (first.ok()) to = DayOf(*first - std::chrono::days(1));
  }
  if (!to) to = DayOf(svc.clock().Now() - std::chrono::days(1));
  auto history = svc.DemandHistory(*scope, id, kChartDays, to);
  if (!history.ok()) {
    return ServiceErrorPage(history.status(), "Loading the demand", ctx.request.request_id);
  }
  auto accuracy = svc.AccuracyHistory(*scope, id, 10);
  auto alerts = svc.ListAlerts(*scope, {.item_id = id, .limit = 20});

  View v = ItemRow(detail->item);
  const Stock& st = detail->stock;
  v.set("on_hand", Qty(st.on_hand));
  v.set("on_order", Qty(st.on_order));
  v.set("allocated", Qty(st.allocated));
  v.set("available", Qty(st.on_hand - st.allocated));
  v.set("counted_at", st.snapshot ? FormatWhen(st.snapshot->at) : std::string("never counted"));
  v.set("chart", DemandChartView(*history, *forecast));
  v.set("has_forecast", forecast->has_value());
  if (*forecast) {
    v.set("model", (*forecast)->model);
    v.set("level", fmt::format("{:.0f}%", (*forecast)->level * 100));
    SetOptionalText(v, "notes", (*forecast)->notes);
    double lead = 0;
    for (std::size_t i = 0; i < (*forecast)->points.size(); ++i) {
      if (static_cast<int64_t>(i) < std::max<int64_t>(1, detail->item.lead_time_days)) {
        lead += (*forecast)->points[i].point;
      }
    }
    v.set("lead_time_demand", Qty(lead));
  }
  ViewList acc;
  if (accuracy.ok()) {
    for (const auto& a : *accuracy) {
      View o(View::type::object);
      o.set("model", a.model);
      o.set("points", std::to_string(a.accuracy.points));
      o.set("mape", a.accuracy.mape ? FormatDecimal(*a.accuracy.mape, 1) + "%" : "–");
      o.set("mase", a.accuracy.mase ? FormatDecimal(*a.accuracy.mase, 2) : "–");
      o.set("bias", FormatDecimal(a.accuracy.bias, 2));
      o.set("computed_at", FormatWhen(a.computed_at));
      acc.push_back(o);
    }
  }
  v.set("accuracy", acc);
  v.set("has_accuracy", !acc.empty());
  ViewList alert_rows;
  if (alerts.ok()) {
    for (const auto& a : alerts->items)
      alert_rows.push_back(AlertRow(a, ctx.Can("operations:write")));
  }
  v.set("alerts", alert_rows);
  v.set("has_alerts", !alert_rows.empty());
  ViewList ext;
  for (const auto& [source, ext_id] : detail->external_ids) {
    View o(View::type::object);
    o.set("source", source);
    o.set("external_id", ext_id);
    ext.push_back(o);
  }
  v.set("external_ids", ext);
  v.set("has_external_ids", !ext.empty());
  return web::Page::Render(detail->item.sku + " · " + detail->item.name, "operations_item",
                           std::move(v));
}

web::Page StartForecastRun(PageContext& ctx, OperationsService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Starting a forecast", ctx.request.request_id);
  auto run = svc.StartRun(*scope, 28, 7, 0.8);
  if (!run.ok())
    return ServiceErrorPage(run.status(), "Starting a forecast", ctx.request.request_id);
  return web::Page::Redirect("/operations",
                             web::Flash{"ok",
                                        "Forecast run queued: every item with demand is "
                                        "forecast; alerts appear in the inbox when it "
                                        "finishes."});
}

// ---- alerts ----

web::Page AlertsPage(PageContext& ctx, OperationsService& svc) {
  std::vector<FieldError> bad;
  AlertQuery q;
  q.limit = kPageSize;
  q.cursor = http::ReadPageQuery(ctx.request, bad, {}, http::IdCursor("alr")).cursor;
  std::string status(ctx.request.Query("status").value_or(""));
  if (!status.empty()) {
    if (status != kAlertOpen && status != kAlertAcknowledged && status != kAlertResolved) {
      bad.push_back({"status", "unknown"});
    } else {
      q.status = status;
    }
  }
  if (!bad.empty()) return BadLink("the alerts");
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Listing alerts", ctx.request.request_id);
  auto page = svc.ListAlerts(*scope, q);
  if (!page.ok()) return ServiceErrorPage(page.status(), "Listing alerts", ctx.request.request_id);
  View v(View::type::object);
  ViewList rows;
  for (const auto& a : page->items) rows.push_back(AlertRow(a, ctx.Can("operations:write")));
  v.set("alerts", rows);
  v.set("has_alerts", !rows.empty());
  ViewList tabs;
  for (auto [value, label] : {std::pair<std::string, std::string>{"", "Open and acknowledged"},
                              {"open", "Open"},
                              {"acknowledged", "Acknowledged"},
                              {"resolved", "Resolved"}}) {
    View t(View::type::object);
    t.set("href",
          value.empty() ? std::string("/operations/alerts") : "/operations/alerts?status=" + value);
    t.set("label", label);
    t.set("current", value == status);
    tabs.push_back(t);
  }
  v.set("tabs", tabs);
  const std::string s_param = status.empty() ? "" : "&status=" + UrlEncode(status);
  v.set("has_next", !page->next_cursor.empty());
  v.set("next_url", "/operations/alerts?cursor=" + UrlEncode(page->next_cursor) + s_param);
  v.set("has_pager", !page->next_cursor.empty() || !q.cursor.empty());
  v.set("is_later_page", !q.cursor.empty());
  return web::Page::Render("Alerts", "operations_alerts", std::move(v));
}

web::Page MoveAlert(PageContext& ctx, OperationsService& svc, bool acknowledge) {
  const std::string id(ctx.request.PathParam("id"));
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Updating the alert", ctx.request.request_id);
  auto a = acknowledge ? svc.AcknowledgeAlert(*scope, id) : svc.ResolveAlert(*scope, id);
  std::string back = ctx.Field("return_to");
  if (!web::IsSafeRedirect(back) || !back.starts_with("/operations")) back = "/operations/alerts";
  if (!a.ok()) {
    if (a.status().code() == ErrorCode::kConflict) {
      return web::Page::Redirect(back, web::Flash{"error", std::string(a.status().message())});
    }
    return ServiceErrorPage(a.status(), "Updating the alert", ctx.request.request_id);
  }
  return web::Page::Redirect(
      back, web::Flash{"ok", fmt::format("Alert for {} {}.", a->sku,
                                         acknowledge ? "acknowledged" : "resolved")});
}

// ---- ingest ----

View BatchRow(const Batch& b) {
  View o(View::type::object);
  o.set("id", b.id);
  o.set("filename", b.filename.value_or(b.id));
  o.set("entity", Humanize(EntityName(b.entity)));
  o.set("format", std::string(FormatName(b.format)));
  o.set("source", b.source);
  o.set("status", Humanize(b.status));
  o.set("rejected", b.status == kRejected);
  o.set("working", b.status == kReceived || b.status == kValidated);
  o.set("row_count", std::to_string(b.row_count));
  o.set("applied_rows", std::to_string(b.applied_rows));
  o.set("rejected_rows", std::to_string(b.rejected_rows));
  o.set("error_count", std::to_string(b.error_count));
  o.set("changes", std::to_string(b.changes));
  o.set("mode", b.partial ? "Valid rows only" : "All or nothing");
  SetOptionalText(o, "message", b.message);
  o.set("checksum", b.checksum.substr(0, 12));
  o.set("replays", std::to_string(b.replays));
  o.set("created_at", FormatWhen(b.created_at));
  return o;
}

View IngestIndexView(PageContext& ctx, OperationsService& svc, bool* bad_link) {
  View v(View::type::object);
  v.set("can_ingest", ctx.Can("operations:write"));
  v.set("max_mb", std::to_string(kMaxBatchBytes / (1024 * 1024)));
  ViewList entities;
  for (Entity e : {Entity::kItems, Entity::kProcesses, Entity::kInventory, Entity::kReceipts,
                   Entity::kConsumption}) {
    View o(View::type::object);
    o.set("value", std::string(EntityName(e)));
    o.set("label", Humanize(EntityName(e)));
    entities.push_back(o);
  }
  v.set("entities", entities);
  std::vector<FieldError> bad;
  const auto pq = http::ReadPageQuery(ctx.request, bad, {}, http::IdCursor("bat"));
  if (!bad.empty()) {
    *bad_link = true;
    return v;
  }
  ViewList rows;
  std::string next;
  auto scope = identity::OrgScope(ctx.principal);
  if (scope.ok()) {
    auto page = svc.ListBatches(*scope, {.limit = kPageSize, .cursor = pq.cursor});
    if (page.ok()) {
      for (const auto& b : page->items) rows.push_back(BatchRow(b));
      next = page->next_cursor;
    }
  }
  v.set("batches", rows);
  v.set("has_batches", !rows.empty());
  v.set("has_next", !next.empty());
  v.set("next_url", "/operations/ingest?cursor=" + UrlEncode(next));
  v.set("is_later_page", !pq.cursor.empty());
  v.set("has_pager", !next.empty() || !pq.cursor.empty());
  return v;
}

web::Page IngestPage(PageContext& ctx, OperationsService& svc) {
  bool bad_link = false;
  View v = IngestIndexView(ctx, svc, &bad_link);
  if (bad_link) return BadLink("the ingest history");
  return web::Page::Render("Data ingest", "operations_ingest", std::move(v));
}

web::Page UploadBatch(PageContext& ctx, OperationsService& svc) {
  auto reject = [&](std::string message, int status) {
    bool bad_link = false;
    View v = IngestIndexView(ctx, svc, &bad_link);
    v.set("has_problem", true);
    v.set("problem", std::move(message));
    return web::Page::Render("Data ingest", "operations_ingest", std::move(v), status);
  };
  if (ctx.body_error) return reject("The upload could not be read: " + *ctx.body_error, 400);
  const web::FormPart* file = ctx.File("file");
  if (file == nullptr || file->filename.value_or("").empty() || file->data.empty()) {
    return reject("Choose a CSV, NDJSON or JSON file.", 422);
  }
  auto entity = ParseEntity(ctx.Field("entity"));
  if (!entity) return reject("Choose what the file holds (items, processes, ...).", 422);
  if (!IsValidUtf8(file->data)) {
    return reject("The file is not UTF-8 text; save it as “CSV UTF-8” and upload it again.", 422);
  }
  const std::string name = ToLower(*file->filename);
  Submission s;
  s.entity = *entity;
  s.format = name.ends_with(".ndjson") || name.ends_with(".jsonl") ? Format::kNdjson
             : name.ends_with(".json")                             ? Format::kJson
                                                                   : Format::kCsv;
  std::string source(Trim(ctx.Field("source")));
  if (source.size() > 64)
    return reject("The source system name is longer than 64 characters.", 422);
  s.source = source.empty() ? "upload" : source;
  s.partial = ctx.Field("partial") == "yes";
  s.filename = file->filename->substr(0, 200);
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Uploading", ctx.request.request_id);
  auto out = svc.SubmitBatch(*scope, s, file->data);
  if (!out.ok()) {
    if (out.status().code() == ErrorCode::kValidationFailed ||
        out.status().code() == ErrorCode::kPayloadTooLarge) {
      return reject(std::string(out.status().message()), 422);
    }
    return ServiceErrorPage(out.status(), "Uploading", ctx.request.request_id);
  }
  return web::Page::Redirect(
      "/operations/ingest/" + out->batch.id,
      web::Flash{out->duplicate ? "info" : "ok",
                 out->duplicate ? "This exact file was sent before; here is that batch. Nothing "
                                  "was applied again."
                                : "The file is stored and being processed."});
}

web::Page BatchPage(PageContext& ctx, OperationsService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Loading the batch", ctx.request.request_id);
  auto b = svc.GetBatch(*scope, id);
  if (!b.ok()) return ServiceErrorPage(b.status(), "Loading the batch", ctx.request.request_id);
  auto errors = svc.ListErrors(*scope, id, 200, 0);
  View v = BatchRow(*b);
  ViewList rows;
  if (errors.ok()) {
    for (const auto& e : errors->items) {
      View o(View::type::object);
      o.set("row", e.row == 0 ? std::string("file") : std::to_string(e.row));
      o.set("field", e.field.empty() ? std::string("–") : e.field);
      o.set("rule", e.rule);
      rows.push_back(o);
    }
  }
  v.set("errors", rows);
  v.set("has_errors", !rows.empty());
  v.set("more_errors", errors.ok() && !errors->next_cursor.empty());
  v.set("normalized", b->status == kNormalized);
  return web::Page::Render("Batch " + b->filename.value_or(b->id), "operations_batch",
                           std::move(v));
}

}  // namespace

View DemandChartView(const std::vector<DayQuantity>& history,
                     const std::optional<ItemForecast>& forecast) {
  constexpr double kWidth = 720, kHeight = 260, kLeft = 48, kRight = 12, kTop = 14, kBottom = 34;
  const std::size_t h = history.size();
  const std::size_t f = forecast ? forecast->points.size() : 0;
  const std::size_t n = std::max<std::size_t>(2, h + f);
  double y_max = 0;
  for (const auto& d : history) y_max = std::max(y_max, d.quantity);
  if (forecast) {
    for (const auto& p : forecast->points) y_max = std::max({y_max, p.upper, p.point});
  }
  if (y_max <= 0) y_max = 1;
  y_max *= 1.1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto x = [&](std::size_t i) {
    return kLeft + plot_w * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  auto y = [&](double q) { return kTop + plot_h * (1 - std::clamp(q, 0.0, y_max) / y_max); };
  auto pt = [](double px, double py) { return FormatDecimal(px, 1) + "," + FormatDecimal(py, 1); };
  std::string hist, fc, band_up, band_down;
  for (std::size_t i = 0; i < h; ++i) hist += (i ? " " : "") + pt(x(i), y(history[i].quantity));
  if (forecast) {
    // The forecast line starts at the last actual so the two read as one series.
    if (h > 0) fc = pt(x(h - 1), y(history.back().quantity));
    for (std::size_t j = 0; j < f; ++j) {
      const auto& p = forecast->points[j];
      fc += (fc.empty() ? "" : " ") + pt(x(h + j), y(p.point));
      band_up += (j ? " " : "") + pt(x(h + j), y(p.upper));
    }
    for (std::size_t j = f; j-- > 0;) {
      band_down += " " + pt(x(h + j), y(forecast->points[j].lower));
    }
  }
  View v(View::type::object);
  v.set("width", FormatDecimal(kWidth, 0));
  v.set("height", FormatDecimal(kHeight, 0));
  v.set("has_history", h > 0);
  v.set("has_forecast", f > 0);
  v.set("history_points", hist);
  v.set("forecast_points", fc);
  v.set("band_points", band_up + band_down);
  v.set("today_x", FormatDecimal(x(h), 1));
  v.set("plot_top", FormatDecimal(kTop, 1));
  v.set("axis_y", FormatDecimal(kTop + plot_h, 1));
  v.set("axis_left", FormatDecimal(kLeft, 1));
  v.set("axis_right", FormatDecimal(kWidth - kRight, 1));
  v.set("label_y", FormatDecimal(kHeight - 10, 1));
  v.set("y_max_text", Qty(std::round(y_max * 10) / 10));
  v.set("y_label_x", FormatDecimal(kLeft - 6, 1));
  v.set("y_max_y", FormatDecimal(kTop + 4, 1));
  v.set("first_day", h > 0 ? history.front().day : (f > 0 ? forecast->points.front().day : ""));
  v.set("last_day", f > 0 ? forecast->points.back().day : (h > 0 ? history.back().day : ""));
  double total = 0;
  for (const auto& d : history) total += d.quantity;
  double next = 0;
  if (forecast) {
    for (const auto& p : forecast->points) next += p.point;
  }
  v.set(
      "summary",
      fmt::format("Demand over the last {} days: {} in all. {}", h, Qty(total),
                  f > 0 ? fmt::format("Forecast for the next {} days: {} ({} to {} per day at the "
                                      "end of the band).",
                                      f, Qty(std::round(next * 10) / 10),
                                      Qty(std::round(forecast->points.back().lower * 10) / 10),
                                      Qty(std::round(forecast->points.back().upper * 10) / 10))
                        : std::string("No forecast yet.")));
  return v;
}

void AddOperationsPages(web::Shell& shell, OperationsService& svc) {
  shell.AddSection({.label = "Operations",
                    .href = "/operations",
                    .permission = "operations:read",
                    .description = "Items, stock, demand forecasts, alerts and data ingest"});
  shell.AddPage(
      "GET", "/operations",
      {.summary = "Items with stock", .permission = "operations:read", .section = "/operations"},
      [&svc](PageContext& ctx) { return ItemsPage(ctx, svc); });
  shell.AddPage("POST", "/operations/forecast-runs",
                {.summary = "Start a forecast run over every item",
                 .permission = "operations:write",
                 .section = "/operations",
                 .max_body_bytes = 8 * 1024},
                [&svc](PageContext& ctx) { return StartForecastRun(ctx, svc); });
  shell.AddPage("GET", "/operations/items/{id}",
                {.summary = "An item: stock, demand and forecast chart, accuracy, alerts",
                 .permission = "operations:read",
                 .section = "/operations"},
                [&svc](PageContext& ctx) { return ItemPage(ctx, svc); });
  shell.AddPage(
      "GET", "/operations/alerts",
      {.summary = "Alerts inbox", .permission = "operations:read", .section = "/operations"},
      [&svc](PageContext& ctx) { return AlertsPage(ctx, svc); });
  shell.AddPage("POST", "/operations/alerts/{id}/acknowledge",
                {.summary = "Acknowledge an alert",
                 .permission = "operations:write",
                 .section = "/operations",
                 .max_body_bytes = 8 * 1024},
                [&svc](PageContext& ctx) { return MoveAlert(ctx, svc, true); });
  shell.AddPage("POST", "/operations/alerts/{id}/resolve",
                {.summary = "Resolve an alert",
                 .permission = "operations:write",
                 .section = "/operations",
                 .max_body_bytes = 8 * 1024},
                [&svc](PageContext& ctx) { return MoveAlert(ctx, svc, false); });
  shell.AddPage("GET", "/operations/ingest",
                {.summary = "Ingest history and upload",
                 .permission = "operations:read",
                 .section = "/operations"},
                [&svc](PageContext& ctx) { return IngestPage(ctx, svc); });
  shell.AddPage("POST", "/operations/ingest",
                {.summary = "Send a file as an ingest batch",
                 .permission = "operations:write",
                 .section = "/operations",
                 .max_body_bytes = kMaxBatchBytes + 64 * 1024},
                [&svc](PageContext& ctx) { return UploadBatch(ctx, svc); });
  shell.AddPage("GET", "/operations/ingest/{id}",
                {.summary = "An ingest batch with its error report",
                 .permission = "operations:read",
                 .section = "/operations"},
                [&svc](PageContext& ctx) { return BatchPage(ctx, svc); });
}

}  // namespace signx::operations
