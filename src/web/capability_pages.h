// The capability pages of the web UI: Leads (score a lead, model versions with promote/rollback)
// and Estimating (predict a sign's cost, the project list), on the real services.
//
//   GET  /leads                              model status and the scoring form    (leads:read)
//   POST /leads                              score one lead                       (leads:score)
//   GET  /leads/models                       versions with their model cards      (leads:read)
//   POST /leads/models/{version}/promote     make a version production            (leads:admin)
//   POST /leads/models/rollback              back to the previous production one  (leads:admin)
//   GET  /leads/worklist                     scored leads best first, by outcome   (leads:read)
//   GET  /estimating                         the sign spec form (estimates:predict) POST
//   /estimating                         predict the cost of one sign         (estimates:predict)
//   GET  /estimating/projects                projects, newest first, paginated    (projects:read)
// plus the CSV scoring, quote and activity pages of internal/work_pages.h.
//
// Charts are server-rendered SVG: the geometry is computed here (BarChartView) and the markup is
// written by the templates with `{{…}}`, so labels taken from user input are always escaped.
//
// Thread-safety: register during start-up (AddCapabilityPages); the handlers are thread-safe and
// use the services, which must outlive the router.
#pragma once

#include <string>
#include <vector>

#include "estimating/predict.h"
#include "estimating/predict_service.h"
#include "estimating/service.h"
#include "events/dispatcher.h"
#include "leads/scorer.h"
#include "leads/service.h"
#include "leads/worklist.h"
#include "storage/store.h"
#include "web/shell.h"

namespace signx::web {

// `dispatcher` (optional) feeds the live activity page (/activity/stream); without it the page
// shows recent events only.
void AddCapabilityPages(Shell& shell, storage::Store& store, leads::LeadsService& leads,
                        estimating::CostService& cost, estimating::EstimatingService& estimating,
                        events::Dispatcher* dispatcher = nullptr);

// One bar of a horizontal bar chart; negative values grow to the left of the zero line.
struct ChartBar {
  std::string label;       // shown left of the bar (escaped by the template)
  double value = 0;        // bar length, in any unit
  std::string value_text;  // shown at the end of the bar ("+0.84", "-$120")
};

// The view of an SVG bar chart: {width, height, zero_x, rows: [{label, value_text, y, text_y,
// bar_x, bar_width, positive, value_x, value_anchor}], has_rows, summary}. All numbers are
// formatted as plain decimals; `summary` is the accessible description ("label: value; …").
View BarChartView(const std::vector<ChartBar>& bars);

// Views of the results, exposed for tests.
View LeadResultView(const leads::LeadScore& score);
// The worklist page: `query` as the filters show it, the page's leads and the pager links;
// `any_scored`: the org has scored leads (an empty page then says the filters hide them).
View LeadWorklistView(const leads::WorklistQuery& query, const leads::WorklistPage& page,
                      bool any_scored);
View CostResultView(const estimating::CostPrediction& prediction);

// "$12,345" (cents rounded to whole dollars), "-$1,200".
std::string FormatDollars(int64_t cents);

}  // namespace signx::web
