// The Operations pages of the web UI (registered by OperationsModule::AddPages):
//
//   GET  /operations                            items by SKU with stock, ?q= filter, pages
//   (operations:read) GET  /operations/items/{id}                 an item: stock, a chart of demand
//   history,
//                                               forecast and its band, accuracy, alerts
//                                               (operations:read)
//   GET  /operations/alerts                     the alerts inbox (?status=) (operations:read) POST
//   /operations/alerts/{id}/acknowledge    acknowledge an open alert (operations:write) POST
//   /operations/alerts/{id}/resolve        resolve an alert (operations:write) GET
//   /operations/ingest                     ingest history and the upload form (operations:read)
//   POST /operations/ingest                     send a file as a batch (operations:write) GET
//   /operations/ingest/{id}                a batch with its progress and error report
//   (operations:read)
//
// Pages call OperationsService, never SQL. Thread-safety: register during start-up; the handlers
// are thread-safe and use the service, which must outlive the router.
#pragma once

#include <string>
#include <vector>

#include "operations/alerts.h"
#include "operations/service.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::operations {

// The module's templates (src/operations/templates/*.mustache).
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

void AddOperationsPages(web::Shell& shell, OperationsService& service);

// The view of the demand chart (exposed for tests): daily history (oldest first, ending the day
// before the forecast starts) and the forecast with its band. {width, height, has_history,
// has_forecast, history_points, forecast_points, band_points, today_x, y_max_text, y_max_y,
// first_day, last_day, axis_y, summary}: the point lists are "x,y x,y …" of plain decimals.
web::View DemandChartView(const std::vector<DayQuantity>& history,
                          const std::optional<ItemForecast>& forecast);

}  // namespace signx::operations
