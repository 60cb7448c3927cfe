#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "base/strings.h"
#include "estimating/importer.h"
#include "estimating/pages/estimating_pages.h"
#include "estimating/pages/json_fields.h"
#include "http/pagination.h"
#include "identity/scope.h"
#include "project/status.h"
#include "web/views.h"

namespace signx::estimating {

namespace json = boost::json;
using web::Flash;
using web::FormatWhen;
using web::FormPart;
using web::Humanize;
using web::PageContext;
using web::ServiceErrorPage;
using web::UrlEncode;
using web::View;
using web::ViewList;

namespace {

constexpr int kProjectPageSize = 25;

web::Page ProjectsPage(PageContext& ctx, EstimatingService& svc) {
  std::vector<FieldError> bad;
  ProjectListOptions options;
  options.limit = kProjectPageSize;
  options.cursor = http::ReadPageQuery(ctx.request, bad, {}, http::IdCursor("prj")).cursor;
  std::string status;
  if (auto s = ctx.request.Query("status"); s && !s->empty()) {
    if (project::IsStatus(*s)) {
      status = std::string(*s);
      options.status = status;
    } else {
      bad.push_back({"status", "unknown status"});
    }
  }
  if (!bad.empty()) {
    return web::Page::Error(400, "Bad link",
                       "That page link is not valid. Open the project list from the navigation.");
  }
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) {
    return ServiceErrorPage(scope.status(), "Listing projects", ctx.request.request_id);
  }
  auto page = svc.ListProjects(*scope, options);
  if (!page.ok()) {
    return ServiceErrorPage(page.status(), "Listing projects", ctx.request.request_id);
  }

  View v(View::type::object);
  ViewList rows;
  for (const auto& p : page->items) {
    View o(View::type::object);
    o.set("id", p.id);
    o.set("name", p.name);
    o.set("customer", p.customer.value_or(""));
    o.set("location", p.location.value_or(""));
    o.set("status", Humanize(p.status));
    o.set("source", p.source);
    o.set("project_date", p.project_date.value_or(""));
    o.set("created_at", FormatWhen(p.created_at));
    rows.push_back(o);
  }
  v.set("projects", rows);
  v.set("has_projects", !page->items.empty());
  v.set("filtered", !status.empty());
  ViewList statuses;
  {
    View all(View::type::object);
    all.set("value", "");
    all.set("text", "Any status");
    all.set("selected", status.empty());
    statuses.push_back(all);
  }
  for (std::string_view s : project::Statuses()) {
    View o(View::type::object);
    o.set("value", std::string(s));
    o.set("text", Humanize(s));
    o.set("selected", s == status);
    statuses.push_back(o);
  }
  v.set("statuses", statuses);
  const std::string status_param = status.empty() ? "" : "&status=" + UrlEncode(status);
  v.set("has_next", !page->next_cursor.empty());
  v.set("next_url", "/estimating/projects?cursor=" + UrlEncode(page->next_cursor) + status_param);
  v.set("is_later_page", !options.cursor.empty());
  v.set("first_url", status.empty() ? std::string("/estimating/projects")
                                    : "/estimating/projects?status=" + UrlEncode(status));
  v.set("has_pager", !page->next_cursor.empty() || !options.cursor.empty());
  v.set("org_id", scope->org_id);
  return web::Page::Render("Projects", "estimating_projects", std::move(v));
}

constexpr int kImportPageSize = 20;

View ImportsIndexView(PageContext& ctx, EstimatingService& estimating,
                      std::vector<std::string>* bad) {
  View v(View::type::object);
  v.set("can_import", ctx.Can("projects:write"));
  v.set("max_mb", std::to_string(kMaxImportBytes / (1024 * 1024)));
  std::string cursor(ctx.request.Query("cursor").value_or(""));
  if (!cursor.empty() && (!cursor.starts_with("imp_") || cursor.size() > 64 ||
                          cursor.find_first_not_of("imp_0123456789ABCDEFGHJKMNPQRSTVWXYZ") !=
                              std::string::npos)) {
    bad->push_back("cursor");
    return v;
  }
  ViewList list;
  std::string next;
  auto scope = identity::OrgScope(ctx.principal);
  auto page = scope.ok() ? estimating.ListImports(*scope, cursor, kImportPageSize)
                         : Result<Page<ImportRecord>>(scope.status());
  if (page.ok()) {
    next = page->next_cursor;
    for (const auto& r : page->items) {
      View o(View::type::object);
      o.set("id", r.id);
      o.set("filename", r.filename);
      o.set("format", r.format);
      o.set("status", Humanize(r.status));
      o.set("rejected_file", r.status == "rejected");
      o.set("total_rows", std::to_string(r.total_rows));
      o.set("accepted", std::to_string(r.accepted));
      o.set("rejected", std::to_string(r.rejected));
      o.set("mode", r.partial ? "Valid rows only" : "All or nothing");
      o.set("created_at", FormatWhen(r.created_at));
      list.push_back(o);
    }
  } else {
    spdlog::warn("web: listing imports: {}", page.status().ToString());
  }
  v.set("imports", list);
  v.set("has_imports", !list.empty());
  v.set("has_next", !next.empty());
  v.set("next_url", "/estimating/imports?cursor=" + next);
  v.set("is_later_page", !cursor.empty());
  v.set("has_pager", !next.empty() || !cursor.empty());
  return v;
}

web::Page ImportsPage(PageContext& ctx, EstimatingService& estimating) {
  std::vector<std::string> bad;
  View v = ImportsIndexView(ctx, estimating, &bad);
  if (!bad.empty()) {
    return web::Page::Error(400, "Bad link",
                       "That page link is not valid. Open the import history from the navigation.");
  }
  return web::Page::Render("Cost-history imports", "estimating_imports", std::move(v));
}

web::Page UploadImport(PageContext& ctx, EstimatingService& estimating) {
  auto reject = [&](std::string message, int status) {
    std::vector<std::string> bad;
    View v = ImportsIndexView(ctx, estimating, &bad);
    v.set("has_problem", true);
    v.set("problem", std::move(message));
    return web::Page::Render("Cost-history imports", "estimating_imports", std::move(v), status);
  };
  if (ctx.body_error) return reject("The upload could not be read: " + *ctx.body_error, 400);
  const FormPart* file = ctx.File("file");
  if (file == nullptr || file->filename.value_or("").empty()) {
    return reject("Choose a cost-history file (CSV, NDJSON or a KeyedIn cost summary CSV).", 422);
  }
  const std::string type = ToLower(Trim(file->content_type.substr(0, file->content_type.find(';'))));
  const std::string name = ToLower(*file->filename);
  const bool known_type = type.empty() || type == "text/csv" || type == "application/csv" ||
                          type == "text/plain" || type == "application/vnd.ms-excel" ||
                          type == "application/x-ndjson" || type == "application/json" ||
                          type == "application/octet-stream";
  const bool known_name =
      name.ends_with(".csv") || name.ends_with(".ndjson") || name.ends_with(".jsonl") ||
      name.ends_with(".txt") || name.ends_with(".json");
  if (!known_type || ((type.empty() || type == "application/octet-stream") && !known_name)) {
    return reject(fmt::format("“{}” is not a CSV or NDJSON file (type {}).", *file->filename,
                              file->content_type.empty() ? "unknown" : file->content_type),
                  415);
  }
  if (static_cast<int64_t>(file->data.size()) > kMaxImportBytes) {
    return reject(fmt::format("The file is larger than {} MB.",
                              kMaxImportBytes / (1024 * 1024)),
                  413);
  }
  if (!IsValidUtf8(file->data)) {
    return reject("The file is not UTF-8 text; save it as “CSV UTF-8” and upload it again.", 422);
  }
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Importing", ctx.request.request_id);
  ImportOptions options;
  options.filename = file->filename->substr(0, 200);
  options.partial = ctx.Field("partial") == "yes";
  options.drift_queue = &estimating.queue();  // as POST /v1/imports: actuals feed the learning loop
  auto outcome = RunImport(estimating.store(), &estimating.outbox(), *scope,
                                       file->data, options, estimating.clock());
  if (!outcome.ok()) {
    if (outcome.status().code() == ErrorCode::kInvalidArgument ||
        outcome.status().code() == ErrorCode::kValidationFailed ||
        outcome.status().code() == ErrorCode::kPayloadTooLarge) {
      return reject(std::string(outcome.status().message()), 422);
    }
    return ServiceErrorPage(outcome.status(), "Importing", ctx.request.request_id);
  }
  const auto& rec = outcome->record;
  std::string note;
  if (outcome->replayed) {
    note = "This file was imported before; showing that import.";
  } else if (rec.status == "completed") {
    note = fmt::format("Imported {} of {} rows.", rec.accepted, rec.total_rows);
  } else {
    note = fmt::format("Nothing was imported: {} of {} rows were rejected.", rec.rejected,
                       rec.total_rows);
  }
  return web::Page::Redirect("/estimating/imports/" + rec.id,
                        Flash{rec.status == "completed" ? "ok" : "error", note});
}

web::Page ImportPage(PageContext& ctx, EstimatingService& estimating) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Loading the import", ctx.request.request_id);
  const std::string id(ctx.request.PathParam("id"));
  auto rec = estimating.GetImport(*scope, id);
  if (!rec.ok()) return ServiceErrorPage(rec.status(), "Loading the import", ctx.request.request_id);
  View v(View::type::object);
  v.set("id", rec->id);
  v.set("filename", rec->filename);
  v.set("format", rec->format);
  v.set("status", Humanize(rec->status));
  v.set("completed", rec->status == "completed");
  v.set("mode", rec->partial ? "Valid rows only" : "All or nothing");
  v.set("total_rows", std::to_string(rec->total_rows));
  v.set("accepted", std::to_string(rec->accepted));
  v.set("rejected", std::to_string(rec->rejected));
  v.set("created_at", FormatWhen(rec->created_at));
  boost::system::error_code ec;
  json::value report = json::parse(rec->report_json, ec);
  ViewList rejected, ignored;
  bool truncated = false;
  if (!ec && report.is_object()) {
    const auto& o = report.get_object();
    if (const auto* rows = o.if_contains("rejected_rows"); rows && rows->is_array()) {
      for (const auto& r : rows->get_array()) {
        if (!r.is_object()) continue;
        const auto& ro = r.get_object();
        std::string errors;
        if (const auto* es = ro.if_contains("errors"); es && es->is_array()) {
          for (const auto& e : es->get_array()) {
            if (!e.is_object()) continue;
            if (!errors.empty()) errors += "; ";
            const std::string field = StrOf(e.get_object(), "field");
            errors += (field.empty() ? "" : field + ": ") + StrOf(e.get_object(), "message");
          }
        }
        View row(View::type::object);
        row.set("row", std::to_string(IntOf(ro, "row")));
        row.set("external_id", StrOf(ro, "external_id"));
        row.set("errors", errors);
        rejected.push_back(row);
        if (rejected.size() >= 200) break;
      }
    }
    if (const auto* cols = o.if_contains("ignored_columns"); cols && cols->is_array()) {
      for (const auto& c : cols->get_array()) {
        if (c.is_string()) ignored.push_back(View(std::string(c.get_string())));
      }
    }
    if (const auto* t = o.if_contains("truncated"); t && t->is_bool()) truncated = t->get_bool();
  }
  v.set("rejected_rows", rejected);
  v.set("has_rejected_rows", !rejected.empty());
  v.set("ignored_columns", ignored);
  v.set("has_ignored_columns", !ignored.empty());
  v.set("truncated", truncated || rec->rejected > static_cast<int64_t>(rejected.size()));
  return web::Page::Render("Import report", "estimating_import", std::move(v));
}

}  // namespace

void AddProjectPages(web::Shell& shell, EstimatingService& estimating) {
  shell.AddSection({.label = "Projects",
                    .href = "/estimating/projects",
                    .permission = "projects:read",
                    .description = "Past and current sign projects"});
  shell.AddPage(
      "GET", "/estimating/projects",
      {.summary = "Projects", .permission = "projects:read", .section = "/estimating/projects"},
      [&estimating](PageContext& ctx) { return ProjectsPage(ctx, estimating); });

  shell.AddPage("GET", "/estimating/imports",
                {.summary = "Cost-history imports", .permission = "projects:read",
                 .section = "/estimating/projects"},
                [&estimating](PageContext& ctx) { return ImportsPage(ctx, estimating); });
  shell.AddPage("POST", "/estimating/imports",
                {.summary = "Import a cost-history file",
                 .permission = "projects:write",
                 .section = "/estimating/projects",
                 .max_body_bytes = kMaxImportBytes + 64 * 1024},
                [&estimating](PageContext& ctx) { return UploadImport(ctx, estimating); });
  shell.AddPage("GET", "/estimating/imports/{id}",
                {.summary = "An import's accept/reject report", .permission = "projects:read",
                 .section = "/estimating/projects"},
                [&estimating](PageContext& ctx) { return ImportPage(ctx, estimating); });
}


}  // namespace signx::estimating
