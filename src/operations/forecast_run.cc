#include "operations/forecast_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

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

class ItemForecaster {
 public:
  ItemForecaster(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                 const ForecastRun& run, std::vector<RuleConfig> rules, RunTally& tally)
      : store_(store), outbox_(outbox), clock_(clock), run_(run), rules_(std::move(rules)),
        tally_(tally) {
    const Timestamp today = *ParseInstant(DayOf(clock.Now()));
    today_ = DayOf(today);
    yesterday_ = DayOf(today - std::chrono::days(1));
  }

  Status Forecast(const Item& item) {
    // ---- read: history, the previous forecast ----
    struct Inputs {
      bool done = false;
      std::vector<double> history;
      std::string first_day;
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
              SIGNX_ASSIGN_OR_RETURN(auto first, ops.FirstDemandDay(item.id));
              if (!first || *first > yesterday_) return in;
              const int64_t last = DayNumber(yesterday_);
              const int64_t from = std::max(DayNumber(*first), last - kHistoryDays + 1);
              in.first_day = DayOf(Timestamp(std::chrono::days(from)));
              SIGNX_ASSIGN_OR_RETURN(auto sparse, ops.DailyDemand(item.id, in.first_day, yesterday_));
              in.history.assign(static_cast<std::size_t>(last - from + 1), 0.0);
              for (const auto& d : sparse) {
                const int64_t i = DayNumber(d.day) - from;
                if (i >= 0 && i < static_cast<int64_t>(in.history.size())) {
                  in.history[static_cast<std::size_t>(i)] = d.quantity;
                }
              }
              AlertStore alerts(txn, run_.org_id, clock_);
              SIGNX_ASSIGN_OR_RETURN(in.previous, alerts.LatestForecast(item.id, run_.id));
              return in;
            },
            {.read_only = true}));
    if (in.done) {
      ++tally_.items;
      return Status::Ok();
    }
    if (in.history.empty()) {
      ++tally_.skipped;
      return Status::Ok();
    }

    // ---- accuracy of the previous forecast on the days that have actuals now ----
    std::optional<AccuracyRow> accuracy;
    ItemSignals signals;
    signals.sku = item.sku;
    const int64_t first = DayNumber(in.first_day);
    if (in.previous && !in.previous->points.empty()) {
      std::vector<double> f, a;
      for (const auto& p : in.previous->points) {
        const int64_t i = DayNumber(p.day) - first;
        if (p.day > yesterday_ || i < 0) continue;
        f.push_back(p.point);
        a.push_back(in.history[static_cast<std::size_t>(i)]);
        if (p.day == yesterday_) {
          signals.last_actual = in.history.back();
          signals.last_lower = p.lower;
          signals.last_upper = p.upper;
          signals.last_day = p.day;
        }
      }
      if (!f.empty()) {
        const int64_t made_from = std::clamp<int64_t>(DayNumber(in.previous->points.front().day) - first,
                                                      0, static_cast<int64_t>(in.history.size()));
        const std::span<const double> before(in.history.data(), static_cast<std::size_t>(made_from));
        accuracy = AccuracyRow{.run_id = in.previous->run_id,
                               .item_id = item.id,
                               .model = in.previous->model,
                               .accuracy = ComputeAccuracy(f, a, before, run_.period),
                               .computed_at = clock_.Now()};
      }
    }

    // ---- the forecast ----
    const int horizon = std::clamp(std::max(run_.horizon, static_cast<int>(item.lead_time_days)),
                                   1, 366);
    auto fc = forecast::AutoForecast(in.history, {.horizon = horizon,
                                                  .period = run_.period,
                                                  .level = run_.level});
    if (!fc.ok()) {
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
  RunTally& tally_;
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
      ForecastRun run, store.WithTxnResult<ForecastRun>([&](storage::Txn& txn) -> Result<ForecastRun> {
        AlertStore alerts(txn, org, clock);
        SIGNX_ASSIGN_OR_RETURN(ForecastRun r, alerts.GetRun(run_id));
        if (r.status == "succeeded" || r.status == "failed") return r;
        r.status = "running";
        r.job_id = ctx.id();
        SIGNX_RETURN_IF_ERROR(alerts.SaveRun(r));
        SIGNX_ASSIGN_OR_RETURN(rules, alerts.Rules());
        SIGNX_ASSIGN_OR_RETURN(auto n, txn.QueryOne("SELECT COUNT(*) FROM manufacturing_items WHERE "
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
    SIGNX_ASSIGN_OR_RETURN(
        auto page, store.WithTxnResult<std::vector<Item>>(
                       [&](storage::Txn& txn) {
                         OpsStore ops(txn, org, clock);
                         return ops.ItemsAfter(after, 200);
                       },
                       {.read_only = true}));
    if (page.empty()) break;
    for (const Item& item : page) {
      if (ctx.cancelled()) return Status(ErrorCode::kCancelled, "forecast run cancelled");
      SIGNX_RETURN_IF_ERROR(forecaster.Forecast(item));
      ++done;
      if (total > 0 && done % 25 == 0) {
        ctx.SetProgress(static_cast<int>(done * 100 / total)).IgnoreError();
      }
    }
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

}  // namespace signx::operations
