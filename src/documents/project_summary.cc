#include "documents/project_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "http/handler.h"
#include "http/json.h"
#include "identity/scope.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

constexpr int kMaxDocuments = 500;

constexpr std::string_view kSummarySchema = R"j({"type": "object", "properties": {
  "project_id": {"type": "string"}, "document_count": {"type": "integer", "description": "ready documents read"},
  "truncated": {"type": "boolean", "description": "the project has more than 500 ready documents; only the newest were read"},
  "action_items": {"type": "array", "items": {"type": "object", "properties": {
    "document_id": {"type": "string"}, "title": {"type": "string"}, "page": {"type": "integer"},
    "item_index": {"type": "integer", "description": "the item's index in the document's analysis (for feedback)"},
    "text": {"type": "string"}, "owner": {"type": ["string", "null"]},
    "due": {"type": ["string", "null"], "format": "date"}, "due_text": {"type": ["string", "null"]},
    "source": {"type": "string", "enum": ["offline", "llm"], "description": "who found the item: SignX's offline analysis or the optional LLM"}}}},
  "risks": {"type": "array", "items": {"type": "object", "properties": {
    "document_id": {"type": "string"}, "title": {"type": "string"}, "page": {"type": "integer"},
    "text": {"type": "string"}, "severity": {"type": "string", "enum": ["high", "medium", "low"]}}}}}})j";

int SeverityRank(std::string_view s) { return s == "high" ? 0 : s == "medium" ? 1 : 2; }

std::string Text(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

Result<json::object> ProjectDocumentsSummary(DocumentService& svc, const Scope& scope,
                                             const std::string& project_id) {
  SIGNX_ASSIGN_OR_RETURN(auto project,
                         svc.store().Query("SELECT 1 FROM projects WHERE id = $1 AND org_id = $2",
                                           {project_id, scope.org_id}));
  if (project.rows.empty()) return NotFound(fmt::format("project {} does not exist", project_id));
  std::vector<Document> docs;
  ListOptions o{.status = "ready", .project_id = project_id, .limit = 100};
  bool truncated = false;
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(auto page, svc.List(scope, o));
    for (auto& d : page.items) {
      if (static_cast<int>(docs.size()) == kMaxDocuments) {
        truncated = true;
        break;
      }
      docs.push_back(std::move(d));
    }
    if (truncated || page.next_cursor.empty()) break;
    o.cursor = page.next_cursor;
  }
  json::array actions, risks;
  for (const Document& d : docs) {
    auto analysis = svc.Analysis(scope, d.id);
    if (!analysis.ok()) {
      if (analysis.status().code() == ErrorCode::kNotFound ||
          analysis.status().code() == ErrorCode::kFailedPrecondition) {
        continue;  // deleted or re-processing since it was listed
      }
      return analysis.status();
    }
    SIGNX_ASSIGN_OR_RETURN(auto feedback, svc.ListFeedback(scope, d.id));
    std::map<int64_t, bool> done;  // the latest {"done": bool} per action item (oldest first)
    for (const auto& f : feedback) {
      if (f.target != "action_items" || !f.item_index || !f.correction_json) continue;
      boost::system::error_code ec;
      json::value c = json::parse(*f.correction_json, ec);
      if (ec || !c.is_object()) continue;
      if (const json::value* x = c.as_object().if_contains("done"); x && x->is_bool()) {
        done[*f.item_index] = x->as_bool();
      }
    }
    boost::system::error_code ec;
    json::value a = json::parse(analysis->analysis_json, ec);
    if (ec || !a.is_object()) continue;
    const json::object& obj = a.as_object();
    if (const json::value* items = obj.if_contains("action_items"); items && items->is_array()) {
      int64_t i = 0;
      for (const json::value& it : items->as_array()) {
        const int64_t index = i++;
        if (!it.is_object() || (done.contains(index) && done.at(index))) continue;
        const json::object& item = it.as_object();
        json::object out{{"document_id", d.id},
                         {"title", d.filename},
                         {"page", item.contains("page") ? item.at("page") : json::value(1)},
                         {"item_index", index},
                         {"text", Text(item, "text")},
                         {"owner", item.contains("owner") ? item.at("owner") : nullptr},
                         {"due", item.contains("due") ? item.at("due") : nullptr},
                         {"due_text", item.contains("due_text") ? item.at("due_text") : nullptr},
                         // Analyses stored before the optional LLM carry no source: offline.
                         {"source", Text(item, "source") == "llm" ? "llm" : "offline"}};
        actions.push_back(std::move(out));
      }
    }
    if (const json::value* rs = obj.if_contains("risks"); rs && rs->is_array()) {
      for (const json::value& it : rs->as_array()) {
        if (!it.is_object()) continue;
        const json::object& r = it.as_object();
        risks.push_back(json::object{{"document_id", d.id},
                                     {"title", d.filename},
                                     {"page", r.contains("page") ? r.at("page") : json::value(1)},
                                     {"text", Text(r, "text")},
                                     {"severity", Text(r, "severity")}});
      }
    }
  }
  std::stable_sort(actions.begin(), actions.end(), [](const json::value& x, const json::value& y) {
    const std::string a = Text(x.as_object(), "due"), b = Text(y.as_object(), "due");
    if (a.empty() != b.empty()) return b.empty();
    return a < b;
  });
  std::stable_sort(risks.begin(), risks.end(), [](const json::value& x, const json::value& y) {
    return SeverityRank(Text(x.as_object(), "severity")) <
           SeverityRank(Text(y.as_object(), "severity"));
  });
  return json::object{{"project_id", project_id},
                      {"document_count", static_cast<int64_t>(docs.size())},
                      {"truncated", truncated},
                      {"action_items", std::move(actions)},
                      {"risks", std::move(risks)}};
}

void AddProjectSummaryRoute(http::Router& router, http::SchemaRegistry& schemas,
                            DocumentService& svc) {
  schemas.Add("ProjectDocumentsSummary", kSummarySchema);
  router.Add(
      "GET", "/v1/projects/{id}/documents/summary",
      {.summary = "All open action items and risks of a project's documents",
       .description = "Across the project's ready documents: every action item not marked done "
                      "(by due date, undated last) and every risk (high first), each with its "
                      "document and page. 404 for a project of another org.",
       .tags = {"documents"},
       .permission = "documents:read",
       .response_schema = "ProjectDocumentsSummary"},
      http::Handle([&svc](http::Request& req) -> Result<http::Response> {
        SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(req.principal));
        SIGNX_ASSIGN_OR_RETURN(
            auto out, ProjectDocumentsSummary(svc, scope, std::string(req.PathParam("id"))));
        return http::JsonResponse(200, out);
      }));
}

}  // namespace signx::documents
