#include "ai/runner.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "ai/store.h"
#include "estimating/cost_model.h"
#include "estimating/shared_predictor.h"
#include "events/event_types.h"
#include "forecast/batch.h"
#include "forecast/forecast.h"
#include "http/json.h"
#include "leads/bundle.h"
#include "leads/lead.h"
#include "ml/registry.h"

namespace signx::ai {
namespace {

namespace json = boost::json;

constexpr std::size_t kLoadedPerKind = 2;

ml::Owner OwnerOf(const std::string& owner) { return ml::Owner::FromColumn(owner); }

template <typename T>
std::shared_ptr<const T> Lookup(
    const std::vector<std::pair<std::string, std::shared_ptr<const T>>>& v,
    const std::string& key) {
  for (const auto& [k, m] : v) {
    if (k == key) return m;
  }
  return nullptr;
}

template <typename T>
void Remember(std::vector<std::pair<std::string, std::shared_ptr<const T>>>& v,
              const std::string& key, std::shared_ptr<const T> model) {
  v.emplace_back(key, std::move(model));
  if (v.size() > kLoadedPerKind) v.erase(v.begin());
}

ResultRow Failed(std::size_t row, std::vector<FieldError> errors) {
  return {.row = static_cast<int64_t>(row),
          .ok = false,
          .output_json = {},
          .errors = std::move(errors)};
}

ResultRow Answered(std::size_t row, std::string output) {
  return {
      .row = static_cast<int64_t>(row), .ok = true, .output_json = std::move(output), .errors = {}};
}

json::array Numbers(const std::vector<double>& v) {
  json::array a;
  a.reserve(v.size());
  for (double d : v) a.push_back(d);
  return a;
}

// A forecast row: {series: [finite numbers], horizon: 1..kMaxHorizon, period?: 1..kMaxPeriod}.
Result<std::pair<std::vector<double>, forecast::Options>> ParseForecastRow(const json::object& row,
                                                                           double level) {
  std::vector<FieldError> bad;
  std::vector<double> series;
  forecast::Options options;
  options.level = level;
  const json::value* s = row.if_contains("series");
  if (s == nullptr || !s->is_array() || s->get_array().empty()) {
    bad.push_back({"series", "required: an array of at least 1 number, oldest first"});
  } else if (s->get_array().size() > kMaxSeriesLength) {
    bad.push_back({"series", fmt::format("at most {} values", kMaxSeriesLength)});
  } else {
    series.reserve(s->get_array().size());
    for (std::size_t i = 0; i < s->get_array().size(); ++i) {
      const json::value& v = s->get_array()[i];
      if (!v.is_number() || !std::isfinite(v.to_number<double>())) {
        bad.push_back({fmt::format("series[{}]", i), "must be a finite number"});
        break;
      }
      series.push_back(v.to_number<double>());
    }
  }
  auto int_field = [&](std::string_view name, int lo, int hi, int fallback, bool required) -> int {
    const json::value* v = row.if_contains(name);
    if (v == nullptr || v->is_null()) {
      if (required) bad.push_back({std::string(name), "required: an integer"});
      return fallback;
    }
    std::optional<int64_t> n;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= 1'000'000'000) {
      n = static_cast<int64_t>(v->get_uint64());
    } else if (v->is_double() && std::abs(v->get_double()) < 1e9 &&
               v->get_double() == std::floor(v->get_double())) {
      n = static_cast<int64_t>(v->get_double());
    }
    if (!n || *n < lo || *n > hi) {
      bad.push_back({std::string(name), fmt::format("must be an integer from {} to {}", lo, hi)});
      return fallback;
    }
    return static_cast<int>(*n);
  };
  options.horizon = int_field("horizon", 1, kMaxHorizon, 1, true);
  options.period = int_field("period", 1, kMaxPeriod, 1, false);
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  return std::make_pair(std::move(series), options);
}

Status AppendCompleted(events::Outbox& outbox, storage::Txn& txn, const InferenceJob& job,
                       std::string_view status, int64_t rows_failed, std::optional<int64_t> wall_ms,
                       const std::optional<std::string>& error) {
  json::object p{
      {"inference_id", job.id}, {"model", KindName(job.kind)}, {"model_version", job.model_version},
      {"status", status},       {"rows", job.rows_total},      {"rows_failed", rows_failed}};
  p["wall_ms"] = wall_ms ? json::value(*wall_ms) : json::value(nullptr);
  p["error"] = error ? json::value(*error) : json::value(nullptr);
  return outbox
      .Append(txn, {.type = std::string(events::kAiInferenceJobCompleted),
                    .org_id = job.org_id,
                    .subject_id = job.id,
                    .payload_json = http::ToJsonText(p)})
      .status();
}

}  // namespace

Result<ForecastConfig> ParseForecastConfig(std::string_view bytes) {
  std::error_code ec;
  json::value v = json::parse(bytes, ec);
  if (ec || !v.is_object()) {
    return Status(ErrorCode::kDataLoss, "the forecast model's configuration is not a JSON object");
  }
  ForecastConfig c;
  const json::object& o = v.get_object();
  if (const auto* s = o.if_contains("setup"); s && s->is_string()) c.setup = s->get_string();
  if (const auto* l = o.if_contains("level"); l && l->is_number()) c.level = l->to_number<double>();
  if (c.setup != "auto-1" || !(c.level > 0 && c.level < 1)) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("unsupported forecast model configuration (setup {}, level {})",
                              c.setup, c.level));
  }
  return c;
}

Result<std::string> ModelCache::Bytes(Kind kind, const std::string& owner,
                                      const std::string& version) {
  ml::ModelRegistry registry(store_, blobs_, SystemClock::Get());
  SIGNX_ASSIGN_OR_RETURN(ml::ModelVersion mv,
                         registry.Get(OwnerOf(owner), std::string(RegistryName(kind)), version));
  return registry.ReadBytes(mv);
}

Result<std::shared_ptr<const leads::Scorer>> ModelCache::Lead(const std::string& owner,
                                                              const std::string& version) {
  const std::string key = owner + "\n" + version;
  {
    std::lock_guard lock(mu_);
    if (auto m = Lookup(leads_, key)) return m;
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, Bytes(Kind::kLead, owner, version));
  SIGNX_ASSIGN_OR_RETURN(leads::ModelBundle bundle, leads::ParseBundle(bytes));
  SIGNX_ASSIGN_OR_RETURN(leads::Scorer scorer, leads::Scorer::Create(std::move(bundle)));
  auto shared = std::make_shared<const leads::Scorer>(std::move(scorer));
  std::lock_guard lock(mu_);
  Remember(leads_, key, shared);
  return shared;
}

Result<std::shared_ptr<const estimating::CostPredictor>> ModelCache::Cost(
    const std::string& owner, const std::string& version) {
  const std::string key = owner + "\n" + version;
  {
    std::lock_guard lock(mu_);
    if (auto m = Lookup(costs_, key)) return m;
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, Bytes(Kind::kCost, owner, version));
  // The predictor the API already serves for the same bundle, when it is loaded (one copy of a
  // ~15-20 MB model per process: estimating/shared_predictor.h).
  SIGNX_ASSIGN_OR_RETURN(std::shared_ptr<const estimating::CostPredictor> predictor,
                         estimating::LoadCostPredictor(bytes));
  std::lock_guard lock(mu_);
  Remember(costs_, key, predictor);
  return predictor;
}

Result<ForecastConfig> ModelCache::Forecast(const std::string& owner, const std::string& version) {
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, Bytes(Kind::kForecast, owner, version));
  return ParseForecastConfig(bytes);
}

std::vector<ResultRow> AnswerLeads(const leads::Scorer& scorer, const json::array& rows,
                                   std::size_t begin, std::size_t end, bool explain) {
  std::vector<ResultRow> out(end - begin);
  std::vector<leads::Lead> valid;
  std::vector<std::size_t> where;  // index into `out` of each valid lead
  for (std::size_t i = begin; i < end; ++i) {
    if (!rows[i].is_object()) {
      out[i - begin] = Failed(i, {{"", "must be an object"}});
      continue;
    }
    auto lead = leads::LeadFromJson(scorer.bundle().schema, rows[i].get_object());
    if (!lead.ok()) {
      out[i - begin] = Failed(i, ErrorsOf(lead.status()));
      continue;
    }
    valid.push_back(std::move(lead).value());
    where.push_back(i - begin);
  }
  if (!valid.empty()) {
    auto scores = scorer.Score(valid, {.explain = explain, .max_reasons = 5});
    for (std::size_t k = 0; k < where.size(); ++k) {
      const std::size_t row = begin + where[k];
      if (!scores.ok()) {
        out[where[k]] = Failed(row, ErrorsOf(scores.status()));
        continue;
      }
      std::string text;
      leads::AppendScoreJson(text, (*scores)[k]);
      out[where[k]] = Answered(row, std::move(text));
    }
  }
  return out;
}

std::vector<ResultRow> AnswerCosts(const estimating::CostPredictor& predictor,
                                   const json::array& rows, std::size_t begin, std::size_t end) {
  std::vector<ResultRow> out;
  out.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    if (!rows[i].is_object()) {
      out.push_back(Failed(i, {{"", "must be an object"}}));
      continue;
    }
    auto request = estimating::ParseCostRequest(rows[i].get_object());
    if (!request.ok()) {
      out.push_back(Failed(i, ErrorsOf(request.status())));
      continue;
    }
    auto p = predictor.Predict(*request);
    if (!p.ok()) {
      out.push_back(Failed(i, ErrorsOf(p.status())));
      continue;
    }
    // The result (cost, interval, breakdown) and the scores; never similar past jobs: those are
    // the model owner's records (ADR 0008), and a batch answer has no room to redact them.
    json::object full = estimating::ToJson(*p);
    json::object o;
    if (auto* r = full.if_contains("result"); r && r->is_object()) o = r->get_object();
    o["confidence"] = p->confidence;
    o["anomaly_score"] = p->anomaly_score;
    o["anomalous"] = p->anomalous;
    o["requires_engineering_review"] = p->requires_engineering_review;
    o["model_version"] = p->model_version;
    out.push_back(Answered(i, http::ToJsonText(o)));
  }
  return out;
}

std::vector<ResultRow> AnswerForecasts(const ForecastConfig& config, const json::array& rows,
                                       std::size_t begin, std::size_t end, int threads) {
  std::vector<ResultRow> out(end - begin);
  std::vector<std::pair<std::vector<double>, forecast::Options>> inputs(end - begin);
  std::vector<std::size_t> valid;
  for (std::size_t i = begin; i < end; ++i) {
    if (!rows[i].is_object()) {
      out[i - begin] = Failed(i, {{"", "must be an object"}});
      continue;
    }
    auto parsed = ParseForecastRow(rows[i].get_object(), config.level);
    if (!parsed.ok()) {
      out[i - begin] = Failed(i, ErrorsOf(parsed.status()));
      continue;
    }
    inputs[i - begin] = std::move(parsed).value();
    valid.push_back(i - begin);
  }
  // Each series is forecast on its own (AutoForecast is pure and thread-safe).
  forecast::ParallelFor(valid.size(), threads, [&](std::size_t k) {
    const std::size_t at = valid[k];
    const std::size_t row = begin + at;
    const auto& [series, options] = inputs[at];
    auto f = forecast::AutoForecast(series, options);
    if (!f.ok()) {
      out[at] = Failed(row, ErrorsOf(f.status()));
      return;
    }
    json::array notes;
    for (const auto& n : f->notes) notes.push_back(json::string(n));
    json::object o{{"method", f->method},        {"horizon", options.horizon},
                   {"period", options.period},   {"level", f->level},
                   {"point", Numbers(f->point)}, {"lower", Numbers(f->lower)},
                   {"upper", Numbers(f->upper)}, {"notes", std::move(notes)}};
    out[at] = Answered(row, http::ToJsonText(o));
  });
  return out;
}

Result<RunOutcome> RunInference(storage::Store& store, const blobs::BlobStore& blobs,
                                ModelCache& models, events::Outbox& outbox, const Clock& clock,
                                const std::string& org_id, const std::string& inference_id,
                                int attempt, const std::function<bool(int)>& progress,
                                const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  // Start the attempt (or find the job already finished by an earlier run of this job).
  SIGNX_ASSIGN_OR_RETURN(
      InferenceJob job,
      store.WithTxnResult<InferenceJob>([&](storage::Txn& txn) -> Result<InferenceJob> {
        InferenceStore s(txn, org_id, clock);
        SIGNX_ASSIGN_OR_RETURN(InferenceJob j, s.Get(inference_id));
        if (j.status == kSucceeded || j.status == kFailed) return j;
        SIGNX_RETURN_IF_ERROR(s.StartAttempt(inference_id, attempt));
        j.status = std::string(kRunning);
        return j;
      }));
  if (job.status == kSucceeded) {
    return RunOutcome{std::string(kSucceeded), job.rows_done, job.rows_failed,
                      job.wall_ms.value_or(0)};
  }
  if (job.status == kFailed) {
    return Status(ErrorCode::kFailedPrecondition, fmt::format("inference job {} already failed: {}",
                                                              job.id, job.error.value_or("")));
  }

  // The model first: a missing version fails before any row is answered.
  std::function<std::vector<ResultRow>(const json::array&, std::size_t, std::size_t)> answer;
  switch (job.kind) {
    case Kind::kLead: {
      SIGNX_ASSIGN_OR_RETURN(auto scorer, models.Lead(job.model_owner, job.model_version));
      const bool explain = job.explain;
      answer = [scorer, explain](const json::array& rows, std::size_t b, std::size_t e) {
        return AnswerLeads(*scorer, rows, b, e, explain);
      };
      break;
    }
    case Kind::kCost: {
      SIGNX_ASSIGN_OR_RETURN(auto predictor, models.Cost(job.model_owner, job.model_version));
      answer = [predictor](const json::array& rows, std::size_t b, std::size_t e) {
        return AnswerCosts(*predictor, rows, b, e);
      };
      break;
    }
    case Kind::kForecast: {
      SIGNX_ASSIGN_OR_RETURN(ForecastConfig config,
                             models.Forecast(job.model_owner, job.model_version));
      const int threads = options.threads;
      answer = [config, threads](const json::array& rows, std::size_t b, std::size_t e) {
        return AnswerForecasts(config, rows, b, e, threads);
      };
      break;
    }
  }

  SIGNX_ASSIGN_OR_RETURN(std::string input, blobs.Read(job.input_sha256));
  std::error_code ec;
  json::value parsed = json::parse(input, ec);
  input.clear();
  input.shrink_to_fit();
  if (ec || !parsed.is_array()) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("the input of inference job {} is not a JSON array", job.id));
  }
  const json::array& rows = parsed.get_array();
  const std::size_t n = rows.size();
  const std::size_t chunk = std::max<std::size_t>(1, options.chunk_rows);
  int64_t done = 0, failed = 0;
  for (std::size_t begin = 0; begin < n; begin += chunk) {
    const std::size_t end = std::min(n, begin + chunk);
    std::vector<ResultRow> answered = answer(rows, begin, end);
    for (const auto& r : answered) failed += r.ok ? 0 : 1;
    done += static_cast<int64_t>(answered.size());
    // At most 99 until the job is finished (100 = succeeded).
    const int percent =
        static_cast<int>(std::min<int64_t>(99, done * 100 / static_cast<int64_t>(n)));
    SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
      InferenceStore s(txn, org_id, clock);
      // The fence first: a superseded attempt writes nothing.
      SIGNX_RETURN_IF_ERROR(s.SetProgress(job.id, attempt, done, failed, percent));
      return s.AppendResults(job.id, answered);
    }));
    if (options.after_chunk) SIGNX_RETURN_IF_ERROR(options.after_chunk(attempt, done));
    if (progress && !progress(percent)) {
      return Status(ErrorCode::kCancelled, fmt::format("inference job {} was stopped", job.id));
    }
  }
  const int64_t wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    InferenceStore s(txn, org_id, clock);
    SIGNX_RETURN_IF_ERROR(s.Finish(job.id, attempt, kSucceeded, wall_ms, std::nullopt));
    return AppendCompleted(outbox, txn, job, kSucceeded, failed, wall_ms, std::nullopt);
  }));
  outbox.Notify();
  return RunOutcome{std::string(kSucceeded), done, failed, wall_ms};
}

Status RecordFailure(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                     const std::string& org_id, const std::string& inference_id, int attempt,
                     const Status& error, bool final) {
  const std::string message = error.ToString();
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    InferenceStore s(txn, org_id, clock);
    SIGNX_ASSIGN_OR_RETURN(InferenceJob job, s.Get(inference_id));
    // Finished, or a later attempt owns the row (a recovered lease): nothing to record.
    if (job.status == kSucceeded || job.status == kFailed || job.attempts != attempt) {
      return Status::Ok();
    }
    if (!final) return s.MarkRetrying(inference_id, attempt, message);
    SIGNX_RETURN_IF_ERROR(s.Finish(inference_id, attempt, kFailed, std::nullopt, message));
    return AppendCompleted(outbox, txn, job, kFailed, job.rows_failed, std::nullopt, message);
  }));
  if (final) outbox.Notify();
  return Status::Ok();
}

void RegisterInferenceJobs(jobs::Queue& queue, std::shared_ptr<const blobs::BlobStore> blobs,
                           events::Outbox& outbox, RunOptions options) {
  storage::Store& store = queue.store();
  auto models = std::make_shared<ModelCache>(store, *blobs);
  queue.RegisterHandler(
      std::string(kRunInferenceJob),
      [&store, &outbox, blobs, models, options](jobs::JobContext& ctx) -> Status {
        std::error_code ec;
        json::value payload = json::parse(ctx.payload(), ec);
        const json::value* id =
            !ec && payload.is_object() ? payload.get_object().if_contains("inference_id") : nullptr;
        if (id == nullptr || !id->is_string() || !ctx.org_id() || ctx.org_id()->empty()) {
          return Status(ErrorCode::kInvalidArgument,
                        "ai.run_inference needs an org and {\"inference_id\": \"inf_...\"}");
        }
        const std::string inference_id(id->get_string());
        int last = -1;
        auto progress = [&ctx, &last](int percent) {
          if (percent != last) {
            last = percent;
            if (!ctx.SetProgress(percent).ok()) return false;
          }
          return !ctx.cancelled();
        };
        auto outcome = RunInference(store, *blobs, *models, outbox, SystemClock::Get(),
                                    *ctx.org_id(), inference_id, ctx.attempt(), progress, options);
        if (outcome.ok()) {
          ctx.SetResult(http::ToJsonText(json::object{{"inference_id", inference_id},
                                                      {"rows", outcome->rows},
                                                      {"rows_failed", outcome->rows_failed},
                                                      {"wall_ms", outcome->wall_ms}}));
          return Status::Ok();
        }
        const Status& st = outcome.status();
        // Another worker recovered the lease and runs the job now: its row is that run's.
        if (ctx.lease_lost()) return st;
        // A worker that stops gives the job back without using an attempt: it stays queued.
        const bool released = st.code() == ErrorCode::kCancelled && ctx.stopping();
        const bool final =
            !released && (jobs::Queue::IsPermanent(st) || st.code() == ErrorCode::kCancelled ||
                          ctx.attempt() >= ctx.job().max_attempts);
        if (Status rec = RecordFailure(store, outbox, SystemClock::Get(), *ctx.org_id(),
                                       inference_id, ctx.attempt(), st, final);
            !rec.ok()) {
          return rec;
        }
        return st;
      },
      {.max_concurrency = 2});
}

}  // namespace signx::ai
