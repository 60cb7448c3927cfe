#include "leads/monitoring.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "base/id.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "jobs/schedule.h"
#include "leads/service.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

// One page of at most `limit` leads scored in the window, in primary-key order (after the key
// ($3, $4) unless `first`), with their outcome and, for a lead with an outcome, the score it had
// when the outcome was recorded: its newest lead_score_history row at or before the outcome's
// created_at. The plan this shape is written for, on SQLite and PostgreSQL alike (custom and
// generic plans of the prepared statement): a walk of lead_scores' primary key from the key,
// stopping after `limit` rows, and per row an index lookup in lead_outcomes and, when it has an
// outcome, in lead_score_history_by_lead. So a page costs the same wherever it starts and reads
// nothing outside its own leads. The window test is a CASE so that neither planner takes it as an
// index range on lead_scores_by_time: that plan sorts the whole window for every page (SQLite
// with an index on the column; PostgreSQL in the generic plan, which cannot see the window).
std::string PageSql(bool first, int64_t limit) {
  constexpr std::string_view kAtOutcome =
      "FROM lead_score_history h WHERE h.org_id = p.org_id AND h.lead_id = p.lead_id "
      "AND h.scored_at <= p.outcome_at "
      "ORDER BY h.scored_at DESC, h.model_version DESC, h.score DESC LIMIT 1";
  constexpr std::string_view kOutcome =
      "FROM lead_outcomes o WHERE o.org_id = s.org_id AND o.lead_id = s.lead_id";
  return fmt::format(
      "SELECT p.org_id, p.lead_id, p.model_version, p.score, p.bucket, p.converted, "
      "CASE WHEN p.outcome_at IS NULL THEN NULL ELSE (SELECT h.model_version {h}) END, "
      "CASE WHEN p.outcome_at IS NULL THEN NULL ELSE (SELECT h.score {h}) END, "
      "CASE WHEN p.outcome_at IS NULL THEN NULL ELSE (SELECT h.tier {h}) END "
      "FROM (SELECT s.org_id, s.lead_id, s.model_version, s.score, s.bucket, "
      "(SELECT o.converted {o}) AS converted, (SELECT o.created_at {o}) AS outcome_at "
      "FROM lead_scores s "
      "WHERE CASE WHEN s.scored_at >= $1 AND s.scored_at < $2 THEN TRUE ELSE FALSE END "
      "{after}ORDER BY s.org_id, s.lead_id LIMIT {limit}) p "
      "ORDER BY p.org_id, p.lead_id",
      fmt::arg("h", kAtOutcome), fmt::arg("o", kOutcome),
      fmt::arg("after", first ? "" : "AND (s.org_id, s.lead_id) > ($3, $4) "),
      fmt::arg("limit", limit));
}

json::value Opt(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

std::optional<double> OptNumber(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

}  // namespace

Result<double> PopulationStabilityIndex(std::span<const double> expected,
                                        std::span<const double> actual) {
  if (expected.empty() || expected.size() != actual.size()) {
    return InvalidArgument("PSI needs two distributions of the same non-zero size");
  }
  const double se = std::accumulate(expected.begin(), expected.end(), 0.0);
  const double sa = std::accumulate(actual.begin(), actual.end(), 0.0);
  if (!(se > 0) || !(sa > 0)) return InvalidArgument("PSI needs non-empty distributions");
  double psi = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] < 0 || actual[i] < 0) return InvalidArgument("PSI shares must be >= 0");
    const double e = std::max(expected[i] / se, kPsiFloor);
    const double a = std::max(actual[i] / sa, kPsiFloor);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

std::array<double, 5> TrainingBucketShares(const json::object& card, bool* from_card) {
  std::array<double, 5> shares{0.2, 0.2, 0.2, 0.2, 0.2};
  if (from_card) *from_card = false;
  const json::value* model = card.if_contains("model");
  const json::value* arr =
      model && model->is_object() ? model->as_object().if_contains("training_bucket_shares")
                                  : nullptr;
  if (!arr || !arr->is_array() || arr->as_array().size() != 5) return shares;
  std::array<double, 5> out{};
  double sum = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& v = arr->as_array()[i];
    if (!v.is_number() || v.to_number<double>() < 0) return shares;
    out[i] = v.to_number<double>();
    sum += out[i];
  }
  if (!(sum > 0)) return shares;
  for (double& v : out) v /= sum;
  if (from_card) *from_card = true;
  return out;
}

MonitorSettings SettingsFrom(const config::LeadsConfig& c) {
  return {.window = std::chrono::hours(24 * c.monitor_window_days),
          .psi_warn = c.psi_warn,
          .psi_alert = c.psi_alert,
          .min_auc = c.min_auc,
          .min_labelled = c.monitor_min_labelled};
}

void MonitorAccumulator::Add(const MonitoredLead& l) {
  const std::size_t b = static_cast<std::size_t>(std::clamp(l.bucket, 1, 5) - 1);
  ++scored_;
  ++bucket_counts_[b];
  score_sum_[b] += l.score;
  if (l.converted) {
    probs_.push_back(static_cast<float>(l.score));
    labels_.push_back(*l.converted ? 1.0f : 0.0f);
    ++labelled_by_bucket_[b];
    converted_by_bucket_[b] += *l.converted ? 1 : 0;
  }
}

Result<MonitorReport> Evaluate(std::span<const MonitoredLead> leads,
                               const std::array<double, 5>& expected_shares,
                               const MonitorSettings& settings) {
  MonitorAccumulator acc;
  for (const auto& l : leads) acc.Add(l);
  return acc.Finish(expected_shares, settings);
}

Result<MonitorReport> MonitorAccumulator::Finish(const std::array<double, 5>& expected_shares,
                                                 const MonitorSettings& settings) const {
  MonitorReport r;
  r.expected_shares = expected_shares;
  r.scored = scored_;
  r.bucket_counts = bucket_counts_;
  r.labelled_by_bucket = labelled_by_bucket_;
  r.converted_by_bucket = converted_by_bucket_;
  r.labelled = static_cast<int64_t>(probs_.size());
  for (std::size_t b = 0; b < 5; ++b) {
    r.bucket_mean_score[b] = r.bucket_counts[b] ? score_sum_[b] / r.bucket_counts[b] : 0.0;
  }
  if (r.scored > 0) {
    std::array<double, 5> actual{};
    for (std::size_t b = 0; b < 5; ++b) actual[b] = static_cast<double>(r.bucket_counts[b]);
    SIGNX_ASSIGN_OR_RETURN(double psi, PopulationStabilityIndex(expected_shares, actual));
    r.psi = psi;
  }
  if (!probs_.empty()) {
    SIGNX_ASSIGN_OR_RETURN(double brier, ml::Brier(probs_, labels_));
    r.brier = brier;
    SIGNX_ASSIGN_OR_RETURN(r.calibration, ml::CalibrationTable(probs_, labels_, 10));
    const bool both =
        std::any_of(labels_.begin(), labels_.end(), [](float y) { return y > 0.5f; }) &&
        std::any_of(labels_.begin(), labels_.end(), [](float y) { return y < 0.5f; });
    if (both) {
      SIGNX_ASSIGN_OR_RETURN(double auc, ml::AucRoc(probs_, labels_));
      r.auc = auc;
    }
  }
  const bool psi_counts = r.psi && r.scored >= kMinScoredForPsi;
  if (psi_counts && *r.psi > settings.psi_alert) {
    r.findings.push_back(fmt::format("PSI {:.3f} > psi_alert {}", *r.psi, settings.psi_alert));
  }
  if (r.auc && r.labelled >= settings.min_labelled && *r.auc < settings.min_auc) {
    r.findings.push_back(fmt::format("live AUC {:.3f} < min_auc {} on {} outcomes", *r.auc,
                                     settings.min_auc, r.labelled));
  }
  if (!r.findings.empty()) {
    r.status = "alert";
  } else if (psi_counts && *r.psi > settings.psi_warn) {
    r.status = "warn";
    r.findings.push_back(fmt::format("PSI {:.3f} > psi_warn {}", *r.psi, settings.psi_warn));
  } else if (r.scored < kMinScoredForPsi) {
    r.status = "insufficient_data";
  } else {
    r.status = "ok";
  }
  return r;
}

json::object ToJson(const MonitorReport& r) {
  json::array tiers;
  const double total = static_cast<double>(std::max<int64_t>(r.scored, 1));
  for (int b = 5; b >= 1; --b) {
    const std::size_t i = static_cast<std::size_t>(b - 1);
    json::object t{{"tier", std::string(1, TierFor(b))},
                   {"bucket", b},
                   {"scored", r.bucket_counts[i]},
                   {"share", r.scored ? r.bucket_counts[i] / total : 0.0},
                   {"training_share", r.expected_shares[i]},
                   {"mean_score", r.bucket_mean_score[i]},
                   {"labelled", r.labelled_by_bucket[i]},
                   {"conversion_rate",
                    r.labelled_by_bucket[i]
                        ? json::value(static_cast<double>(r.converted_by_bucket[i]) /
                                      static_cast<double>(r.labelled_by_bucket[i]))
                        : json::value(nullptr)}};
    tiers.push_back(std::move(t));
  }
  json::array cal;
  for (const auto& bin : r.calibration) {
    cal.push_back(json::object{{"lower", bin.lower},
                               {"upper", bin.upper},
                               {"count", bin.count},
                               {"mean_predicted", bin.mean_predicted},
                               {"observed_rate", bin.observed_rate}});
  }
  json::array findings;
  for (const auto& f : r.findings) findings.emplace_back(f);
  return json::object{{"org_id", r.org_id},
                      {"model_version", r.model_version},
                      {"computed_at", FormatRfc3339(r.computed_at)},
                      {"window_start", FormatRfc3339(r.window_start)},
                      {"window_end", FormatRfc3339(r.window_end)},
                      {"scored", r.scored},
                      {"labelled", r.labelled},
                      {"psi", Opt(r.psi)},
                      {"auc", Opt(r.auc)},
                      {"brier", Opt(r.brier)},
                      {"status", r.status},
                      {"findings", std::move(findings)},
                      {"training_shares_from", r.expected_from_card ? "model_card" : "quintiles"},
                      {"tiers", std::move(tiers)},
                      {"calibration", std::move(cal)}};
}

LeadMonitor::LeadMonitor(storage::Store& store, events::Outbox* outbox,
                         metrics::Registry* metrics, MonitorSettings settings, const Clock& clock)
    : store_(store),
      owned_outbox_(outbox ? nullptr : std::make_unique<events::Outbox>(nullptr, clock)),
      outbox_(outbox ? outbox : owned_outbox_.get()),
      settings_(settings),
      clock_(clock) {
  if (metrics) {
    psi_ = &metrics->AddGauge("leads_psi",
                              "Population stability index of the live tier distribution vs "
                              "training (leads.monitor, all orgs)",
                              {"model_version"});
    auc_ = &metrics->AddGauge("leads_live_auc",
                              "AUC-ROC of live scores against recorded outcomes (leads.monitor)",
                              {"model_version"});
    brier_ = &metrics->AddGauge("leads_live_brier",
                                "Brier score of live scores against recorded outcomes",
                                {"model_version"});
    labelled_ = &metrics->AddGauge("leads_outcomes_labelled",
                                   "Scored leads in the monitoring window with a recorded outcome",
                                   {"model_version"});
  }
}

LeadMonitor::~LeadMonitor() { refresher_.Stop(); }

void LeadMonitor::StopGaugeRefresh() { refresher_.Stop(); }

void LeadMonitor::StartGaugeRefresh(std::chrono::milliseconds interval) {
  refresher_.Start(
      interval,
      [this] {
        if (Status st = RefreshGauges(); !st.ok()) {
          spdlog::warn("lead monitoring gauges: {}", st.message());
        }
      },
      runtime::PeriodicTask::FirstRun::kAtOnce);
}

void LeadMonitor::SetGauges(const MonitorReport& r) {
  if (!psi_) return;
  if (r.psi) psi_->WithLabels({r.model_version}).Set(*r.psi);
  if (r.auc) auc_->WithLabels({r.model_version}).Set(*r.auc);
  if (r.brier) brier_->WithLabels({r.model_version}).Set(*r.brier);
  labelled_->WithLabels({r.model_version}).Set(static_cast<double>(r.labelled));
}

Result<std::vector<MonitorReport>> LeadMonitor::Run() {
  const Timestamp end = clock_.Now();
  const Timestamp start = end - std::chrono::duration_cast<std::chrono::microseconds>(
                                    settings_.window);
  // Every scored lead of the window, a page at a time in primary-key order: (org, version) →
  // running sums (MonitorAccumulator), for the org and for kAllOrgs. A lead with an outcome is
  // judged on the score it had when the outcome was recorded (a re-score after the outcome, or a
  // write of lead_scores that raced with it, does not count); leads whose history is gone
  // (pruned, or scored before it was kept) keep their lead_scores row.
  using Key = std::pair<std::string, std::string>;
  std::map<Key, MonitorAccumulator> groups;
  // The groups of the previous row: consecutive rows mostly share org and version.
  std::string cur_org, cur_version;
  MonitorAccumulator* cur_org_group = nullptr;
  MonitorAccumulator* cur_all_group = nullptr;
  std::optional<Key> after;  // the last key of the previous page
  int64_t read = 0;
  const int64_t page_size = std::max(settings_.page_size, 1);
  while (read < settings_.max_leads) {
    // The limit is written into the statement (it takes two values in a pass, page_size and the
    // rest up to max_leads): a bound LIMIT would leave PostgreSQL's generic plan to guess it.
    const int64_t limit = std::min(page_size, settings_.max_leads - read);
    SIGNX_ASSIGN_OR_RETURN(
        auto page, after ? store_.Query(PageSql(/*first=*/false, limit),
                                        {start, end, after->first, after->second})
                         : store_.Query(PageSql(/*first=*/true, limit), {start, end}));
    if (page.rows.empty()) break;
    for (const auto& row : page.rows) {
      MonitoredLead l{.score = row.Double(3), .bucket = static_cast<int>(row.Int(4))};
      const bool at_outcome = !row.IsNull(5) && !row.IsNull(6);  // its history row at the outcome
      std::string version = row.Text(at_outcome ? 6 : 2);
      if (!row.IsNull(5)) l.converted = row.Bool(5);
      if (at_outcome) {
        const std::string tier = row.Text(8);
        const auto pos = std::string_view("EDCBA").find(tier.empty() ? 'E' : tier[0]);
        l.score = row.Double(7);
        l.bucket = pos == std::string_view::npos ? 1 : static_cast<int>(pos) + 1;
      }
      std::string org = row.Text(0);
      if (cur_org_group == nullptr || org != cur_org || version != cur_version) {
        cur_org_group = &groups[Key{org, version}];
        cur_all_group = &groups[Key{std::string(kAllOrgs), version}];
        cur_org = std::move(org);
        cur_version = std::move(version);
      }
      cur_org_group->Add(l);
      cur_all_group->Add(l);
    }
    read += static_cast<int64_t>(page.rows.size());
    if (static_cast<int64_t>(page.rows.size()) < limit) break;
    after = Key{page.rows.back().Text(0), page.rows.back().Text(1)};
    if (read >= settings_.max_leads) {
      SIGNX_ASSIGN_OR_RETURN(auto more, store_.Query(PageSql(/*first=*/false, 1),
                                                     {start, end, after->first, after->second}));
      if (!more.rows.empty()) {
        spdlog::warn(
            "leads.monitor: more than max_leads={} leads scored in the window; the pass "
            "covers the first {} in (org_id, lead_id) order",
            settings_.max_leads, read);
      }
    }
  }
  std::map<std::string, std::pair<std::array<double, 5>, bool>> expected;
  std::vector<MonitorReport> reports;
  for (const auto& [key, acc] : groups) {
    const auto& [org, version] = key;
    // The card of the version the org was scored with: the org's own, else the platform's, never
    // another org's (an all-orgs group reads any owner's: same id, same content-derived card).
    const std::string card_owner = org == kAllOrgs ? std::string("*") : org;
    auto it = expected.find(card_owner + "\n" + version);
    if (it == expected.end()) {
      bool from_card = false;
      std::array<double, 5> shares{0.2, 0.2, 0.2, 0.2, 0.2};
      SIGNX_ASSIGN_OR_RETURN(
          auto cards,
          org == kAllOrgs
              ? store_.Query("SELECT card FROM model_versions WHERE name = $1 AND version = $2 "
                             "ORDER BY org_id LIMIT 1",
                             {std::string(kModelName), version})
              : store_.Query("SELECT card FROM model_versions WHERE name = $1 AND version = $2 "
                             "AND org_id IN ($3, '') ORDER BY org_id DESC LIMIT 1",
                             {std::string(kModelName), version, org}));
      if (!cards.rows.empty()) {
        boost::system::error_code ec;
        json::value card = json::parse(cards.rows[0].Text(0), ec);
        if (!ec && card.is_object()) shares = TrainingBucketShares(card.as_object(), &from_card);
      }
      it = expected.emplace(card_owner + "\n" + version, std::make_pair(shares, from_card)).first;
    }
    SIGNX_ASSIGN_OR_RETURN(MonitorReport r, acc.Finish(it->second.first, settings_));
    r.org_id = org;
    r.model_version = version;
    r.expected_from_card = it->second.second;
    r.computed_at = end;
    r.window_start = start;
    r.window_end = end;
    reports.push_back(std::move(r));
  }
  for (const auto& r : reports) {
    bool raised = false;
    SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
      raised = false;
      SIGNX_ASSIGN_OR_RETURN(
          auto prev, txn.QueryOne("SELECT status FROM lead_monitoring WHERE org_id = $1 AND "
                                  "model_version = $2 ORDER BY computed_at DESC LIMIT 1",
                                  {r.org_id, r.model_version}));
      const std::string report_json = json::serialize(ToJson(r));
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO lead_monitoring (id, org_id, model_version, computed_at, "
                   "window_start, window_end, scored, labelled, auc, brier, psi, status, report) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                   {NewId("lmr", clock_), r.org_id, r.model_version, r.computed_at,
                    r.window_start, r.window_end, r.scored, r.labelled, r.auc, r.brier, r.psi,
                    r.status, storage::Json{report_json}})
              .status());
      const bool was_alert = prev && prev->Text(0) == "alert";
      if (r.status == "alert" && !was_alert && r.org_id != kAllOrgs) {
        json::object payload = ToJson(r);
        payload.erase("tiers");
        payload.erase("calibration");
        SIGNX_RETURN_IF_ERROR(outbox_
                                  ->Append(txn, {.type = std::string(kDriftEvent),
                                                 .org_id = r.org_id,
                                                 .subject_id = r.model_version,
                                                 .payload_json = json::serialize(payload)})
                                  .status());
        raised = true;
      }
      return Status::Ok();
    }));
    if (raised) outbox_->Notify();
    if (r.status == "alert" || r.status == "warn") {
      std::string why;
      for (const auto& f : r.findings) why += (why.empty() ? "" : "; ") + f;
      spdlog::warn("lead model {} drift {} (org {}): {}", r.model_version, r.status, r.org_id, why);
    }
    if (r.org_id == kAllOrgs) SetGauges(r);
  }
  return reports;
}

Result<std::vector<json::object>> LeadMonitor::List(const std::string& org_id,
                                                    std::optional<std::string> model_version,
                                                    int limit) {
  storage::Params params{org_id};
  std::string sql = "SELECT report FROM lead_monitoring WHERE org_id = $1";
  if (model_version) {
    sql += " AND model_version = $2";
    params.emplace_back(*model_version);
  }
  sql += fmt::format(" ORDER BY computed_at DESC, id DESC LIMIT {}", limit);
  SIGNX_ASSIGN_OR_RETURN(auto rs, store_.Query(sql, params));
  std::vector<json::object> out;
  for (const auto& row : rs.rows) {
    // Read exactly: the route shows the doubles the pass computed, bit for bit.
    auto v = http::ParseJsonExact(row.Text(0));
    if (!v.ok() || !v->is_object()) {
      return Status(ErrorCode::kDataLoss, "a stored report is not JSON");
    }
    out.push_back(std::move(v->as_object()));
  }
  return out;
}

Status LeadMonitor::RefreshGauges() {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, store_.Query("SELECT m.report FROM lead_monitoring m WHERE m.org_id = $1 AND "
                            "m.computed_at = (SELECT MAX(x.computed_at) FROM lead_monitoring x "
                            "WHERE x.org_id = m.org_id AND x.model_version = m.model_version)",
                            {std::string(kAllOrgs)}));
  for (const auto& row : rs.rows) {
    auto v = http::ParseJsonExact(row.Text(0));
    if (!v.ok() || !v->is_object()) continue;
    const auto& o = v->as_object();
    MonitorReport r;
    r.model_version = std::string(o.at("model_version").as_string());
    r.psi = OptNumber(o, "psi");
    r.auc = OptNumber(o, "auc");
    r.brier = OptNumber(o, "brier");
    r.labelled = static_cast<int64_t>(OptNumber(o, "labelled").value_or(0));
    SetGauges(r);
  }
  return Status::Ok();
}

namespace {

// The handler body: one pass, and a short summary of the all-org results as the job result.
Status RunMonitorJob(LeadMonitor& monitor, jobs::JobContext& ctx) {
  SIGNX_ASSIGN_OR_RETURN(auto reports, monitor.Run());
  json::array summary;
  for (const auto& r : reports) {
    if (r.org_id != kAllOrgs) continue;
    summary.push_back(json::object{{"model_version", r.model_version},
                                   {"scored", r.scored},
                                   {"labelled", r.labelled},
                                   {"psi", Opt(r.psi)},
                                   {"auc", Opt(r.auc)},
                                   {"status", r.status}});
  }
  ctx.SetResult(json::serialize(
      json::object{{"reports", reports.size()}, {"models", std::move(summary)}}));
  return Status::Ok();
}

Status Register(jobs::Queue& queue, jobs::Handler handler, const std::string& schedule) {
  // Check the schedule first: a bad one must not leave a handler without its schedule.
  SIGNX_RETURN_IF_ERROR(jobs::Schedule::Parse(schedule).status());
  queue.RegisterHandler(std::string(kMonitorJob), std::move(handler), {.max_concurrency = 1});
  return queue.ScheduleRecurring(
      {.name = std::string(kMonitorJob), .type = std::string(kMonitorJob), .schedule = schedule});
}

}  // namespace

Status RegisterMonitorJob(jobs::Queue& queue, LeadMonitor& monitor, const std::string& schedule) {
  return Register(
      queue, [&monitor](jobs::JobContext& ctx) { return RunMonitorJob(monitor, ctx); }, schedule);
}

Status RegisterMonitorJob(jobs::Queue& queue, std::shared_ptr<LeadMonitor> monitor,
                          const std::string& schedule) {
  SIGNX_CHECK(monitor != nullptr, "RegisterMonitorJob needs a monitor");
  return Register(
      queue, [monitor](jobs::JobContext& ctx) { return RunMonitorJob(*monitor, ctx); }, schedule);
}

void AddMonitoringRoutes(http::Router& router, http::SchemaRegistry& schemas,
                         LeadMonitor& monitor) {
  schemas.Add("LeadMonitoringReport", R"({"type": "object", "properties": {
      "org_id": {"type": "string"}, "model_version": {"type": "string"},
      "computed_at": {"type": "string", "format": "date-time"},
      "window_start": {"type": "string", "format": "date-time"},
      "window_end": {"type": "string", "format": "date-time"},
      "scored": {"type": "integer"}, "labelled": {"type": "integer"},
      "psi": {"type": ["number", "null"], "description": "tier distribution vs training"},
      "auc": {"type": ["number", "null"]}, "brier": {"type": ["number", "null"]},
      "status": {"type": "string", "enum": ["ok", "warn", "alert", "insufficient_data"]},
      "findings": {"type": "array", "items": {"type": "string"}},
      "training_shares_from": {"type": "string", "enum": ["model_card", "quintiles"]},
      "tiers": {"type": "array", "items": {"type": "object", "properties": {
        "tier": {"type": "string"}, "bucket": {"type": "integer"}, "scored": {"type": "integer"},
        "share": {"type": "number"}, "training_share": {"type": "number"},
        "mean_score": {"type": "number"}, "labelled": {"type": "integer"},
        "conversion_rate": {"type": ["number", "null"]}}}},
      "calibration": {"type": "array", "items": {"type": "object", "properties": {
        "lower": {"type": "number"}, "upper": {"type": "number"}, "count": {"type": "integer"},
        "mean_predicted": {"type": "number"}, "observed_rate": {"type": "number"}}}}}})");
  schemas.Add("LeadMonitoringList", R"({"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/LeadMonitoringReport"}},
      "thresholds": {"type": "object"}}})");
  router.Add("GET", "/v1/leads/monitoring",
             {.summary = "Live monitoring of the lead models for your organisation",
              .description = "Results of the leads.monitor job, newest first: tier distribution "
                             "and its PSI against training, live AUC, Brier and calibration on "
                             "the leads with a recorded outcome.",
              .tags = {"leads"},
              .permission = "leads:read",
              .response_schema = "LeadMonitoringList",
              .query_params = {{.name = "model_version", .description = "only this version"},
                               http::PageParams({.default_limit = 20, .max_limit = 200})[0]}},
             http::Handle([&monitor](Request& req) -> Result<Response> {
               if (!req.principal) {
                 return Status(ErrorCode::kUnauthenticated, "authentication required");
               }
               std::vector<FieldError> bad;
               const int limit =
                   http::ReadPageQuery(req, bad, {.default_limit = 20, .max_limit = 200}).limit;
               if (!bad.empty()) return http::BadQuery(std::move(bad));
               std::optional<std::string> version;
               if (auto v = req.Query("model_version")) version = std::string(*v);
               SIGNX_ASSIGN_OR_RETURN(auto items,
                                      monitor.List(req.principal->org_id, version, limit));
               json::array arr;
               for (auto& o : items) arr.push_back(std::move(o));
               const auto& s = monitor.settings();
               return http::JsonResponse(
                   200, json::object{{"items", std::move(arr)},
                                     {"thresholds", json::object{{"psi_warn", s.psi_warn},
                                                                 {"psi_alert", s.psi_alert},
                                                                 {"min_auc", s.min_auc},
                                                                 {"min_labelled",
                                                                  s.min_labelled}}}});
             }));
}

}  // namespace signx::leads
