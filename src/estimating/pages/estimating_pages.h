// The Estimating pages of the web UI (registered by EstimatingModule::AddPages):
//
//   GET  /estimating                     the sign spec form                  (estimates:predict)
//   POST /estimating                     predict the cost of one sign         (estimates:predict)
//   POST /estimating/quotes              create a quote from a prediction     (quotes:write)
//   GET  /estimating/quotes/{id}         the quote's lines and totals, PDF progress/link (projects:read)
//   GET  /estimating/quotes/{id}/pdf     the quote PDF                        (projects:read)
//   GET  /estimating/projects            projects, newest first, paginated    (projects:read)
//   GET  /estimating/imports             import history (paginated) and the upload form (projects:read)
//   POST /estimating/imports             import a cost-history file (RunImport) (projects:write)
//   GET  /estimating/imports/{id}        the import's accept/reject report    (projects:read)
//
// Pages call the estimating services (CostService, EstimatingService, RunImport), never SQL.
// Thread-safety: register during start-up; the handlers are thread-safe and use the services,
// which must outlive the router.
#pragma once

#include <vector>

#include "estimating/predict.h"
#include "estimating/predict_service.h"
#include "estimating/service.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::estimating {

// The module's templates (src/estimating/templates/*.mustache, compiled in by
// signx_module_templates).
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

void AddEstimatePages(web::Shell& shell, CostService& cost);
void AddQuotePages(web::Shell& shell, EstimatingService& estimating);
void AddProjectPages(web::Shell& shell, EstimatingService& estimating);

// The view of a prediction, exposed for tests.
web::View CostResultView(const CostPrediction& prediction);

}  // namespace signx::estimating
