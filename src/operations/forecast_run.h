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
// Items are forecast kForecastThreads at a time, pages of 200 in item-id order. Each item commits
// on its own (a run over thousands of items holds no long transaction); the
// run row counts items and skipped (no history) items and ends succeeded, with
// operations.forecast_run_completed. Items already forecast by this run are skipped on a retry.
//
// Thread-safety: reentrant; blocks on the store.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "operations/alerts.h"
#include "storage/store.h"

namespace signx::operations {

inline constexpr std::string_view kForecastRunJob = "operations.forecast_run";
// Version of the forecasting set-up written with every forecast (AutoForecast + this job's
// history window and horizon rule); bump when either changes.
inline constexpr std::string_view kForecastVersion = "auto-1";
inline constexpr int kHistoryDays = 730;
// Items forecast at once by one run (threads of the job).
inline constexpr int kForecastThreads = 2;

// The operations.forecast_run handler: payload {"run_id"}; the job's org is the run's.
Status RunForecastJob(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                      jobs::JobContext& ctx);

// Inserts a queued run and its operations.forecast_run job in `txn` (kValidationFailed for
// horizon/period outside 1..366 or level outside (0, 1)). With `dedupe_key`, a second call with
// the same key queues nothing and answers the run the first call made.
struct RunRequest {
  int horizon = 28;
  int period = 7;
  double level = 0.8;
  std::optional<std::string> created_by;
  std::optional<std::string> dedupe_key;
};
Result<ForecastRun> QueueForecastRun(storage::Txn& txn, jobs::Queue& queue, const Clock& clock,
                                     std::string_view org_id, const RunRequest& request);

// The daily schedule: operations.schedule_forecasts (kForecastSchedule, UTC) queues one run with
// the defaults for every org that has items (dedupe per org and day), and deletes the daily
// points of runs older than kForecastRetention (the runs and their accuracy rows stay).
inline constexpr std::string_view kScheduleForecastsJob = "operations.schedule_forecasts";
inline constexpr std::string_view kForecastSchedule = "30 1 * * *";
inline constexpr auto kForecastRetention = std::chrono::hours(24 * 90);
Status ScheduleForecastRuns(storage::Store& store, jobs::Queue& queue, const Clock& clock,
                            jobs::JobContext& ctx);

// Accuracy as actuals arrive: scores each item's latest forecast against its demand up to
// yesterday (UTC) → forecast_accuracy (the ingest job calls it after a consumption batch).
// Items without a forecast are skipped. Returns how many were scored.
Result<int> ScoreLatestForecasts(storage::Store& store, const Clock& clock, std::string_view org_id,
                                 const std::vector<std::string>& item_ids);

}  // namespace signx::operations
