// Forecast runs, stored forecasts, accuracy rows and alerts: types and JSON (pure), and
// AlertStore, their SQL on one transaction and one tenant (like OpsStore).
//
// Alerts: at most one unresolved alert per (item, rule). A run that finds the rule firing again
// refreshes the open/acknowledged alert's message and details; one that finds it clear resolves
// it as "system". People move an alert open → acknowledged → resolved (or open → resolved); each
// step records who and when.
//
// Thread-safety: types are values; an AlertStore lives inside one WithTxn callback.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "operations/planning.h"
#include "storage/store.h"

namespace signx::operations {

struct ForecastRun {
  std::string id;  // fcr_<ulid>
  std::string org_id;
  std::string status;  // queued, running, succeeded, failed
  int horizon = 28;
  int period = 7;
  double level = 0.8;
  int items = 0;
  int skipped = 0;
  std::optional<std::string> job_id;
  std::optional<std::string> message;
  std::optional<std::string> created_by;
  Timestamp created_at;
  std::optional<Timestamp> completed_at;
};
boost::json::object ToJson(const ForecastRun& r);

struct ForecastPoint {
  int step = 0;
  std::string day;
  double point = 0, lower = 0, upper = 0;
};
struct ItemForecast {
  std::string run_id;
  std::string item_id;
  std::string model;
  std::string version;
  double level = 0.8;
  std::optional<std::string> notes;
  std::vector<ForecastPoint> points;
};
boost::json::object ToJson(const ItemForecast& f);

struct AccuracyRow {
  std::string run_id;
  std::string item_id;
  std::string model;
  Accuracy accuracy;
  Timestamp computed_at;
};
boost::json::object ToJson(const AccuracyRow& a);

inline constexpr std::string_view kAlertOpen = "open";
inline constexpr std::string_view kAlertAcknowledged = "acknowledged";
inline constexpr std::string_view kAlertResolved = "resolved";

struct Alert {
  std::string id;  // alr_<ulid>
  std::string org_id;
  std::string item_id;
  std::string sku;  // joined for display
  std::string rule;
  std::string severity;
  std::string status;
  std::string message;
  std::string details_json;
  std::optional<std::string> run_id;
  Timestamp opened_at;
  std::optional<std::string> acknowledged_by;
  std::optional<Timestamp> acknowledged_at;
  std::optional<std::string> resolved_by;
  std::optional<Timestamp> resolved_at;
  int64_t version = 1;
};
boost::json::object ToJson(const Alert& a);

struct AlertQuery {
  std::optional<std::string> status;  // one status; nullopt = open and acknowledged
  std::optional<std::string> item_id;
  bool all = false;  // every status
  int limit = 50;
  std::string cursor;
};

class AlertStore {
 public:
  AlertStore(storage::Txn& txn, std::string org_id, const Clock& clock)
      : txn_(txn), org_(std::move(org_id)), clock_(clock) {}

  storage::Txn& txn() { return txn_; }

  // ---- runs ----
  Result<ForecastRun> InsertRun(ForecastRun r);
  Result<ForecastRun> GetRun(std::string_view id);
  Result<Page<ForecastRun>> ListRuns(int limit, const std::string& cursor);
  Status SaveRun(const ForecastRun& r);

  // ---- forecasts ----
  Status InsertForecast(const ItemForecast& f);
  // The item's forecast of the latest succeeded-or-running run that has one (excluding
  // `except_run`), or nullopt.
  Result<std::optional<ItemForecast>> LatestForecast(std::string_view item_id,
                                                     std::string_view except_run = "");

  // ---- accuracy ----
  Status UpsertAccuracy(const AccuracyRow& a);
  // Newest first.
  Result<std::vector<AccuracyRow>> AccuracyHistory(std::string_view item_id, int limit);

  // ---- rules ----
  // Every rule: the org's stored settings over the defaults.
  Result<std::vector<RuleConfig>> Rules();
  Status SaveRule(const RuleConfig& c);

  // ---- alerts ----
  Result<std::optional<Alert>> ActiveAlert(std::string_view item_id, std::string_view rule);
  // Opens a new alert (returns it) or refreshes the active one (returns nullopt: nothing new).
  Result<std::optional<Alert>> Raise(std::string_view item_id, const Finding& f,
                                     std::string_view run_id);
  // Resolves the active alert of (item, rule) as `who`, if any; returns it.
  Result<std::optional<Alert>> Clear(std::string_view item_id, std::string_view rule,
                                     std::string_view who);
  Result<Alert> GetAlert(std::string_view id);
  Result<Page<Alert>> ListAlerts(const AlertQuery& q);
  // open → acknowledged (kConflict from another status).
  Result<Alert> Acknowledge(std::string_view id, std::string_view who);
  // open | acknowledged → resolved (kConflict when resolved already).
  Result<Alert> Resolve(std::string_view id, std::string_view who);
  // Open and acknowledged alerts per status.
  Result<std::pair<int64_t, int64_t>> ActiveCounts();

 private:
  storage::Txn& txn_;
  const std::string org_;
  const Clock& clock_;
};

}  // namespace signx::operations
