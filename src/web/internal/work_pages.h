// The web pages for long-running work and live activity, added by AddCapabilityPages:
//
//   GET  /leads/csv                      upload form and the org's recent CSV scoring jobs (leads:read)
//   POST /leads/csv                      check an uploaded CSV, queue leads.score_csv     (leads:score)
//   GET  /leads/csv/{job}                progress (htmx polls it), summary, tier chart     (leads:read)
//   GET  /leads/csv/{job}/download       the scored CSV                                    (leads:read)
//   POST /estimating/quotes              create a quote from a prediction                  (quotes:write)
//   GET  /estimating/quotes/{id}         the quote's lines and totals, PDF progress/link    (projects:read)
//   GET  /estimating/quotes/{id}/pdf     the quote PDF                                     (projects:read)
//   GET  /estimating/imports             import history (paginated) and the upload form     (projects:read)
//   POST /estimating/imports             import a cost-history file (RunImport)            (projects:write)
//   GET  /estimating/imports/{id}        the import's accept/reject report                  (projects:read)
//   GET  /activity                       recent events of the org, live over SSE           (events:read)
//   GET  /activity/stream                the org's events as text/event-stream (session)   (events:read)
//
// Progress pages poll themselves with htmx (`hx-get` on the page URL with `hx-select`), so the page
// and its partial update are one template. Thread-safety: as capability_pages.h.
#pragma once

#include "estimating/service.h"
#include "events/dispatcher.h"
#include "leads/service.h"
#include "web/capability_pages.h"
#include "web/shell.h"

namespace signx::web::internal {

void AddLeadCsvPages(Shell& shell, leads::LeadsService& leads,
                     estimating::EstimatingService& estimating);
void AddQuotePages(Shell& shell, estimating::EstimatingService& estimating);
void AddImportPages(Shell& shell, estimating::EstimatingService& estimating);
// `dispatcher` may be null: the page then shows recent events without the live stream.
void AddActivityPages(Shell& shell, storage::Store& store, events::Dispatcher* dispatcher);

// The tier distribution (A..E counts) as a bar chart view (see BarChartView).
View TierChartView(const std::array<int64_t, 5>& tiers);

}  // namespace signx::web::internal
