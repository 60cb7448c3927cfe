#include "operations/forecast_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "events/event_types.h"
#include "forecast/forecast.h"
#include "http/json.h"
#include "operations/alerts.h"
#include "operations/planning.h"
#include "operations/store.h"

namespace signx::operations {
namespace {

namespace json = boost::json;

struct RunTally {
  int items = 0;
  int skipped = 0;
  int opened = 0;
  int resolved = 0;
  std::vector<std::string> notes;  // first few per-item problems
};

Status AppendAlertEvent(events::Outbox& outbox, storage::Txn& txn, std::string_view type,
                        const Alert& a) {
  return outbox
      .Append(txn, {.type = std::string(type),
                    .org_id = a.org_id,
                    .subject_id = a.id,
                    .payload_json = http::ToJsonText(ToJson(a))})
      .status();
}

int64_t DayNumber(std::string_view day) {
  auto t = ParseInstant(day);
  return t.ok() ? std::chrono::floor<std::chrono::days>(*t).time_since_epoch().count() : 0;
}

// An item's daily demand from its first consumption (at most kHistoryDays back) to `last_day`.
struct History {
  std::string first_day;  // "" when there is none
  std::vector<double> values;
};

Result<History> LoadHistory(OpsStore& ops, std::string_view item_id, std::string_view last_day) {
  History h;
  SIGNX_ASSIGN_OR_RETURN(auto first, ops.FirstDemandDay(item_id));
  if (!first || *first > last_day) return h;
  const int64_t last = DayNumber(last_day);
  const int64_t from = std::max(DayNumber(*first), last - kHistoryDays + 1);
  h.first_day = DayOf(Timestamp(std::chrono::days(from)));
  SIGNX_ASSIGN_OR_RETURN(auto sparse, ops.DailyDemand(item_id, h.first_day, last_day));
  h.values.assign(static_cast<std::size_t>(last - from + 1), 0.0);
  for (const auto& d : sparse) {
    const int64_t i = DayNumber(d.day) - from;
    if (i >= 0 && i < static_cast<int64_t>(h.values.size())) {
      h.values[static_cast<std::size_t>(i)] = d.quantity;
    }
  }
  return h;
}

// `previous` scored on the days of `h` (which ends yesterday) it covered; the band of yesterday
// into `signals` when it covered yesterday.
std::optional<AccuracyRow> Score(const ItemForecast& previous, const History& h,
                                 std::string_view yesterday, int period, const Clock& clock,
                                 ItemSignals* signals) {
  if (previous.points.empty() || h.values.empty()) return std::nullopt;
  const int64_t first = DayNumber(h.first_day);
  std::vector<double> f, a;
  for (const auto& p : previous.points) {
    const int64_t i = DayNumber(p.day) - first;
    if (p.day > yesterday || i < 0) continue;
    f.push_back(p.point);
    a.push_back(h.values[static_cast<std::size_t>(i)]);
    if (p.day == yesterday && signals != nullptr) {
      signals->last_actual = h.values.back();
      signals->last_lower = p.lower;
      signals->last_upper = p.upper;
      signals->last_day = p.day;
    }
  }
  if (f.empty()) return std::nullopt;
  const int64_t made_from = std::clamp<int64_t>(DayNumber(previous.points.front().day) - first, 0,
                                                static_cast<int64_t>(h.values.size()));
  const std::span<const double> before(h.values.data(), static_cast<std::size_t>(made_from));
  return AccuracyRow{.run_id = previous.run_id,
                     .item_id = previous.item_id,
                     .model = previous.model,
                     .accuracy = ComputeAccuracy(f, a, before, period),
                     .computed_at = clock.Now()};
}

std::string Yesterday(const Clock& clock) {
  return DayOf(*ParseInstant(DayOf(clock.Now())) - std::chrono::days(1));
}

class ItemForecaster {
 public:
  ItemForecaster(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                 const ForecastRun& run, std::vector<RuleConfig> rules, RunTally& tally)
      : store_(store),
        outbox_(outbox),
        clock_(clock),
        run_(run),
        rules_(std::move(rules)),
        tally_(tally) {
    today_ = DayOf(clock.Now());
    yesterday_ = Yesterday(clock);
  }

  Status Forecast(const Item& item) {
    // ---- read: history, the previous forecast ----
    struct Inputs {
      bool done = false;
      History history;
      std::optional<ItemForecast> previous;
    };
    SIGNX_ASSIGN_OR_RETURN(
        Inputs in,
        store_.WithTxnResult<Inputs>(
            [&](storage::Txn& txn) -> Result<Inputs> {
              Inputs in;
              SIGNX_ASSIGN_OR_RETURN(auto done, txn.QueryOne("SELECT 1 FROM forecasts WHERE "
                                                             "run_id = $1 AND item_id = $2",
                                                             {run_.id, item.id}));
              if (done) {
                in.done = true;
                return in;
              }
              OpsStore ops(txn, run_.org_id, clock_);
              SIGNX_ASSIGN_OR_RETURN(in.history, LoadHistory(ops, item.id, yesterday_));
              if (in.history.values.empty()) return in;
              AlertStore alerts(txn, run_.org_id, clock_);
              SIGNX_ASSIGN_OR_RETURN(in.previous, alerts.LatestForecast(item.id, run_.id));
              return in;
            },
            {.read_only = true}));
    if (in.done) {
      std::lock_guard lock(tally_mu_);
      ++tally_.items;
      return Status::Ok();
    }
    if (in.history.values.empty()) {
      std::lock_guard lock(tally_mu_);
      ++tally_.skipped;
      return Status::Ok();
    }

    // ---- accuracy of the previous forecast on the days that have actuals now ----
    ItemSignals signals;
    signals.sku = item.sku;
    std::optional<AccuracyRow> accuracy;
    if (in.previous) {
      accuracy = Score(*in.previous, in.history, yesterday_, run_.period, clock_, &signals);
    }

    // ---- the forecast ----
    const int horizon =
        std::clamp(std::max(run_.horizon, static_cast<int>(item.lead_time_days)), 1, 366);
    auto fc = forecast::AutoForecast(
        in.history.values, {.horizon = horizon, .period = run_.period, .level = run_.level});
    if (!fc.ok()) {
      std::lock_guard lock(tally_mu_);
      ++tally_.skipped;
      if (tally_.notes.size() < 5) {
        tally_.notes.push_back(fmt::format("{}: {}", item.sku, fc.status().message()));
      }
      return Status::Ok();
    }
    ItemForecast stored{.run_id = run_.id,
                        .item_id = item.id,
                        .model = fc->method,
                        .version = std::string(kForecastVersion),
                        .level = fc->level};
    if (!fc->notes.empty()) {
      std::string notes;
      for (const auto& n : fc->notes) notes += (notes.empty() ? "" : "; ") + n;
      stored.notes = std::move(notes);
    }
    const Timestamp today_t = *ParseInstant(today_);
    for (int s = 0; s < horizon; ++s) {
      const auto i = static_cast<std::size_t>(s);
      stored.points.push_back({.step = s + 1,
                               .day = DayOf(today_t + std::chrono::days(s)),
                               .point = fc->point[i],
                               .lower = fc->lower[i],
                               .upper = fc->upper[i]});
    }

    // ---- write: forecast, accuracy, alerts ----
    int opened = 0, resolved = 0;
    SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
      opened = resolved = 0;
      OpsStore ops(txn, run_.org_id, clock_);
      AlertStore alerts(txn, run_.org_id, clock_);
      SIGNX_RETURN_IF_ERROR(alerts.InsertForecast(stored));
      if (accuracy) SIGNX_RETURN_IF_ERROR(alerts.UpsertAccuracy(*accuracy));
      SIGNX_ASSIGN_OR_RETURN(auto history, alerts.AccuracyHistory(item.id, 1));
      if (!history.empty()) signals.accuracy = history.front().accuracy;
      SIGNX_ASSIGN_OR_RETURN(Stock stock, ops.StockOf(item.id));
      signals.stock = {.on_hand = stock.on_hand,
                       .on_order = stock.on_order,
                       .safety_stock = item.safety_stock,
                       .lead_time_days = static_cast<int>(item.lead_time_days),
                       .daily_forecast = fc->point};
      const std::vector<Finding> findings = Evaluate(signals, rules_);
      for (const RuleConfig& rule : rules_) {
        auto it = std::find_if(findings.begin(), findings.end(),
                               [&](const Finding& f) { return f.rule == rule.rule; });
        if (it != findings.end()) {
          SIGNX_ASSIGN_OR_RETURN(auto raised, alerts.Raise(item.id, *it, run_.id));
          if (raised) {
            ++opened;
            SIGNX_RETURN_IF_ERROR(
                AppendAlertEvent(outbox_, txn, events::kOperationsAlertOpened, *raised));
          }
          continue;
        }
        // Only a rule that could be judged clears its alert.
        const bool judged = rule.rule == Rule::kStockout ||
                            (rule.rule == Rule::kAccuracyDegraded && signals.accuracy) ||
                            ((rule.rule == Rule::kDemandSpike || rule.rule == Rule::kDemandDrop) &&
                             signals.last_actual);
        if (!judged && rule.enabled) continue;
        SIGNX_ASSIGN_OR_RETURN(auto cleared, alerts.Clear(item.id, RuleName(rule.rule), "system"));
        if (cleared) {
          ++resolved;
          SIGNX_RETURN_IF_ERROR(
              AppendAlertEvent(outbox_, txn, events::kOperationsAlertResolved, *cleared));
        }
      }
      return Status::Ok();
    }));
    std::lock_guard lock(tally_mu_);
    ++tally_.items;
    tally_.opened += opened;
    tally_.resolved += resolved;
    return Status::Ok();
  }

 private:
  storage::Store& store_;
  events::Outbox& outbox_;
  const Clock& clock_;
  const ForecastRun& run_;
  const std::vector<RuleConfig> rules_;
  std::mutex tally_mu_;
  RunTally& tally_;  // guarded by tally_mu_
  std::string today_;
  std::string yesterday_;
};

}  // namespace

Status RunForecastJob(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                      jobs::JobContext& ctx) {
  std::error_code ec;
  json::value payload = json::parse(ctx.payload(), ec);
  if (ec || !payload.is_object() || !payload.get_object().contains("run_id") ||
      !payload.get_object().at("run_id").is_string() || !ctx.org_id()) {
    return InvalidArgument("operations.forecast_run: payload needs run_id and the job an org");
  }
  const std::string run_id(payload.get_object().at("run_id").get_string());
  const std::string org = *ctx.org_id();
  std::vector<RuleConfig> rules;
  int64_t total = 0;
  SIGNX_ASSIGN_OR_RETURN(
      ForecastRun run,
      store.WithTxnResult<ForecastRun>([&](storage::Txn& txn) -> Result<ForecastRun> {
        AlertStore alerts(txn, org, clock);
        SIGNX_ASSIGN_OR_RETURN(ForecastRun r, alerts.GetRun(run_id));
        if (r.status == "succeeded" || r.status == "failed") return r;
        r.status = "running";
        r.job_id = ctx.id();
        SIGNX_RETURN_IF_ERROR(alerts.SaveRun(r));
        SIGNX_ASSIGN_OR_RETURN(rules, alerts.Rules());
        SIGNX_ASSIGN_OR_RETURN(auto n,
                               txn.QueryOne("SELECT COUNT(*) FROM manufacturing_items WHERE "
                                            "org_id = $1",
                                            {org}));
        total = n ? n->Int(0) : 0;
        return r;
      }));
  if (run.status != "running") {
    ctx.SetResult(http::ToJsonText(ToJson(run)));
    return Status::Ok();
  }
  RunTally tally;
  ItemForecaster forecaster(store, outbox, clock, run, rules, tally);
  std::string after;
  int64_t done = 0;
  for (;;) {
    SIGNX_ASSIGN_OR_RETURN(auto page, store.WithTxnResult<std::vector<Item>>(
                                          [&](storage::Txn& txn) {
                                            OpsStore ops(txn, org, clock);
                                            return ops.ItemsAfter(after, 200);
                                          },
                                          {.read_only = true}));
    if (page.empty()) break;
    // kForecastThreads items at a time (forecasting dominates; each item has its own
    // transactions, so they do not wait for each other except for SQLite's write lock).
    std::atomic<std::size_t> next{0};
    std::mutex error_mu;
    Status first_error;
    auto work = [&] {
      for (std::size_t i = next++; i < page.size(); i = next++) {
        Status st = ctx.cancelled() ? Status(ErrorCode::kCancelled, "forecast run cancelled")
                                    : forecaster.Forecast(page[i]);
        if (!st.ok()) {
          std::lock_guard lock(error_mu);
          if (first_error.ok()) first_error = std::move(st);
          next = page.size();
          return;
        }
      }
    };
    std::vector<std::thread> helpers;
    for (int t = 1; t < kForecastThreads; ++t) helpers.emplace_back(work);
    work();
    for (auto& t : helpers) t.join();
    SIGNX_RETURN_IF_ERROR(first_error);
    done += static_cast<int64_t>(page.size());
    if (total > 0) ctx.SetProgress(static_cast<int>(done * 100 / total)).IgnoreError();
    after = page.back().id;
  }
  run.status = "succeeded";
  run.items = tally.items;
  run.skipped = tally.skipped;
  run.completed_at = clock.Now();
  if (!tally.notes.empty()) {
    std::string m = "not forecast: ";
    for (std::size_t i = 0; i < tally.notes.size(); ++i) m += (i ? "; " : "") + tally.notes[i];
    run.message = std::move(m);
  }
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    AlertStore alerts(txn, org, clock);
    SIGNX_RETURN_IF_ERROR(alerts.SaveRun(run));
    json::object event = ToJson(run);
    event["run_id"] = run.id;
    event["alerts_opened"] = tally.opened;
    event["alerts_resolved"] = tally.resolved;
    return outbox
        .Append(txn, {.type = std::string(events::kOperationsForecastRunCompleted),
                      .org_id = org,
                      .subject_id = run.id,
                      .payload_json = http::ToJsonText(event)})
        .status();
  }));
  outbox.Notify();
  ctx.SetProgress(100).IgnoreError();
  ctx.SetResult(http::ToJsonText(ToJson(run)));
  return Status::Ok();
}

Result<ForecastRun> QueueForecastRun(storage::Txn& txn, jobs::Queue& queue, const Clock& clock,
                                     std::string_view org_id, const RunRequest& request) {
  std::vector<FieldError> bad;
  if (request.horizon < 1 || request.horizon > 366) {
    bad.push_back({"horizon", "an integer from 1 to 366"});
  }
  if (request.period < 1 || request.period > 366) {
    bad.push_back({"period", "an integer from 1 to 366"});
  }
  if (!(request.level > 0 && request.level < 1)) bad.push_back({"level", "a number in (0, 1)"});
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  AlertStore alerts(txn, std::string(org_id), clock);
  ForecastRun r;
  r.status = "queued";
  r.horizon = request.horizon;
  r.period = request.period;
  r.level = request.level;
  r.created_by = request.created_by;
  SIGNX_ASSIGN_OR_RETURN(r, alerts.InsertRun(std::move(r)));
  SIGNX_ASSIGN_OR_RETURN(
      auto job,
      queue.Enqueue(txn, {.type = std::string(kForecastRunJob),
                          .payload_json = http::ToJsonText(json::object{{"run_id", r.id}}),
                          .org_id = std::string(org_id),
                          .max_attempts = 3,
                          .dedupe_key = request.dedupe_key}));
  if (!job.created) {
    // The key was used before: the run of that job stands; this one is not kept.
    SIGNX_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM forecast_runs WHERE org_id = $1 AND id = $2", {org_id, r.id})
            .status());
    SIGNX_ASSIGN_OR_RETURN(auto existing,
                           txn.QueryOne("SELECT id FROM forecast_runs WHERE org_id = $1 AND "
                                        "job_id = $2",
                                        {org_id, job.id}));
    if (!existing) return Internal("a deduplicated forecast job has no run");
    return alerts.GetRun(existing->Text(0));
  }
  r.job_id = job.id;
  SIGNX_RETURN_IF_ERROR(alerts.SaveRun(r));
  return r;
}

Status ScheduleForecastRuns(storage::Store& store, jobs::Queue& queue, const Clock& clock,
                            jobs::JobContext& ctx) {
  SIGNX_ASSIGN_OR_RETURN(auto orgs, store.Query("SELECT DISTINCT org_id FROM manufacturing_items "
                                                "ORDER BY org_id"));
  const std::string day = DayOf(clock.Now());
  int queued = 0;
  for (const auto& row : orgs.rows) {
    const std::string org = row.Text(0);
    SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
      return QueueForecastRun(txn, queue, clock, org,
                              {.created_by = std::string(kScheduleForecastsJob),
                               .dedupe_key = "daily:" + org + ":" + day})
          .status();
    }));
    ++queued;
  }
  // Retention: the points of old runs (their accuracy rows keep the history of how good they were).
  SIGNX_ASSIGN_OR_RETURN(int64_t pruned, store.WithTxnResult<int64_t>([&](storage::Txn& txn) {
    return txn.Exec(
        "DELETE FROM forecasts WHERE run_id IN (SELECT id FROM forecast_runs WHERE "
        "created_at < $1)",
        {clock.Now() - std::chrono::duration_cast<std::chrono::microseconds>(kForecastRetention)});
  }));
  ctx.SetResult(http::ToJsonText(
      json::object{{"orgs", queued}, {"day", day}, {"forecast_points_deleted", pruned}}));
  return Status::Ok();
}

Result<int> ScoreLatestForecasts(storage::Store& store, const Clock& clock, std::string_view org_id,
                                 const std::vector<std::string>& item_ids) {
  const std::string yesterday = Yesterday(clock);
  int scored = 0;
  for (const auto& item_id : item_ids) {
    SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
      OpsStore ops(txn, std::string(org_id), clock);
      AlertStore alerts(txn, std::string(org_id), clock);
      SIGNX_ASSIGN_OR_RETURN(auto previous, alerts.LatestForecast(item_id));
      if (!previous) return Status::Ok();
      SIGNX_ASSIGN_OR_RETURN(History h, LoadHistory(ops, item_id, yesterday));
      SIGNX_ASSIGN_OR_RETURN(ForecastRun run, alerts.GetRun(previous->run_id));
      auto row = Score(*previous, h, yesterday, run.period, clock, nullptr);
      if (!row) return Status::Ok();
      ++scored;
      return alerts.UpsertAccuracy(*row);
    }));
  }
  return scored;
}

}  // namespace signx::operations
