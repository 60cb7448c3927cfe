#include "estimating/learning.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "base/id.h"
#include "estimating/shared_predictor.h"
#include "events/event_types.h"
#include "http/json.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;

constexpr const char* kEvalColumns =
    "id, org_id, model_name, kind, model_version, pairs, window_size, mape, baseline_mape, "
    "threshold_mape, drifted, enough_data, candidate_version, candidate_mape, promoted, detail, "
    "job_id, created_at";

ModelEvaluation EvalFromRow(const storage::Row& r) {
  ModelEvaluation e;
  e.id = r.Text(0);
  e.org_id = r.Text(1);
  e.model_name = r.Text(2);
  e.kind = r.Text(3);
  e.model_version = r.Text(4);
  e.pairs = r.Int(5);
  e.window_size = r.Int(6);
  e.mape = r.OptDouble(7);
  e.baseline_mape = r.OptDouble(8);
  e.threshold_mape = r.OptDouble(9);
  e.drifted = r.Bool(10);
  e.enough_data = r.Bool(11);
  e.candidate_version = r.OptText(12);
  e.candidate_mape = r.OptDouble(13);
  e.promoted = r.Bool(14);
  e.detail_json = r.Text(15);
  e.job_id = r.OptText(16);
  e.created_at = r.Time(17);
  return e;
}

Status InsertEvaluation(storage::Txn& txn, const ModelEvaluation& e) {
  return txn
      .Exec(fmt::format("INSERT INTO model_evaluations ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                        "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                        kEvalColumns),
            {e.id, e.org_id, e.model_name, e.kind, e.model_version, e.pairs, e.window_size, e.mape,
             e.baseline_mape, e.threshold_mape, e.drifted, e.enough_data, e.candidate_version,
             e.candidate_mape, e.promoted, storage::Json{e.detail_json}, e.job_id, e.created_at})
      .status();
}

json::value OrNull(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value OrNull(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// The request a model answers for a stored record: its drivers (spec rules, unknown keys kept
// out), region_index from the drivers, the record's project date.
std::optional<CostRequest> RequestFromDrivers(const std::string& drivers_text,
                                              const std::optional<std::string>& project_date) {
  boost::system::error_code ec;
  json::value v = json::parse(drivers_text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto spec = sign::ParseSignSpec(v.as_object(), {.reject_unknown_fields = false});
  if (!spec.ok()) return std::nullopt;
  CostRequest req;
  req.spec = std::move(spec).value();
  if (const auto* ri = v.as_object().if_contains("region_index"); ri && ri->is_number()) {
    const double x = ri->to_number<double>();
    if (x >= kMinRegionIndex && x <= kMaxRegionIndex) req.context.region_index = x;
  }
  if (project_date && YearOf(*project_date)) req.context.project_date = *project_date;
  return req;
}

std::string DateOf(Timestamp t) { return FormatRfc3339(t).substr(0, 10); }

Result<json::object> ParseCard(const std::string& card_json) {
  boost::system::error_code ec;
  json::value v = json::parse(card_json, ec);
  if (ec || !v.is_object()) return Status(ErrorCode::kDataLoss, "model card is not a JSON object");
  return std::move(v.as_object());
}

}  // namespace

json::object ToJson(const ModelEvaluation& e) {
  boost::system::error_code ec;
  json::value detail = json::parse(e.detail_json, ec);
  if (ec) detail = json::object{};
  return json::object{{"id", e.id},
                      {"model", e.model_name},
                      {"kind", e.kind},
                      {"model_version", e.model_version},
                      {"pairs", e.pairs},
                      {"window", e.window_size},
                      {"mape", OrNull(e.mape)},
                      {"baseline_mape", OrNull(e.baseline_mape)},
                      {"threshold_mape", OrNull(e.threshold_mape)},
                      {"drifted", e.drifted},
                      {"enough_data", e.enough_data},
                      {"candidate_version", OrNull(e.candidate_version)},
                      {"candidate_mape", OrNull(e.candidate_mape)},
                      {"promoted", e.promoted},
                      {"detail", std::move(detail)},
                      {"job_id", OrNull(e.job_id)},
                      {"created_at", FormatRfc3339(e.created_at)}};
}

Result<jobs::EnqueueResult> EnqueueDriftEvaluation(jobs::Queue& queue, storage::Txn& txn,
                                                   std::string_view org_id, const Clock& clock,
                                                   std::chrono::minutes coalesce) {
  const int64_t bucket_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::max(coalesce, std::chrono::minutes(1)))
          .count();
  const int64_t now_us = UnixMicros(clock.Now());
  const int64_t start = now_us - now_us % bucket_us;
  return queue.Enqueue(txn, {.type = std::string(kEvaluateDriftJob),
                             .org_id = std::string(org_id),
                             .max_attempts = 5,
                             .run_at = FromUnixMicros(start + bucket_us),
                             .dedupe_key = fmt::format("drift:{}:{}", org_id, start)});
}

Result<std::optional<double>> MapeOn(const CostPredictor& predictor,
                                     const std::vector<HistoryJob>& jobs) {
  double sum = 0;
  int64_t n = 0;
  for (const HistoryJob& j : jobs) {
    if (j.actual.total_cost_cents <= 0) continue;
    CostRequest req{.spec = j.spec, .context = {}};
    req.context.region_index = j.region_index;
    if (YearOf(j.project_date)) req.context.project_date = j.project_date;
    SIGNX_ASSIGN_OR_RETURN(CostPrediction p, predictor.Predict(req));
    sum += std::abs(static_cast<double>(p.cost_cents - j.actual.total_cost_cents)) /
           static_cast<double>(j.actual.total_cost_cents);
    ++n;
  }
  if (n == 0) return std::optional<double>();
  return std::optional<double>(sum / static_cast<double>(n));
}

LearningLoop::LearningLoop(storage::Store& store, ml::ModelRegistry& registry,
                           events::Outbox& outbox, jobs::Queue& queue, LearningOptions options,
                           const Clock& clock)
    : store_(store),
      registry_(registry),
      outbox_(outbox),
      queue_(queue),
      options_(std::move(options)),
      clock_(clock) {}

Result<std::shared_ptr<const CostPredictor>> LearningLoop::LoadPredictor(
    const ml::ModelVersion& version) {
  {
    std::lock_guard lock(mu_);
    if (cached_ && cached_->bundle().model_version == version.version) return cached_;
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry_.ReadBytes(version));
  // The predictor this process already serves for the version, when it does (no second copy).
  SIGNX_ASSIGN_OR_RETURN(auto predictor, LoadCostPredictor(bytes));
  std::lock_guard lock(mu_);
  cached_ = predictor;
  return predictor;
}

Result<std::optional<ModelEvaluation>> LearningLoop::EvaluateDrift(const Scope& scope,
                                                                   std::string_view job_id) {
  // The model that prices this org: its own production version, else the platform default.
  SIGNX_ASSIGN_OR_RETURN(auto prod, registry_.Effective(scope.org_id, std::string(kCostModelName)));
  if (!prod) return std::optional<ModelEvaluation>();
  SIGNX_ASSIGN_OR_RETURN(json::object card, ParseCard(prod->card_json));
  const std::optional<double> baseline = DriftBaselineFromCard(card);

  struct Candidate {
    std::string id;
    std::string drivers;
    std::optional<std::string> project_date;
    int64_t actual = 0;
    std::optional<int64_t> predicted;
    std::optional<std::string> model_version;
  };
  SIGNX_ASSIGN_OR_RETURN(
      storage::ResultSet rows,
      store_.WithTxnResult<storage::ResultSet>(
          [&](storage::Txn& txn) {
            return txn.Query(
                "SELECT id, drivers, project_date, total_cost_cents, predicted_cost_cents, "
                "model_version FROM cost_records WHERE org_id = $1 AND total_cost_cents > 0 AND "
                "created_at > $2 ORDER BY created_at DESC, id DESC LIMIT $3",
                {scope.org_id, prod->created_at, static_cast<int64_t>(options_.drift.window)});
          },
          {.read_only = true}));
  std::vector<Candidate> records;
  for (const auto& r : rows.rows) {
    records.push_back({r.Text(0), r.Text(1), r.OptText(2), r.Int(3), r.OptInt(4), r.OptText(5)});
  }
  std::reverse(records.begin(), records.end());  // oldest first

  // Predictions by the production version: stored ones, or computed now (and stored when the
  // record has none yet).
  struct Scored {
    std::string id;
    int64_t predicted = 0;
    double confidence = 0, anomaly = 0;
  };
  std::vector<PredictionActual> pairs;
  std::vector<Scored> to_store;
  int64_t skipped = 0;
  std::shared_ptr<const CostPredictor> predictor;
  for (const Candidate& c : records) {
    if (c.predicted && c.model_version == prod->version) {
      pairs.push_back({*c.predicted, c.actual});
      continue;
    }
    auto req = RequestFromDrivers(c.drivers, c.project_date);
    if (!req) {
      ++skipped;  // no usable spec (e.g. a KeyedIn import without drivers)
      continue;
    }
    if (!predictor) {
      SIGNX_ASSIGN_OR_RETURN(predictor, LoadPredictor(*prod));
    }
    SIGNX_ASSIGN_OR_RETURN(CostPrediction p, predictor->Predict(*req));
    pairs.push_back({p.cost_cents, c.actual});
    if (!c.predicted) to_store.push_back({c.id, p.cost_cents, p.confidence, p.anomaly_score});
  }

  ModelEvaluation e;
  e.id = NewId("mev", clock_);
  e.org_id = scope.org_id;
  e.model_name = std::string(kCostModelName);
  e.kind = "drift";
  e.model_version = prod->version;
  e.window_size = static_cast<int64_t>(options_.drift.window);
  e.job_id = job_id.empty() ? std::nullopt : std::optional<std::string>(job_id);
  e.created_at = clock_.Now();
  json::object detail{{"records_considered", static_cast<int64_t>(records.size())},
                      {"records_without_spec", skipped},
                      {"predictions_stored", static_cast<int64_t>(to_store.size())},
                      {"min_pairs", static_cast<int64_t>(options_.drift.min_pairs)},
                      {"factor", options_.drift.factor},
                      {"model_registered_at", FormatRfc3339(prod->created_at)},
                      {"model_owner", prod->owner().Label()}};
  if (!baseline || !(*baseline > 0)) {
    detail["reason"] = "the model card has no drift baseline (drift_baseline_mape or test.mape)";
  } else {
    SIGNX_ASSIGN_OR_RETURN(DriftDecision d,
                           estimating::EvaluateDrift(pairs, *baseline, options_.drift));
    e.pairs = static_cast<int64_t>(d.pairs);
    e.mape = d.pairs > 0 ? std::optional<double>(d.rolling_mape) : std::nullopt;
    e.baseline_mape = d.baseline_mape;
    e.threshold_mape = d.threshold_mape;
    e.drifted = d.drifted;
    e.enough_data = d.enough_data;
    detail["reason"] = d.reason;
  }

  const std::string day = DateOf(clock_.Now());
  bool notify = false;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    notify = false;
    json::object det = detail;
    for (const Scored& s : to_store) {
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("UPDATE cost_records SET predicted_cost_cents = $1, confidence = $2, "
                   "anomaly_score = $3, model_version = $4, updated_at = $5 WHERE id = $6 AND "
                   "org_id = $7 AND predicted_cost_cents IS NULL",
                   {s.predicted, s.confidence, s.anomaly, prod->version, clock_.Now(), s.id,
                    scope.org_id})
              .status());
    }
    if (e.drifted) {
      SIGNX_ASSIGN_OR_RETURN(
          jobs::EnqueueResult job,
          queue_.Enqueue(txn, {.type = std::string(kRetrainJob),
                               .payload_json = http::ToJsonText(json::object{
                                   {"model_version", prod->version}, {"evaluation_id", e.id}}),
                               .org_id = scope.org_id,
                               .max_attempts = 3,
                               .dedupe_key = fmt::format("retrain:{}:{}:{}", scope.org_id,
                                                         prod->version, day)}));
      det["retrain_job_id"] = job.id;
      det["retrain_enqueued"] = job.created;
      if (job.created) {
        SIGNX_RETURN_IF_ERROR(
            outbox_
                .Append(txn, {.type = std::string(events::kModelDriftDetected),
                              .org_id = scope.org_id,
                              .subject_id = prod->version,
                              .payload_json = http::ToJsonText(json::object{
                                  {"model", std::string(kCostModelName)},
                                  {"version", prod->version},
                                  {"mape", *e.mape},
                                  {"baseline", *e.baseline_mape},
                                  {"threshold", *e.threshold_mape},
                                  {"window", e.window_size},
                                  {"pairs", e.pairs},
                                  {"evaluation_id", e.id},
                                  {"retrain_job_id", job.id}})})
                .status());
        notify = true;
      }
    }
    ModelEvaluation row = e;
    row.detail_json = http::ToJsonText(det);
    e.detail_json = row.detail_json;
    return InsertEvaluation(txn, row);
  }));
  if (notify) outbox_.Notify();
  return std::optional<ModelEvaluation>(std::move(e));
}

Result<std::vector<HistoryJob>> LearningLoop::LoadHistory(const Scope& scope) {
  SIGNX_ASSIGN_OR_RETURN(
      storage::ResultSet rows,
      store_.WithTxnResult<storage::ResultSet>(
          [&](storage::Txn& txn) {
            return txn.Query(
                "SELECT id, drivers, project_date, cost_date, created_at, total_cost_cents, "
                "labor_cost_cents, material_cost_cents, equipment_cost_cents, "
                "overhead_cost_cents, tax_cents, shipping_cents, labor_hours, "
                "est_total_cost_cents FROM cost_records WHERE org_id = $1 AND "
                "total_cost_cents > 0 ORDER BY id LIMIT 1000000",
                {scope.org_id});
          },
          {.read_only = true}));
  std::vector<HistoryJob> jobs;
  jobs.reserve(rows.rows.size());
  for (const auto& r : rows.rows) {
    std::string date = r.OptText(2).value_or(r.OptText(3).value_or(DateOf(r.Time(4))));
    auto req = RequestFromDrivers(r.Text(1), date);
    if (!req) continue;
    HistoryJob j;
    j.id = r.Text(0);
    j.project_date = date;
    j.spec = std::move(req->spec);
    j.region_index = req->context.region_index;
    j.actual.total_cost_cents = r.Int(5);
    j.actual.labor_cost_cents = r.OptInt(6).value_or(0);
    j.actual.material_cost_cents = r.OptInt(7).value_or(0);
    j.actual.equipment_cost_cents = r.OptInt(8).value_or(0);
    j.actual.overhead_cost_cents = r.OptInt(9).value_or(0);
    j.actual.tax_cents = r.OptInt(10).value_or(0);
    j.actual.shipping_cents = r.OptInt(11).value_or(0);
    j.actual.labor_hours = r.OptDouble(12).value_or(0);
    j.estimate_total_cents = r.OptInt(13).value_or(0);
    jobs.push_back(std::move(j));
  }
  std::stable_sort(jobs.begin(), jobs.end(), [](const HistoryJob& a, const HistoryJob& b) {
    return a.project_date != b.project_date ? a.project_date < b.project_date : a.id < b.id;
  });
  return jobs;
}

Result<ModelEvaluation> LearningLoop::Retrain(const Scope& scope, std::string_view job_id) {
  SIGNX_ASSIGN_OR_RETURN(std::vector<HistoryJob> history, LoadHistory(scope));
  const std::size_t n = history.size();
  const std::size_t holdout = std::max<std::size_t>(
      options_.min_holdout,
      static_cast<std::size_t>(std::floor(static_cast<double>(n) * options_.holdout_fraction)));
  if (n <= holdout) {
    return FailedPrecondition(fmt::format(
        "retrain: {} usable jobs in the org's history, not enough to hold out {}", n, holdout));
  }
  std::vector<HistoryJob> window(history.end() - static_cast<std::ptrdiff_t>(holdout),
                                 history.end());
  history.resize(n - holdout);

  CostTrainOptions train = options_.train;
  train.data_name = fmt::format("org {} history ({} jobs, newest {} held out)", scope.org_id, n,
                                holdout);
  SIGNX_ASSIGN_OR_RETURN(CostBundle bundle, TrainCostModel(history, train));
  const std::string bundle_text = SerializeCostBundle(bundle);
  const std::string card_text = http::ToJsonText(bundle.card);
  const std::string candidate_version = bundle.model_version;
  SIGNX_ASSIGN_OR_RETURN(auto candidate, CostPredictor::Create(std::move(bundle)));
  // Trained on this org's records only, so it is this org's version: registered, compared and
  // promoted within the org; the platform default and every other org are untouched.
  const ml::Owner owner = ml::Owner::Org(scope.org_id);
  SIGNX_ASSIGN_OR_RETURN(
      ml::ModelVersion staged,
      registry_.Register(owner, std::string(kCostModelName), candidate_version, bundle_text,
                         card_text, job_id.empty() ? "learning" : "job:" + std::string(job_id)));

  SIGNX_ASSIGN_OR_RETURN(std::optional<double> candidate_mape, MapeOn(*candidate, window));
  // Compared with the model that prices the org now: its own, else the platform default.
  SIGNX_ASSIGN_OR_RETURN(auto prod, registry_.Effective(scope.org_id, std::string(kCostModelName)));
  const bool same_as_production =
      prod && prod->owner() == owner && prod->version == candidate_version;
  std::optional<double> production_mape;
  if (prod && !same_as_production) {
    SIGNX_ASSIGN_OR_RETURN(auto production, LoadPredictor(*prod));
    SIGNX_ASSIGN_OR_RETURN(production_mape, MapeOn(*production, window));
  }
  bool promote = false;
  std::string reason;
  if (same_as_production) {
    reason = "the candidate is the production version already (same data, same model)";
  } else if (!prod) {
    promote = true;
    reason = "no cost model in production";
  } else if (candidate_mape && production_mape && *candidate_mape < *production_mape) {
    promote = true;
    reason = fmt::format("candidate MAPE {:.2f}% < production {:.2f}% on the held-out window",
                         100 * *candidate_mape, 100 * *production_mape);
  } else {
    reason = fmt::format("candidate MAPE {:.2f}% is not lower than production {:.2f}%: kept "
                         "staging",
                         100 * candidate_mape.value_or(NAN), 100 * production_mape.value_or(NAN));
  }
  if (promote) {
    SIGNX_RETURN_IF_ERROR(
        registry_.Promote(owner, std::string(kCostModelName), candidate_version).status());
  }

  ModelEvaluation e;
  e.id = NewId("mev", clock_);
  e.org_id = scope.org_id;
  e.model_name = std::string(kCostModelName);
  e.kind = "retrain";
  e.model_version = prod ? prod->version : std::string("(none)");
  e.pairs = static_cast<int64_t>(window.size());
  e.window_size = static_cast<int64_t>(holdout);
  e.mape = production_mape;
  e.candidate_version = candidate_version;
  e.candidate_mape = candidate_mape;
  e.promoted = promote;
  e.enough_data = true;
  e.job_id = job_id.empty() ? std::nullopt : std::optional<std::string>(job_id);
  e.created_at = clock_.Now();
  e.detail_json = http::ToJsonText(json::object{
      {"reason", reason},
      {"history_jobs", static_cast<int64_t>(n)},
      {"trained_on", static_cast<int64_t>(history.size())},
      {"holdout_from", window.front().project_date},
      {"holdout_to", window.back().project_date},
      {"candidate_state", promote ? "production" : staged.state},
      {"candidate_owner", owner.Label()},
      {"production_owner", prod ? json::value(prod->owner().Label()) : json::value(nullptr)}});
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_RETURN_IF_ERROR(InsertEvaluation(txn, e));
    json::object payload{
        {"model", std::string(kCostModelName)},
        {"candidate_version", candidate_version},
        {"candidate_mape", OrNull(candidate_mape)},
        {"production_version", prod ? json::value(prod->version) : nullptr},
        {"production_owner", prod ? json::value(prod->owner().Label()) : json::value(nullptr)},
        {"owner", owner.Label()},
        {"production_mape", OrNull(production_mape)},
        {"holdout", static_cast<int64_t>(holdout)},
        {"promoted", promote},
        {"evaluation_id", e.id}};
    SIGNX_RETURN_IF_ERROR(outbox_
                              .Append(txn, {.type = std::string(events::kModelRetrained),
                                            .org_id = scope.org_id,
                                            .subject_id = candidate_version,
                                            .payload_json = http::ToJsonText(payload)})
                              .status());
    if (promote) {
      SIGNX_RETURN_IF_ERROR(outbox_
                                .Append(txn, {.type = std::string(events::kModelPromoted),
                                              .org_id = scope.org_id,
                                              .subject_id = candidate_version,
                                              .payload_json = http::ToJsonText(payload)})
                                .status());
    }
    return Status::Ok();
  }));
  outbox_.Notify();
  return e;
}

Result<Page<ModelEvaluation>> ListModelEvaluations(storage::Store& store_, const Scope& scope,
                                                   int limit, std::string_view cursor) {
  limit = std::clamp(limit, 1, kMaxPageSize);
  SIGNX_ASSIGN_OR_RETURN(
      storage::ResultSet rows,
      store_.WithTxnResult<storage::ResultSet>(
          [&](storage::Txn& txn) {
            if (cursor.empty()) {
              return txn.Query(fmt::format("SELECT {} FROM model_evaluations WHERE org_id = $1 "
                                           "ORDER BY id DESC LIMIT $2",
                                           kEvalColumns),
                               {scope.org_id, static_cast<int64_t>(limit + 1)});
            }
            return txn.Query(fmt::format("SELECT {} FROM model_evaluations WHERE org_id = $1 "
                                         "AND id < $2 ORDER BY id DESC LIMIT $3",
                                         kEvalColumns),
                             {scope.org_id, std::string(cursor), static_cast<int64_t>(limit + 1)});
          },
          {.read_only = true}));
  std::vector<ModelEvaluation> items;
  for (const auto& r : rows.rows) items.push_back(EvalFromRow(r));
  return TrimPage(std::move(items), limit, [](const ModelEvaluation& x) { return x.id; });
}

Result<std::vector<std::string>> LearningLoop::OrgsWithActuals() {
  SIGNX_ASSIGN_OR_RETURN(
      storage::ResultSet rows,
      store_.WithTxnResult<storage::ResultSet>(
          [&](storage::Txn& txn) {
            return txn.Query(
                "SELECT DISTINCT org_id FROM cost_records WHERE total_cost_cents > 0 ORDER BY "
                "org_id LIMIT 100000");
          },
          {.read_only = true}));
  std::vector<std::string> out;
  for (const auto& r : rows.rows) out.push_back(r.Text(0));
  return out;
}

namespace {
struct LearningRuntime {
  LearningRuntime(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> b,
                  LearningOptions options)
      : blobs(std::move(b)),
        registry(queue.store(), *blobs, SystemClock::Get()),
        loop(queue.store(), registry, outbox, queue, std::move(options)) {}
  std::shared_ptr<const blobs::BlobStore> blobs;
  ml::ModelRegistry registry;
  events::Outbox outbox;
  LearningLoop loop;
};
}  // namespace

std::shared_ptr<LearningLoop> MakeLearningLoop(jobs::Queue& queue,
                                               std::shared_ptr<const blobs::BlobStore> blobs,
                                               LearningOptions options) {
  auto rt = std::make_shared<LearningRuntime>(queue, std::move(blobs), std::move(options));
  return std::shared_ptr<LearningLoop>(rt, &rt->loop);
}

Status RegisterLearningJobs(jobs::Queue& queue, std::shared_ptr<LearningLoop> loop_ptr) {
  queue.RegisterHandler(
      std::string(kEvaluateDriftJob),
      [loop_ptr](jobs::JobContext& ctx) -> Status {
        LearningLoop& loop = *loop_ptr;
        if (!ctx.org_id()) {
          // The daily run: one deduped evaluation per org with actuals.
          SIGNX_ASSIGN_OR_RETURN(auto orgs, loop.OrgsWithActuals());
          const std::string day = DateOf(loop.clock().Now());
          int64_t created = 0;
          SIGNX_RETURN_IF_ERROR(loop.queue().store().WithTxn([&](storage::Txn& txn) -> Status {
            created = 0;
            for (const auto& org : orgs) {
              SIGNX_ASSIGN_OR_RETURN(
                  auto r, loop.queue().Enqueue(
                              txn, {.type = std::string(kEvaluateDriftJob),
                                    .org_id = org,
                                    .max_attempts = 5,
                                    .dedupe_key = fmt::format("drift-daily:{}:{}", org, day)}));
              created += r.created ? 1 : 0;
            }
            return Status::Ok();
          }));
          ctx.SetResult(http::ToJsonText(
              json::object{{"orgs", static_cast<int64_t>(orgs.size())}, {"enqueued", created}}));
          return Status::Ok();
        }
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        SIGNX_ASSIGN_OR_RETURN(auto e, loop.EvaluateDrift(scope, ctx.id()));
        ctx.SetResult(e ? http::ToJsonText(ToJson(*e))
                        : std::string(R"({"evaluated":false,"reason":"no cost model in production"})"));
        return Status::Ok();
      },
      {.max_concurrency = 1});
  queue.RegisterHandler(
      std::string(kRetrainJob),
      [loop_ptr](jobs::JobContext& ctx) -> Status {
        LearningLoop& loop = *loop_ptr;
        if (!ctx.org_id()) return InvalidArgument("estimating.retrain needs the job's org_id");
        const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
        SIGNX_ASSIGN_OR_RETURN(ModelEvaluation e, loop.Retrain(scope, ctx.id()));
        ctx.SetResult(http::ToJsonText(ToJson(e)));
        return Status::Ok();
      },
      {.max_concurrency = 1});
  return queue.ScheduleRecurring({.name = std::string(kEvaluateDriftJob) + ".daily",
                                  .type = std::string(kEvaluateDriftJob),
                                  .schedule = loop_ptr->options().daily_schedule});
}

}  // namespace signx::estimating
