#include "documents/pages/documents_pages.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>
#include <tuple>

#include "base/strings.h"
#include "documents/classifier.h"
#include "documents/routes.h"
#include "identity/scope.h"
#include "web/views.h"

namespace signx::documents {

namespace json = boost::json;
using web::Flash;
using web::PageContext;
using web::View;
using web::ViewList;

namespace {

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

const json::array& Arr(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : kEmpty;
}

bool Terminal(std::string_view status) { return status == "ready" || status == "failed"; }

int StatusProgress(std::string_view status) {
  if (status == "queued") return 5;
  if (status == "extracting") return 35;
  if (status == "analysing") return 75;
  return 100;
}

ViewList DocTypeOptions(std::string_view selected, bool any) {
  ViewList out;
  if (any) {
    View o(View::type::object);
    o.set("value", "");
    o.set("label", "Any type");
    o.set("selected", selected.empty());
    out.push_back(o);
  }
  for (std::string_view t : kDocTypes) {
    View o(View::type::object);
    o.set("value", std::string(t));
    o.set("label", web::Humanize(t));
    o.set("selected", t == selected);
    out.push_back(o);
  }
  return out;
}

std::string SizeText(int64_t bytes) {
  if (bytes >= (1 << 20))
    return web::FormatDecimal(static_cast<double>(bytes) / (1 << 20), 1) + " MB";
  if (bytes >= 1024) return web::FormatDecimal(static_cast<double>(bytes) / 1024, 1) + " KB";
  return std::to_string(bytes) + " B";
}

View DocumentRow(const Document& d) {
  View r(View::type::object);
  r.set("id", d.id);
  r.set("url", "/documents/" + d.id);
  r.set("filename", d.filename);
  r.set("status", d.status);
  r.set("status_label", web::Humanize(d.status));
  r.set("failed", d.status == "failed");
  r.set("doc_type", d.doc_type ? web::Humanize(*d.doc_type) : std::string("—"));
  r.set("pages", d.page_count ? std::to_string(*d.page_count) : std::string("—"));
  r.set("size", SizeText(d.size_bytes));
  r.set("project_id", d.project_id.value_or(""));
  r.set("has_project", d.project_id.has_value());
  r.set("created_at", web::FormatWhen(d.created_at));
  return r;
}

}  // namespace

View DocumentListView(const Page<Document>& page, const ListOptions& filters, bool can_upload) {
  View v(View::type::object);
  ViewList rows;
  bool processing = false;
  for (const auto& d : page.items) {
    rows.push_back(DocumentRow(d));
    processing |= !Terminal(d.status);
  }
  v.set("documents", rows);
  v.set("has_documents", !page.items.empty());
  v.set("processing", processing);
  v.set("can_upload", can_upload);
  v.set("max_mb", std::to_string(kMaxUploadBytes >> 20));
  v.set("project_id", filters.project_id.value_or(""));
  v.set("has_project", filters.project_id.has_value());
  v.set("type_options", DocTypeOptions(filters.doc_type.value_or(""), true));
  ViewList statuses;
  {
    View any(View::type::object);
    any.set("value", "");
    any.set("label", "Any status");
    any.set("selected", !filters.status);
    statuses.push_back(any);
  }
  for (std::string_view s : kStatuses) {
    View o(View::type::object);
    o.set("value", std::string(s));
    o.set("label", web::Humanize(s));
    o.set("selected", filters.status && *filters.status == s);
    statuses.push_back(o);
  }
  v.set("status_options", statuses);
  std::string query;
  if (filters.status) query += "&status=" + web::UrlEncode(*filters.status);
  if (filters.doc_type) query += "&doc_type=" + web::UrlEncode(*filters.doc_type);
  if (filters.project_id) query += "&project_id=" + web::UrlEncode(*filters.project_id);
  v.set("has_next", !page.next_cursor.empty());
  v.set("next_url", "/documents?cursor=" + web::UrlEncode(page.next_cursor) + query);
  v.set("self_url", "/documents?" + (query.empty() ? std::string() : query.substr(1)));
  return v;
}

View DocumentView(const Document& d, const StoredAnalysis* analysis, const DocumentText* text,
                  std::string_view summary_tab, bool can_write,
                  const std::vector<Feedback>& feedback) {
  // Checklist state: the latest {"done": bool} correction per action item (feedback is in id
  // order, i.e. oldest first).
  std::map<int64_t, bool> done;
  for (const auto& f : feedback) {
    if (f.target != "action_items" || !f.item_index || !f.correction_json) continue;
    boost::system::error_code ec;
    json::value c = json::parse(*f.correction_json, ec);
    if (ec || !c.is_object()) continue;
    if (const json::value* x = c.as_object().if_contains("done"); x && x->is_bool()) {
      done[*f.item_index] = x->as_bool();
    }
  }
  View v(View::type::object);
  v.set("id", d.id);
  v.set("filename", d.filename);
  v.set("media_type", d.media_type);
  v.set("size", SizeText(d.size_bytes));
  v.set("status", d.status);
  v.set("status_label", web::Humanize(d.status));
  v.set("progress", std::to_string(StatusProgress(d.status)));
  v.set("working", !Terminal(d.status));
  v.set("ready", d.status == "ready");
  v.set("failed", d.status == "failed");
  v.set("failure_reason", d.failure_reason.value_or(""));
  v.set("self_url", "/documents/" + d.id);
  v.set("created_at", web::FormatWhen(d.created_at));
  v.set("has_project", d.project_id.has_value());
  v.set("project_id", d.project_id.value_or(""));
  v.set("project_url", "/documents?project_id=" + web::UrlEncode(d.project_id.value_or("")));
  v.set("doc_type", d.doc_type ? web::Humanize(*d.doc_type) : std::string("—"));
  v.set("doc_type_by_user", d.doc_type_source && *d.doc_type_source == "user");
  v.set("confidence", d.doc_type_confidence
                          ? web::FormatDecimal(*d.doc_type_confidence * 100, 0) + " %"
                          : std::string());
  v.set("has_confidence", d.doc_type_confidence.has_value());
  v.set("language", d.language.value_or("—"));
  v.set("pages", d.page_count ? std::to_string(*d.page_count) : std::string("—"));
  v.set("ocr_pages", d.ocr_pages ? std::to_string(*d.ocr_pages) : std::string("0"));
  v.set("document_date", d.document_date.value_or("—"));
  v.set("can_write", can_write);
  v.set("type_options", DocTypeOptions(d.doc_type.value_or(""), false));
  v.set("has_analysis", analysis != nullptr);
  if (analysis) {
    boost::system::error_code ec;
    json::value parsed = json::parse(analysis->analysis_json, ec);
    const json::object a = !ec && parsed.is_object() ? parsed.as_object() : json::object{};
    // Summary tabs.
    const std::string tab = summary_tab == "medium" || summary_tab == "detailed"
                                ? std::string(summary_tab)
                                : std::string("short");
    ViewList tabs;
    for (std::string_view t : {"short", "medium", "detailed"}) {
      View x(View::type::object);
      x.set("name", std::string(t));
      x.set("label", web::Humanize(t));
      x.set("url", "/documents/" + d.id + "?summary=" + std::string(t) + "#summary");
      x.set("current", t == tab);
      tabs.push_back(x);
    }
    v.set("summary_tabs", tabs);
    v.set("summary_tab", tab);
    ViewList summary;
    if (const json::value* s = a.if_contains("summaries"); s && s->is_object()) {
      if (const json::value* one = s->as_object().if_contains(tab); one && one->is_object()) {
        for (const auto& x : Arr(one->as_object(), "sentences")) {
          if (!x.is_object()) continue;
          View line(View::type::object);
          line.set("text", Str(x.as_object(), "text"));
          // An LLM summary's sentences cite no page (page null).
          if (const int64_t page = Int(x.as_object(), "page"); page > 0) {
            line.set("page", std::to_string(page));
          }
          summary.push_back(line);
        }
        if (Str(one->as_object(), "source") == "llm") {
          v.set("summary_model", Str(one->as_object(), "model"));
        }
      }
    }
    v.set("summary", summary);
    v.set("has_summary", !summary.empty());
    // Where each item came from (llm_hook.h): labelled only when the LLM contributed any, so a
    // document analysed offline (the default) shows no labels.
    bool any_llm = false;
    for (const auto& x : Arr(a, "action_items")) {
      any_llm |= x.is_object() && Str(x.as_object(), "source") == "llm";
    }
    std::string llm_model;
    if (const json::value* m = a.if_contains("action_items_llm"); m && m->is_object()) {
      llm_model = Str(m->as_object(), "model");
    }
    ViewList actions;
    int i = 0;
    for (const auto& x : Arr(a, "action_items")) {
      if (!x.is_object()) continue;
      const auto& o = x.as_object();
      View item(View::type::object);
      item.set("done", done.contains(i) && done.at(i));
      item.set("index", std::to_string(i++));
      item.set("text", Str(o, "text"));
      item.set("owner", Str(o, "owner"));
      item.set("has_owner", !Str(o, "owner").empty());
      item.set("due", Str(o, "due"));
      item.set("has_due", !Str(o, "due").empty());
      // An LLM item's due date may come without the words it was written as (due_text null),
      // and its page is null when its text is on no page.
      web::SetOptionalText(item, "due_text", Str(o, "due_text"));
      const int64_t page = Int(o, "page");
      web::SetOptionalText(item, "page", page > 0 ? std::to_string(page) : std::string());
      if (any_llm) {
        const bool llm = Str(o, "source") == "llm";
        View source(View::type::object);
        source.set("name", llm ? "llm" : "offline");
        source.set("label", llm ? "LLM" : "offline");
        std::string title = "Found by SignX's offline analysis of the text";
        if (llm) {
          title = "Found by the optional LLM";
          if (!llm_model.empty()) title += " (" + llm_model + ")";
          title += " in the redacted text";
        }
        source.set("title", title);
        item.set("source", source);
      } else {
        item.set("source", false);  // never the enclosing context's
      }
      actions.push_back(item);
    }
    v.set("action_items", actions);
    v.set("has_action_items", !actions.empty());
    v.set("action_items_by_llm", any_llm);
    web::SetOptionalText(v, "action_items_model", llm_model);
    ViewList decisions;
    for (const auto& x : Arr(a, "decisions")) {
      if (!x.is_object()) continue;
      View item(View::type::object);
      item.set("text", Str(x.as_object(), "text"));
      item.set("page", std::to_string(Int(x.as_object(), "page")));
      decisions.push_back(item);
    }
    v.set("decisions", decisions);
    v.set("has_decisions", !decisions.empty());
    ViewList risks;
    for (const auto& x : Arr(a, "risks")) {
      if (!x.is_object()) continue;
      View item(View::type::object);
      item.set("text", Str(x.as_object(), "text"));
      item.set("severity", Str(x.as_object(), "severity"));
      item.set("page", std::to_string(Int(x.as_object(), "page")));
      risks.push_back(item);
    }
    v.set("risks", risks);
    v.set("has_risks", !risks.empty());
    ViewList entities;
    for (const auto& x : Arr(a, "entities")) {
      if (!x.is_object()) continue;
      View item(View::type::object);
      item.set("kind", web::Humanize(Str(x.as_object(), "kind")));
      item.set("text", Str(x.as_object(), "text"));
      item.set("count", std::to_string(Int(x.as_object(), "count")));
      item.set("page", std::to_string(Int(x.as_object(), "page")));
      entities.push_back(item);
    }
    v.set("entities", entities);
    v.set("has_entities", !entities.empty());
  }
  // The text with the action items, decisions and risks highlighted: each page is cut into
  // segments, the highlighted ones rendered in <mark> (escaped like any other text).
  std::map<int, std::vector<std::pair<std::string, std::string>>> marks;  // page → (text, kind)
  if (analysis) {
    boost::system::error_code ec;
    json::value parsed = json::parse(analysis->analysis_json, ec);
    if (!ec && parsed.is_object()) {
      for (auto [key, kind] : {std::pair{"action_items", "action"},
                               std::pair{"decisions", "decision"}, std::pair{"risks", "risk"}}) {
        for (const auto& x : Arr(parsed.as_object(), key)) {
          if (!x.is_object()) continue;
          const std::string t = Str(x.as_object(), "text");
          if (!t.empty()) marks[static_cast<int>(Int(x.as_object(), "page"))].push_back({t, kind});
        }
      }
    }
  }
  ViewList pages;
  if (text) {
    for (const auto& p : text->pages) {
      View page(View::type::object);
      page.set("page", std::to_string(p.page));
      page.set("ocr", p.ocr);
      // Non-overlapping occurrences, earliest first.
      std::vector<std::tuple<std::size_t, std::size_t, std::string>> spans;
      for (const auto& [t, kind] : marks[p.page]) {
        const std::size_t at = p.text.find(t);
        if (at != std::string::npos) spans.emplace_back(at, at + t.size(), kind);
      }
      std::sort(spans.begin(), spans.end());
      ViewList segments;
      std::size_t pos = 0;
      auto plain = [&](std::size_t end) {
        if (end <= pos) return;
        View seg(View::type::object);
        seg.set("text", p.text.substr(pos, end - pos));
        seg.set("mark", false);
        segments.push_back(seg);
        pos = end;
      };
      for (const auto& [start, end, kind] : spans) {
        if (start < pos) continue;
        plain(start);
        View seg(View::type::object);
        seg.set("text", p.text.substr(start, end - start));
        seg.set("mark", true);
        seg.set("kind", kind);
        segments.push_back(seg);
        pos = end;
      }
      plain(p.text.size());
      page.set("segments", segments);
      pages.push_back(page);
    }
  }
  v.set("text_pages", pages);
  v.set("has_text", !pages.empty());
  return v;
}

namespace {

web::Page ListPage(PageContext& ctx, DocumentService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return web::ServiceErrorPage(scope.status(), "Listing documents", ctx.request.request_id);
  ListOptions o;
  o.limit = 50;
  if (auto s = ctx.request.Query("status"); s && !s->empty()) {
    if (std::find(std::begin(kStatuses), std::end(kStatuses), *s) != std::end(kStatuses)) {
      o.status = std::string(*s);
    }
  }
  if (auto t = ctx.request.Query("doc_type"); t && IsDocType(*t)) o.doc_type = std::string(*t);
  if (auto p = ctx.request.Query("project_id"); p && !p->empty() && p->size() <= 64) {
    o.project_id = std::string(*p);
  }
  if (auto c = ctx.request.Query("cursor"); c && c->size() <= 64) o.cursor = std::string(*c);
  auto page = svc.List(*scope, o);
  if (!page.ok())
    return web::ServiceErrorPage(page.status(), "Listing documents", ctx.request.request_id);
  View v = DocumentListView(*page, o, ctx.Can("documents:write"));
  return web::Page::Render(o.project_id ? "Project documents" : "Documents", "documents_list",
                           std::move(v));
}

web::Page Upload(PageContext& ctx, DocumentService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return web::ServiceErrorPage(scope.status(), "Uploading", ctx.request.request_id);
  if (ctx.body_error) {
    return web::Page::Redirect("/documents",
                               Flash{"error", "The upload could not be read: " + *ctx.body_error});
  }
  const web::FormPart* file = ctx.File("file");
  if (!file || !file->filename || file->filename->empty()) {
    return web::Page::Redirect("/documents", Flash{"error", "Choose a file to upload."});
  }
  UploadInput in;
  in.bytes = file->data;
  in.filename = *file->filename;
  in.content_type = file->content_type;
  if (auto p = std::string(Trim(ctx.Field("project_id"))); !p.empty()) in.project_id = p;
  auto out = svc.Upload(*scope, in);
  const std::string back = in.project_id ? "/documents?project_id=" + web::UrlEncode(*in.project_id)
                                         : std::string("/documents");
  if (!out.ok()) {
    const Status& st = out.status();
    if (st.code() == ErrorCode::kUnsupportedMediaType || st.code() == ErrorCode::kPayloadTooLarge) {
      return web::Page::Redirect(back, Flash{"error", std::string(st.message())});
    }
    if (st.code() == ErrorCode::kValidationFailed) {
      std::string m = "The document was not uploaded:";
      for (const auto& e : st.details()) m += " " + e.field + " " + e.message + ";";
      return web::Page::Redirect(back, Flash{"error", m});
    }
    return web::ServiceErrorPage(st, "Uploading the document", ctx.request.request_id);
  }
  return web::Page::Redirect(
      "/documents/" + out->document.id,
      Flash{out->duplicate ? "info" : "ok",
            out->duplicate ? "This file was uploaded before; here is the existing document."
                           : "Uploaded. The document is being processed."});
}

web::Page DocumentPage(PageContext& ctx, DocumentService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return web::ServiceErrorPage(scope.status(), "Loading the document", ctx.request.request_id);
  const std::string id(ctx.request.PathParam("id"));
  auto doc = svc.Get(*scope, id);
  if (!doc.ok())
    return web::ServiceErrorPage(doc.status(), "Loading the document", ctx.request.request_id);
  std::optional<StoredAnalysis> analysis;
  std::optional<DocumentText> text;
  if (doc->status == "ready") {
    auto a = svc.Analysis(*scope, id);
    if (a.ok()) analysis = std::move(*a);
    auto t = svc.Text(*scope, id);
    if (t.ok()) text = std::move(*t);
  }
  std::vector<Feedback> feedback;
  if (analysis) {
    auto f = svc.ListFeedback(*scope, id);
    if (f.ok()) feedback = std::move(*f);
  }
  View v = DocumentView(*doc, analysis ? &*analysis : nullptr, text ? &*text : nullptr,
                        ctx.request.Query("summary").value_or("short"), ctx.Can("documents:write"),
                        feedback);
  // While the document is processed the page follows its status events (the org's event stream;
  // app.js reloads the part on each of this document's events); without events:read it polls.
  v.set("live", ctx.Can("events:read"));
  return web::Page::Render(doc->filename, "documents_document", std::move(v));
}

web::Page FeedbackPost(PageContext& ctx, DocumentService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return web::ServiceErrorPage(scope.status(), "Saving feedback", ctx.request.request_id);
  const std::string id(ctx.request.PathParam("id"));
  // Another org's document (or an unknown one) is a 404 whatever the form says.
  if (auto d = svc.Get(*scope, id); !d.ok()) {
    return web::ServiceErrorPage(d.status(), "Saving feedback", ctx.request.request_id);
  }
  json::object body{{"target", ctx.Field("target")}};
  if (auto idx = ParseInt(ctx.Field("item_index"))) body["item_index"] = *idx;
  if (const std::string r = ctx.Field("rating"); !r.empty()) body["rating"] = r;
  if (const std::string t = ctx.Field("doc_type"); !t.empty()) {
    body["correction"] = json::object{{"doc_type", t}};
  } else if (const std::string done = ctx.Field("done"); !done.empty()) {
    body["correction"] = json::object{{"done", done == "yes"}};
  }
  auto f = svc.AddFeedback(*scope, id, body);
  if (!f.ok()) {
    if (f.status().code() == ErrorCode::kValidationFailed) {
      std::string m = "Feedback not saved:";
      for (const auto& e : f.status().details()) m += " " + e.field + " " + e.message + ";";
      return web::Page::Redirect("/documents/" + id, Flash{"error", m});
    }
    return web::ServiceErrorPage(f.status(), "Saving feedback", ctx.request.request_id);
  }
  return web::Page::Redirect("/documents/" + id, Flash{"ok", "Thanks — your feedback was saved."});
}

web::Page FilePage(PageContext& ctx, DocumentService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return web::ServiceErrorPage(scope.status(), "Downloading", ctx.request.request_id);
  auto file = svc.File(*scope, ctx.request.PathParam("id"));
  if (!file.ok())
    return web::ServiceErrorPage(file.status(), "Downloading the file", ctx.request.request_id);
  return web::Page::Raw(FileResponse(file->first, std::move(file->second)));
}

web::Page DeletePost(PageContext& ctx, DocumentService& svc) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) return web::ServiceErrorPage(scope.status(), "Deleting", ctx.request.request_id);
  Status st = svc.Delete(*scope, ctx.request.PathParam("id"));
  if (!st.ok()) return web::ServiceErrorPage(st, "Deleting the document", ctx.request.request_id);
  return web::Page::Redirect("/documents", Flash{"ok", "The document was deleted."});
}

web::Page SearchPage(PageContext& ctx, DocumentSearch& search) {
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok())
    return web::ServiceErrorPage(scope.status(), "Searching", ctx.request.request_id);
  std::vector<FieldError> bad;
  auto filters = ReadSearchFilters(ctx.request, bad);
  SearchRequest req;
  if (filters.ok()) req.filters = *filters;
  if (auto q = ctx.request.Query("q")) req.q = std::string(Trim(*q)).substr(0, 500);
  if (auto c = ctx.request.Query("cursor");
      c && !c->empty() && c->size() <= 9 &&
      c->find_first_not_of("0123456789") == std::string::npos) {
    req.offset = std::stoul(std::string(*c));
  }
  std::string question;
  if (auto q = ctx.request.Query("question")) question = std::string(Trim(*q)).substr(0, 1000);
  std::string error;
  for (const auto& b : bad) error += (error.empty() ? "" : "; ") + b.field + " " + b.message;
  std::optional<SearchResponse> found;
  std::optional<AskResponse> answer;
  if (error.empty() && !req.q.empty()) {
    auto r = search.Search(*scope, req);
    if (!r.ok()) return web::ServiceErrorPage(r.status(), "Searching", ctx.request.request_id);
    found = std::move(*r);
  }
  if (error.empty() && !question.empty()) {
    SearchFilters af;
    af.project_id = req.filters.project_id;
    auto r = search.Ask(*scope, question, af);
    if (!r.ok()) return web::ServiceErrorPage(r.status(), "Answering", ctx.request.request_id);
    answer = std::move(*r);
  }
  View v = DocumentSearchView(req, found ? &*found : nullptr, question, answer ? &*answer : nullptr,
                              error);
  return web::Page::Render("Search documents", "documents_search", std::move(v));
}

}  // namespace

View DocumentSearchView(const SearchRequest& req, const SearchResponse* found,
                        const std::string& question, const AskResponse* ask,
                        const std::string& error) {
  View v(View::type::object);
  v.set("q", req.q);
  v.set("type_options", DocTypeOptions(req.filters.doc_type.value_or(""), true));
  v.set("project_id", req.filters.project_id.value_or(""));
  v.set("has_project", req.filters.project_id.has_value());
  v.set("from", req.filters.from.value_or(""));
  v.set("to", req.filters.to.value_or(""));
  if (!error.empty()) v.set("error", error);  // kainjow mustache renders {{#error}} for "" too
  v.set("question", question);
  v.set("searched", found != nullptr);
  v.set("from_database",
        (found && found->source == "database") || (ask && ask->source == "database"));
  if (found) {
    ViewList hits;
    for (const auto& h : found->hits) {
      View o(View::type::object);
      o.set("url", "/documents/" + web::UrlEncode(h.document_id));
      o.set("title", h.title);
      o.set("page", std::to_string(h.page));
      o.set("snippet", h.snippet);  // HTML-escaped by the search, with <mark> around matches
      hits.push_back(o);
    }
    v.set("has_hits", !hits.empty());
    v.set("hits", hits);
    v.set("first_rank", std::to_string(req.offset + 1));
    v.set("has_next", found->next_offset.has_value());
    if (found->next_offset) {
      std::string url = "/documents/search?q=" + web::UrlEncode(req.q);
      const auto& f = req.filters;
      if (f.doc_type) url += "&type=" + web::UrlEncode(*f.doc_type);
      if (f.project_id) url += "&project_id=" + web::UrlEncode(*f.project_id);
      if (f.from) url += "&from=" + web::UrlEncode(*f.from);
      if (f.to) url += "&to=" + web::UrlEncode(*f.to);
      url += "&cursor=" + std::to_string(*found->next_offset);
      v.set("next_url", url);
    }
  }
  v.set("asked", ask != nullptr);
  if (ask) {
    v.set("found", ask->found);
    v.set("answer", ask->answer);
    ViewList cites;
    for (const auto& c : ask->citations) {
      View o(View::type::object);
      o.set("url", "/documents/" + web::UrlEncode(c.document_id));
      o.set("title", c.title);
      o.set("page", std::to_string(c.page));
      o.set("text", c.text);
      cites.push_back(o);
    }
    v.set("citations", cites);
  }
  return v;
}

void AddDocumentPages(web::Shell& shell, DocumentService& svc, DocumentSearch* search) {
  shell.AddSection(
      {.label = "Documents",
       .href = "/documents",
       .permission = "documents:read",
       .description = "Upload project documents; get type, summaries, tasks and risks"});
  shell.AddPage("GET", "/documents",
                {.summary = "Documents", .permission = "documents:read", .section = "/documents"},
                [&svc](PageContext& ctx) { return ListPage(ctx, svc); });
  shell.AddPage("POST", "/documents",
                {.summary = "Upload a document",
                 .permission = "documents:write",
                 .section = "/documents",
                 .max_body_bytes = kMaxUploadBytes + 64 * 1024},
                [&svc](PageContext& ctx) { return Upload(ctx, svc); });
  shell.AddPage("GET", "/documents/{id}",
                {.summary = "A document", .permission = "documents:read", .section = "/documents"},
                [&svc](PageContext& ctx) { return DocumentPage(ctx, svc); });
  shell.AddPage("GET", "/documents/{id}/file",
                {.summary = "Download a document's file",
                 .permission = "documents:read",
                 .section = "/documents"},
                [&svc](PageContext& ctx) { return FilePage(ctx, svc); });
  shell.AddPage("POST", "/documents/{id}/feedback",
                {.summary = "Feedback on a document's outputs",
                 .permission = "documents:write",
                 .section = "/documents",
                 .max_body_bytes = 16 * 1024},
                [&svc](PageContext& ctx) { return FeedbackPost(ctx, svc); });
  shell.AddPage("POST", "/documents/{id}/delete",
                {.summary = "Delete a document",
                 .permission = "documents:write",
                 .section = "/documents",
                 .max_body_bytes = 4 * 1024},
                [&svc](PageContext& ctx) { return DeletePost(ctx, svc); });
  if (search != nullptr) {
    shell.AddPage("GET", "/documents/search",
                  {.summary = "Search documents and ask questions",
                   .permission = "documents:read",
                   .section = "/documents"},
                  [search](PageContext& ctx) { return SearchPage(ctx, *search); });
  }
}

}  // namespace signx::documents
