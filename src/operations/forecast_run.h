// Forecast runs: the operations.forecast_run job over every item of an org.
//
// For each item with demand (consumption) history, in item-id order:
//   1. the daily demand history up to yesterday (UTC; at most kHistoryDays, zeros filled in);
//   2. accuracy of the item's previous forecast on the days that now have actuals (MAPE, MASE
//      against the history it was made from, bias) → forecast_accuracy;
//   3. forecast::AutoForecast (horizon = max(run horizon, the item's lead time), period, level) →
//      `forecasts` (point and interval per day, the chosen model, kForecastVersion);
//   4. the alert rules (planning.h) on the item's stock now, this forecast, that accuracy and
//      yesterday's demand against the previous forecast's band → alerts raised, refreshed or
//      resolved ("system"), with operations.alert_opened / _resolved events.
// Each item commits on its own (a run over thousands of items holds no long transaction); the
// run row counts items and skipped (no history) items and ends succeeded, with
// operations.forecast_run_completed. Items already forecast by this run are skipped on a retry.
//
// Thread-safety: reentrant; blocks on the store.
#pragma once

#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "storage/store.h"

namespace signx::operations {

inline constexpr std::string_view kForecastRunJob = "operations.forecast_run";
// Version of the forecasting set-up written with every forecast (AutoForecast + this job's
// history window and horizon rule); bump when either changes.
inline constexpr std::string_view kForecastVersion = "auto-1";
inline constexpr int kHistoryDays = 730;

// The operations.forecast_run handler: payload {"run_id"}; the job's org is the run's.
Status RunForecastJob(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                      jobs::JobContext& ctx);

}  // namespace signx::operations
