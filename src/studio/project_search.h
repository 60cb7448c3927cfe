// Project search (issue 16 item 7) over the org's `projects` search index
// (search/search_index.h: one Xapian database per org under <data_dir>/search/projects/<org>/, so
// a search only ever reads its own org's projects).
//
//   Indexing   one index document per project, id = the project id: fields name (weight 3),
//              customer (2), site (the location, 2) and body (name, customer, site, the text of
//              the project's metadata — its notes — and of every current payload's config, as
//              "key value" words); filter status. Kept in step after each committed change: the
//              module subscribes to the committed `project.*` events (created, updated,
//              status_changed, payload_saved, deleted) and queues a projects.index job per event
//              (QueueIndex: dedupe key = the event id, so the N serve replicas that each see the
//              event queue it once); the job re-indexes or removes the project (OnProjectEvent)
//              in whichever process runs jobs — `signx worker` when serve runs none — off the
//              dispatcher thread, one at a time across workers (each job reads the project as it is
//              when it runs, so the last one leaves the latest state). The index lives under data_dir, which every process
//              shares (docs/operations.md), so a write by a worker is what serve searches.
//   Search     BM25 over the index, hits joined to the projects table (a hit whose project is
//              gone is dropped), with highlighted snippets. When the index is missing or corrupt
//              (search::NeedsRebuild) the answer comes from the database — every word of q
//              matched with LIKE over name or customer — with source "database", and a
//              projects.reindex job is queued (one at a time per org). An index write that finds
//              the index missing or corrupt queues it too.
//   Reindex    the projects.reindex job rebuilds the org's index from the projects table and the
//              current payloads (the old index stays until the new one is complete).
//
// Thread-safety: thread-safe (the index is; state lives in the database).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "events/event.h"
#include "jobs/queue.h"
#include "search/search_index.h"
#include "storage/store.h"
#include "studio/store.h"

namespace signx::studio {

inline constexpr std::string_view kProjectReindexJob = "projects.reindex";
inline constexpr std::string_view kProjectIndexJob = "projects.index";

struct ProjectSearchRequest {
  std::string q;
  std::optional<std::string> status;
  int limit = 20;          // 1..100
  std::size_t offset = 0;  // the cursor
};

struct ProjectSearchHit {
  std::string project_id;
  std::string name;
  std::optional<std::string> customer;
  std::optional<std::string> site;
  std::string status;
  double score = 0;
  std::string snippet;  // HTML-escaped, matches in <mark>
};

struct ProjectSearchResponse {
  std::vector<ProjectSearchHit> hits;
  std::string source;                      // "index" or "database"
  std::optional<std::size_t> next_offset;  // nullopt on the last page
};

class ProjectSearch {
 public:
  static Result<std::unique_ptr<ProjectSearch>> Open(storage::Store& store, jobs::Queue& queue,
                                                     const std::string& data_dir);

  Result<ProjectSearchResponse> Search(const Scope& scope, const ProjectSearchRequest& request);

  // After-commit hooks: (re)index one project from the database (removed when it is gone), or
  // remove it. Failures are logged and queue projects.reindex when the index needs a rebuild.
  void Indexed(const std::string& org_id, const std::string& project_id);
  void Removed(const std::string& org_id, const std::string& project_id);
  // project.deleted removes, any other project.* event re-indexes (the projects.index job body).
  // An error is one retrying can fix (e.g. the index's write lock stayed held); a missing or
  // corrupt index is not an error: projects.reindex is queued instead.
  Status OnProjectEvent(const events::Event& event);
  // The subscription callback: queues projects.index for a project.* event (once per event id).
  // Projects that estimating's imports and the KeyedIn connector create come without project.*
  // events: order.imported queues projects.index for its payload's project_id, and an
  // import.completed that accepted rows queues projects.index for the import (IndexImport).
  Status QueueIndex(const events::Event& event);
  // The projects.index job body for an import.completed: re-indexes the projects of the import's
  // accepted rows (its stored report) in one index write — work in proportion to the import, not
  // to the org (a whole-org rebuild per import made every import slower than the last: issue 19's
  // soak, an import every 2 s, ran 376 rebuilds of up to 10,800 projects in 15 minutes). An import
  // whose report lists only part of its rows (`truncated`) or cannot be read queues
  // projects.reindex instead; an import of another org, or gone, indexes nothing.
  Status IndexImport(const std::string& org_id, const std::string& import_id);

  // The projects.reindex job body: rebuilds the org's index; returns the projects indexed.
  Result<std::uint64_t> Reindex(const std::string& org_id);
  // Queues projects.reindex for the org unless one is already queued.
  Status ScheduleReindex(const std::string& org_id);

  search::SearchIndex& index() { return *index_; }

 private:
  ProjectSearch(storage::Store& store, jobs::Queue& queue,
                std::unique_ptr<search::SearchIndex> index);
  Result<ProjectSearchResponse> SearchDatabase(const Scope& scope,
                                               const ProjectSearchRequest& request);

  storage::Store& store_;
  jobs::Queue& queue_;
  std::unique_ptr<search::SearchIndex> index_;
};

// Registers projects.reindex (payload {}; the job's org) and projects.index (payload {"type",
// "project_id"}; the job's org; one running at a time across workers). `search` must outlive the
// workers.
void RegisterProjectSearchJobs(jobs::Queue& queue, ProjectSearch& search);

}  // namespace signx::studio
