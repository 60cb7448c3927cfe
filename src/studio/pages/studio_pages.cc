#include "studio/pages/studio_pages.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/strings.h"
#include "http/json.h"
#include "identity/scope.h"
#include "project/status.h"
#include "studio/payload.h"
#include "web/views.h"

namespace signx::studio {

namespace json = boost::json;
using web::Flash;
using web::FormatWhen;
using web::Humanize;
using web::PageContext;
using web::ServiceErrorPage;
using web::SetOptionalText;
using web::View;
using web::ViewList;

namespace {

constexpr int kColumnSize = 25;
constexpr std::string_view kStale = "changed by someone else — reload";

struct Field {
  std::string name;  // "pole.diameter_in"
  const json::object* schema = nullptr;
  bool required = false;
};

void Flatten(const json::object& schema, const std::string& prefix, std::vector<Field>& out) {
  const json::value* props = schema.if_contains("properties");
  if (!props || !props->is_object()) return;
  std::vector<std::string> required;
  if (const json::value* r = schema.if_contains("required"); r && r->is_array()) {
    for (const auto& x : r->get_array()) {
      if (x.is_string()) required.emplace_back(x.get_string());
    }
  }
  for (const auto& kv : props->get_object()) {
    if (!kv.value().is_object()) continue;
    const json::object& sub = kv.value().get_object();
    const std::string name = prefix + std::string(kv.key());
    const json::value* t = sub.if_contains("type");
    if (t && t->is_string() && t->get_string() == "object") {
      Flatten(sub, name + ".", out);
      continue;
    }
    out.push_back(
        {name, &sub, std::find(required.begin(), required.end(), kv.key()) != required.end()});
  }
}

std::vector<Field> FieldsOf(std::string_view module) {
  std::vector<Field> out;
  Flatten(ModuleSchema(module), "", out);
  return out;
}

std::string TypeOf(const json::object& s) {
  const json::value* t = s.if_contains("type");
  return t && t->is_string() ? std::string(t->get_string()) : "string";
}

const json::value* At(const json::object& o, std::string_view dotted) {
  const json::object* cur = &o;
  auto parts = Split(dotted, '.');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const json::value* v = cur->if_contains(parts[i]);
    if (!v) return nullptr;
    if (i + 1 == parts.size()) return v;
    if (!v->is_object()) return nullptr;
    cur = &v->get_object();
  }
  return nullptr;
}

void Put(json::object& o, std::string_view dotted, json::value v) {
  json::object* cur = &o;
  auto parts = Split(dotted, '.');
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value& next = (*cur)[parts[i]];
    if (!next.is_object()) next = json::object{};
    cur = &next.get_object();
  }
  (*cur)[parts.back()] = std::move(v);
}

std::string Text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v.get_array()) {
      if (!out.empty()) out += ", ";
      out += Text(e);
    }
    return out;
  }
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (v.is_null()) return "";
  return http::ToJsonText(v);
}

std::string Number(double v) {
  std::string s = web::FormatDecimal(v, 2);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

std::string Hint(const json::object& s) {
  std::string out;
  if (const json::value* d = s.if_contains("description"); d && d->is_string()) {
    out = std::string(d->get_string());
  }
  auto num = [&](std::string_view k) -> std::optional<double> {
    const json::value* v = s.if_contains(k);
    return v && v->is_number() ? std::optional<double>(v->to_number<double>()) : std::nullopt;
  };
  std::string range;
  if (auto lo = num("minimum"), hi = num("maximum"); lo && hi) {
    range = Number(*lo) + " to " + Number(*hi);
  } else if (auto x = num("exclusiveMinimum"); x && hi) {
    range = "above " + Number(*x) + ", at most " + Number(*hi);
  }
  if (!range.empty()) out += out.empty() ? range : " (" + range + ")";
  return out;
}

View MoveView(const NextMove& m) {
  View o(View::type::object);
  o.set("to", m.to);
  o.set("label", Humanize(m.to));
  o.set("allowed", !m.refusal.has_value());
  o.set("refused_by", m.refusal ? m.refusal->reason : "");
  o.set("message", m.refusal ? m.refusal->message : "");
  return o;
}

ViewList MovesView(const std::vector<NextMove>& moves) {
  ViewList out;
  for (const auto& m : moves) out.push_back(MoveView(m));
  return out;
}

std::string SnapshotText(const std::string& snapshot_json) {
  boost::system::error_code ec;
  json::value v = json::parse(snapshot_json, ec);
  if (ec || !v.is_object()) return "";
  const json::object& o = v.get_object();
  const std::string status = o.contains("status") ? Text(o.at("status")) : "";
  if (status == "ok") {
    const json::value* c = At(o, "prediction.result.cost_cents");
    const json::value* mv = At(o, "prediction.model_version");
    if (c && c->is_number()) {
      return fmt::format("Predicted cost {} (model {})",
                         web::FormatDollars(c->to_number<int64_t>()), mv ? Text(*mv) : "?");
    }
  }
  return fmt::format("No price: {}", o.contains("reason") ? Text(o.at("reason")) : status);
}

struct ProjectForm {
  std::string module;                         // the module whose form was submitted
  std::map<std::string, std::string> values;  // its submitted values
  std::map<std::string, std::string> errors;  // by field
  std::vector<std::string> other_errors;
  std::string notice;  // 412 / 409 text shown above the editor
};

web::Page ProjectPage(PageContext& ctx, StudioService& svc, const std::string& id,
                      const ProjectForm& form = {}, int status = 200) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Opening the project", ctx.request.request_id);
  auto p = svc.GetProject(*scope, id);
  if (!p.ok()) return ServiceErrorPage(p.status(), "Opening the project", ctx.request.request_id);
  auto moves = svc.NextMoves(*scope, *ctx.principal, id);
  auto current = svc.CurrentPayloads(*scope, id);
  auto events = svc.ListEvents(*scope, id, "", 200);
  if (!moves.ok() || !current.ok() || !events.ok()) {
    const Status& st = !moves.ok()     ? moves.status()
                       : !current.ok() ? current.status()
                                       : events.status();
    return ServiceErrorPage(st, "Opening the project", ctx.request.request_id);
  }
  View v(View::type::object);
  v.set("id", p->id);
  v.set("name", p->name);
  SetOptionalText(v, "customer", p->customer);
  v.set("location", p->location.value_or(""));
  v.set("status", p->status);
  v.set("status_label", Humanize(p->status));
  if (p->held_from) v.set("held_from", Humanize(*p->held_from));
  v.set("version", std::to_string(p->version));
  v.set("moves", MovesView(*moves));
  v.set("has_moves", !moves->empty());
  v.set("can_edit", ctx.Can("projects:write") && !IsFinal(p->status));
  ViewList modules;
  for (std::string_view m : kModules) {
    View mv(View::type::object);
    mv.set("module", std::string(m));
    mv.set("label", Humanize(m));
    auto it = current->find(std::string(m));
    json::object config;
    if (it != current->end()) {
      boost::system::error_code ec;
      json::value c = json::parse(it->second.config_json, ec);
      if (!ec && c.is_object()) config = std::move(c.get_object());
      mv.set("version", std::to_string(it->second.version));
      mv.set("has_payload", true);
      mv.set("sha256", it->second.sha256);
      mv.set("cost_snapshot", SnapshotText(it->second.cost_snapshot_json));
      ViewList files;
      for (const auto& f : it->second.files) {
        View fv(View::type::object);
        fv.set("name", f.name);
        fv.set("href", fmt::format("/v1/projects/{}/payloads/{}/files/{}", p->id, m, f.name));
        fv.set("size", std::to_string(f.size_bytes));
        files.push_back(fv);
      }
      mv.set("files", files);
      mv.set("has_files", !it->second.files.empty());
    } else {
      mv.set("version", "0");
      mv.set("has_payload", false);
    }
    const bool submitted = form.module == m;
    static const std::map<std::string, std::string> kNone;
    mv.set("editor", PayloadEditorView(m, config, submitted ? form.values : kNone,
                                       submitted ? form.errors : kNone));
    mv.set("notice", submitted ? form.notice : "");
    mv.set("has_notice", submitted && !form.notice.empty());
    ViewList other;
    if (submitted) {
      for (const auto& e : form.other_errors) other.push_back(View(e));
    }
    mv.set("other_errors", other);
    mv.set("has_other_errors", !other.empty());
    modules.push_back(mv);
    if (m == "structure" && it != current->end()) {
      auto payload = svc.GetPayload(*scope, id, "structure", std::nullopt);
      if (payload.ok() && payload->calculation) {
        boost::system::error_code ec;
        json::value r = json::parse(payload->calculation->result_json, ec);
        if (!ec && r.is_object()) {
          const json::object& ro = r.get_object();
          View calc(View::type::object);
          calc.set("passed", payload->calculation->passed);
          calc.set("constants_version", payload->calculation->constants_version);
          ViewList trace, failures, assumptions;
          if (const json::value* t = ro.if_contains("trace"); t && t->is_array()) {
            for (const auto& row : t->get_array()) {
              if (!row.is_object()) continue;
              const json::object& to = row.get_object();
              View tv(View::type::object);
              tv.set("symbol", Text(to.at("symbol")));
              tv.set("value", to.at("value").is_number()
                                  ? Number(to.at("value").to_number<double>())
                                  : Text(to.at("value")));
              tv.set("unit", Text(to.at("unit")));
              tv.set("clause", Text(to.at("clause")));
              trace.push_back(tv);
            }
          }
          for (const char* key : {"failures", "assumptions"}) {
            if (const json::value* a = ro.if_contains(key); a && a->is_array()) {
              for (const auto& x : a->get_array()) {
                (std::string_view(key) == "failures" ? failures : assumptions)
                    .push_back(View(Text(x)));
              }
            }
          }
          calc.set("trace", trace);
          calc.set("failures", failures);
          calc.set("has_failures", !failures.empty());
          calc.set("assumptions", assumptions);
          v.set("calculation", calc);
          v.set("has_calculation", true);
        }
      }
      View elevation = ElevationView(config);
      if (elevation.is_object() && !elevation.is_empty_object()) {
        v.set("elevation", elevation);
        v.set("has_elevation", true);
      }
    }
  }
  v.set("modules", modules);
  ViewList timeline;
  for (auto it = events->items.rbegin(); it != events->items.rend(); ++it) {
    View ev(View::type::object);
    ev.set("at", FormatWhen(it->at));
    ev.set("actor", it->actor);
    ev.set("from", it->from_status ? Humanize(*it->from_status) : "");
    ev.set("has_from", it->from_status.has_value());
    ev.set("to", Humanize(it->to_status));
    SetOptionalText(ev, "data", it->data_json == "{}" ? std::string() : it->data_json);
    timeline.push_back(ev);
  }
  v.set("events", timeline);
  // The report of the current payloads, when one was requested.
  {
    auto report = svc.CurrentReport(*scope, id);
    if (report.ok() && *report) {
      const StoredReport& r = **report;
      v.set("has_report", true);
      v.set("report_ready", r.status == "ready");
      v.set("report_status", Humanize(r.status));
      v.set("report_href", fmt::format("/studio/projects/{}/reports/{}.pdf", id, r.id));
    }
    v.set("can_report", ctx.Can("projects:write") && !current->empty());
  }
  return web::Page::Render(p->name, "studio_project", std::move(v), status);
}

// The board's search box: ?q= searches name, customer, site, notes and payload text
// (ProjectSearch: the org's Xapian index, the database while it is rebuilt).
void AddSearchResults(PageContext& ctx, ProjectSearch& search, const Scope& scope, View& v) {
  auto q = ctx.request.Query("q");
  const std::string text = q ? std::string(Trim(*q)) : "";
  v.set("q", text);
  if (text.empty()) return;
  v.set("searched", true);
  if (text.size() > 500) {
    v.set("search_error", std::string("A search is at most 500 characters."));
    return;
  }
  auto found = search.Search(scope, {.q = text, .limit = 20});
  if (!found.ok()) {
    spdlog::warn("studio board search: {}", found.status().ToString());
    v.set("search_error", std::string("The search failed; try again."));
    return;
  }
  ViewList hits;
  for (const ProjectSearchHit& h : found->hits) {
    View hit(View::type::object);
    hit.set("id", h.project_id);
    hit.set("name", h.name);
    SetOptionalText(hit, "customer", h.customer);
    SetOptionalText(hit, "site", h.site);
    hit.set("status", Humanize(h.status));
    hit.set("snippet_html", h.snippet);  // HTML-escaped by ProjectSearch, matches in <mark>
    hits.push_back(hit);
  }
  v.set("hits", hits);
  v.set("no_hits", hits.empty());
  v.set("more_hits", found->next_offset.has_value());
  v.set("from_database", found->source == "database");
}

web::Page BoardPage(PageContext& ctx, StudioService& svc, ProjectSearch& search) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Loading the board", ctx.request.request_id);
  View v(View::type::object);
  AddSearchResults(ctx, search, *scope, v);
  ViewList columns;
  for (std::string_view s : project::Statuses()) {
    auto page = svc.ListByStatus(*scope, s, "", kColumnSize);
    if (!page.ok())
      return ServiceErrorPage(page.status(), "Loading the board", ctx.request.request_id);
    View col(View::type::object);
    col.set("status", std::string(s));
    col.set("label", Humanize(s));
    ViewList cards;
    for (const ProjectState& p : page->items) {
      View card(View::type::object);
      card.set("id", p.id);
      card.set("name", p.name);
      SetOptionalText(card, "customer", p.customer);
      card.set("version", std::to_string(p.version));
      auto moves = svc.NextMoves(*scope, *ctx.principal, p.id);
      card.set("moves", moves.ok() ? MovesView(*moves) : ViewList{});
      cards.push_back(card);
    }
    col.set("projects", cards);
    col.set("count", std::to_string(page->items.size()) + (page->next_cursor.empty() ? "" : "+"));
    col.set("empty", page->items.empty());
    columns.push_back(col);
  }
  v.set("columns", columns);
  v.set("can_move", ctx.Can("projects:write"));
  return web::Page::Render("Project board", "studio_board", std::move(v));
}

web::Page MovePage(PageContext& ctx, StudioService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  const std::string back = ctx.Field("back") == "project" ? "/studio/projects/" + id : "/studio";
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Moving the project", ctx.request.request_id);
  auto version = ParseInt(ctx.Field("version"));
  const std::string to = ctx.Field("to");
  if (!version || !project::IsStatus(to)) {
    // Another org's project (or an unknown one) is a 404 whatever the form says.
    if (auto p = svc.GetProject(*scope, id); !p.ok()) {
      return ServiceErrorPage(p.status(), "Moving the project", ctx.request.request_id);
    }
    return web::Page::Error(400, "Bad form", "The move form is not valid. Reload the page.");
  }
  json::object data;
  if (const std::string note = ctx.Field("note"); !note.empty()) data["note"] = note.substr(0, 500);
  if (auto cost = web::ParseNumber(ctx.Field("actual_cost")); cost && *cost > 0) {
    data["actual_cost_cents"] = static_cast<int64_t>(*cost * 100 + 0.5);
  }
  auto moved = svc.Transition(*scope, *ctx.principal, id, to, *version, data);
  if (moved.ok()) {
    return web::Page::Redirect(back, Flash{"ok", fmt::format("Moved to {}.", Humanize(to))});
  }
  const Status& st = moved.status();
  if (st.code() == ErrorCode::kPreconditionFailed) {
    return web::Page::Redirect(back,
                               Flash{"error", fmt::format("Not moved: the project {}.", kStale)});
  }
  if (st.code() == ErrorCode::kConflict) {
    const std::string guard = st.details().empty() ? "" : st.details()[0].message;
    return web::Page::Redirect(
        back, Flash{"error", fmt::format("Not moved to {}: {}", Humanize(to), st.message())});
  }
  if (st.code() == ErrorCode::kValidationFailed) {
    std::string msg;
    for (const auto& d : st.details())
      msg += (msg.empty() ? "" : "; ") + d.field + ": " + d.message;
    return web::Page::Redirect(back, Flash{"error", "Not moved: " + msg});
  }
  return ServiceErrorPage(st, "Moving the project", ctx.request.request_id);
}

web::Page SavePayloadPage(PageContext& ctx, StudioService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  const std::string module(ctx.request.PathParam("module"));
  if (!IsModule(module)) return web::Page::Error(404, "Not found", "No such payload module.");
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Saving the payload", ctx.request.request_id);
  auto version = ParseInt(ctx.Field("version"));
  if (!version || *version < 0) {
    if (auto p = svc.GetProject(*scope, id); !p.ok()) {  // another org's project: 404 first
      return ServiceErrorPage(p.status(), "Saving the payload", ctx.request.request_id);
    }
    return web::Page::Error(400, "Bad form", "The payload form is not valid. Reload the page.");
  }
  ProjectForm form;
  form.module = module;
  for (const Field& f : FieldsOf(module)) form.values[f.name] = ctx.Field("cfg." + f.name);
  json::object config = ConfigFromForm(module, form.values, form.errors);
  if (!form.errors.empty()) return ProjectPage(ctx, svc, id, form, 422);
  Precondition pre;
  if (*version == 0) {
    pre.must_not_exist = true;
  } else {
    pre.version = *version;
  }
  auto saved = svc.SavePayload(*scope, id, module, pre, config);
  if (saved.ok()) {
    return web::Page::Redirect("/studio/projects/" + id,
                               Flash{"ok", fmt::format("{} saved (version {}).", Humanize(module),
                                                       saved->payload.version)});
  }
  const Status& st = saved.status();
  if (st.code() == ErrorCode::kValidationFailed) {
    std::vector<std::string> shown;
    for (const Field& f : FieldsOf(module)) shown.push_back(f.name);
    for (const auto& d : st.details()) {
      std::string field = d.field.starts_with("config.") ? d.field.substr(7) : d.field;
      if (std::find(shown.begin(), shown.end(), field) != shown.end()) {
        form.errors.emplace(field, d.message);
      } else {
        form.other_errors.push_back(field + ": " + d.message);
      }
    }
    return ProjectPage(ctx, svc, id, form, 422);
  }
  if (st.code() == ErrorCode::kPreconditionFailed) {
    form.notice = fmt::format("Not saved: this payload was {}.", kStale);
    return ProjectPage(ctx, svc, id, form, 412);
  }
  if (st.code() == ErrorCode::kConflict) {
    form.notice = "Not saved: " + std::string(st.message());
    return ProjectPage(ctx, svc, id, form, 409);
  }
  return ServiceErrorPage(st, "Saving the payload", ctx.request.request_id);
}

web::Page RequestReportPage(PageContext& ctx, StudioService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Requesting the report", ctx.request.request_id);
  bool created = false;
  auto r = svc.RequestReport(*scope, id, &created);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kConflict) {
      return web::Page::Redirect("/studio/projects/" + id,
                                 Flash{"error", std::string(r.status().message())});
    }
    return ServiceErrorPage(r.status(), "Requesting the report", ctx.request.request_id);
  }
  return web::Page::Redirect(
      "/studio/projects/" + id,
      Flash{"ok", r->status == "ready" ? "The report of these payloads is ready."
                                       : "The report is being generated; reload in a moment."});
}

web::Page ReportPdfPage(PageContext& ctx, StudioService& svc) {
  const std::string id(ctx.request.PathParam("id"));
  std::string report_id(ctx.request.PathParam("report"));
  if (report_id.ends_with(".pdf")) report_id.resize(report_id.size() - 4);
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return ServiceErrorPage(scope.status(), "Opening the report", ctx.request.request_id);
  auto pdf = svc.ReportPdf(*scope, id, report_id);
  if (!pdf.ok()) {
    if (pdf.status().code() == ErrorCode::kConflict) {
      return web::Page::Redirect("/studio/projects/" + id,
                                 Flash{"info", "The report is not ready yet; reload in a moment."});
    }
    return ServiceErrorPage(pdf.status(), "Opening the report", ctx.request.request_id);
  }
  http::Response r;
  r.status = 200;
  r.content_type = "application/pdf";
  r.headers.Set("Content-Disposition", fmt::format("attachment; filename=\"{}.pdf\"", report_id));
  r.body = std::move(*pdf);
  return web::Page::Raw(std::move(r));
}

}  // namespace

View PayloadEditorView(std::string_view module, const json::object& config,
                       const std::map<std::string, std::string>& form,
                       const std::map<std::string, std::string>& errors) {
  View v(View::type::object);
  ViewList fields;
  for (const Field& f : FieldsOf(module)) {
    const json::object& s = *f.schema;
    const std::string type = TypeOf(s);
    View fv(View::type::object);
    std::string id = fmt::format("studio-{}-{}", module, f.name);
    std::replace(id.begin(), id.end(), '.', '-');
    fv.set("id", id);
    fv.set("name", "cfg." + f.name);
    auto parts = Split(f.name, '.');
    fv.set("label", parts.size() > 1 ? Humanize(parts[0]) + ": " + Humanize(parts.back())
                                     : Humanize(f.name));
    fv.set("required", f.required);
    SetOptionalText(fv, "hint", Hint(s));
    std::string value;
    if (auto it = form.find(f.name); it != form.end()) {
      value = it->second;
    } else if (const json::value* cur = At(config, f.name)) {
      value = Text(*cur);
    }
    fv.set("value", value);
    const json::value* en = s.if_contains("enum");
    const bool is_enum = en && en->is_array();
    fv.set("is_select", is_enum);
    fv.set("is_checkbox", type == "boolean");
    fv.set("is_input", !is_enum && type != "boolean");
    fv.set("input_type", type == "number" || type == "integer" ? "number" : "text");
    fv.set("step", type == "integer" ? "1" : "any");
    fv.set("checked", value == "true" || value == "on");
    if (is_enum) {
      ViewList options;
      View blank(View::type::object);
      blank.set("value", "");
      blank.set("text", "—");
      blank.set("selected", value.empty());
      options.push_back(blank);
      for (const auto& e : en->get_array()) {
        View o(View::type::object);
        o.set("value", Text(e));
        o.set("text", Text(e));
        o.set("selected", Text(e) == value);
        options.push_back(o);
      }
      fv.set("options", options);
    }
    auto err = errors.find(f.name);
    fv.set("has_error", err != errors.end());
    fv.set("error", err != errors.end() ? err->second : "");
    fields.push_back(fv);
  }
  v.set("fields", fields);
  return v;
}

json::object ConfigFromForm(std::string_view module, const std::map<std::string, std::string>& form,
                            std::map<std::string, std::string>& errors) {
  json::object out;
  for (const Field& f : FieldsOf(module)) {
    const json::object& s = *f.schema;
    const std::string type = TypeOf(s);
    auto it = form.find(f.name);
    const std::string raw = it == form.end() ? "" : std::string(Trim(it->second));
    if (type == "boolean") {
      Put(out, f.name, raw == "on" || raw == "true");
      continue;
    }
    if (raw.empty()) continue;
    if (type == "number") {
      auto n = web::ParseNumber(raw);
      if (!n) {
        errors.emplace(f.name, "must be a number");
      } else {
        Put(out, f.name, *n);
      }
    } else if (type == "integer") {
      auto n = ParseInt(raw);
      if (!n) {
        errors.emplace(f.name, "must be a whole number");
      } else {
        Put(out, f.name, static_cast<int64_t>(*n));
      }
    } else if (type == "array") {
      json::array a;
      for (auto part : Split(raw, ',')) {
        if (!Trim(part).empty()) a.push_back(json::string(Trim(part)));
      }
      Put(out, f.name, std::move(a));
    } else {
      Put(out, f.name, json::string(raw));
    }
  }
  return out;
}

View ElevationView(const json::object& c) {
  auto num = [&](std::string_view path) -> std::optional<double> {
    const json::value* v = At(c, path);
    return v && v->is_number() ? std::optional<double>(v->to_number<double>()) : std::nullopt;
  };
  auto b = num("sign_width_ft"), s = num("sign_height_ft"), h = num("top_height_ft"),
       d = num("embedment_ft"), dia = num("footing_diameter_ft"), pole = num("pole.diameter_in");
  if (!b || !s || !h || !d || !dia || *b <= 0 || *s <= 0 || *h < *s || *d <= 0 || *dia <= 0) {
    return View(View::type::object);
  }
  constexpr double kW = 420, kH = 460, kM = 60;
  const double scale = std::min((kW - 2 * kM) / std::max(*b, *dia), (kH - 2 * kM) / (*h + *d));
  const double cx = kW / 2;
  const double top = kM;
  const double ground = top + *h * scale;
  auto n = [](double x) { return web::FormatDecimal(x, 1); };
  auto rect = [&](double x, double y, double w, double hh) {
    View r(View::type::object);
    r.set("x", n(x));
    r.set("y", n(y));
    r.set("w", n(std::max(w, 1.0)));
    r.set("h", n(std::max(hh, 1.0)));
    return r;
  };
  View v(View::type::object);
  v.set("width", n(kW));
  v.set("height", n(kH));
  v.set("scale", Number(scale) + " px/ft");
  v.set("ground_y", n(ground));
  v.set("ground_x2", n(kW - 10));
  v.set("sign", rect(cx - *b * scale / 2, top, *b * scale, *s * scale));
  const double pole_w = std::max(pole.value_or(6) / 12.0 * scale, 2.0);
  v.set("pole", rect(cx - pole_w / 2, top + *s * scale, pole_w, (*h - *s) * scale));
  v.set("pier", rect(cx - *dia * scale / 2, ground, *dia * scale, *d * scale));
  ViewList dims;
  auto dim = [&](double x1, double y1, double x2, double y2, double tx, double ty,
                 std::string text) {
    View o(View::type::object);
    o.set("x1", n(x1));
    o.set("y1", n(y1));
    o.set("x2", n(x2));
    o.set("y2", n(y2));
    o.set("text_x", n(tx));
    o.set("text_y", n(ty));
    o.set("text", std::move(text));
    dims.push_back(o);
  };
  const double sx = cx - *b * scale / 2, ex = cx + *b * scale / 2;
  dim(sx, top - 16, ex, top - 16, cx, top - 22, "B = " + Number(*b) + " ft");
  dim(sx - 16, top, sx - 16, top + *s * scale, sx - 20, top + *s * scale / 2,
      "s = " + Number(*s) + " ft");
  const double rx = std::max(ex, cx + *dia * scale / 2) + 24;
  dim(rx, ground, rx, top, rx + 4, (top + ground) / 2, "h = " + Number(*h) + " ft");
  dim(rx, ground, rx, ground + *d * scale, rx + 4, ground + *d * scale / 2,
      "d = " + Number(*d) + " ft");
  dim(cx - *dia * scale / 2, ground + *d * scale + 14, cx + *dia * scale / 2,
      ground + *d * scale + 14, cx, ground + *d * scale + 30, "⌀ " + Number(*dia) + " ft");
  v.set("dims", dims);
  v.set("summary", fmt::format("Sign {} ft wide and {} ft tall, top {} ft above grade, on a {} ft "
                               "pier {} ft deep",
                               Number(*b), Number(*s), Number(*h), Number(*dia), Number(*d)));
  return v;
}

void AddStudioPages(web::Shell& shell, StudioService& studio, ProjectSearch& search) {
  shell.AddSection({.label = "Studio",
                    .href = "/studio",
                    .permission = "projects:read",
                    .description = "The project board: design, engineering, quotes, production"});
  shell.AddPage("GET", "/studio",
                {.summary = "Project board", .permission = "projects:read", .section = "/studio"},
                [&studio, &search](PageContext& ctx) { return BoardPage(ctx, studio, search); });
  shell.AddPage("POST", "/studio/projects/{id}/move",
                {.summary = "Move a project", .permission = "projects:write", .section = "/studio"},
                [&studio](PageContext& ctx) { return MovePage(ctx, studio); });
  shell.AddPage(
      "GET", "/studio/projects/{id}",
      {.summary = "A studio project", .permission = "projects:read", .section = "/studio"},
      [&studio](PageContext& ctx) {
        return ProjectPage(ctx, studio, std::string(ctx.request.PathParam("id")));
      });
  shell.AddPage("POST", "/studio/projects/{id}/report",
                {.summary = "Generate the project report",
                 .permission = "projects:write",
                 .section = "/studio"},
                [&studio](PageContext& ctx) { return RequestReportPage(ctx, studio); });
  shell.AddPage(
      "GET", "/studio/projects/{id}/reports/{report}",
      {.summary = "Download a project report", .permission = "projects:read", .section = "/studio"},
      [&studio](PageContext& ctx) { return ReportPdfPage(ctx, studio); });
  shell.AddPage("POST", "/studio/projects/{id}/payloads/{module}",
                {.summary = "Save a payload", .permission = "projects:write", .section = "/studio"},
                [&studio](PageContext& ctx) { return SavePayloadPage(ctx, studio); });
}

}  // namespace signx::studio
