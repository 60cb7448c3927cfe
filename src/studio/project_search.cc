#include "studio/project_search.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>
#include <set>

#include "http/json.h"
#include "web/templates.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

constexpr int kReindexBatch = 200;
constexpr std::size_t kSnippetChars = 200;
constexpr const char* kProjectCols = "id, name, customer, location, status, metadata";

// "key value" words of every leaf of a JSON value.
void JsonText(const json::value& v, const std::string& key, std::string& out) {
  auto add = [&](std::string_view s) {
    if (!out.empty()) out += ' ';
    out += s;
  };
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      JsonText(kv.value(), std::string(kv.key()), out);
    }
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) JsonText(e, key, out);
  } else if (v.is_string()) {
    add(key);
    add(v.get_string());
  } else if (v.is_number()) {
    add(key);
    add(http::ToJsonText(v));  // 2.5, not Boost.JSON's 2.5E0
  } else if (v.is_bool()) {
    add(key);
  }
}

std::string TextOf(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  std::string out;
  if (!ec) JsonText(v, "", out);
  return out;
}

struct ProjectRow {
  std::string id, name, status, metadata;
  std::optional<std::string> customer, site;
};

ProjectRow RowOf(const storage::Row& r) {
  return {.id = r.Text(0),
          .name = r.Text(1),
          .status = r.Text(4),
          .metadata = r.Text(5),
          .customer = r.OptText(2),
          .site = r.OptText(3)};
}

// The index document of a project and its current payloads' configs.
search::Document IndexDoc(const ProjectRow& p, const std::vector<std::string>& payload_configs) {
  search::Document doc;
  doc.id = p.id;
  doc.fields.push_back({.name = "name", .text = p.name, .weight = 3});
  if (p.customer) doc.fields.push_back({.name = "customer", .text = *p.customer, .weight = 2});
  if (p.site) doc.fields.push_back({.name = "site", .text = *p.site, .weight = 2});
  std::string body = p.name;
  if (p.customer) body += " — " + *p.customer;
  if (p.site) body += " — " + *p.site;
  if (std::string notes = TextOf(p.metadata); !notes.empty()) body += " — " + notes;
  for (const std::string& c : payload_configs) {
    if (std::string t = TextOf(c); !t.empty()) body += " — " + t;
  }
  doc.fields.push_back({.name = "body", .text = std::move(body), .weight = 1});
  doc.filters.emplace_back("status", p.status);
  return doc;
}

// The current payload configs of the projects `ids` of one org, by project id.
Result<std::map<std::string, std::vector<std::string>>> PayloadConfigs(
    storage::Txn& txn, const std::string& org_id, const std::vector<std::string>& ids) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& id : ids) {
    StudioRepository repo(txn, Scope{org_id, "search"});
    SIGNX_ASSIGN_OR_RETURN(auto payloads, repo.CurrentPayloads(id));
    for (auto& [m, p] : payloads) out[id].push_back(p.config_json);
  }
  return out;
}

std::string LikePattern(std::string_view word) {
  std::string out = "%";
  for (char c : word) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out + "%";
}

std::vector<std::string> Words(std::string_view q) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : q) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

ProjectSearch::ProjectSearch(storage::Store& store, jobs::Queue& queue,
                             std::unique_ptr<search::SearchIndex> index)
    : store_(store), queue_(queue), index_(std::move(index)) {}

Result<std::unique_ptr<ProjectSearch>> ProjectSearch::Open(storage::Store& store,
                                                           jobs::Queue& queue,
                                                           const std::string& data_dir) {
  SIGNX_ASSIGN_OR_RETURN(auto index,
                         search::SearchIndex::Open({.data_dir = data_dir, .name = "projects"}));
  return std::unique_ptr<ProjectSearch>(new ProjectSearch(store, queue, std::move(index)));
}

Status ProjectSearch::ScheduleReindex(const std::string& org_id) {
  SIGNX_ASSIGN_OR_RETURN(auto queued, queue_.List({.state = jobs::JobState::kQueued,
                                                   .type = std::string(kProjectReindexJob),
                                                   .org_id = org_id,
                                                   .limit = 1}));
  if (!queued.jobs.empty()) return Status::Ok();
  return queue_
      .Enqueue({.type = std::string(kProjectReindexJob), .org_id = org_id, .max_attempts = 5})
      .status();
}

namespace {

// Logs `st` of an index write of `project_id`; a missing or corrupt index queues its rebuild
// (which picks the project up) and is not an error.
Status AfterIndexWrite(ProjectSearch& search, const std::string& org_id,
                       const std::string& project_id, Status st) {
  if (st.ok()) return st;
  if (!search::NeedsRebuild(st)) {
    spdlog::warn("studio: indexing project {} failed: {}", project_id, st.ToString());
    return st;
  }
  // No index yet (a new org) or a lost one: the rebuild picks this project up.
  spdlog::debug("studio: indexing project {}: {}; projects.reindex rebuilds the index", project_id,
                st.ToString());
  if (Status s = search.ScheduleReindex(org_id); !s.ok()) {
    spdlog::error("studio: could not queue {}: {}", kProjectReindexJob, s.ToString());
    return s;
  }
  return Status::Ok();
}

}  // namespace

void ProjectSearch::Indexed(const std::string& org_id, const std::string& project_id) {
  (void)OnProjectEvent({.type = "project.updated", .org_id = org_id, .subject_id = project_id});
}

void ProjectSearch::Removed(const std::string& org_id, const std::string& project_id) {
  (void)OnProjectEvent({.type = "project.deleted", .org_id = org_id, .subject_id = project_id});
}

Status ProjectSearch::OnProjectEvent(const events::Event& event) {
  if (!event.type.starts_with("project.") || event.org_id.empty() || event.subject_id.empty()) {
    return Status::Ok();
  }
  const std::string& org_id = event.org_id;
  const std::string& project_id = event.subject_id;
  std::optional<ProjectRow> row;
  std::vector<std::string> configs;
  if (event.type != "project.deleted") {
    SIGNX_RETURN_IF_ERROR(store_.WithTxn(
        [&](storage::Txn& txn) -> Status {
          SIGNX_ASSIGN_OR_RETURN(
              auto r, txn.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND "
                                               "id = $2",
                                               kProjectCols),
                                   {org_id, project_id}));
          if (!r) return Status::Ok();
          row = RowOf(*r);
          SIGNX_ASSIGN_OR_RETURN(auto c, PayloadConfigs(txn, org_id, {project_id}));
          configs = std::move(c[project_id]);
          return Status::Ok();
        },
        {.read_only = true}));
  }
  if (!row) {  // deleted, or gone by now
    return AfterIndexWrite(*this, org_id, project_id,
                           index_->Delete(org_id, std::span<const std::string>(&project_id, 1)));
  }
  const search::Document doc = IndexDoc(*row, configs);
  return AfterIndexWrite(*this, org_id, project_id,
                         index_->Upsert(org_id, std::span<const search::Document>(&doc, 1)));
}

Status ProjectSearch::QueueIndex(const events::Event& event) {
  if (event.org_id.empty() || event.id.empty()) return Status::Ok();
  if (event.type == "order.imported" || event.type == "import.completed") {
    std::error_code ec;
    const json::value payload = json::parse(event.payload_json, ec);
    const json::object* o = ec ? nullptr : payload.if_object();
    if (o == nullptr) return Status::Ok();
    if (event.type == "import.completed") {
      const json::value* accepted = o->if_contains("accepted");
      const bool any = accepted && accepted->is_int64() && accepted->get_int64() > 0;
      if (!any || event.subject_id.empty()) return Status::Ok();
      return queue_
          .Enqueue({.type = std::string(kProjectIndexJob),
                    .payload_json = http::ToJsonText(
                        json::object{{"type", event.type}, {"import_id", event.subject_id}}),
                    .org_id = event.org_id,
                    .dedupe_key = event.id})
          .status();
    }
    const json::value* project = o->if_contains("project_id");
    if (project == nullptr || !project->is_string()) return Status::Ok();
    events::Event indexed = event;
    indexed.type = "project.created";
    indexed.subject_id = std::string(project->get_string());
    return QueueIndex(indexed);
  }
  if (!event.type.starts_with("project.") || event.subject_id.empty()) return Status::Ok();
  return queue_
      .Enqueue({.type = std::string(kProjectIndexJob),
                .payload_json = http::ToJsonText(
                    json::object{{"type", event.type}, {"project_id", event.subject_id}}),
                .org_id = event.org_id,
                .dedupe_key = event.id})
      .status();
}

Status ProjectSearch::IndexImport(const std::string& org_id, const std::string& import_id) {
  std::vector<search::Document> docs;
  bool whole_org = false;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(
            auto imp, txn.QueryOne("SELECT report FROM imports WHERE org_id = $1 AND id = $2",
                                   {org_id, import_id}));
        if (!imp) return Status::Ok();
        std::error_code ec;
        const json::value report = json::parse(imp->Text(0), ec);
        const json::object* o = ec ? nullptr : report.if_object();
        const json::value* truncated = o ? o->if_contains("truncated") : nullptr;
        const json::value* rows = o ? o->if_contains("accepted_rows") : nullptr;
        if (truncated == nullptr || !truncated->is_bool() || truncated->get_bool() ||
            rows == nullptr || !rows->is_array()) {
          whole_org = true;
          return Status::Ok();
        }
        std::vector<std::string> ids;
        std::set<std::string> seen;
        for (const json::value& r : rows->get_array()) {
          const json::value* id =
              r.is_object() ? r.get_object().if_contains("project_id") : nullptr;
          if (id != nullptr && id->is_string() && seen.emplace(id->get_string()).second) {
            ids.emplace_back(id->get_string());
          }
        }
        for (const std::string& id : ids) {
          SIGNX_ASSIGN_OR_RETURN(
              auto row, txn.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND "
                                                 "id = $2",
                                                 kProjectCols),
                                     {org_id, id}));
          if (!row) continue;  // deleted since: its project.deleted event removes it
          const ProjectRow p = RowOf(*row);
          SIGNX_ASSIGN_OR_RETURN(auto configs, PayloadConfigs(txn, org_id, {id}));
          docs.push_back(IndexDoc(p, configs[id]));
        }
        return Status::Ok();
      },
      {.read_only = true}));
  if (whole_org) return ScheduleReindex(org_id);
  if (docs.empty()) return Status::Ok();
  return AfterIndexWrite(*this, org_id, import_id, index_->Upsert(org_id, docs));
}

Result<std::uint64_t> ProjectSearch::Reindex(const std::string& org_id) {
  std::vector<search::Document> batch;
  std::size_t next = 0;
  std::string last_id;
  bool done = false;
  auto stream = [&]() -> Result<std::optional<search::Document>> {
    if (next == batch.size()) {
      if (done) return std::optional<search::Document>();
      batch.clear();
      next = 0;
      SIGNX_RETURN_IF_ERROR(store_.WithTxn(
          [&](storage::Txn& txn) -> Status {
            SIGNX_ASSIGN_OR_RETURN(
                auto rs, txn.Query(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND "
                                               "id > $2 ORDER BY id LIMIT {}",
                                               kProjectCols, kReindexBatch),
                                   {org_id, last_id}));
            std::vector<ProjectRow> rows;
            std::vector<std::string> ids;
            for (const auto& r : rs.rows) {
              rows.push_back(RowOf(r));
              ids.push_back(rows.back().id);
            }
            SIGNX_ASSIGN_OR_RETURN(auto configs, PayloadConfigs(txn, org_id, ids));
            for (const ProjectRow& p : rows) batch.push_back(IndexDoc(p, configs[p.id]));
            if (!rows.empty()) last_id = rows.back().id;
            if (rows.size() < static_cast<std::size_t>(kReindexBatch)) done = true;
            return Status::Ok();
          },
          {.read_only = true}));
      if (batch.empty()) return std::optional<search::Document>();
    }
    return std::optional<search::Document>(std::move(batch[next++]));
  };
  return index_->Rebuild(org_id, stream);
}

Result<ProjectSearchResponse> ProjectSearch::Search(const Scope& scope,
                                                    const ProjectSearchRequest& req) {
  search::Query query{.text = req.q,
                      .offset = req.offset,
                      .limit = static_cast<std::size_t>(req.limit) + 1,
                      .snippet_field = "body",
                      .snippet_chars = kSnippetChars};
  if (req.status) query.filters["status"] = {*req.status};
  auto result = index_->Search(scope.org_id, query);
  if (!result.ok()) {
    if (!search::NeedsRebuild(result.status())) return result.status();
    spdlog::warn("studio: projects index of {} unusable ({}); answering from the database",
                 scope.org_id, result.status().ToString());
    SIGNX_RETURN_IF_ERROR(ScheduleReindex(scope.org_id));
    return SearchDatabase(scope, req);
  }
  ProjectSearchResponse out;
  out.source = "index";
  if (result->hits.size() > static_cast<std::size_t>(req.limit)) {
    result->hits.resize(req.limit);
    out.next_offset = req.offset + req.limit;
  }
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](storage::Txn& txn) -> Status {
        for (const search::Hit& h : result->hits) {
          SIGNX_ASSIGN_OR_RETURN(
              auto r,
              txn.QueryOne(fmt::format("SELECT {} FROM projects WHERE org_id = $1 AND id = $2",
                                       kProjectCols),
                           {scope.org_id, h.id}));
          if (!r) continue;  // deleted since it was indexed
          ProjectRow p = RowOf(*r);
          out.hits.push_back({.project_id = p.id,
                              .name = p.name,
                              .customer = p.customer,
                              .site = p.site,
                              .status = p.status,
                              .score = h.score,
                              .snippet = h.snippet});
        }
        return Status::Ok();
      },
      {.read_only = true}));
  return out;
}

Result<ProjectSearchResponse> ProjectSearch::SearchDatabase(const Scope& scope,
                                                            const ProjectSearchRequest& req) {
  std::string sql = fmt::format("SELECT {} FROM projects WHERE org_id = $1", kProjectCols);
  storage::Params params{scope.org_id};
  for (const std::string& w : Words(req.q)) {
    params.emplace_back(LikePattern(w));
    const std::size_t n = params.size();
    sql += fmt::format(
        " AND (LOWER(name) LIKE ${0} ESCAPE '\\' OR LOWER(COALESCE(customer, '')) LIKE ${0} "
        "ESCAPE '\\')",
        n);
  }
  if (req.status) {
    params.emplace_back(*req.status);  // in place: a moved Param temporary trips GCC 12 -Wmaybe-uninitialized
    sql += fmt::format(" AND status = ${}", params.size());
  }
  sql += fmt::format(" ORDER BY updated_at DESC, id LIMIT {} OFFSET {}", req.limit + 1, req.offset);
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(sql, params));
  ProjectSearchResponse out;
  out.source = "database";
  for (const auto& r : rs.rows) {
    if (out.hits.size() == static_cast<std::size_t>(req.limit)) {
      out.next_offset = req.offset + req.limit;
      break;
    }
    ProjectRow p = RowOf(r);
    std::string snippet = p.name + (p.customer ? " — " + *p.customer : std::string());
    out.hits.push_back({.project_id = p.id,
                        .name = p.name,
                        .customer = p.customer,
                        .site = p.site,
                        .status = p.status,
                        .snippet = web::EscapeHtml(snippet)});
  }
  return out;
}

void RegisterProjectSearchJobs(jobs::Queue& queue, ProjectSearch& search) {
  queue.RegisterHandler(
      std::string(kProjectIndexJob),
      [&search](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        json::value v = json::parse(ctx.payload(), ec);
        const json::object* o = ec ? nullptr : v.if_object();
        const json::value* type = o ? o->if_contains("type") : nullptr;
        if (ctx.org_id() && type && type->is_string() && type->get_string() == "import.completed") {
          const json::value* import_id = o->if_contains("import_id");
          if (!import_id || !import_id->is_string()) {
            return InvalidArgument("projects.index of an import needs {type, import_id}");
          }
          return search.IndexImport(*ctx.org_id(), std::string(import_id->get_string()));
        }
        const json::value* id = o ? o->if_contains("project_id") : nullptr;
        if (!ctx.org_id() || !type || !type->is_string() || !id || !id->is_string()) {
          return InvalidArgument("projects.index needs the job's org_id and {type, project_id}");
        }
        return search.OnProjectEvent({.type = std::string(type->get_string()),
                                      .org_id = *ctx.org_id(),
                                      .subject_id = std::string(id->get_string())});
      },
      {.max_concurrency = 1});
  queue.RegisterHandler(std::string(kProjectReindexJob),
                        [&search](jobs::JobContext& ctx) -> Status {
                          if (!ctx.org_id()) {
                            return InvalidArgument("projects.reindex needs the job's org_id");
                          }
                          SIGNX_ASSIGN_OR_RETURN(std::uint64_t n, search.Reindex(*ctx.org_id()));
                          ctx.SetResult(fmt::format(R"({{"projects": {}}})", n));
                          return Status::Ok();
                        });
}

}  // namespace signx::studio
