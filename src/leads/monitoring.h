// Live monitoring of the lead models: how the scores of real leads compare with what training
// promised, and how well they predicted the outcomes recorded since (outcome.h).
//
// The `leads.monitor` job (recurring, config leads.monitor_schedule, default every 15 min) reads
// the leads scored in the window (config leads.monitor_window_days; `lead_scores` holds each
// lead's latest score; a lead with an outcome counts with the score it had when the outcome was
// recorded — its newest lead_score_history row at or before the outcome's created_at, so a later
// re-score never changes what the outcome is paired with) and, per org and model version, and for
// every version over all orgs (org "*"), computes:
//   - the tier distribution (count, share and mean score per bucket) and its population stability
//     index against the training distribution: PSI = Σ (a_i − e_i) · ln(a_i / e_i) over the five
//     buckets, shares floored at 1e-4. The expected shares e_i come from the model card
//     (`model.training_bucket_shares`, five numbers for buckets 1..5) when training wrote them,
//     otherwise 0.2 each — the bucket thresholds are the quintiles of the training scores, so each
//     bucket holds 20 % of the training leads by construction;
//   - on the leads with an outcome: live AUC-ROC (when both classes occur), Brier score, the
//     reliability table (10 bins) and the conversion rate per tier.
// The pass reads lead_scores in pages of MonitorSettings::page_size rows (keyset on the primary
// key (org_id, lead_id)), each lead with its outcome and its history row at the outcome (index
// lookups per lead of the page); each (org, version) group keeps running sums, plus (score,
// outcome) of its labelled leads for AUC, Brier and calibration. Its memory is one page of rows
// plus 8 bytes per labelled lead and group, whatever the number of leads. A pass reads at most
// MonitorSettings::max_leads leads (the first in key order; a warning is logged when leads were
// left out).
// Status: "alert" when PSI > psi_alert or (labelled ≥ monitor_min_labelled and AUC < min_auc);
// else "warn" when PSI > psi_warn; else "insufficient_data" when fewer than kMinScoredForPsi leads
// were scored; else "ok". Each result is stored in `lead_monitoring`; an org's transition into
// "alert" appends the outbox event `model.drift_detected` (subject: the model version) and every
// warn/alert is logged. The all-org results set the gauges leads_psi{model_version},
// leads_live_auc{model_version}, leads_live_brier{model_version} and
// leads_outcomes_labelled{model_version}.
//
//   GET /v1/leads/monitoring   the caller's org's results, newest first (leads:read)
//
// Gauges on every replica: the job runs on one worker, so serving replicas call
// StartGaugeRefresh to copy the latest stored all-org results into their own gauges.
//
// Thread-safety: LeadMonitor is thread-safe (state is in the database; gauges are atomics). Run it
// from one job at a time (the handler is registered with max_concurrency 1).
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "events/event_types.h"
#include "events/outbox.h"
#include "http/openapi.h"
#include "http/router.h"
#include "jobs/queue.h"
#include "metrics/metrics.h"
#include "ml/metrics.h"
#include "runtime/periodic_task.h"
#include "storage/store.h"

namespace signx::leads {

inline constexpr std::string_view kMonitorJob = "leads.monitor";
inline constexpr std::string_view kDriftEvent = events::kModelDriftDetected;
inline constexpr std::string_view kAllOrgs = "*";
inline constexpr int64_t kMinScoredForPsi = 50;
inline constexpr double kPsiFloor = 1e-4;

// Population stability index of `actual` against `expected` (shares or counts; each is normalised
// to sum 1; shares below kPsiFloor are raised to it). Sizes must match and be non-empty.
Result<double> PopulationStabilityIndex(std::span<const double> expected,
                                        std::span<const double> actual);

// Training bucket shares from a model card (buckets 1..5), or 0.2 each when the card has none.
std::array<double, 5> TrainingBucketShares(const boost::json::object& card, bool* from_card);

struct MonitorSettings {
  std::chrono::hours window{24 * 30};
  double psi_warn = 0.1;
  double psi_alert = 0.25;
  double min_auc = 0.7;
  int64_t min_labelled = 50;
  // Rows of lead_scores read per query (keyset pages on (org_id, lead_id)); >= 1. 2,000: on
  // PostgreSQL a larger page's estimated cost passes the default jit_above_cost, and compiling
  // every page cost more than the extra queries (500k leads: 2.4 s of backend CPU a pass at
  // 2,000, 3.5 s at 5,000, 2.9 s at 10,000); SQLite is indifferent.
  int page_size = 2000;
  // Leads read per pass at most (the first in key order); the rest are left out, with a warning.
  int64_t max_leads = 2'000'000;
};
MonitorSettings SettingsFrom(const config::LeadsConfig& config);

// One scored lead as the monitor sees it.
struct MonitoredLead {
  double score = 0;
  int bucket = 1;
  std::optional<bool> converted;  // set when an outcome was recorded
};

struct MonitorReport {
  std::string org_id;  // or kAllOrgs
  std::string model_version;
  Timestamp computed_at{}, window_start{}, window_end{};
  int64_t scored = 0;
  int64_t labelled = 0;
  std::array<int64_t, 5> bucket_counts{};     // buckets 1..5
  std::array<double, 5> bucket_mean_score{};
  std::array<double, 5> expected_shares{};    // training
  bool expected_from_card = false;
  std::array<int64_t, 5> labelled_by_bucket{};
  std::array<int64_t, 5> converted_by_bucket{};
  std::optional<double> psi;
  std::optional<double> auc;
  std::optional<double> brier;
  std::vector<ml::CalibrationBin> calibration;
  std::string status;                 // ok, warn, alert, insufficient_data
  std::vector<std::string> findings;  // why warn/alert
};

// The pure part: the report for one (org, version) from its scored leads.
Result<MonitorReport> Evaluate(std::span<const MonitoredLead> leads,
                               const std::array<double, 5>& expected_shares,
                               const MonitorSettings& settings);

// Evaluate fed one lead at a time: tier counts and score sums of every lead, and the score and
// outcome of the labelled ones only (what AUC, Brier and calibration need), so it holds 8 bytes
// per labelled lead and nothing per unlabelled one. Adding the same leads in the same order and
// calling Finish gives the same report as Evaluate. Not thread-safe.
class MonitorAccumulator {
 public:
  void Add(const MonitoredLead& lead);
  // The report over the leads added so far (org_id and model_version left empty).
  Result<MonitorReport> Finish(const std::array<double, 5>& expected_shares,
                               const MonitorSettings& settings) const;

 private:
  int64_t scored_ = 0;
  std::array<int64_t, 5> bucket_counts_{};
  std::array<double, 5> score_sum_{};
  std::array<int64_t, 5> labelled_by_bucket_{};
  std::array<int64_t, 5> converted_by_bucket_{};
  std::vector<float> probs_, labels_;  // labelled leads only
};

boost::json::object ToJson(const MonitorReport& report);

class LeadMonitor {
 public:
  // `metrics` may be null (no gauges). `outbox` may be null: the monitor then appends events
  // through an Outbox of its own (the dispatcher of any serving replica picks them up).
  // Training distributions are read from the model cards in `model_versions`.
  LeadMonitor(storage::Store& store, events::Outbox* outbox, metrics::Registry* metrics,
              MonitorSettings settings, const Clock& clock = SystemClock::Get());
  ~LeadMonitor();
  LeadMonitor(const LeadMonitor&) = delete;
  LeadMonitor& operator=(const LeadMonitor&) = delete;

  // One monitoring pass over the window ending now; stores and returns every report.
  Result<std::vector<MonitorReport>> Run();

  // Stored reports of `org_id` (newest first), optionally of one model version.
  Result<std::vector<boost::json::object>> List(const std::string& org_id,
                                                std::optional<std::string> model_version,
                                                int limit);

  // Sets the gauges from the latest stored all-org reports (e.g. at start, or on a replica that
  // does not run the job).
  Status RefreshGauges();
  // Calls RefreshGauges every `interval` on a background thread until StopGaugeRefresh or
  // destruction.
  void StartGaugeRefresh(std::chrono::milliseconds interval);
  // Stops and joins that thread. Idempotent.
  void StopGaugeRefresh();

  const MonitorSettings& settings() const { return settings_; }

 private:
  void SetGauges(const MonitorReport& report);

  storage::Store& store_;
  std::unique_ptr<events::Outbox> owned_outbox_;
  events::Outbox* outbox_;
  const MonitorSettings settings_;
  const Clock& clock_;
  metrics::Family<metrics::Gauge>* psi_ = nullptr;
  metrics::Family<metrics::Gauge>* auc_ = nullptr;
  metrics::Family<metrics::Gauge>* brier_ = nullptr;
  metrics::Family<metrics::Gauge>* labelled_ = nullptr;

  runtime::PeriodicTask refresher_;
};

// Registers the leads.monitor handler and its recurring schedule. `monitor` must outlive the
// queue's workers; the shared_ptr form keeps it alive in the handler (for `signx worker`).
Status RegisterMonitorJob(jobs::Queue& queue, LeadMonitor& monitor,
                          const std::string& schedule = "@every 15m");
Status RegisterMonitorJob(jobs::Queue& queue, std::shared_ptr<LeadMonitor> monitor,
                          const std::string& schedule = "@every 15m");

void AddMonitoringRoutes(http::Router& router, http::SchemaRegistry& schemas,
                         LeadMonitor& monitor);

}  // namespace signx::leads
