#include "estimating/predict_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "base/clock.h"
#include "cache/memory_cache.h"
#include "estimating/shared_predictor.h"
#include "http/json.h"

namespace signx::estimating {

namespace {
constexpr auto kCacheTtl = std::chrono::hours(24);
}  // namespace

CostService::CostService(ml::ModelRegistry& registry, metrics::Registry& metrics,
                         cache::Cache* cache, ml::LiveModelOptions live_options)
    : registry_(registry),
      owned_cache_(cache
                       ? nullptr
                       : std::make_unique<cache::MemoryCache>(
                             SystemClock::Get(), cache::MemoryCacheOptions{.max_entries = 20'000,
                                                                           .max_bytes = 64 << 20})),
      cache_(cache ? cache : owned_cache_.get()),
      predictions_(metrics.AddCounter("estimates_predictions_total",
                                      "Cost predictions answered, by cache outcome",
                                      {"cache", "model_version"})),
      latency_(metrics
                   .AddHistogram("estimates_predict_latency_seconds",
                                 "Time to validate and answer one cost prediction", {},
                                 metrics::DefaultLatencyBuckets())
                   .WithLabels({})),
      live_(
          registry, std::string(kCostModelName), "cost model",
          metrics.AddCounter("estimates_model_reloads_total",
                             "Production cost model (re)loads, by outcome", {"outcome"}),
          [](const std::string& bytes) { return LoadCostPredictor(bytes); }, live_options) {}

CostService::~CostService() = default;

ml::LiveModel<CostPredictor>::Resolved CostService::For(std::string_view org_id) {
  return live_.For(org_id);
}

std::shared_ptr<const CostPredictor> CostService::Current(std::string_view org_id) {
  return live_.For(org_id).model;
}

void CostService::SetCurrent(std::shared_ptr<const CostPredictor> predictor) {
  std::string version = predictor ? predictor->bundle().model_version : "";
  live_.Set(std::move(predictor), std::move(version));
}

Status CostService::Reload() { return live_.Reload(); }

Status CostService::Reload(const ml::Owner& owner) { return live_.ReloadOwner(owner); }

void CostService::StartPolling(std::chrono::milliseconds interval) { live_.StartPolling(interval); }

namespace {

Status NoModel() {
  return Unavailable(
      "no cost model is in production yet: train one with `signx train cost --data "
      "<history.ndjson> --register --promote` (or upload a bundle to POST /v1/estimates/models "
      "and promote it)");
}

// The tenant rule for an answer of the platform default: its reference jobs are not the org's, so
// none of them is shown (the breakdown and the anomaly score, which aggregate them, stay).
void RestrictToOrg(CostPrediction& p, bool platform_default) {
  if (!platform_default) return;
  p.similar.clear();
  p.assumptions.push_back(
      "similar_projects: none shown — this org is priced by the platform default cost model, and "
      "similar past jobs come only from the org's own cost model (trained on its own records)");
}

}  // namespace

Result<CostPrediction> CostService::Predict(std::string_view org_id, const CostRequest& request) {
  auto served = live_.For(org_id);
  if (!served.model) return NoModel();
  SIGNX_ASSIGN_OR_RETURN(CostPrediction p, served.model->Predict(request));
  RestrictToOrg(p, served.platform);
  return p;
}

Result<std::string> CostService::PredictJson(std::string_view org_id,
                                             const boost::json::object& body) {
  const auto started = std::chrono::steady_clock::now();
  auto served = live_.For(org_id);
  if (!served.model) return NoModel();
  const std::shared_ptr<const CostPredictor>& predictor = served.model;
  SIGNX_ASSIGN_OR_RETURN(const CostRequest request, ParseCostRequest(body));
  const std::string& version = predictor->bundle().model_version;
  std::string spec_hash = SpecHash(request);
  // The same version may serve as the platform default (answers without similar jobs) and as an
  // org's own model (with them): the two never share an entry.
  const std::string key = fmt::format("estimates:predict:{}:{}:{}",
                                      served.platform ? "platform" : "org", version, spec_hash);
  auto observe = [&](const char* outcome) {
    predictions_.WithLabels({outcome, version}).Inc();
    latency_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  };
  if (auto hit = cache_->Get(key); hit.ok() && hit->has_value()) {
    observe("hit");
    return std::move(**hit);
  }
  SIGNX_ASSIGN_OR_RETURN(CostPrediction p, predictor->Predict(request, std::move(spec_hash)));
  RestrictToOrg(p, served.platform);
  std::string text = http::ToJsonText(ToJson(p));
  (void)cache_->Set(key, text, std::chrono::duration_cast<std::chrono::milliseconds>(kCacheTtl));
  observe("miss");
  return text;
}

Result<ml::ModelVersion> CostService::RegisterBundle(const ml::Owner& owner,
                                                     std::string_view bundle_json,
                                                     const std::string& created_by) {
  SIGNX_ASSIGN_OR_RETURN(CostBundle bundle, ParseCostBundle(bundle_json));
  const std::string version = bundle.model_version;
  const std::string card = boost::json::serialize(bundle.card);
  SIGNX_RETURN_IF_ERROR(CostPredictor::Create(std::move(bundle)).status());
  return registry_.Register(owner, std::string(kCostModelName), version, bundle_json, card,
                            created_by);
}

}  // namespace signx::estimating
