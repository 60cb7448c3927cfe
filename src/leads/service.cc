#include "leads/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <thread>

#include "base/strings.h"
#include "leads/bundle.h"
#include "leads/lake_rows.h"
#include "leads/lead.h"
#include "leads/parallel.h"

namespace signx::leads {

LeadsService::LeadsService(ml::ModelRegistry& registry, metrics::Registry& metrics,
                           lake::LakeWriter* lake, ServiceOptions options)
    : registry_(registry),
      lake_(lake),
      options_(std::move(options)),
      predictions_(metrics.AddCounter("leads_predictions_total",
                                      "Leads scored, by tier and model (the platform default's "
                                      "version, or org_model for an org's own)",
                                      {"tier", "model_version"})),
      latency_(metrics
                   .AddHistogram("leads_model_latency_seconds",
                                 "Time to validate, encode and score one request's leads", {},
                                 metrics::DefaultLatencyBuckets())
                   .WithLabels({})),
      unknown_categories_(
          metrics
              .AddCounter("leads_unknown_categories_total",
                          "Category values in scored leads that the model never saw in training")
              .WithLabels({})),
      live_(
          registry, std::string(kModelName), "lead model",
          metrics.AddCounter("leads_model_reloads_total", "Production model (re)loads, by outcome",
                             {"outcome"}),
          [](const std::string& bytes) -> Result<std::shared_ptr<const LoadedModel>> {
            SIGNX_ASSIGN_OR_RETURN(ModelBundle bundle, ParseBundle(bytes));
            SIGNX_ASSIGN_OR_RETURN(ml::Booster booster, ml::Booster::LoadRaw(bundle.booster));
            SIGNX_RETURN_IF_ERROR(booster.SetParam("nthread", "1"));
            SIGNX_ASSIGN_OR_RETURN(Scorer scorer, Scorer::Create(std::move(bundle)));
            return std::make_shared<const LoadedModel>(
                LoadedModel{std::move(scorer), std::move(booster)});
          },
          options_.models) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const int helpers = options_.batch_threads >= 0 ? options_.batch_threads : std::max(0, cores - 1);
  if (helpers > 0) {
    batch_pool_ = std::make_unique<runtime::BlockingPool>(static_cast<std::size_t>(helpers),
                                                          static_cast<std::size_t>(4 * helpers));
  }
  if (lake_) {
    if (Status st = lake_->Declare(LeadScoresDataset()); !st.ok()) {
      spdlog::error("lake dataset lead_scores: {}", st.message());
      lake_ = nullptr;
    }
  }
}

void LeadsService::LogToLake(std::string_view request_id, const boost::json::object& lead,
                             const LeadScore& score, std::string_view lead_text) {
  if (!lake_) return;
  (void)lake_->Append(
      "lead_scores",
      LeadScoreLakeRow(SystemClock::Get().Now(), request_id, score,
                       lead_text.empty() ? boost::json::serialize(lead) : MinifiedJson(lead_text)));
}

void LeadsService::LogToLake(const http::Request& request, const Schema& schema,
                             const boost::json::object& lead, const LeadScore& score,
                             std::string_view lead_text) {
  LogToLake(request.request_id, lead, score, lead_text);
  if (!options_.score_log || !request.principal || score.lead_id.empty()) return;
  (void)options_.score_log->Add(ScoreLogEntryOf(request.principal->org_id, score,
                                                request.request_id, SystemClock::Get().Now(),
                                                DisplayValues(schema, lead)));
}

std::shared_ptr<const ml::Booster> LeadsService::CurrentBooster(std::string_view org_id) {
  auto m = live_.For(org_id).model;
  return m ? std::shared_ptr<const ml::Booster>(m, &m->booster) : nullptr;
}

Result<LeadScore> LeadsService::ScoreJson(const Scorer& scorer, const boost::json::object& lead,
                                          const ScoreOptions& options,
                                          std::string_view request_id) const {
  if (options_.remote) return options_.remote->ScoreJson(scorer.bundle(), lead, request_id);
  return scorer.ScoreJson(lead, options);
}

Result<std::vector<LeadScore>> LeadsService::ScoreJsonBatch(const Scorer& scorer,
                                                            const boost::json::array& leads,
                                                            const ScoreOptions& options,
                                                            std::string_view request_id) const {
  if (options_.remote) return options_.remote->ScoreJsonBatch(scorer.bundle(), leads, request_id);
  return scorer.ScoreJsonBatch(leads, options);
}

Result<LeadsService::BatchAnswer> LeadsService::ScoreBatch(const Scorer& scorer,
                                                           const boost::json::array& leads,
                                                           const ScoreOptions& options,
                                                           const http::Request& request) {
  const ModelBundle& bundle = scorer.bundle();
  const std::size_t n = leads.size();
  BatchAnswer answer;
  answer.tally.model_version = bundle.model_version;
  const bool log_scores = options_.score_log != nullptr && request.principal;
  const std::string org_id = log_scores ? request.principal->org_id : std::string();
  const Timestamp now = SystemClock::Get().Now();
  const std::size_t chunk_size = options_.remote ? std::max<std::size_t>(n, 1) : kBatchChunk;
  const std::size_t chunks = (n + chunk_size - 1) / chunk_size;
  const std::size_t helpers = batch_pool_ ? batch_pool_->threads() : 0;
  // The leads' own text in the body, for the lake rows' features (no second serialisation).
  std::optional<std::vector<std::string>> lead_texts;
  if (lake_) {
    lead_texts = MinifiedArrayElements(request.body, "leads");
    if (lead_texts && lead_texts->size() != n) lead_texts.reset();
  }

  // 1. Validate every lead (in chunks, in parallel): nothing is scored when one is invalid.
  std::vector<Lead> parsed(n);
  std::vector<std::vector<FieldError>> chunk_errors(chunks);
  ForEachChunk(batch_pool_.get(), helpers, chunks, [&](std::size_t c) {
    const std::size_t begin = c * chunk_size, end = std::min(n, begin + chunk_size);
    for (std::size_t i = begin; i < end; ++i) {
      const auto* o = leads[i].if_object();
      if (!o) {
        chunk_errors[c].push_back({fmt::format("leads[{}]", i), "must be a JSON object"});
        continue;
      }
      auto lead = LeadFromJson(bundle.schema, *o);
      if (!lead.ok()) {
        for (const auto& e : lead.status().details()) {
          chunk_errors[c].push_back({fmt::format("leads[{}].{}", i, e.field), e.message});
        }
        continue;
      }
      parsed[i] = std::move(lead).value();
    }
  });
  std::vector<FieldError> errors;
  for (auto& part : chunk_errors) {
    for (auto& e : part) errors.push_back(std::move(e));
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "some leads are invalid");

  // 2. Score, render and log, chunk by chunk. Lake rows go out as soon as a chunk is scored;
  // score-log entries are added in lead order at the end (within a batch the last score of a lead
  // wins there).
  struct Chunk {
    Status failure;
    std::string json;
    std::vector<ScoreLogEntry> log_entries;
    ScoreTally tally;
  };
  std::vector<Chunk> parts(chunks);
  ForEachChunk(batch_pool_.get(), helpers, chunks, [&](std::size_t c) {
    Chunk& part = parts[c];
    const std::size_t begin = c * chunk_size, end = std::min(n, begin + chunk_size);
    const std::span<const Lead> chunk(parsed.data() + begin, end - begin);
    auto scored = options_.remote ? options_.remote->Score(bundle, chunk, request.request_id)
                                  : scorer.Score(chunk, options);
    if (!scored.ok()) {
      part.failure = scored.status();
      return;
    }
    part.json.reserve(chunk.size() * (options.explain ? 800 : 160));
    for (std::size_t i = begin; i < end; ++i) {
      const LeadScore& s = (*scored)[i - begin];
      if (i > 0) part.json += ',';
      const auto [reasons_at, reasons_end] = AppendScoreJson(part.json, s, remote());
      part.tally.Add(s);
      const auto& lead = leads[i].get_object();
      if (lake_) {
        (void)lake_->Append("lead_scores",
                            LeadScoreLakeRow(now, request.request_id, s,
                                             lead_texts ? std::move((*lead_texts)[i])
                                                        : boost::json::serialize(lead)));
      }
      if (log_scores && !s.lead_id.empty()) {
        // The reasons' text is the answer's, just written (reused before part.json grows).
        part.log_entries.push_back(ScoreLogEntryOf(
            org_id, s, request.request_id, now, DisplayValues(bundle.schema, lead),
            std::string_view(part.json).substr(reasons_at, reasons_end - reasons_at)));
      }
    }
    // The leads' typed values are no longer needed: release them while other chunks run.
    for (std::size_t i = begin; i < end; ++i) parsed[i] = Lead();
  });
  for (const auto& part : parts) {
    if (!part.failure.ok()) return part.failure;
  }
  std::size_t bytes = 64 + bundle.model_version.size();
  for (const auto& part : parts) bytes += part.json.size();
  answer.body.reserve(bytes);
  answer.body = "{\"model_version\":";
  AppendJsonString(answer.body, bundle.model_version);
  answer.body += ",\"results\":[";
  for (auto& part : parts) {
    answer.body += part.json;
    std::string().swap(part.json);
    for (int t = 0; t < 5; ++t) answer.tally.by_tier[t] += part.tally.by_tier[t];
    answer.tally.unknown_categories += part.tally.unknown_categories;
    for (auto& entry : part.log_entries) (void)options_.score_log->Add(std::move(entry));
  }
  answer.body += "]}";
  return answer;
}

void LeadsService::ScoreTally::Add(const LeadScore& score) {
  ++by_tier[std::clamp(score.tier - 'A', 0, 4)];
  unknown_categories += score.unknown_categories;
}

LeadsService::~LeadsService() = default;

std::shared_ptr<const Scorer> LeadsService::Current(std::string_view org_id) {
  auto m = live_.For(org_id).model;
  return m ? std::shared_ptr<const Scorer>(m, &m->scorer) : nullptr;
}

std::optional<LeadsService::InUse> LeadsService::InUseFor(std::string_view org_id) {
  auto r = live_.For(org_id);
  if (!r.model) return std::nullopt;
  return InUse{r.version, r.platform};
}

Status LeadsService::Reload() { return live_.Reload(); }

Status LeadsService::Reload(const ml::Owner& owner) { return live_.ReloadOwner(owner); }

void LeadsService::StartPolling(std::chrono::milliseconds interval) {
  live_.StartPolling(interval);
}

Result<ml::ModelVersion> LeadsService::RegisterBundle(const ml::Owner& owner,
                                                      std::string_view bundle_json,
                                                      const std::string& created_by) {
  SIGNX_ASSIGN_OR_RETURN(ModelBundle bundle, ParseBundle(bundle_json));
  const std::string version = bundle.model_version;
  const std::string card = boost::json::serialize(bundle.card);
  SIGNX_RETURN_IF_ERROR(Scorer::Create(std::move(bundle)).status());
  return registry_.Register(owner, std::string(kModelName), version, bundle_json, card, created_by);
}

void LeadsService::Record(std::span<const LeadScore> scores, double seconds) {
  ScoreTally tally;
  if (!scores.empty()) tally.model_version = scores.front().model_version;
  for (const auto& s : scores) tally.Add(s);
  Record(tally, seconds);
}

void LeadsService::Record(const ScoreTally& tally, double seconds) {
  latency_.Observe(seconds);
  int total = 0;
  for (const int count : tally.by_tier) total += count;
  if (total == 0) return;
  // /metrics is public: the platform default is counted by its version, an org's own model only
  // as "org_model", so no one learns another org's model version or volume from the label.
  // One model version per request: each tier's counter is touched once.
  const std::string& version = tally.model_version;
  auto platform = Current("");
  const std::string model_label =
      platform && platform->bundle().model_version == version ? version : std::string(kOrgModel);
  for (int t = 0; t < 5; ++t) {
    if (tally.by_tier[t] > 0) {
      predictions_.WithLabels({std::string(1, static_cast<char>('A' + t)), model_label})
          .Inc(tally.by_tier[t]);
    }
  }
  if (tally.unknown_categories > 0) unknown_categories_.Inc(tally.unknown_categories);
}

}  // namespace signx::leads
