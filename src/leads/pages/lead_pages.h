// The Leads pages of the web UI (registered by LeadsModule::AddPages):
//
//   GET  /leads                              model status and the scoring form    (leads:read)
//   POST /leads                              score one lead                       (leads:score)
//   GET  /leads/models                       versions with their model cards      (leads:read)
//   POST /leads/models/{version}/promote     make a version production            (leads:admin)
//   POST /leads/models/rollback              back to the previous production one  (leads:admin)
//   GET  /leads/worklist                     scored leads best first, by outcome  (leads:read)
//   GET  /leads/csv                          upload form and the org's recent CSV jobs (leads:read)
//   POST /leads/csv                          check an uploaded CSV, queue leads.score_csv (leads:score)
//   GET  /leads/csv/{job}                    progress (htmx polls it), summary, tier chart (leads:read)
//   GET  /leads/csv/{job}/download           the scored CSV                       (leads:read)
//
// Pages call the leads services (LeadsService, CsvJobs, the worklist), never SQL. Progress pages
// poll themselves with htmx (`hx-get` on the page URL with `hx-select`), so the page and its
// partial update are one template.
//
// Thread-safety: register during start-up; the handlers are thread-safe and use the services,
// which must outlive the router.
#pragma once

#include <array>
#include <cstdint>

#include "leads/csv_jobs.h"
#include "leads/scorer.h"
#include "leads/service.h"
#include "leads/worklist.h"
#include "storage/store.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::leads {

// The module's templates (src/leads/templates/*.mustache, compiled in by signx_module_templates).
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

void AddLeadPages(web::Shell& shell, LeadsService& leads, storage::Store& store);
void AddLeadCsvPages(web::Shell& shell, LeadsService& leads, CsvJobs& csv_jobs);

// Views of the results, exposed for tests.
web::View LeadResultView(const LeadScore& score);
// The worklist page: `query` as the filters show it, the page's leads and the pager links;
// `any_scored`: the org has scored leads (an empty page then says the filters hide them).
// One lead's page: display fields, score, reasons, history; the outcome buttons with can_record.
web::View LeadView(const LeadDetail& detail, bool can_record);
web::View LeadWorklistView(const WorklistQuery& query, const WorklistPage& page, bool any_scored);
// The tier distribution (A..E counts) as a bar chart view (see web::BarChartView).
web::View TierChartView(const std::array<int64_t, 5>& tiers);

}  // namespace signx::leads
